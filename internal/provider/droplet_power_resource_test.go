package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// strictPower documents that these tests rely on the fake refusing power_off and shutdown
// on a droplet already off, as DigitalOcean does (its default), so that a needless POST
// fails the test instead of passing unnoticed.
func strictPower(o *fakeapi.Options) { o.LenientPowerState = false }

func powerConfig(name string, dropletID int64, state, extra string) string {
	return fmt.Sprintf(`
resource "gradient_droplet_power" %q {
  droplet_id = %d
  state      = %q
%s}
`, name, dropletID, state, extra)
}

// expectStatus checks the droplet's status at the fake.
func expectStatus(api *fakeapi.Server, dropletID int64, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if d, _ := api.Droplet(dropletID); d.Status != want {
			return fmt.Errorf("droplet %d is %q at the fake, want %q", dropletID, d.Status, want)
		}
		return nil
	}
}

// lastActionIs checks last_action_id against the newest action of the droplet at the fake.
func lastActionIs(api *fakeapi.Server, res string, dropletID int64, typ client.ActionType) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		acts := api.Actions(dropletID)
		if len(acts) == 0 || acts[0].Type != typ {
			return fmt.Errorf("droplet %d: newest action is not a %s: %v", dropletID, typ, actionTypesSent(api, dropletID))
		}
		return resource.TestCheckResourceAttr(res, "last_action_id", strconv.FormatInt(acts[0].ID, 10))(s)
	}
}

// TestAccDropletPower_transitions walks every state transition, including the no-ops,
// and counts the POSTs: a droplet already in its state gets none.
func TestAccDropletPower_transitions(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	on := api.AddDroplet(fakeapi.Droplet{})
	off := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	cfg := func(a, b, extraA string) string {
		return providerConfig(api) + powerConfig("a", on.ID, a, extraA) + powerConfig("b", off.ID, b, "")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				// on -> off by a graceful shutdown; off -> off sends nothing.
				Config: cfg("off", "off", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gradient_droplet_power.a", tfjsonpath.New("status"), knownvalue.StringExact("off")),
					statecheck.ExpectKnownValue("gradient_droplet_power.a", tfjsonpath.New("shutdown_timeout"), knownvalue.StringExact("2m")),
					statecheck.ExpectKnownValue("gradient_droplet_power.b", tfjsonpath.New("status"), knownvalue.StringExact("off")),
					statecheck.ExpectKnownValue("gradient_droplet_power.b", tfjsonpath.New("last_action_id"), knownvalue.Null()),
				},
				Check: resource.ComposeTestCheckFunc(
					expectActions(api, on.ID, client.ActionShutdown),
					expectActions(api, off.ID),
					lastActionIs(api, "gradient_droplet_power.a", on.ID, client.ActionShutdown),
					expectStatus(api, on.ID, fakeapi.StatusOff),
				),
			},
			{
				// off -> on for both.
				Config: cfg("on", "on", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gradient_droplet_power.a", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("gradient_droplet_power.b", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gradient_droplet_power.a", tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue("gradient_droplet_power.b", tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
				Check: resource.ComposeTestCheckFunc(
					expectActions(api, on.ID, client.ActionShutdown, client.ActionPowerOn),
					expectActions(api, off.ID, client.ActionPowerOn),
					lastActionIs(api, "gradient_droplet_power.a", on.ID, client.ActionPowerOn),
					lastActionIs(api, "gradient_droplet_power.b", off.ID, client.ActionPowerOn),
				),
			},
			{
				// on -> off with shutdown_timeout = "0s": power_off at once, no shutdown.
				// b stays on: nothing is sent to it, and its last action is kept.
				Config: cfg("off", "on", "  shutdown_timeout = \"0s\"\n"),
				Check: resource.ComposeTestCheckFunc(
					expectActions(api, on.ID, client.ActionShutdown, client.ActionPowerOn, client.ActionPowerOff),
					expectActions(api, off.ID, client.ActionPowerOn),
					lastActionIs(api, "gradient_droplet_power.a", on.ID, client.ActionPowerOff),
					lastActionIs(api, "gradient_droplet_power.b", off.ID, client.ActionPowerOn),
					expectStatus(api, on.ID, fakeapi.StatusOff),
				),
			},
			{
				// Changing only shutdown_timeout updates the state and sends nothing.
				Config: cfg("off", "on", "  shutdown_timeout = \"5m\"\n"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gradient_droplet_power.a", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("gradient_droplet_power.a", tfjsonpath.New("status"), knownvalue.StringExact("off")),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gradient_droplet_power.a", "shutdown_timeout", "5m"),
					expectActions(api, on.ID, client.ActionShutdown, client.ActionPowerOn, client.ActionPowerOff),
				),
			},
		},
	})
}

// TestAccDropletPower_drift switches a droplet off behind Terraform's back: the plan shows
// it, and the next apply powers it on again.
func TestAccDropletPower_drift(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + powerConfig("p", d.ID, "on", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  expectActions(api, d.ID), // already on: nothing sent
			},
			{
				PreConfig: func() { api.AddDroplet(fakeapi.Droplet{ID: d.ID, Status: fakeapi.StatusOff}) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gradient_droplet_power.p", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					expectActions(api, d.ID, client.ActionPowerOn),
					expectStatus(api, d.ID, fakeapi.StatusActive),
					resource.TestCheckResourceAttr("gradient_droplet_power.p", "state", "on"),
				),
			},
		},
	})
}

// TestAccDropletPower_shutdownFallback turns off a droplet that ignores shutdowns: the
// shutdown completes, the droplet stays on past shutdown_timeout, and a power_off follows.
func TestAccDropletPower_shutdownFallback(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.IgnoreShutdown(d.ID, true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + powerConfig("p", d.ID, "off", "  shutdown_timeout = \"1s\"\n"),
			Check: resource.ComposeTestCheckFunc(
				expectActions(api, d.ID, client.ActionShutdown, client.ActionPowerOff),
				lastActionIs(api, "gradient_droplet_power.p", d.ID, client.ActionPowerOff),
				resource.TestCheckResourceAttr("gradient_droplet_power.p", "status", "off"),
				expectStatus(api, d.ID, fakeapi.StatusOff),
			),
		}},
	})
}

// TestAccDropletPower_import imports by droplet ID and by identity: the plan after either
// is empty, defaults included, and nothing is sent.
func TestAccDropletPower_import(t *testing.T) {
	skipWithoutIdentity(t)
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	cfg := providerConfig(api) + powerConfig("p", d.ID, "off", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				// terraform import by droplet ID, kept in the state for the steps below.
				Config:             cfg,
				ResourceName:       "gradient_droplet_power.p",
				ImportState:        true,
				ImportStateId:      strconv.FormatInt(d.ID, 10),
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gradient_droplet_power.p", tfjsonpath.New("shutdown_timeout"), knownvalue.StringExact("2m")),
					statecheck.ExpectKnownValue("gradient_droplet_power.p", tfjsonpath.New("status"), knownvalue.StringExact("off")),
					statecheck.ExpectIdentity("gradient_droplet_power.p", map[string]knownvalue.Check{
						"droplet_id": knownvalue.Int64Exact(d.ID),
					}),
				},
			},
			{
				Config:          cfg,
				ResourceName:    "gradient_droplet_power.p",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				// An import block plans a no-op when the configuration matches the droplet.
				Config:           cfg,
				ResourceName:     "gradient_droplet_power.p",
				ImportState:      true,
				ImportStateKind:  resource.ImportBlockWithID,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("gradient_droplet_power.p", plancheck.ResourceActionNoop)}},
			},
			{
				Config:            cfg,
				ResourceName:      "gradient_droplet_power.p",
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config:        cfg,
				ResourceName:  "gradient_droplet_power.p",
				ImportState:   true,
				ImportStateId: "web-1",
				ExpectError:   regexp.MustCompile(`Import a droplet's power state by the droplet's numeric ID`),
			},
		},
		// The droplet was already off: no action, no POST.
		CheckDestroy: expectActions(api, d.ID),
	})
}

// TestAccDropletPower_destroyCallsNothing destroys the resource: the droplet keeps its
// power state, and nothing but the refresh's read reaches the API.
func TestAccDropletPower_destroyCallsNothing(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + powerConfig("p", d.ID, "off", ""),
			Check: func(*terraform.State) error {
				api.ResetLog()
				return nil
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			for _, r := range api.Requests() {
				if r.Method != "GET" || r.Path != fmt.Sprintf("/v2/droplets/%d", d.ID) {
					return fmt.Errorf("destroy sent %s %s; want only the refresh's GET of the droplet", r.Method, r.Path)
				}
			}
			if dd, _ := api.Droplet(d.ID); dd.Status != fakeapi.StatusOff {
				return fmt.Errorf("droplet is %s after destroy, want it left off", dd.Status)
			}
			return nil
		},
	})
}

// TestAccDropletPower_dropletGone deletes the droplet behind Terraform's back: the refresh
// drops the resource from the state instead of failing.
func TestAccDropletPower_dropletGone(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + powerConfig("p", d.ID, "on", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig:          func() { api.RemoveDroplet(d.ID) },
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// Creating it again fails plainly: the droplet is gone.
				Config:      cfg,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)DigitalOcean has no droplet %d visible`, d.ID)),
			},
		},
	})
}

// TestAccDropletPower_newDroplet creates the resource for droplets DigitalOcean is still
// creating: the apply waits for them, then sends only what is needed.
func TestAccDropletPower_newDroplet(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	soon := time.Now().Add(time.Second)
	keepOn := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusNew, ActiveAt: soon})
	turnOff := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusNew, ActiveAt: soon})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + powerConfig("on", keepOn.ID, "on", "") + powerConfig("off", turnOff.ID, "off", ""),
			Check: resource.ComposeTestCheckFunc(
				expectActions(api, keepOn.ID),
				expectActions(api, turnOff.ID, client.ActionShutdown),
				resource.TestCheckResourceAttr("gradient_droplet_power.on", "status", "active"),
				resource.TestCheckNoResourceAttr("gradient_droplet_power.on", "last_action_id"),
				resource.TestCheckResourceAttr("gradient_droplet_power.off", "status", "off"),
			),
		}},
	})
}

// TestAccDropletPower_archived refuses an archived droplet with an error that says so,
// and sends nothing.
func TestAccDropletPower_archived(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusArchive})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      providerConfig(api) + powerConfig("p", d.ID, "on", ""),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Droplet is archived.*droplet %d has the status "archive"`, d.ID)),
		}},
		CheckDestroy: expectActions(api, d.ID),
	})
}

// TestAccDropletPower_invalidShutdownTimeout refuses a bad duration at plan time.
func TestAccDropletPower_invalidShutdownTimeout(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerConfig(api) + powerConfig("p", d.ID, "off", "  shutdown_timeout = \"-1s\"\n"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)shutdown_timeout.*must be a duration of zero or more`),
			},
			{
				Config:      providerConfig(api) + powerConfig("p", d.ID, "sleeping", ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)state.*value must be one of`),
			},
		},
	})
}

// TestAccDropletPower_shutdownErrored turns off a droplet whose shutdown DigitalOcean
// reports errored: the droplet must be off, so a power_off follows at once.
func TestAccDropletPower_shutdownErrored(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.SetActionOutcome(d.ID, client.ActionShutdown, true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + powerConfig("p", d.ID, "off", ""),
			Check: resource.ComposeTestCheckFunc(
				expectActions(api, d.ID, client.ActionShutdown, client.ActionPowerOff),
				lastActionIs(api, "gradient_droplet_power.p", d.ID, client.ActionPowerOff),
				expectStatus(api, d.ID, fakeapi.StatusOff),
			),
		}},
	})
}

// TestAccDropletPower_failedUpdateRetries fails an update's power_off: the state keeps the
// previous power state, so the next plan still wants the change.
func TestAccDropletPower_failedUpdateRetries(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, strictPower)
	d := api.AddDroplet(fakeapi.Droplet{})
	off := providerConfig(api) + powerConfig("p", d.ID, "off", "  shutdown_timeout = \"0s\"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: providerConfig(api) + powerConfig("p", d.ID, "on", "  shutdown_timeout = \"0s\"\n")},
			{
				PreConfig:   func() { api.SetActionOutcome(d.ID, client.ActionPowerOff, true) },
				Config:      off,
				ExpectError: regexp.MustCompile(`(?s)Droplet action failed.*Type: +power_off`),
			},
			{
				Config:             off,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttr("gradient_droplet_power.p", "state", "on"),
			},
			{
				PreConfig: func() { api.SetActionOutcome(d.ID, client.ActionPowerOff, false) },
				Config:    off,
				Check:     expectStatus(api, d.ID, fakeapi.StatusOff),
			},
		},
	})
}
