package provider

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// concurrencyTypes are valid on a running droplet in any order; each droplet gets each
// type once, in a rotated order.
var concurrencyTypes = []struct {
	typ client.ActionType
	hcl string // extra arguments, %d is the droplet's index
}{
	{client.ActionReboot, ""},
	{client.ActionPowerCycle, ""},
	{client.ActionEnableIPv6, ""},
	{client.ActionRename, `name = "renamed-%d"`},
	{client.ActionSnapshot, `name = "snap-%d"`},
}

// TestAccConcurrency60Actions applies 60 unordered gradient_droplet_action resources, five
// on each of 12 droplets, plus data sources and a Terraform action in the same apply.
// Terraform walks the graph with its default -parallelism of 10 (terraform-plugin-testing
// passes no -parallelism flag), so up to ten creates run at once and several of them land
// on the same droplet; nothing but the provider's per-droplet lock keeps them from racing
// into the API's 422 "pending event". Every action lasts 200 ms at the fake, long enough
// for such races to happen if the lock were missing.
func TestAccConcurrency60Actions(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	const (
		nDroplets  = 12
		perDroplet = 5
		duration   = 200 * time.Millisecond
	)
	api := newTestAPI(t, func(o *fakeapi.Options) { o.DefaultDuration = duration })

	var droplets []fakeapi.Droplet
	for range nDroplets {
		droplets = append(droplets, api.AddDroplet(fakeapi.Droplet{}))
	}
	// The Terraform action runs on the first droplet, unordered against that droplet's
	// five resources: the action goes through the same lock.
	actionDroplet := droplets[0]

	var cfg strings.Builder
	cfg.WriteString(providerConfig(api))
	want := map[int64][]client.ActionType{}
	var addrs []string
	var checks []statecheck.StateCheck
	for i, d := range droplets {
		var names []string
		for j := range perDroplet {
			c := concurrencyTypes[(i+j)%len(concurrencyTypes)]
			name := fmt.Sprintf("d%02d_%d", i, j)
			hcl := ""
			if c.hcl != "" {
				hcl = fmt.Sprintf(c.hcl, i)
			}
			fmt.Fprintf(&cfg, "resource \"gradient_droplet_action\" %q {\n  droplet_id = %d\n  type       = %q\n  %s\n}\n", name, d.ID, c.typ, hcl)
			addr := "gradient_droplet_action." + name
			addrs = append(addrs, addr)
			names = append(names, addr)
			want[d.ID] = append(want[d.ID], c.typ)
			checks = append(checks,
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("completed")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("resource_id"), knownvalue.Int64Exact(d.ID)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("completed_at"), knownvalue.NotNull()),
			)
		}
		if d.ID == actionDroplet.ID {
			continue
		}
		// Read during the apply, once the droplet's five resources are done: the
		// droplet's completed history holds exactly those five.
		fmt.Fprintf(&cfg, "data \"gradient_droplet_actions\" \"d%02d\" {\n  droplet_id = %d\n  status     = \"completed\"\n  depends_on = [%s]\n}\n",
			i, d.ID, strings.Join(names, ", "))
		checks = append(checks, statecheck.ExpectKnownValue(fmt.Sprintf("data.gradient_droplet_actions.d%02d", i),
			tfjsonpath.New("actions"), knownvalue.ListSizeExact(perDroplet)))
	}
	// One action read back by ID from a resource created in the same apply.
	fmt.Fprintf(&cfg, "data \"gradient_droplet_action\" \"last\" {\n  id = gradient_droplet_action.d%02d_%d.id\n}\n", nDroplets-1, perDroplet-1)
	lastType := concurrencyTypes[(nDroplets-1+perDroplet-1)%len(concurrencyTypes)].typ
	checks = append(checks,
		statecheck.ExpectKnownValue("data.gradient_droplet_action.last", tfjsonpath.New("status"), knownvalue.StringExact("completed")),
		statecheck.ExpectKnownValue("data.gradient_droplet_action.last", tfjsonpath.New("type"), knownvalue.StringExact(string(lastType))),
		statecheck.ExpectKnownValue("data.gradient_droplet_action.last", tfjsonpath.New("droplet_id"), knownvalue.Int64Exact(droplets[nDroplets-1].ID)),
	)
	cfg.WriteString(triggeredAction("v1", fmt.Sprintf("droplet_id = %d\n    type = \"power_cycle\"", actionDroplet.ID)))
	want[actionDroplet.ID] = append(want[actionDroplet.ID], client.ActionPowerCycle)
	const wantInitiates = nDroplets*perDroplet + 1

	checkAPI := func(s *terraform.State) error {
		st := api.Stats()
		accepted, attempts := initiates(api)
		t.Logf("accepted initiates %d, attempts %d, Pending422 %d, 429s %d, 5xx %d, requests %d",
			accepted, attempts, st.Pending422, st.Served429, st.Served5xx, st.Total)
		if accepted != wantInitiates || attempts != wantInitiates {
			return fmt.Errorf("%d accepted / %d attempted initiates, want exactly %d of each", accepted, attempts, wantInitiates)
		}
		// With the lock, an initiate is sent only after the droplet's previous action was
		// read completed, so the fake never had to refuse one.
		if st.Pending422 != 0 {
			return fmt.Errorf("the fake answered %d initiates with 422 pending event", st.Pending422)
		}
		for _, d := range droplets {
			if n := st.MaxInFlightPerDroplet[d.ID]; n > 1 {
				return fmt.Errorf("droplet %d had %d actions in flight at once", d.ID, n)
			}
			if a, n := st.AcceptedInitiates[d.ID], st.InitiateAttempts[d.ID]; a != len(want[d.ID]) || n != a {
				return fmt.Errorf("droplet %d: %d accepted / %d attempted initiates, want %d", d.ID, a, n, len(want[d.ID]))
			}
			acts := api.Actions(d.ID) // newest first
			var got []client.ActionType
			for _, a := range acts {
				if a.Status != fakeapi.ActionCompleted {
					return fmt.Errorf("action %d on droplet %d is %s", a.ID, d.ID, a.Status)
				}
				got = append(got, a.Type)
			}
			if !sameTypes(got, want[d.ID]) {
				return fmt.Errorf("droplet %d ran %v, want %v in any order", d.ID, got, want[d.ID])
			}
			// The actions' own time spans must not overlap on one droplet.
			for k := 0; k+1 < len(acts); k++ {
				newer, older := acts[k], acts[k+1]
				if newer.StartedAt.Before(*older.CompletedAt) {
					return fmt.Errorf("droplet %d: action %d started at %s, before action %d completed at %s",
						d.ID, newer.ID, newer.StartedAt.Format(time.RFC3339Nano), older.ID, older.CompletedAt.Format(time.RFC3339Nano))
				}
			}
		}
		t.Logf("max actions in progress at once over all droplets: %d", maxOverlap(api, droplets))

		// Every resource holds its own, distinct action ID.
		ids := map[string]string{}
		for _, addr := range addrs {
			rs, ok := s.RootModule().Resources[addr]
			if !ok {
				return fmt.Errorf("%s missing from the state", addr)
			}
			id := rs.Primary.Attributes["id"]
			if other, dup := ids[id]; dup {
				return fmt.Errorf("%s and %s share action ID %s", other, addr, id)
			}
			ids[id] = addr
			n, _ := strconv.ParseInt(id, 10, 64)
			if a, ok := api.Action(n); !ok || strconv.FormatInt(a.ResourceID, 10) != rs.Primary.Attributes["droplet_id"] {
				return fmt.Errorf("%s: action %s is not on droplet %s at the fake", addr, id, rs.Primary.Attributes["droplet_id"])
			}
		}
		if len(ids) != nDroplets*perDroplet {
			return fmt.Errorf("%d distinct action IDs in state, want %d", len(ids), nDroplets*perDroplet)
		}
		return nil
	}

	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		TerraformVersionChecks:   actionsNeedTerraform,
		Steps: []resource.TestStep{{
			Config:            cfg.String(),
			ConfigStateChecks: checks,
			Check:             checkAPI,
		}},
	})
	t.Logf("test took %s for %d actions of %s each", time.Since(start).Round(time.Millisecond), wantInitiates, duration)
}

func sameTypes(a, b []client.ActionType) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// maxOverlap is the largest number of the droplets' actions whose time spans overlap.
func maxOverlap(api *fakeapi.Server, droplets []fakeapi.Droplet) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, d := range droplets {
		for _, a := range api.Actions(d.ID) {
			if a.CompletedAt == nil {
				continue
			}
			edges = append(edges, edge{a.StartedAt, 1}, edge{*a.CompletedAt, -1})
		}
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	cur, best := 0, 0
	for _, e := range edges {
		cur += e.delta
		best = max(best, cur)
	}
	return best
}
