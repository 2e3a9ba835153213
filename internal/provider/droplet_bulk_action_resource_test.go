package provider

import (
	"fmt"
	"regexp"
	"slices"
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

// tagged adds n droplets carrying tag.
func tagged(api *fakeapi.Server, tag string, n int) []fakeapi.Droplet {
	out := make([]fakeapi.Droplet, n)
	for i := range out {
		out[i] = api.AddDroplet(fakeapi.Droplet{Tags: []string{tag}})
	}
	return out
}

// bulkActionIDs returns the ID of the one action on each droplet, in droplet order.
func bulkActionIDs(api *fakeapi.Server, droplets []fakeapi.Droplet) ([]int64, error) {
	ids := make([]int64, len(droplets))
	for i, d := range droplets {
		acts := api.Actions(d.ID)
		if len(acts) != 1 {
			return nil, fmt.Errorf("droplet %d has %d actions, want 1", d.ID, len(acts))
		}
		ids[i] = acts[0].ID
	}
	return ids, nil
}

// TestAccDropletBulkAction_byTag runs a snapshot by tag over three tagged droplets next to
// an untagged one, and checks one bulk POST with the right tag and body, an action
// completed on each tagged droplet and none on the other, the state's id and actions, an
// empty second plan, an in-place wait change, and a destroy that calls nothing.
func TestAccDropletBulkAction_byTag(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	other := api.AddDroplet(fakeapi.Droplet{Tags: []string{"db"}})
	cfg := func(wait bool) string {
		return providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_bulk_action" "snap" {
  tag_name = "web"
  type     = "snapshot"
  name     = "nightly"
  wait     = %t
}
`, wait)
	}
	retriggered := strings.Replace(cfg(true), `wait     = true`, `triggers = { run = "2" }`, 1)
	const addr = "gradient_droplet_bulk_action.snap"

	checkAPI := func(*terraform.State) error {
		st := api.Stats()
		if st.BulkInitiates != 1 || st.ByMethod["POST"] != 1 {
			return fmt.Errorf("%d bulk initiates and %d POSTs, want 1 and 1", st.BulkInitiates, st.ByMethod["POST"])
		}
		for _, r := range api.Requests() {
			if r.Method == "POST" && r.Query != "tag_name=web" {
				return fmt.Errorf("bulk POST query %q, want tag_name=web", r.Query)
			}
		}
		for _, d := range web {
			acts := api.Actions(d.ID)
			if len(acts) != 1 || acts[0].Status != fakeapi.ActionCompleted || acts[0].Type != client.ActionSnapshot {
				return fmt.Errorf("droplet %d: actions %+v, want one completed snapshot", d.ID, acts)
			}
			if !jsonEqual(acts[0].Body, []byte(`{"type":"snapshot","name":"nightly"}`)) {
				return fmt.Errorf("droplet %d: body %s", d.ID, acts[0].Body)
			}
			if got, _ := api.Droplet(d.ID); len(got.SnapshotIDs) != 1 {
				return fmt.Errorf("droplet %d: snapshots %v, want 1", d.ID, got.SnapshotIDs)
			}
		}
		if acts := api.Actions(other.ID); len(acts) != 0 {
			return fmt.Errorf("untagged droplet %d got actions %+v", other.ID, acts)
		}
		return nil
	}
	checkState := func(s *terraform.State) error {
		rs := s.RootModule().Resources[addr]
		if rs == nil {
			return fmt.Errorf("%s not in state", addr)
		}
		ids, err := bulkActionIDs(api, web)
		if err != nil {
			return err
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		var want []string
		for _, id := range sorted {
			want = append(want, strconv.FormatInt(id, 10))
		}
		if got := rs.Primary.ID; got != strings.Join(want, ",") {
			return fmt.Errorf("id %q, want %q", got, strings.Join(want, ","))
		}
		attrs := rs.Primary.Attributes
		if attrs["actions.#"] != "3" {
			return fmt.Errorf("actions.# = %s, want 3", attrs["actions.#"])
		}
		for i, d := range web {
			p := fmt.Sprintf("actions.%d.", i)
			if attrs[p+"droplet_id"] != strconv.FormatInt(d.ID, 10) || attrs[p+"id"] != strconv.FormatInt(ids[i], 10) ||
				attrs[p+"status"] != "completed" || attrs[p+"completed_at"] == "" || attrs[p+"started_at"] == "" {
				return fmt.Errorf("actions[%d] = droplet %s action %s status %s completed_at %q; want droplet %d action %d completed",
					i, attrs[p+"droplet_id"], attrs[p+"id"], attrs[p+"status"], attrs[p+"completed_at"], d.ID, ids[i])
			}
		}
		return nil
	}
	// actionReads counts the status reads, single actions and pages of /v2/actions, which
	// only waiting and refreshing do; listReads the pages alone.
	actionReads := func() (n, listReads int) {
		for _, r := range api.Requests() {
			if r.Method == "GET" && isActionRead(r.Path) {
				n++
			}
			if r.Method == "GET" && r.Path == "/v2/actions" {
				listReads++
			}
		}
		return n, listReads
	}
	var readsAfterCreate int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(true),
				Check: resource.ComposeTestCheckFunc(checkAPI, checkState, func(*terraform.State) error {
					var pages int
					readsAfterCreate, pages = actionReads()
					if pages == 0 {
						return fmt.Errorf("%d status reads, none of them a page of /v2/actions: the %d actions were not read together", readsAfterCreate, len(web))
					}
					return nil
				}),
			},
			{
				// Refreshes do not read completed actions again, and nothing is replaced.
				Config: cfg(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(checkAPI, func(*terraform.State) error {
					if n, _ := actionReads(); n != readsAfterCreate {
						return fmt.Errorf("%d action reads after refreshes, want %d: completed actions were read again", n, readsAfterCreate)
					}
					return nil
				}),
			},
			{
				Config: cfg(false),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("wait"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("actions").AtSliceIndex(0).AtMapKey("status"), knownvalue.StringExact("completed")),
				},
				Check: resource.ComposeTestCheckFunc(checkAPI, checkState),
			},
			{
				// A trigger change runs the action again on every tagged droplet.
				Config: retriggered,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: func(s *terraform.State) error {
					if n := api.Stats().BulkInitiates; n != 2 {
						return fmt.Errorf("%d bulk initiates, want 2", n)
					}
					for _, d := range web {
						if acts := api.Actions(d.ID); len(acts) != 2 || acts[0].Status != fakeapi.ActionCompleted {
							return fmt.Errorf("droplet %d: %+v, want a second, completed snapshot", d.ID, acts)
						}
					}
					want := strconv.FormatInt(api.Actions(web[0].ID)[0].ID, 10)
					return resource.ComposeTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "actions.0.id", want),
						resource.TestCheckResourceAttr(addr, "actions.2.status", "completed"),
					)(s)
				},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if st := api.Stats(); st.BulkInitiates != 2 || st.ByMethod["POST"] != 2 {
				return fmt.Errorf("after destroy: %d bulk initiates, %d POSTs, want 2 and 2", st.BulkInitiates, st.ByMethod["POST"])
			}
			return nil
		},
	})
}

// TestAccDropletBulkAction_mixedOutcome makes the action error on one of three tagged
// droplets and checks one diagnostic that names that droplet and its action ID as the only
// errored one and the two others as completed; then that the tainted resource is replaced
// by a new bulk call.
func TestAccDropletBulkAction_mixedOutcome(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	// An earlier action on each droplet fixes where the fake's action IDs stand: the bulk
	// call creates one action per tagged droplet, in droplet ID order, numbered on from it.
	var last int64
	for _, d := range web {
		last = api.SeedActions(d.ID, 1, client.ActionPowerOn)[0].ID
	}
	bad := web[1]
	api.SetActionOutcome(bad.ID, client.ActionPowerCycle, true)
	cfg := providerConfig(api) + `
resource "gradient_droplet_bulk_action" "cycle" {
  tag_name = "web"
  type     = "power_cycle"
}
`
	const addr = "gradient_droplet_bulk_action.cycle"
	// Each line of a diagnostic detail is prefixed by Terraform's box drawing.
	sep := `[\s│]*`
	line := func(i int) string {
		return fmt.Sprintf(`action %d on droplet %d`, last+1+int64(i), web[i].ID)
	}
	errRE := regexp.MustCompile(`(?s)Droplet bulk action failed.*Tag: +web` + sep + `Type: +power_cycle` + sep +
		`Errored \(1 of 3\):` + sep + line(1) + sep +
		`Completed \(2 of 3\):` + sep + line(0) + sep + line(2) + sep +
		`Every\s+action\s+ID\s+is\s+in\s+the\s+state`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: errRE,
			},
			{
				PreConfig: func() {
					if a, _ := api.Action(last + 2); a.ResourceID != bad.ID || a.Status != fakeapi.ActionErrored {
						t.Fatalf("action %d: %+v, want errored on droplet %d", last+2, a, bad.ID)
					}
					for _, i := range []int{0, 2} {
						if a, _ := api.Action(last + 1 + int64(i)); a.ResourceID != web[i].ID || a.Status != fakeapi.ActionCompleted {
							t.Fatalf("action %d: %+v, want completed on droplet %d", last+1+int64(i), a, web[i].ID)
						}
					}
					api.SetActionOutcome(bad.ID, client.ActionPowerCycle, false)
				},
				// The failed run is in the state, tainted: the next plan replaces it.
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("actions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"droplet_id": knownvalue.Int64Exact(web[0].ID), "status": knownvalue.StringExact("completed")}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"droplet_id": knownvalue.Int64Exact(web[1].ID), "status": knownvalue.StringExact("completed")}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"droplet_id": knownvalue.Int64Exact(web[2].ID), "status": knownvalue.StringExact("completed")}),
					})),
				},
				Check: func(s *terraform.State) error {
					if n := api.Stats().BulkInitiates; n != 2 {
						return fmt.Errorf("%d bulk initiates, want 2 (failed run, then its replacement)", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccDropletBulkAction_timeout checks that a wait outlasting timeouts.create fails
// within seconds naming every action still in progress, and that the actions stay in the
// state, read again by a refresh.
func TestAccDropletBulkAction_timeout(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 10 * time.Minute })
	web := tagged(api, "web", 2)
	cfg := providerConfig(api) + `
resource "gradient_droplet_bulk_action" "ipv6" {
  tag_name = "web"
  type     = "enable_ipv6"
  timeouts {
    create = "2s"
  }
}
`
	sep := `[\s│]*`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ExpectError: regexp.MustCompile(`(?s)Timed out waiting for droplet bulk action.*Still in progress when the provider stopped` + sep + `waiting \(2 of 2\):` + sep +
					`action \d+ on droplet ` + strconv.FormatInt(web[0].ID, 10) + sep + `action \d+ on droplet ` + strconv.FormatInt(web[1].ID, 10) + `.*go\s+on\s+at\s+DigitalOcean`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("gradient_droplet_bulk_action.ipv6", "actions.#", "2"),
					resource.TestCheckResourceAttr("gradient_droplet_bulk_action.ipv6", "actions.0.status", "in-progress"),
					resource.TestCheckResourceAttr("gradient_droplet_bulk_action.ipv6", "actions.1.status", "in-progress"),
					func(s *terraform.State) error {
						ids, err := bulkActionIDs(api, web)
						if err != nil {
							return err
						}
						want := fmt.Sprintf("%d,%d", min(ids[0], ids[1]), max(ids[0], ids[1]))
						return resource.TestCheckResourceAttr("gradient_droplet_bulk_action.ipv6", "id", want)(s)
					},
				),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := api.Stats().BulkInitiates; n != 1 {
				return fmt.Errorf("%d bulk initiates, want 1", n)
			}
			return nil
		},
	})
}

// TestAccDropletBulkAction_noWaitAndMissingAction checks that wait = false returns with
// the actions in progress, that a refresh reads their final status, and that an action
// the API no longer reports stays in the state with a warning.
func TestAccDropletBulkAction_noWaitAndMissingAction(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 3 * time.Second })
	web := tagged(api, "web", 2)
	cfg := providerConfig(api) + `
resource "gradient_droplet_bulk_action" "on" {
  tag_name = "web"
  type     = "power_on"
  wait     = false
}
`
	const addr = "gradient_droplet_bulk_action.on"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "actions.0.status", "in-progress"),
					resource.TestCheckResourceAttr(addr, "actions.1.status", "in-progress"),
				),
			},
			{
				// The first droplet's action vanishes from the API: its entry is kept as
				// last read; the second one's is read completed.
				PreConfig: func() {
					for _, d := range web {
						waitForActionDone(t, api, d.ID)
					}
					ids, err := bulkActionIDs(api, web)
					if err != nil {
						t.Fatal(err)
					}
					injectActionGone(api, web[0].ID, ids[0])
				},
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "actions.#", "2"),
					resource.TestCheckResourceAttr(addr, "actions.0.status", "in-progress"),
					resource.TestCheckResourceAttr(addr, "actions.1.status", "completed"),
				),
			},
			{
				// The fault is spent: the next refresh reads the first action too.
				RefreshState: true,
				Check:        resource.TestCheckResourceAttr(addr, "actions.0.status", "completed"),
			},
		},
	})
}

// TestAccDropletBulkAction_validation checks that a type that cannot run by tag, a name on
// a type other than snapshot and a blank tag fail at plan time naming the attribute, and
// send nothing to the API.
func TestAccDropletBulkAction_validation(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tagged(api, "web", 2)
	cases := []struct {
		hcl string
		err *regexp.Regexp
	}{
		{`tag_name = "web"` + "\n" + `type = "resize"`, regexp.MustCompile(`(?s)Action type cannot run by tag.*with gradient_droplet_bulk_action\.bad.*type = "resize".*DigitalOcean\s+does\s+not\s+run\s+"resize"\s+on\s+the\s+droplets\s+of\s+a\s+tag`)},
		{`tag_name = "web"` + "\n" + `type = "reboot"`, regexp.MustCompile(`(?s)Action type cannot run by tag.*Action types\s+that\s+run\s+by\s+tag:\s+enable_backups,\s+disable_backups,\s+power_cycle,\s+shutdown,\s+power_off,\s+power_on,\s+enable_ipv6,\s+snapshot\.`)},
		{`tag_name = "web"` + "\n" + `type = "explode"`, regexp.MustCompile(`(?s)Unknown action type.*"explode"\s+is\s+not\s+a\s+droplet\s+action\s+type`)},
		{`tag_name = "web"` + "\n" + `type = "power_off"` + "\n" + `name = "x"`, regexp.MustCompile(`(?s)Argument not taken by this action type.*name = "x".*name\s+is\s+not\s+an\s+argument\s+of\s+type\s+"power_off"`)},
		{`tag_name = "  "` + "\n" + `type = "power_off"`, regexp.MustCompile(`(?s)Invalid tag name.*tag_name\s+must\s+match`)},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      providerConfig(api) + "resource \"gradient_droplet_bulk_action\" \"bad\" {\n" + c.hcl + "\n}\n",
			PlanOnly:    true,
			ExpectError: c.err,
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if st := api.Stats(); st.ByMethod["POST"] != 0 || st.BulkInitiates != 0 {
				return fmt.Errorf("validation failures sent %d POSTs", st.ByMethod["POST"])
			}
			return nil
		},
	})
}

// TestAccDropletBulkAction_unknownTag checks that a tag no droplet carries fails the apply
// saying so, with nothing in the state and no request to start an action sent.
func TestAccDropletBulkAction_unknownTag(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tagged(api, "web", 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + `
resource "gradient_droplet_bulk_action" "x" {
  tag_name = "nobody"
  type     = "power_cycle"
}
`,
			ExpectError: regexp.MustCompile(`(?s)Droplet bulk action not started.*Tag: +nobody.*No\s+droplet\s+carries\s+the\s+tag\s+"nobody".*nothing\s+was\s+started,\s+and\s+no\s+request`),
		}},
	})
	// The tag's droplets were listed first and there were none: nothing is sent.
	if st := api.Stats(); st.ByMethod["POST"] != 0 {
		t.Errorf("%d POSTs for a tag no droplet carries, want none", st.ByMethod["POST"])
	}
}

// isActionRead reports whether path reads action status: one action, through
// /v2/actions/{id} or /v2/droplets/{d}/actions/{id}, or a page of /v2/actions.
func isActionRead(path string) bool {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	return path == "/v2/actions" || (len(seg) == 3 && seg[1] == "actions") || (len(seg) == 5 && seg[1] == "droplets" && seg[3] == "actions")
}

// TestAccDropletBulkAction_queuesWithOtherActions: two bulk actions on overlapping tags
// and a single-droplet action on a droplet they share, in one apply and without
// depends_on. The bulk actions hold every droplet of their tag in the provider's
// per-droplet queue, so DigitalOcean never sees two actions in flight on one droplet and
// never answers 422 "pending event".
func TestAccDropletBulkAction_queuesWithOtherActions(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 400 * time.Millisecond })
	web := tagged(api, "web", 2)
	both := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web", "all"}})
	all := tagged(api, "all", 1)
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_bulk_action" "web" {
  tag_name = "web"
  type     = "power_cycle"
}
resource "gradient_droplet_bulk_action" "all" {
  tag_name = "all"
  type     = "enable_ipv6"
}
resource "gradient_droplet_action" "one" {
  droplet_id = %d
  type       = "reboot"
}
`, both.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				st := api.Stats()
				if st.Pending422 != 0 {
					return fmt.Errorf("the API answered 422 pending event %d times: the actions raced", st.Pending422)
				}
				if st.BulkInitiates != 2 {
					return fmt.Errorf("%d bulk initiates, want 2", st.BulkInitiates)
				}
				want := map[int64]int{web[0].ID: 1, web[1].ID: 1, both.ID: 3, all[0].ID: 1}
				for id, n := range want {
					if got := len(api.Actions(id)); got != n {
						return fmt.Errorf("droplet %d has %d actions, want %d", id, got, n)
					}
					if m := st.MaxInFlightPerDroplet[id]; m != 1 {
						return fmt.Errorf("droplet %d had %d actions in flight at once", id, m)
					}
				}
				return nil
			},
		}},
	})
}

// TestAccDropletActionAction_byTagQueues: the Terraform action run by tag holds the tag's
// droplets in the same queue as the resources, so a single-droplet action on one of them
// in the same apply never meets a 422 "pending event".
func TestAccDropletActionAction_byTagQueues(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = 400 * time.Millisecond })
	web := tagged(api, "web", 2)
	cfg := providerConfig(api) + triggeredAction("v1", "    tag_name = \"web\"\n    type     = \"power_cycle\"") + fmt.Sprintf(`
resource "gradient_droplet_action" "one" {
  droplet_id = %d
  type       = "reboot"
}
`, web[0].ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				st := api.Stats()
				if st.Pending422 != 0 {
					return fmt.Errorf("the API answered 422 pending event %d times: the action and the resource raced", st.Pending422)
				}
				if st.BulkInitiates != 1 {
					return fmt.Errorf("%d bulk initiates, want 1", st.BulkInitiates)
				}
				for id, n := range map[int64]int{web[0].ID: 2, web[1].ID: 1} {
					if got := len(api.Actions(id)); got != n {
						return fmt.Errorf("droplet %d has %d actions, want %d", id, got, n)
					}
					if m := st.MaxInFlightPerDroplet[id]; m != 1 {
						return fmt.Errorf("droplet %d had %d actions in flight at once", id, m)
					}
				}
				return nil
			},
		}},
	})
}

// injectActionGone makes the next read of an action answer 404 on both paths: the
// droplet's and /v2/actions, which ReadAction asks after a 404 on the droplet's.
func injectActionGone(api *fakeapi.Server, dropletID, actionID int64) {
	for _, path := range []string{fmt.Sprintf("/v2/droplets/%d/actions/%d", dropletID, actionID), fmt.Sprintf("/v2/actions/%d", actionID)} {
		api.InjectFault(fakeapi.Fault{
			Method: "GET", PathPrefix: path, Times: 1,
			Kind: fakeapi.FaultStatus, Status: 404,
			Body: `{"id":"not_found","message":"The resource you were accessing could not be found."}`,
		})
	}
}

// TestAccDropletBulkAction_powerOffSomeAlreadyOff runs power_off by tag where one droplet
// is already off: DigitalOcean refuses the whole call, nothing starts, and the error points
// to the forms that skip droplets already in the state.
func TestAccDropletBulkAction_powerOffSomeAlreadyOff(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff, Tags: []string{"web"}})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      providerConfig(api) + "resource \"gradient_droplet_bulk_action\" \"off\" {\n  tag_name = \"web\"\n  type     = \"power_off\"\n}\n",
			ExpectError: regexp.MustCompile(`(?s)Droplet bulk action not started.*already\s+powered\s+off.*nothing\s+was\s+started.*gradient_droplet_power`),
		}},
		CheckDestroy: func(*terraform.State) error {
			if accepted, _ := initiates(api); accepted != 0 || api.Stats().BulkInitiates != 0 {
				return fmt.Errorf("actions were started by a refused by-tag call")
			}
			return nil
		},
	})
}
