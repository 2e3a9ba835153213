//go:build unix

package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

const rolloutAddr = "gradient_droplet_rollout.r"

// rolloutConfig is a rollout resource over the droplets tagged web, with body inside.
func rolloutConfig(api *fakeapi.Server, body string) string {
	return gradientTerraformBlock + providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_rollout" "r" {
%s
}
`, body)
}

// resizeSteps power a droplet off, resize it to size and power it on.
func resizeSteps(size string) string {
	return fmt.Sprintf(`
  steps = [
    { type = "power_off" },
    { type = "resize", size = %q },
    { type = "power_on" },
  ]`, size)
}

// healthCheck is a health_check block against the fake's health endpoint.
func healthCheck(api *fakeapi.Server, healthyFor, deadline string) string {
	return fmt.Sprintf(`
  health_check = {
    url         = "http://{ipv4_public}:%d/health/{id}"
    interval    = "50ms"
    healthy_for = %q
    deadline    = %q
  }`, api.HealthPort(), healthyFor, deadline)
}

// span is when a droplet was in progress by its actions: from its first action's start
// to its last action's completion.
type span struct {
	id         int64
	start, end time.Time
}

// dropletSpans returns, for each droplet with actions, its span.
func dropletSpans(t *testing.T, api *fakeapi.Server, ds []fakeapi.Droplet) []span {
	t.Helper()
	var out []span
	for _, d := range ds {
		acts := api.Actions(d.ID)
		if len(acts) == 0 {
			continue
		}
		s := span{id: d.ID, start: acts[0].StartedAt}
		for _, a := range acts {
			if a.StartedAt.Before(s.start) {
				s.start = a.StartedAt
			}
			if a.CompletedAt == nil {
				t.Fatalf("action %d on droplet %d never completed", a.ID, d.ID)
			}
			if a.CompletedAt.After(s.end) {
				s.end = *a.CompletedAt
			}
		}
		out = append(out, s)
	}
	return out
}

// spansOverlap is the most spans in progress at one instant.
func spansOverlap(spans []span) int {
	most := 0
	for _, s := range spans {
		n := 0
		for _, o := range spans {
			if !o.start.After(s.start) && o.end.After(s.start) {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

// outcomes returns the state's droplets as droplet ID -> outcome, and their order.
func outcomes(t *testing.T, cli *tfCLI) (map[int64]string, []int64) {
	t.Helper()
	res, ok := cli.state()[rolloutAddr]
	if !ok {
		t.Fatalf("%s is not in the state", rolloutAddr)
	}
	list, _ := res.Values["droplets"].([]any)
	got := map[int64]string{}
	var order []int64
	for _, e := range list {
		m, _ := e.(map[string]any)
		id, _ := m["droplet_id"].(float64)
		outcome, _ := m["outcome"].(string)
		got[int64(id)] = outcome
		order = append(order, int64(id))
	}
	return got, order
}

func posts(api *fakeapi.Server) int { return api.Stats().ByMethod["POST"] }

// TestAccRollout_window: six droplets with max_parallel = 2. The plan lists each
// droplet's ID and name in rollout order; by the fake's log never more than two droplets
// are in progress at once, and two are at some point; every droplet is done, with its
// three actions, each a step in order.
func TestAccRollout_window(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 6)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name     = "web"
  max_parallel = 2
`+resizeSteps("s-2vcpu-4gb")))

	out := cli.mustRun(0, "plan", "-input=false", "-no-color")
	for _, d := range web {
		shown := regexp.MustCompile(fmt.Sprintf(`droplet_id\s+= %d\s+[^}]*name\s+= "%s"`, d.ID, regexp.QuoteMeta(d.Name)))
		if !shown.MatchString(out) {
			t.Fatalf("the plan does not show droplet %d (%s):\n%s", d.ID, d.Name, out)
		}
	}
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")

	spans := dropletSpans(t, api, web)
	if len(spans) != len(web) {
		t.Fatalf("%d droplets acted on, want %d", len(spans), len(web))
	}
	if n := spansOverlap(spans); n != 2 {
		t.Fatalf("at most %d droplets were in progress at once, want exactly max_parallel = 2", n)
	}
	for _, d := range web {
		var types []client.ActionType
		acts := api.Actions(d.ID)
		slices.SortFunc(acts, func(a, b fakeapi.Action) int { return int(a.ID - b.ID) })
		for _, a := range acts {
			types = append(types, a.Type)
		}
		if want := []client.ActionType{client.ActionPowerOff, client.ActionResize, client.ActionPowerOn}; !slices.Equal(types, want) {
			t.Fatalf("droplet %d ran %v, want %v", d.ID, types, want)
		}
		if got, _ := api.Droplet(d.ID); got.SizeSlug != "s-2vcpu-4gb" || got.Status != fakeapi.StatusActive {
			t.Fatalf("droplet %d is %s and %s, want s-2vcpu-4gb and active", d.ID, got.SizeSlug, got.Status)
		}
	}
	got, order := outcomes(t, cli)
	if !slices.Equal(order, dropletIDsOf(web...)) {
		t.Fatalf("droplets in the state in the order %v, want %v", order, dropletIDsOf(web...))
	}
	for id, o := range got {
		if o != outcomeDone {
			t.Fatalf("droplet %d: outcome %q, want done", id, o)
		}
	}
	// Nothing changed: the next plan is empty and sends nothing.
	before := posts(api)
	cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if posts(api) != before {
		t.Fatal("a plan with nothing to do sent a POST")
	}
}

// TestAccRollout_canaryAndPause: with canary = 1 the first droplet completes before any
// other starts; with pause, a slot starts its next droplet no sooner than pause after its
// last one finished (max_parallel = 1: one slot).
func TestAccRollout_canaryAndPause(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 4)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name     = "web"
  max_parallel = 3
  canary       = 1
  # Off and on again ends where it began: with skip_matching, every droplet would match.
  skip_matching = false
  steps        = [{ type = "power_off" }, { type = "power_on" }]
`))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	spans := dropletSpans(t, api, web)
	if len(spans) != len(web) {
		t.Fatalf("%d droplets acted on, want %d", len(spans), len(web))
	}
	for _, s := range spans[1:] {
		if s.start.Before(spans[0].end) {
			t.Fatalf("droplet %d started at %s, before the canary %d finished at %s", s.id, s.start, spans[0].id, spans[0].end)
		}
	}
	if n := spansOverlap(spans[1:]); n != 3 {
		t.Fatalf("after the canary at most %d droplets ran at once, want 3", n)
	}

	api2 := newTestAPI(t)
	web2 := tagged(api2, "web", 3)
	cli2 := newTFCLI(t, nil)
	const pauseFor = 600 * time.Millisecond
	cli2.writeConfig(rolloutConfig(api2, `
  tag_name = "web"
  pause    = "600ms"
  steps    = [{ type = "power_off" }]
`))
	cli2.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	spans2 := dropletSpans(t, api2, web2)
	if len(spans2) != len(web2) {
		t.Fatalf("%d droplets acted on, want %d", len(spans2), len(web2))
	}
	for i := 1; i < len(spans2); i++ {
		if gap := spans2[i].start.Sub(spans2[i-1].end); gap < pauseFor {
			t.Fatalf("droplet %d started %s after droplet %d finished, want at least the pause, %s", spans2[i].id, gap, spans2[i-1].id, pauseFor)
		}
	}
}

// TestAccRollout_skipMatching: a droplet already of the size and active is skipped, with
// no POST; another is resized. With skip_matching = false, both are acted on.
func TestAccRollout_skipMatching(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	big := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}, SizeSlug: "s-2vcpu-4gb"})
	small := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name = "web"
`+resizeSteps("s-2vcpu-4gb")))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if n := len(api.Actions(big.ID)); n != 0 {
		t.Fatalf("droplet %d, already s-2vcpu-4gb and active, got %d actions, want none", big.ID, n)
	}
	if n := len(api.Actions(small.ID)); n != 3 {
		t.Fatalf("droplet %d got %d actions, want 3", small.ID, n)
	}
	got, _ := outcomes(t, cli)
	if got[big.ID] != outcomeSkipped || got[small.ID] != outcomeDone {
		t.Fatalf("outcomes %v, want %d skipped and %d done", got, big.ID, small.ID)
	}

	// A power_off on an off droplet with skip_matching = false is sent, and refused.
	api2 := newTestAPI(t)
	off := api2.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}, Status: fakeapi.StatusOff})
	cli2 := newTFCLI(t, nil)
	cli2.writeConfig(rolloutConfig(api2, `
  tag_name      = "web"
  skip_matching = false
  steps         = [{ type = "power_off" }]
`))
	out := cli2.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color")
	if a := api2.Stats().InitiateAttempts[off.ID]; a != 1 {
		t.Fatalf("%d power_off POSTs to the off droplet with skip_matching = false, want 1", a)
	}
	if !strings.Contains(out, "Droplet rollout failed") {
		t.Fatalf("no rollout failure:\n%s", out)
	}
}
