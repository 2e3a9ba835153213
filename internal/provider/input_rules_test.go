package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// wrapped matches s in Terraform's output, where any space may have become a line break.
func wrapped(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		words = append(words, regexp.QuoteMeta(w))
	}
	return strings.Join(words, `\s+`)
}

// A rename to a name DigitalOcean's droplet schema refuses (longer than 255 characters, or
// not matching its pattern) is refused at plan time, by the resource and by the Terraform
// action alike, with an error on name that cites the rule; nothing is sent.
func TestAccRenameOutsideDropletNameRuleRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	want := regexp.MustCompile(`(?s)Invalid droplet action argument.*name\s+must\s+match\s+` + regexp.QuoteMeta(client.DropletNamePattern) +
		`\s+and\s+be\s+at\s+most\s+255\s+characters`)
	for name, tc := range map[string]struct {
		value  string
		action bool
	}{
		"300 characters":           {strings.Repeat("a", 300), false},
		"ends in a hyphen":         {"web-", false},
		"action, 300 characters":   {strings.Repeat("a", 300), true},
		"action, ends in a period": {"web.", true},
	} {
		t.Run(name, func(t *testing.T) {
			skipWithoutActionsIf(t, tc.action)
			cfg := fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"rename\"\n  name = %q\n}\n", d.ID, tc.value)
			if tc.action {
				cfg = triggeredAction("v1", fmt.Sprintf("droplet_id = %d\n    type = \"rename\"\n    name = %q", d.ID, tc.value))
			}
			tcase := resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Config: providerConfig(api) + cfg, ExpectError: want}},
			}
			if tc.action {
				tcase.TerraformVersionChecks = actionsNeedTerraform
			}
			resource.Test(t, tcase)
		})
	}
	if n := api.Stats().ByMethod["POST"]; n != 0 {
		t.Errorf("%d POSTs for names DigitalOcean refuses, want none", n)
	}
}

// A tag DigitalOcean's tag schema refuses ("my web servers": spaces) is refused at plan time
// wherever a tag is taken, the bulk resource and the Terraform action, citing the rule;
// nothing is sent, not even the listing of the tag's droplets.
func TestAccTagOutsideTagRuleRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	want := regexp.MustCompile(`(?s)Invalid tag name.*tag_name\s+must\s+match\s+` + regexp.QuoteMeta(client.TagNamePattern) +
		`\s+and\s+be\s+at\s+most\s+255\s+characters.*` + wrapped(`got "my web servers"`))
	for name, tc := range map[string]struct {
		config string
		action bool
	}{
		"bulk resource": {"resource \"gradient_droplet_bulk_action\" \"b\" {\n  tag_name = \"my web servers\"\n  type = \"power_cycle\"\n}\n", false},
		"action":        {triggeredAction("v1", "tag_name = \"my web servers\"\n    type = \"power_cycle\""), true},
	} {
		t.Run(name, func(t *testing.T) {
			skipWithoutActionsIf(t, tc.action)
			tcase := resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps:                    []resource.TestStep{{Config: providerConfig(api) + tc.config, ExpectError: want}},
			}
			if tc.action {
				tcase.TerraformVersionChecks = actionsNeedTerraform
			}
			resource.Test(t, tcase)
		})
	}
	if n := api.Stats().Total; n != 0 {
		t.Errorf("%d requests for a tag DigitalOcean refuses, want none", n)
	}
}

// gradient_droplet_power reads the droplet before acting; when DigitalOcean has no such
// droplet the error says so, on droplet_id, and that nothing was sent, rather than
// reporting an action that was never asked for.
func TestAccDropletPower_unknownDroplet(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	const missing = 987654321
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + powerConfig("p", missing, "off", ""),
			ExpectError: regexp.MustCompile(`(?s)Error: Droplet not found.*` +
				wrapped(fmt.Sprintf("Reading droplet %d before acting on it found no such droplet, so no shutdown was sent.", missing))),
		}},
	})
	if st := api.Stats(); st.ByMethod["POST"] != 0 || st.Total == 0 {
		t.Errorf("%d requests, %d of them POSTs: want the droplet's read and no POST", st.Total, st.ByMethod["POST"])
	}
}
