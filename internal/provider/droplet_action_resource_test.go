package provider

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
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

// typeCase is one action type applied through Terraform: the droplet it needs, its
// arguments in HCL, and the exact body the API must receive.
type typeCase struct {
	droplet fakeapi.Droplet
	hcl     string
	body    string
	// check, when set, asserts the action's effect on the droplet.
	check func(d fakeapi.Droplet) error
}

func typeCases() map[client.ActionType]typeCase {
	return map[client.ActionType]typeCase{
		client.ActionEnableBackups: {
			hcl:  `backup_policy = { plan = "weekly", weekday = "TUE", hour = 8 }`,
			body: `{"type":"enable_backups","backup_policy":{"plan":"weekly","weekday":"TUE","hour":8}}`,
			check: func(d fakeapi.Droplet) error {
				if !d.BackupsEnabled || d.BackupPolicy == nil || d.BackupPolicy.Weekday != "TUE" {
					return fmt.Errorf("backups not enabled weekly on TUE: %+v", d.BackupPolicy)
				}
				return nil
			},
		},
		client.ActionDisableBackups: {
			droplet: fakeapi.Droplet{BackupsEnabled: true},
			body:    `{"type":"disable_backups"}`,
			check: func(d fakeapi.Droplet) error {
				if d.BackupsEnabled {
					return fmt.Errorf("backups still enabled")
				}
				return nil
			},
		},
		client.ActionChangeBackupPolicy: {
			droplet: fakeapi.Droplet{BackupsEnabled: true},
			hcl:     `backup_policy = { plan = "daily", hour = 20 }`,
			body:    `{"type":"change_backup_policy","backup_policy":{"plan":"daily","hour":20}}`,
			check: func(d fakeapi.Droplet) error {
				if d.BackupPolicy == nil || d.BackupPolicy.Hour != 20 {
					return fmt.Errorf("policy not changed: %+v", d.BackupPolicy)
				}
				return nil
			},
		},
		client.ActionReboot:     {body: `{"type":"reboot"}`},
		client.ActionPowerCycle: {body: `{"type":"power_cycle"}`},
		client.ActionShutdown: {body: `{"type":"shutdown"}`, check: func(d fakeapi.Droplet) error {
			if d.Status != fakeapi.StatusOff {
				return fmt.Errorf("status %s, want off", d.Status)
			}
			return nil
		}},
		client.ActionPowerOff: {body: `{"type":"power_off"}`},
		client.ActionPowerOn:  {droplet: fakeapi.Droplet{Status: fakeapi.StatusOff}, body: `{"type":"power_on"}`},
		client.ActionRestore: {
			droplet: fakeapi.Droplet{BackupIDs: []int64{7001}},
			hcl:     `image = "7001"`,
			body:    `{"type":"restore","image":7001}`,
		},
		client.ActionPasswordReset: {body: `{"type":"password_reset"}`},
		client.ActionResize: {
			droplet: fakeapi.Droplet{Status: fakeapi.StatusOff},
			hcl:     `size = "s-2vcpu-4gb"`,
			body:    `{"type":"resize","size":"s-2vcpu-4gb","disk":false}`,
			check: func(d fakeapi.Droplet) error {
				if d.SizeSlug != "s-2vcpu-4gb" {
					return fmt.Errorf("size %s", d.SizeSlug)
				}
				return nil
			},
		},
		client.ActionRebuild: {hcl: `image = "debian-12-x64"`, body: `{"type":"rebuild","image":"debian-12-x64"}`},
		client.ActionRename: {hcl: `name = "renamed"`, body: `{"type":"rename","name":"renamed"}`, check: func(d fakeapi.Droplet) error {
			if d.Name != "renamed" {
				return fmt.Errorf("name %s", d.Name)
			}
			return nil
		}},
		client.ActionChangeKernel: {hcl: `kernel = 991`, body: `{"type":"change_kernel","kernel":991}`},
		client.ActionEnableIPv6:   {body: `{"type":"enable_ipv6"}`},
		client.ActionSnapshot: {hcl: `name = "before-upgrade"`, body: `{"type":"snapshot","name":"before-upgrade"}`, check: func(d fakeapi.Droplet) error {
			if len(d.SnapshotIDs) != 1 {
				return fmt.Errorf("snapshots %v", d.SnapshotIDs)
			}
			return nil
		}},
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// TestAccDropletAction_everyType applies one resource per action type, each on its own
// droplet, and checks that each sent exactly one POST with exactly the right body, ended
// completed, that a second plan is empty, and that destroy sends nothing.
func TestAccDropletAction_everyType(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	cases := typeCases()
	if len(cases) != len(client.ActionTypes()) {
		t.Fatalf("%d cases for %d action types", len(cases), len(client.ActionTypes()))
	}
	droplets := map[client.ActionType]int64{}
	var cfg strings.Builder
	cfg.WriteString(providerConfig(api))
	var checks []statecheck.StateCheck
	for _, info := range client.ActionTypes() {
		c := cases[info.Type]
		d := api.AddDroplet(c.droplet)
		droplets[info.Type] = d.ID
		fmt.Fprintf(&cfg, "resource \"gradient_droplet_action\" %q {\n  droplet_id = %d\n  type = %q\n  %s\n}\n", info.Type, d.ID, info.Type, c.hcl)
		addr := "gradient_droplet_action." + string(info.Type)
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("completed")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(d.ID)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("region_slug"), knownvalue.StringExact("nyc3")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("completed_at"), knownvalue.NotNull()),
		)
	}
	checkAPI := func(*terraform.State) error {
		st := api.Stats()
		for typ, id := range droplets {
			if n := st.InitiateAttempts[id]; n != 1 {
				return fmt.Errorf("%s: %d POSTs, want 1", typ, n)
			}
			acts := api.Actions(id)
			if len(acts) != 1 {
				return fmt.Errorf("%s: %d actions, want 1", typ, len(acts))
			}
			if want := cases[typ].body; !jsonEqual(acts[0].Body, []byte(want)) {
				return fmt.Errorf("%s: body %s, want %s", typ, acts[0].Body, want)
			}
			if check := cases[typ].check; check != nil {
				d, _ := api.Droplet(id)
				if err := check(d); err != nil {
					return fmt.Errorf("%s: %w", typ, err)
				}
			}
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            cfg.String(),
				ConfigStateChecks: checks,
				Check:             checkAPI,
			},
			{
				// A second apply is a no-op: no replacement, no POST.
				Config: cfg.String(),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkAPI,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if accepted, attempts := initiates(api); accepted != len(cases) || attempts != len(cases) {
				return fmt.Errorf("after destroy: %d accepted / %d attempted POSTs, want %d", accepted, attempts, len(cases))
			}
			return nil
		},
	})
}

// TestAccDropletAction_validation checks that every invalid configuration fails at plan
// time, naming the attribute, and sends nothing to the API.
func TestAccDropletAction_validation(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cases := []struct {
		name, hcl string
		err       *regexp.Regexp
	}{
		{"param not taken", `type = "reboot"` + "\n" + `size = "s-1vcpu-2gb"`, regexp.MustCompile(`(?s)size is not an argument of type "reboot"`)},
		{"missing required", `type = "resize"`, regexp.MustCompile(`(?s)type "resize" requires size`)},
		{"missing rename name", `type = "rename"`, regexp.MustCompile(`(?s)requires name`)},
		{"restore image not numeric", `type = "restore"` + "\n" + `image = "ubuntu-24-04-x64"`, regexp.MustCompile(`(?s)restore takes the numeric ID`)},
		{"bad plan", `type = "enable_backups"` + "\n" + `backup_policy = { plan = "hourly" }`, regexp.MustCompile(`(?s)plan must be daily or weekly`)},
		{"weekly without weekday", `type = "change_backup_policy"` + "\n" + `backup_policy = { plan = "weekly" }`, regexp.MustCompile(`(?s)weekly plan requires weekday`)},
		{"bad weekday", `type = "change_backup_policy"` + "\n" + `backup_policy = { plan = "weekly", weekday = "FUNDAY" }`, regexp.MustCompile(`(?s)weekday must be one of`)},
		{"bad hour", `type = "change_backup_policy"` + "\n" + `backup_policy = { plan = "daily", hour = 3 }`, regexp.MustCompile(`(?s)hour must be one of 0, 4, 8`)},
		{"policy required", `type = "change_backup_policy"`, regexp.MustCompile(`(?s)requires backup_policy`)},
		{"unknown type", `type = "explode"`, regexp.MustCompile(`(?s)value must be one of`)},
		{"disk on reboot", `type = "reboot"` + "\n" + `disk = true`, regexp.MustCompile(`(?s)disk is not an argument of type "reboot"`)},
		{"kernel on rename", `type = "rename"` + "\n" + `name = "x"` + "\n" + `kernel = 5`, regexp.MustCompile(`(?s)kernel is not an argument`)},
		{"empty rename name", `type = "rename"` + "\n" + `name = ""`, regexp.MustCompile(`(?s)requires a non-empty name`)},
		{"zero kernel", `type = "change_kernel"` + "\n" + `kernel = 0`, regexp.MustCompile(`(?s)requires a non-empty kernel`)},
		{"zero restore image", `type = "restore"` + "\n" + `image = "0"`, regexp.MustCompile(`(?s)image must be a positive image ID`)},
		{"negative rebuild image", `type = "rebuild"` + "\n" + `image = "-5"`, regexp.MustCompile(`(?s)image must be a positive image ID`)},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"bad\" {\n  droplet_id = %d\n  %s\n}\n", d.ID, c.hcl),
			PlanOnly:    true,
			ExpectError: c.err,
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if st := api.Stats(); st.ByMethod["POST"] != 0 {
				return fmt.Errorf("validation failures sent %d POSTs", st.ByMethod["POST"])
			}
			return nil
		},
	})
}

// TestAccDropletAction_unknownValuesWaitUntilKnown checks that an argument known only at
// apply is not judged at plan time, and is validated and used once known.
func TestAccDropletAction_unknownValuesWaitUntilKnown(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "terraform_data" "name" {
  input = "from-apply"
}
resource "gradient_droplet_action" "rename" {
  droplet_id = %d
  type       = "rename"
  name       = terraform_data.name.output
}
`, d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				got, _ := api.Droplet(d.ID)
				if got.Name != "from-apply" {
					return fmt.Errorf("droplet name %q", got.Name)
				}
				return nil
			},
		}},
	})
}

// TestAccDropletAction_errored checks that an errored action fails the apply with a
// diagnostic naming the action, keeps it in state as tainted, and is replaced next time.
func TestAccDropletAction_errored(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.SetActionOutcome(d.ID, client.ActionReboot, true)
	cfg := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"reboot\"\n}\n", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Droplet action failed.*Action ID: +\d+.*Type: +reboot.*Droplet ID: +%d.*Status: +errored`, d.ID)),
			},
			{
				// The errored action is in state, tainted: the next plan replaces it.
				PreConfig: func() { api.SetActionOutcome(d.ID, client.ActionReboot, false) },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("gradient_droplet_action.r", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gradient_droplet_action.r", tfjsonpath.New("status"), knownvalue.StringExact("completed")),
				},
				Check: func(*terraform.State) error {
					if n := api.Stats().AcceptedInitiates[d.ID]; n != 2 {
						return fmt.Errorf("%d actions, want 2 (errored, then its replacement)", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccDropletAction_triggersAndWait checks that a trigger change runs the action again
// while a wait change only updates state.
func TestAccDropletAction_triggersAndWait(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := func(trigger string, wait bool) string {
		return providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "reboot"
  wait       = %t
  triggers   = { config = %q }
}
`, d.ID, wait, trigger)
	}
	count := func(want int) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if n := api.Stats().InitiateAttempts[d.ID]; n != want {
				return fmt.Errorf("%d POSTs, want %d", n, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg("v1", true), Check: count(1)},
			{
				Config: cfg("v2", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("gradient_droplet_action.r", plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: count(2),
			},
			{
				Config: cfg("v2", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("gradient_droplet_action.r", plancheck.ResourceActionUpdate)},
				},
				Check: count(2),
			},
		},
	})
}

// TestAccDropletAction_noWait checks that wait = false returns with the action in
// progress, and that a later refresh reads it completed.
func TestAccDropletAction_noWait(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 3 * time.Second })
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"power_cycle\"\n  wait = false\n}\n", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check:  resource.TestCheckResourceAttr("gradient_droplet_action.r", "status", "in-progress"),
			},
			{
				PreConfig: func() { waitForActionDone(t, api, d.ID) },
				Config:    cfg,
				Check:     resource.TestCheckResourceAttr("gradient_droplet_action.r", "status", "completed"),
			},
		},
	})
}

// waitForActionDone waits, bounded, until the droplet has no action in progress.
func waitForActionDone(t *testing.T, api *fakeapi.Server, dropletID int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		busy := false
		for _, a := range api.Actions(dropletID) {
			if a.Status == fakeapi.ActionInProgress {
				busy = true
			}
		}
		if !busy {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("droplet %d still busy after 30s", dropletID)
}

// TestAccDropletAction_import imports an action by ID (CLI import and an import block)
// and checks that droplet_id and type come from the API.
func TestAccDropletAction_import(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"snapshot\"\n  name = \"nightly\"\n}\n", d.ID)
	cfgNoName := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"snapshot\"\n}\n", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				Config:                  cfg,
				ResourceName:            "gradient_droplet_action.r",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"name"},
			},
			{
				// An import block plans a no-op: parameters the API does not report are
				// adopted from the configuration rather than replacing the resource.
				Config:          cfgNoName,
				ResourceName:    "gradient_droplet_action.r",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:        cfg,
				ResourceName:  "gradient_droplet_action.r",
				ImportState:   true,
				ImportStateId: "not-a-number",
				ExpectError:   regexp.MustCompile(`Import a droplet action by its numeric action ID`),
			},
			{
				Config:        cfg,
				ResourceName:  "gradient_droplet_action.r",
				ImportState:   true,
				ImportStateId: "999999999",
				ExpectError:   regexp.MustCompile(`DigitalOcean has no action 999999999`),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := api.Stats().InitiateAttempts[d.ID]; n != 1 {
				return fmt.Errorf("%d POSTs, want 1: import must not run the action", n)
			}
			return nil
		},
	})
}

// TestAccDropletAction_sameDroplet applies a shutdown → resize → power_on chain and two
// unordered actions on one droplet: all succeed, one action at a time.
func TestAccDropletAction_sameDroplet(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "shutdown" {
  droplet_id = %[1]d
  type       = "shutdown"
}
resource "gradient_droplet_action" "resize" {
  droplet_id = %[1]d
  type       = "resize"
  size       = "s-2vcpu-4gb"
  depends_on = [gradient_droplet_action.shutdown]
}
resource "gradient_droplet_action" "power_on" {
  droplet_id = %[1]d
  type       = "power_on"
  depends_on = [gradient_droplet_action.resize]
}
resource "gradient_droplet_action" "snapshot" {
  droplet_id = %[1]d
  type       = "snapshot"
  depends_on = [gradient_droplet_action.power_on]
}
resource "gradient_droplet_action" "ipv6" {
  droplet_id = %[1]d
  type       = "enable_ipv6"
  depends_on = [gradient_droplet_action.power_on]
}
`, d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				st := api.Stats()
				if st.AcceptedInitiates[d.ID] != 5 || st.MaxInFlightPerDroplet[d.ID] != 1 {
					return fmt.Errorf("accepted %d (want 5), max in flight %d (want 1)", st.AcceptedInitiates[d.ID], st.MaxInFlightPerDroplet[d.ID])
				}
				got, _ := api.Droplet(d.ID)
				if got.SizeSlug != "s-2vcpu-4gb" || got.Status != fakeapi.StatusActive || len(got.SnapshotIDs) != 1 {
					return fmt.Errorf("droplet after chain: %+v", got)
				}
				return nil
			},
		}},
	})
}

// TestAccDropletAction_timeout checks that a wait that outlasts timeouts.create fails
// within seconds with the action ID in state and says the action goes on.
func TestAccDropletAction_timeout(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 10 * time.Minute })
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "snapshot"
  timeouts {
    create = "2s"
  }
}
`, d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Timed out waiting for droplet action.*Action ID:.*goes on at DigitalOcean`),
			},
			{
				// The timed-out action is in state: a refresh reads it, still running. It
				// is tainted, so the plan after the refresh is not empty.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrSet("gradient_droplet_action.r", "id"),
					resource.TestCheckResourceAttr("gradient_droplet_action.r", "status", "in-progress"),
				),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := api.Stats().InitiateAttempts[d.ID]; n != 1 {
				return fmt.Errorf("%d POSTs, want 1", n)
			}
			return nil
		},
	})
}

// A gradient_droplet_action whose action the API no longer reports (404 on both paths)
// stays in the state as last read, with a warning: removing it would make the next apply
// run the action again.
func TestAccDropletAction_missingActionStaysInState(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + faultRebootConfig(d.ID, "")
	const addr = "gradient_droplet_action.r"
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					id = s.RootModule().Resources[addr].Primary.ID
					return nil
				},
			},
			{
				PreConfig: func() {
					n, err := strconv.ParseInt(id, 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					injectActionGone(api, d.ID, n)
				},
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "status", "completed"),
				),
			},
			{
				// Still in the state, the same action: the plan is empty and nothing runs again.
				Config: cfg,
				Check: func(*terraform.State) error {
					if n := api.Stats().ByMethod["POST"]; n != 1 {
						return fmt.Errorf("%d POSTs, want the first apply's one: the action ran again", n)
					}
					return nil
				},
			},
		},
	})
}

// Importing an action into a block that names another type: the plan says plainly which
// action the state holds and what applying would run, since the "replacement" is a new
// action, not a correction of the record.
func TestAccImportIntoAnotherTypeWarns(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	c, err := client.New(client.Config{Token: testToken, Endpoint: api.URL()})
	if err != nil {
		t.Fatal(err)
	}
	snap, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionSnapshot, Name: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	waitForActionDone(t, api, d.ID)
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint = %q
}

import {
  to = gradient_droplet_action.r
  id = "%d"
}

resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "reboot"
}
`, api.URL(), snap.ID, d.ID))
	out := cli.mustRun(0, "plan", "-input=false", "-no-color")
	for _, want := range []string{
		"Imported action differs from the configuration",
		fmt.Sprintf("imported action %d, a snapshot on droplet %d", snap.ID, d.ID),
		"runs a new reboot action",
		`set type = "snapshot"`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if n := api.Stats().ByMethod["POST"]; n != 1 {
		t.Errorf("%d POSTs, want only the snapshot the test started: a plan sends none", n)
	}
}
