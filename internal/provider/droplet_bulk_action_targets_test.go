//go:build unix

package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// CLI tests of gradient_droplet_bulk_action's droplet_ids: the plan shows the droplets the
// tag holds, the apply refuses, sending nothing, when they changed since, and a resource
// that exists keeps the droplets its action reached.

const bulkTargetsAddr = "gradient_droplet_bulk_action.web"

// bulkTargetsConfig is one power_cycle by tag, tag_name being the HCL expression tagExpr,
// for a CLI whose token comes from DIGITALOCEAN_ACCESS_TOKEN.
func bulkTargetsConfig(api *fakeapi.Server, tagExpr string) string {
	return gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}

resource "gradient_droplet_bulk_action" "web" {
  tag_name = %s
  type     = "power_cycle"
}
`, api.URL(), tagExpr)
}

func newBulkTargetsCLI(t *testing.T) *tfCLI {
	t.Helper()
	return newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
}

// plannedChange reads the saved plan's change of addr: its planned values and which of
// them are unknown.
func plannedChange(c *tfCLI, planFile, addr string) (after, afterUnknown map[string]any) {
	c.t.Helper()
	out := c.mustRun(0, "show", "-json", "-no-color", planFile)
	var doc struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				After        map[string]any `json:"after"`
				AfterUnknown map[string]any `json:"after_unknown"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.t.Fatalf("terraform show -json %s: %v\n%s", planFile, err, out)
	}
	for _, rc := range doc.ResourceChanges {
		if rc.Address == addr {
			return rc.Change.After, rc.Change.AfterUnknown
		}
	}
	c.t.Fatalf("the plan has no change of %s:\n%s", addr, out)
	return nil, nil
}

// numbers returns v, a JSON array of numbers, as sorted int64s; ok is false for anything
// else (null, unknown, another type).
func numbers(v any) (ids []int64, ok bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	for _, x := range list {
		f, isNum := x.(float64)
		if !isNum {
			return nil, false
		}
		ids = append(ids, int64(f))
	}
	slices.Sort(ids)
	return ids, true
}

// dropletIDsOf returns the IDs of ds, sorted.
func dropletIDsOf(ds ...fakeapi.Droplet) []int64 {
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	slices.Sort(ids)
	return ids
}

// stateDropletIDs returns droplet_ids as the state holds it for addr.
func stateDropletIDs(t *testing.T, c *tfCLI, addr string) []int64 {
	t.Helper()
	r, ok := c.state()[addr]
	if !ok {
		t.Fatalf("%s is not in the state", addr)
	}
	ids, ok := numbers(r.Values["droplet_ids"])
	if !ok {
		t.Fatalf("%s: droplet_ids = %#v in the state, want a set of numbers", addr, r.Values["droplet_ids"])
	}
	return ids
}

// tagListings counts the listings of the droplets tagged tag the API has answered.
func tagListings(api *fakeapi.Server, tag string) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Method == http.MethodGet && r.Path == "/v2/droplets" && strings.Contains(r.Query, "tag_name="+tag) {
			n++
		}
	}
	return n
}

// diagWords matches s in a diagnostic as Terraform prints it: wrapped, each line behind a
// box-drawing border, so any space may be a line break and a border.
func diagWords(s string) string {
	var quoted []string
	for _, w := range strings.Fields(s) {
		quoted = append(quoted, regexp.QuoteMeta(w))
	}
	return strings.Join(quoted, `[\s│]+`)
}

// TestAccDropletBulkActionTargets_planShowsThem: the plan shows the tag's droplets in
// droplet_ids, known at plan time, and the applied plan acts on exactly them with one
// by-tag POST and records them. A droplet tagged afterwards leaves the next plan empty
// (exit 0 with -detailed-exitcode) and the tag unread, and droplet_ids as recorded.
func TestAccDropletBulkActionTargets_planShowsThem(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	other := api.AddDroplet(fakeapi.Droplet{Tags: []string{"db"}})
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, `"web"`))

	out := cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")
	want := dropletIDsOf(web...)
	shown := regexp.MustCompile(fmt.Sprintf(`\+ droplet_ids\s+= \[\s+\+ %d,\s+\+ %d,\s+\]`, want[0], want[1]))
	if !shown.MatchString(out) {
		t.Fatalf("the plan does not show droplet_ids = [%d, %d]:\n%s", want[0], want[1], out)
	}
	after, unknown := plannedChange(cli, "plan.tfplan", bulkTargetsAddr)
	if got, ok := numbers(after["droplet_ids"]); !ok || !slices.Equal(got, want) || unknown["droplet_ids"] == true {
		t.Fatalf("planned droplet_ids = %#v (unknown: %v), want %v known at plan time", after["droplet_ids"], unknown["droplet_ids"], want)
	}

	cli.mustRun(0, "apply", "-input=false", "-no-color", "plan.tfplan")
	if st := api.Stats(); st.BulkInitiates != 1 || st.ByMethod["POST"] != 1 {
		t.Fatalf("%d bulk initiates and %d POSTs, want 1 and 1: one by-tag call", st.BulkInitiates, st.ByMethod["POST"])
	}
	for _, d := range web {
		if n := len(api.Actions(d.ID)); n != 1 {
			t.Fatalf("droplet %d has %d actions, want 1", d.ID, n)
		}
	}
	if n := len(api.Actions(other.ID)); n != 0 {
		t.Fatalf("droplet %d, not tagged, has %d actions", other.ID, n)
	}
	if got := stateDropletIDs(t, cli, bulkTargetsAddr); !slices.Equal(got, want) {
		t.Fatalf("droplet_ids = %v in the state, want %v", got, want)
	}

	// A droplet tagged now is not acted on, and is no change to plan.
	api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	listed := tagListings(api, "web")
	cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if n := tagListings(api, "web"); n != listed {
		t.Errorf("the plan of an existing resource listed the tag %d times, want none", n-listed)
	}
	if got := stateDropletIDs(t, cli, bulkTargetsAddr); !slices.Equal(got, want) {
		t.Fatalf("droplet_ids = %v in the state after the plan, want %v as recorded", got, want)
	}
	if st := api.Stats(); st.ByMethod["POST"] != 1 {
		t.Fatalf("%d POSTs after the plan, want 1", st.ByMethod["POST"])
	}
}

// TestAccDropletBulkActionTargets_staleSavedPlan: a saved plan whose tag gained a droplet
// since, then one whose tag lost one, is refused at apply with no POST and nothing in the
// state, the error naming the droplet. Terraform plans a resource again at apply, and the
// provider lists the tag again then: a droplet_ids that differs from the saved plan's
// stops the apply before the provider is asked to create anything. An apply that plans
// afresh shows the new set and acts on it.
func TestAccDropletBulkActionTargets_staleSavedPlan(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, `"web"`))
	refused := func(planFile string, id int64) {
		t.Helper()
		out := cli.mustRun(1, "apply", "-input=false", "-no-color", planFile)
		stale := regexp.MustCompile(`(?s)Error: Provider produced inconsistent final plan.*` + diagWords("produced an invalid new value for .droplet_ids:") + `.*` + regexp.QuoteMeta(fmt.Sprintf("cty.NumberIntVal(%d)", id)))
		if !stale.MatchString(out) {
			t.Fatalf("the apply of %s did not refuse naming droplet %d:\n%s", planFile, id, out)
		}
		if st := api.Stats(); st.ByMethod["POST"] != 0 {
			t.Fatalf("%d POSTs for a stale plan, want none", st.ByMethod["POST"])
		}
		if res := cli.state(); len(res) != 0 {
			t.Fatalf("a refused apply left %d resources in the state", len(res))
		}
	}

	cli.mustRun(0, "plan", "-out=added.tfplan", "-input=false", "-no-color")
	added := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	refused("added.tfplan", added.ID)

	cli.mustRun(0, "plan", "-out=removed.tfplan", "-input=false", "-no-color")
	api.RemoveDroplet(web[0].ID)
	refused("removed.tfplan", web[0].ID)

	// Planned afresh, the apply acts on the droplets the tag holds now.
	want := dropletIDsOf(web[1], added)
	out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if !regexp.MustCompile(fmt.Sprintf(`\+ droplet_ids\s+= \[\s+\+ %d,\s+\+ %d,\s+\]`, want[0], want[1])).MatchString(out) {
		t.Fatalf("the apply's plan does not show droplet_ids = %v:\n%s", want, out)
	}
	if st := api.Stats(); st.BulkInitiates != 1 || st.ByMethod["POST"] != 1 {
		t.Fatalf("%d bulk initiates and %d POSTs, want 1 and 1", st.BulkInitiates, st.ByMethod["POST"])
	}
	for _, id := range want {
		if n := len(api.Actions(id)); n != 1 {
			t.Fatalf("droplet %d has %d actions, want 1", id, n)
		}
	}
	if got := stateDropletIDs(t, cli, bulkTargetsAddr); !slices.Equal(got, want) {
		t.Fatalf("droplet_ids = %v in the state, want %v", got, want)
	}
}

// holdRequest makes the API hold the nth request that match accepts, on its arrival and
// before handling it, until the test closes release; arrived is closed when it comes.
func holdRequest(api *fakeapi.Server, method string, nth int, match func(*http.Request) bool) (arrived, release chan struct{}) {
	arrived, release = make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	seen := 0
	api.InjectFault(fakeapi.Fault{
		Method: method, Times: -1,
		Match: func(r *http.Request) bool {
			if !match(r) {
				return false
			}
			mu.Lock()
			seen++
			held := seen == nth
			mu.Unlock()
			if held {
				close(arrived)
				select {
				case <-release:
				case <-time.After(cliCommandTimeout):
				}
			}
			return false // no fault: the API then handles the request
		},
	})
	return arrived, release
}

// awaitHeld waits for a request holdRequest holds, failing if the command ends first.
func awaitHeld(t *testing.T, p *tfProcess, arrived chan struct{}, what string) {
	t.Helper()
	select {
	case <-arrived:
	case <-p.done:
		t.Fatalf("terraform ended before %s:\n%s", what, p.out.String())
	case <-time.After(cliCommandTimeout):
		t.Fatalf("no %s within %s", what, cliCommandTimeout)
	}
}

// TestAccDropletBulkActionTargets_changedBeforeTheCall: the tag gains a droplet and loses
// another after Terraform planned the resource again at apply, while the provider lists
// the tag before its call. The apply sends no POST and fails naming both droplets and
// asking for a new plan, and nothing is in the state.
func TestAccDropletBulkActionTargets_changedBeforeTheCall(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, `"web"`))
	cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")

	// At apply the tag is listed twice: when Terraform plans the resource again, then
	// before the call. The second listing sees the tag changed.
	arrived, release := holdRequest(api, http.MethodGet, 2, func(r *http.Request) bool {
		return r.URL.Path == "/v2/droplets" && r.URL.Query().Get("tag_name") == "web"
	})
	apply := cli.start("apply", "-input=false", "-no-color", "plan.tfplan")
	awaitHeld(t, apply, arrived, "second listing of the tag")
	added := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	api.RemoveDroplet(web[0].ID)
	close(release)
	if code := apply.wait(cliCommandTimeout); code != 1 {
		t.Fatalf("the apply exited %d, want 1:\n%s", code, apply.out.String())
	}
	out := apply.out.String()
	refused := regexp.MustCompile(`(?s)Error: Droplets of the tag changed since the plan.*` + diagWords("Tag: web") + `.*` +
		diagWords("nothing was started: no request to start an action was sent.") + `.*` +
		diagWords(fmt.Sprintf("Added to the tag since the plan (1): droplet %d", added.ID)) + `.*` +
		diagWords(fmt.Sprintf("Removed from the tag since the plan (1): droplet %d", web[0].ID)) + `.*` +
		diagWords("Run terraform plan again"))
	if !refused.MatchString(out) {
		t.Fatalf("the apply did not refuse naming droplets %d (added) and %d (removed):\n%s", added.ID, web[0].ID, out)
	}
	if st := api.Stats(); st.ByMethod["POST"] != 0 {
		t.Fatalf("%d POSTs, want none", st.ByMethod["POST"])
	}
	if res := cli.state(); len(res) != 0 {
		t.Fatalf("a refused apply left %d resources in the state", len(res))
	}
}

// TestAccDropletBulkActionTargets_tagUnknownAtPlan: with tag_name known only at apply (a
// terraform_data's output), the plan leaves droplet_ids unknown and does not list the tag,
// and the apply acts on the droplets carrying the tag then, a droplet tagged after the
// plan included, and records them.
func TestAccDropletBulkActionTargets_tagUnknownAtPlan(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, "terraform_data.tag.output") + `
resource "terraform_data" "tag" {
  input = "web"
}
`)
	cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")
	after, unknown := plannedChange(cli, "plan.tfplan", bulkTargetsAddr)
	if unknown["droplet_ids"] != true || after["droplet_ids"] != nil {
		t.Fatalf("planned droplet_ids = %#v (unknown: %v), want unknown", after["droplet_ids"], unknown["droplet_ids"])
	}
	if n := tagListings(api, "web"); n != 0 {
		t.Fatalf("a plan without the tag's name listed the tag %d times", n)
	}

	late := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	cli.mustRun(0, "apply", "-input=false", "-no-color", "plan.tfplan")
	want := dropletIDsOf(append(web, late)...)
	if st := api.Stats(); st.BulkInitiates != 1 || st.ByMethod["POST"] != 1 {
		t.Fatalf("%d bulk initiates and %d POSTs, want 1 and 1", st.BulkInitiates, st.ByMethod["POST"])
	}
	for _, id := range want {
		if n := len(api.Actions(id)); n != 1 {
			t.Fatalf("droplet %d has %d actions, want 1", id, n)
		}
	}
	if got := stateDropletIDs(t, cli, bulkTargetsAddr); !slices.Equal(got, want) {
		t.Fatalf("droplet_ids = %v in the state, want %v: the droplets the action reached", got, want)
	}
	cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
}

// TestAccDropletBulkActionTargets_emptyTagWarns: a plan for a tag no droplet carries
// warns on tag_name and leaves droplet_ids unknown; nothing is sent.
func TestAccDropletBulkActionTargets_emptyTagWarns(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tagged(api, "db", 1)
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, `"web"`))
	out := cli.mustRun(2, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	warning := regexp.MustCompile(`(?s)Warning: No droplet carries the tag.*tag_name.*` + diagWords(`No droplet carries the tag "web" now, so droplet_ids is unknown`))
	if !warning.MatchString(out) {
		t.Fatalf("the plan does not warn that no droplet carries the tag:\n%s", out)
	}
	if !regexp.MustCompile(`\+ droplet_ids\s+= \(known after apply\)`).MatchString(out) {
		t.Fatalf("the plan does not leave droplet_ids unknown:\n%s", out)
	}
	if st := api.Stats(); st.ByMethod["POST"] != 0 {
		t.Fatalf("%d POSTs from a plan", st.ByMethod["POST"])
	}
}

// TestAccDropletBulkActionTargets_taggedDuringTheCall: a droplet tagged after the apply
// checked the tag against the plan, but before DigitalOcean handles the by-tag POST, gets
// the action too. The apply fails saying so, rather than with Terraform's "inconsistent
// result", and the state records the droplets the action reached, tainted.
func TestAccDropletBulkActionTargets_taggedDuringTheCall(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	cli := newBulkTargetsCLI(t)
	cli.writeConfig(bulkTargetsConfig(api, `"web"`))
	cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")

	// The POST is held, on its arrival, until the test has tagged another droplet.
	arrived, release := holdRequest(api, http.MethodPost, 1, func(r *http.Request) bool { return r.URL.Path == "/v2/droplets/actions" })
	apply := cli.start("apply", "-input=false", "-no-color", "plan.tfplan")
	awaitHeld(t, apply, arrived, "by-tag POST")
	late := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	close(release)
	if code := apply.wait(cliCommandTimeout); code != 1 {
		t.Fatalf("the apply exited %d, want 1:\n%s", code, apply.out.String())
	}
	out := apply.out.String()
	reached := regexp.MustCompile(`(?s)Error: Droplet bulk action reached other droplets than planned.*` +
		diagWords(fmt.Sprintf("Added to the tag since the plan (1): droplet %d", late.ID)) + `.*` + diagWords("terraform untaint"))
	if !reached.MatchString(out) || strings.Contains(out, "inconsistent result") {
		t.Fatalf("the apply did not fail naming droplet %d, tagged during the call:\n%s", late.ID, out)
	}
	want := dropletIDsOf(append(web, late)...)
	if got := stateDropletIDs(t, cli, bulkTargetsAddr); !slices.Equal(got, want) {
		t.Fatalf("droplet_ids = %v in the state, want %v: the droplets the action reached", got, want)
	}
	if r := cli.state()[bulkTargetsAddr]; !r.Tainted {
		t.Fatalf("%s is not tainted", bulkTargetsAddr)
	}
}
