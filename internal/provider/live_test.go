package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// The live tests run against DigitalOcean itself (or whatever GRADIENT_BASE_URL names, such
// as the fake API for a dry run). They need, besides TF_ACC=1 and a Terraform CLI:
//
//	TF_ACC_LIVE=1                 the opt-in to touching a real account
//	DIGITALOCEAN_ACCESS_TOKEN     a token with droplet:read and droplet:update
//	GRADIENT_LIVE_DROPLET_ID      the droplet to read (and, below, reboot)
//	GRADIENT_LIVE_REBOOT=1        a second opt-in: reboot that droplet
const (
	liveEnv        = "TF_ACC_LIVE"
	liveDropletEnv = "GRADIENT_LIVE_DROPLET_ID"
	liveRebootEnv  = "GRADIENT_LIVE_REBOOT"
)

// liveDroplet returns the droplet of the live tests, skipping the test unless every
// variable it needs is set.
func liveDroplet(t *testing.T) string {
	t.Helper()
	droplet := os.Getenv(liveDropletEnv)
	if os.Getenv(liveEnv) != "1" || os.Getenv("DIGITALOCEAN_ACCESS_TOKEN") == "" || droplet == "" {
		t.Skipf("live test: set TF_ACC=1, %s=1, DIGITALOCEAN_ACCESS_TOKEN and %s to run it", liveEnv, liveDropletEnv)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(droplet) {
		t.Fatalf("%s=%q: want a droplet's numeric ID", liveDropletEnv, droplet)
	}
	return droplet
}

// TestLiveDropletActions reads a real droplet's actions from DigitalOcean. It changes
// nothing.
func TestLiveDropletActions(t *testing.T) {
	droplet := liveDroplet(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("data \"gradient_droplet_actions\" \"live\" {\n  droplet_id = %s\n}\n", droplet),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.gradient_droplet_actions.live", tfjsonpath.New("actions"), knownvalue.NotNull()),
			},
		}},
	})
}

// TestLiveReboot reboots the live droplet, as the guide's first apply does, and checks the
// state: the action completed on that droplet, and the droplet's newest reboot read back
// from its history is that action. It runs only with GRADIENT_LIVE_REBOOT=1 as well.
func TestLiveReboot(t *testing.T) {
	droplet := liveDroplet(t)
	if os.Getenv(liveRebootEnv) != "1" {
		t.Skipf("live reboot: set %s=1 as well to reboot droplet %s", liveRebootEnv, droplet)
	}
	cfg := fmt.Sprintf(`
resource "gradient_droplet_action" "reboot" {
  droplet_id = %[1]s
  type       = "reboot"
}

data "gradient_droplet_action" "last_reboot" {
  droplet_id = %[1]s
  type       = "reboot"
  depends_on = [gradient_droplet_action.reboot]
}
`, droplet)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gradient_droplet_action.reboot", tfjsonpath.New("status"), knownvalue.StringExact("completed")),
					statecheck.ExpectKnownValue("gradient_droplet_action.reboot", tfjsonpath.New("resource_id"), knownvalue.Int64Func(func(v int64) error {
						if fmt.Sprint(v) != droplet {
							return fmt.Errorf("the reboot ran on droplet %d, want %s", v, droplet)
						}
						return nil
					})),
					statecheck.ExpectKnownValue("gradient_droplet_action.reboot", tfjsonpath.New("completed_at"), knownvalue.NotNull()),
					statecheck.CompareValuePairs(
						"gradient_droplet_action.reboot", tfjsonpath.New("id"),
						"data.gradient_droplet_action.last_reboot", tfjsonpath.New("id"),
						compare.ValuesSame(),
					),
				},
			},
			{
				// An action is an event: the same configuration again runs nothing.
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}

// TestGuideScopesMatchActionTypes checks the guide's table of scopes per action type
// (templates/guides/first-apply.md.tmpl), which a live token is made from, against the
// action-type table: droplet:read and droplet:update for every type, and each type's own.
func TestGuideScopesMatchActionTypes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "templates", "guides", "first-apply.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| (`[a-z]+:[a-z]+`(?:, `[a-z]+:[a-z]+`)*) \\|$")
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		got[m[1]] = strings.ReplaceAll(m[2], "`", "")
	}
	for _, info := range client.ActionTypes() {
		want := "droplet:read, droplet:update"
		if info.Scope != "" {
			want += ", " + info.Scope
		}
		if got[string(info.Type)] != want {
			t.Errorf("the guide gives %s the scopes %q, want %q", info.Type, got[string(info.Type)], want)
		}
		delete(got, string(info.Type))
	}
	for typ := range got {
		t.Errorf("the guide lists scopes for %q, which is not an action type", typ)
	}
}
