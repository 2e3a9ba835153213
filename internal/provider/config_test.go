package provider

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// A provider block the provider cannot honour is refused at plan time, naming the
// attribute, and nothing is sent: tuning that contradicts itself (a first read later than
// the grid's spacing, a shortest retry wait longer than the longest) and a
// requests_per_minute outside 1..250.
func TestAccInvalidProviderBlock(t *testing.T) {
	t.Parallel()
	const rpmRange = `(?s)requests_per_minute\s+must\s+be\s+between\s+1\s+and\s+250`
	for name, tc := range map[string]struct{ args, want string }{
		"poll":    {"poll_interval_min = 30\n  poll_interval_max = 1", `(?s)poll_interval_min\s+\(30\s+s\)\s+must\s+not\s+be\s+greater\s+than\s+poll_interval_max\s+\(1\s+s\)`},
		"retry":   {"http_retry_wait_min = 10\n  http_retry_wait_max = 2", `(?s)http_retry_wait_min\s+\(10\s+s\)\s+must\s+not\s+be\s+greater\s+than\s+http_retry_wait_max\s+\(2\s+s\)`},
		"rpm 0":   {"requests_per_minute = 0", rpmRange},
		"rpm 251": {"requests_per_minute = 251", rpmRange},
		"rpm -3":  {"requests_per_minute = -3", rpmRange},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := newTestAPI(t)
			d := api.AddDroplet(fakeapi.Droplet{})
			cfg := fmt.Sprintf("provider \"gradient\" {\n  access_token = %q\n  api_endpoint = %q\n  %s\n}\n", testToken, api.URL(), tc.args) +
				faultRebootConfig(d.ID, "")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Config: cfg, ExpectError: regexp.MustCompile(tc.want)}},
			})
			if n := api.Stats().Total; n != 0 {
				t.Errorf("%d requests reached the API with an invalid provider block, want none", n)
			}
		})
	}
}

// An api_endpoint copied from DigitalOcean's API reference ends in /v2: the provider uses
// it without the /v2 (with a warning) rather than asking for /v2/v2/... and misreading the
// 404 as a missing droplet.
func TestAccAPIEndpointEndingInV2(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := strings.Replace(providerConfig(api), fmt.Sprintf("%q", api.URL()), fmt.Sprintf("%q", api.URL()+"/v2/"), 1) + faultRebootConfig(d.ID, "")
	if !strings.Contains(cfg, "/v2/\"") {
		t.Fatal("the test's configuration does not end api_endpoint in /v2/")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				for _, r := range api.Requests() {
					if strings.HasPrefix(r.Path, "/v2/v2") {
						return fmt.Errorf("%s %s: the endpoint's /v2 was added twice", r.Method, r.Path)
					}
				}
				if accepted, _ := initiates(api); accepted != 1 {
					return fmt.Errorf("%d actions started, want the one reboot", accepted)
				}
				return nil
			},
		}},
	})
}

// A timeout of zero or less leaves no time to wait: it is refused at plan time, naming the
// attribute, in the resource, the bulk resource and the Terraform action, and nothing is
// sent.
func TestAccNonPositiveTimeoutsRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	cases := map[string]struct {
		config string
		want   string
		action bool
	}{
		"resource zero":     {faultRebootConfig(d.ID, "  timeouts {\n    create = \"0s\"\n  }\n"), `timeouts.create`, false},
		"resource negative": {faultRebootConfig(d.ID, "  timeouts {\n    create = \"-5m\"\n  }\n"), `timeouts.create`, false},
		"bulk zero": {`
resource "gradient_droplet_bulk_action" "b" {
  tag_name = "web"
  type     = "power_cycle"
  timeouts {
    create = "0s"
  }
}
`, `timeouts.create`, false},
		"action zero": {triggeredAction("v1", fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"\n    timeouts {\n      invoke = \"0s\"\n    }", d.ID)), `timeouts.invoke`, true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			skipWithoutActionsIf(t, tc.action)
			tcase := resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config:      providerConfig(api) + tc.config,
					ExpectError: regexp.MustCompile(`(?s)Invalid timeout.*` + regexp.QuoteMeta(tc.want) + `\s+must\s+be\s+a\s+positive\s+duration`),
				}},
			}
			if tc.action {
				tcase.TerraformVersionChecks = actionsNeedTerraform
			}
			resource.Test(t, tcase)
		})
	}
	if n := api.Stats().ByMethod["POST"]; n != 0 {
		t.Errorf("%d POSTs with timeouts that leave no time to wait, want none", n)
	}
}

// DigitalOcean refuses a droplet name that is not a hostname: a rename to one is refused at
// plan time with the rule, naming the attribute, and no POST is sent.
func TestAccRenameToANonHostnameRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "rename"
  name       = "my web server!"
}
`, d.ID),
			ExpectError: regexp.MustCompile(`(?s)name\s+must\s+match\s+` + regexp.QuoteMeta(client.DropletNamePattern) + `.*got\s+"my\s+web\s+server!"`),
		}},
	})
	if n := api.Stats().ByMethod["POST"]; n != 0 {
		t.Errorf("%d POSTs for a name DigitalOcean refuses, want none", n)
	}
}

// validateResource asks the provider, as Terraform does at plan time, to validate a
// configuration of resource typeName in which only attrs are set, and returns the errors.
func validateResource(t *testing.T, typeName string, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	srv, err := testProviderFactories["gradient"]()
	if err != nil {
		t.Fatal(err)
	}
	sch := providerSchema(t).ResourceSchemas[typeName]
	if sch == nil {
		t.Fatalf("no schema for %s", typeName)
	}
	objType, ok := sch.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema of %s is not an object", typeName)
	}
	vals := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
		if v, set := attrs[name]; set {
			vals[name] = v
		}
	}
	cfg, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, vals))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.ValidateResourceConfig(t.Context(), &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	var errs []*tfprotov6.Diagnostic
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d)
		}
	}
	return errs
}

// A mistyped type is one mistake and gets one error, which lists the valid types.
func TestMistypedTypeIsOneError(t *testing.T) {
	t.Parallel()
	for _, typeName := range []string{"gradient_droplet_action", "gradient_droplet_bulk_action"} {
		attrs := map[string]tftypes.Value{"type": tftypes.NewValue(tftypes.String, "rebot")}
		if typeName == "gradient_droplet_action" {
			attrs["droplet_id"] = tftypes.NewValue(tftypes.Number, 1001)
		} else {
			attrs["tag_name"] = tftypes.NewValue(tftypes.String, "web")
		}
		errs := validateResource(t, typeName, attrs)
		if len(errs) != 1 {
			var got []string
			for _, d := range errs {
				got = append(got, d.Summary+": "+d.Detail)
			}
			t.Errorf("%s: %d errors for one mistyped type, want 1:\n  %s", typeName, len(errs), strings.Join(got, "\n  "))
			continue
		}
		if !strings.Contains(errs[0].Detail, "power_cycle") || !strings.Contains(errs[0].Detail, "rebot") {
			t.Errorf("%s: the error does not list the valid types and the value given: %s", typeName, errs[0].Detail)
		}
	}
}

// A droplet_id that no droplet can have (fractional, huge, zero) is one plan error naming
// the attribute and the range, in every place a configuration sets one; nothing is sent.
func TestInvalidDropletIDIsOneError(t *testing.T) {
	t.Parallel()
	for _, v := range []*big.Float{big.NewFloat(1001.5), big.NewFloat(1e20), big.NewFloat(0), big.NewFloat(-4)} {
		errs := validateResource(t, "gradient_droplet_action", map[string]tftypes.Value{
			"type":       tftypes.NewValue(tftypes.String, "reboot"),
			"droplet_id": tftypes.NewValue(tftypes.Number, v),
		})
		if len(errs) != 1 || !strings.Contains(errs[0].Detail, "droplet_id must be a whole number between 1 and 9007199254740992") {
			var got []string
			for _, d := range errs {
				got = append(got, d.Summary+": "+d.Detail)
			}
			t.Errorf("droplet_id = %s: %d errors, want the one naming the range:\n  %s", v.Text('g', -1), len(errs), strings.Join(got, "\n  "))
		}
	}
	if errs := validateResource(t, "gradient_droplet_action", map[string]tftypes.Value{
		"type":       tftypes.NewValue(tftypes.String, "reboot"),
		"droplet_id": tftypes.NewValue(tftypes.Number, big.NewFloat(9007199254740992)),
	}); len(errs) != 0 {
		t.Errorf("droplet_id = 2^53 refused: %v", errs[0].Detail)
	}
}

func TestAccFractionalDropletIDRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + `
resource "gradient_droplet_action" "r" {
  droplet_id = 1001.5
  type       = "reboot"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Invalid droplet ID.*droplet_id\s+must\s+be\s+a\s+whole\s+number\s+between\s+1\s+and\s+9007199254740992`),
		}},
	})
	if n := api.Stats().Total; n != 0 {
		t.Errorf("%d requests with a fractional droplet_id, want none", n)
	}
}
