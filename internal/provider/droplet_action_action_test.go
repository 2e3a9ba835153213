package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// actionsNeedTerraform fails, rather than skips, on a Terraform too old for actions.
var actionsNeedTerraform = []tfversion.TerraformVersionCheck{tfversion.RequireAbove(tfversion.Version1_14_0)}

// triggeredAction wires an action to a terraform_data's create and update.
func triggeredAction(input, actionConfig string) string {
	return fmt.Sprintf(`
resource "terraform_data" "config" {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gradient_droplet_action.act]
    }
  }
}

action "gradient_droplet_action" "act" {
  config {
%s
  }
}
`, input, actionConfig)
}

// actionTypesSent lists the types of the actions created on a droplet, oldest first.
func actionTypesSent(api *fakeapi.Server, dropletID int64) []client.ActionType {
	acts := api.Actions(dropletID)
	out := make([]client.ActionType, len(acts))
	for i, a := range acts {
		out[len(acts)-1-i] = a.Type
	}
	return out
}

func expectActions(api *fakeapi.Server, dropletID int64, want ...client.ActionType) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got := actionTypesSent(api, dropletID)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("droplet %d got actions %v, want %v", dropletID, got, want)
		}
		if n := api.Stats().InitiateAttempts[dropletID]; n != len(want) {
			return fmt.Errorf("droplet %d got %d POSTs, want %d", dropletID, n, len(want))
		}
		return nil
	}
}

// TestAccDropletActionAction_trigger reboots a droplet when a terraform_data holding its
// configuration is created and again when it changes.
func TestAccDropletActionAction_trigger(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	act := fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{
			{
				Config: providerConfig(api) + triggeredAction("v1", act),
				Check:  expectActions(api, d.ID, client.ActionReboot),
			},
			{
				Config: providerConfig(api) + triggeredAction("v2", act),
				Check:  expectActions(api, d.ID, client.ActionReboot, client.ActionReboot),
			},
			{
				// Nothing changed: no trigger, no reboot.
				Config: providerConfig(api) + triggeredAction("v2", act),
				Check:  expectActions(api, d.ID, client.ActionReboot, client.ActionReboot),
			},
		},
	})
}

// TestAccDropletActionAction_errored fails the apply with the action's ID when it errors.
func TestAccDropletActionAction_errored(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.SetActionOutcome(d.ID, client.ActionSnapshot, true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config:      providerConfig(api) + triggeredAction("v1", fmt.Sprintf("droplet_id = %d\n    type = \"snapshot\"\n    name = \"pre\"", d.ID)),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Droplet action failed.*Action ID: +\d+.*Type: +snapshot.*Droplet ID: +%d.*errored`, d.ID)),
		}},
	})
}

// TestAccDropletActionAction_byTag powers off every droplet with a tag and reports
// exactly which droplets' actions failed.
func TestAccDropletActionAction_byTag(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	var web []fakeapi.Droplet
	for range 3 {
		web = append(web, api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}}))
	}
	other := api.AddDroplet(fakeapi.Droplet{Tags: []string{"db"}})
	api.SetActionOutcome(web[1].ID, client.ActionPowerOff, true)
	act := "tag_name = \"web\"\n    type = \"power_off\""
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config:      providerConfig(api) + triggeredAction("v1", act),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Droplet bulk action failed.*Errored \(1 of 3\):\s+action \d+ on droplet %d\b`, web[1].ID)),
		}},
		CheckDestroy: func(*terraform.State) error {
			st := api.Stats()
			if st.BulkInitiates != 1 {
				return fmt.Errorf("%d bulk POSTs, want 1", st.BulkInitiates)
			}
			for i, d := range web {
				got, _ := api.Droplet(d.ID)
				if want := (i != 1); (got.Status == fakeapi.StatusOff) != want {
					return fmt.Errorf("droplet %d status %s", d.ID, got.Status)
				}
			}
			if got, _ := api.Droplet(other.ID); got.Status != fakeapi.StatusActive || len(api.Actions(other.ID)) != 0 {
				return fmt.Errorf("untagged droplet touched: %+v", got)
			}
			return nil
		},
	})
}

// A tag no droplet carries: the action says that nothing was started, and indeed sends
// no request to start one.
func TestAccDropletActionAction_byTagNoDroplets(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config:      providerConfig(api) + triggeredAction("v1", "tag_name = \"nobody\"\n    type = \"power_cycle\""),
			ExpectError: regexp.MustCompile(`(?s)Droplet bulk action not started.*No\s+droplet\s+carries\s+the\s+tag\s+"nobody".*nothing\s+was\s+started`),
		}},
	})
	if st := api.Stats(); st.ByMethod["POST"] != 0 {
		t.Errorf("%d POSTs for a tag no droplet carries, want none", st.ByMethod["POST"])
	}
}

// TestAccDropletActionAction_validation rejects bad configurations at plan time, with no
// request sent.
func TestAccDropletActionAction_validation(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	cases := map[string]struct {
		cfg string
		err string
	}{
		"policy by tag":        {"tag_name = \"web\"\n    type = \"enable_backups\"\n    backup_policy = { plan = \"daily\" }", `backup_policy cannot be sent with tag_name`},
		"non-bulk type by tag": {"tag_name = \"web\"\n    type = \"resize\"\n    size = \"s-2vcpu-4gb\"", `type "resize" cannot be initiated by tag`},
		"both targets":         {fmt.Sprintf("droplet_id = %d\n    tag_name = \"web\"\n    type = \"power_off\"", d.ID), `Invalid Attribute Combination`},
		"no target":            {"type = \"reboot\"", `(?s)Missing Attribute Configuration.*droplet_id.*tag_name`},
		"param not taken":      {fmt.Sprintf("droplet_id = %d\n    type = \"power_on\"\n    name = \"x\"", d.ID), `name is not an argument of type "power_on"`},
		"fallback on reboot":   {fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"\n    power_off_after = \"30s\"", d.ID), `fallback for type "shutdown" only`},
		"bad fallback":         {fmt.Sprintf("droplet_id = %d\n    type = \"shutdown\"\n    power_off_after = \"soon\"", d.ID), `positive duration`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      providerConfig(api) + triggeredAction("v1", c.cfg),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(c.err),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if n := api.Stats().ByMethod["POST"]; n != 0 {
				return fmt.Errorf("%d POSTs sent for invalid configurations", n)
			}
			return nil
		},
	})
}

// TestAccPowerOffFallback runs shutdown with power_off_after on a droplet that ignores
// shutdowns (the fallback powers it off) and on one that obeys (no power_off is sent),
// through the resource and through the action.
func TestAccPowerOffFallback(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	stubborn := api.AddDroplet(fakeapi.Droplet{})
	api.IgnoreShutdown(stubborn.ID, true)
	obedient := api.AddDroplet(fakeapi.Droplet{})
	stubbornByAction := api.AddDroplet(fakeapi.Droplet{})
	api.IgnoreShutdown(stubbornByAction.ID, true)
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "stubborn" {
  droplet_id      = %d
  type            = "shutdown"
  power_off_after = "1s"
}
resource "gradient_droplet_action" "obedient" {
  droplet_id      = %d
  type            = "shutdown"
  power_off_after = "1s"
}
`, stubborn.ID, obedient.ID) + triggeredAction("v1", fmt.Sprintf("droplet_id = %d\n    type = \"shutdown\"\n    power_off_after = \"1s\"", stubbornByAction.ID))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("gradient_droplet_action.stubborn", tfjsonpath.New("power_off_fallback"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("gradient_droplet_action.stubborn", tfjsonpath.New("power_off_action_id"), knownvalue.NotNull()),
				statecheck.ExpectKnownValue("gradient_droplet_action.obedient", tfjsonpath.New("power_off_fallback"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("gradient_droplet_action.obedient", tfjsonpath.New("power_off_action_id"), knownvalue.Null()),
			},
			Check: resource.ComposeTestCheckFunc(
				expectActions(api, stubborn.ID, client.ActionShutdown, client.ActionPowerOff),
				expectActions(api, obedient.ID, client.ActionShutdown),
				expectActions(api, stubbornByAction.ID, client.ActionShutdown, client.ActionPowerOff),
				func(*terraform.State) error {
					for _, id := range []int64{stubborn.ID, obedient.ID, stubbornByAction.ID} {
						if d, _ := api.Droplet(id); d.Status != fakeapi.StatusOff {
							return fmt.Errorf("droplet %d is %s, want off", id, d.Status)
						}
					}
					return nil
				},
			),
		}},
	})
}
