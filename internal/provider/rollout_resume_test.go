//go:build unix

package provider

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// says reports whether Terraform's output says phrase, however it wrapped it.
func says(out, phrase string) bool {
	return regexp.MustCompile(diagWords(phrase)).MatchString(out)
}

// actionCounts returns how many actions each droplet has had.
func actionCounts(api *fakeapi.Server, ds []fakeapi.Droplet) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = len(api.Actions(d.ID))
	}
	return out
}

// TestAccRollout_healthGate: with a health check, each droplet is requested on the URL
// its placeholders make, never with an Authorization header, the token or any header of
// the provider's; the next droplet (max_parallel = 1) starts only after the one before
// answered 200.
func TestAccRollout_healthGate(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name = "web"
`+resizeSteps("s-2vcpu-4gb")+healthCheck(api, "200ms", "30s")))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")

	reqs := api.HealthRequests()
	healthyAt := map[int64][]fakeapi.HealthRequest{}
	for _, r := range reqs {
		if r.Authorization {
			t.Fatalf("a health request to %s carried an Authorization header", r.Path)
		}
		for k, vs := range r.Header {
			if !slices.Contains([]string{"User-Agent", "Accept-Encoding", "Connection"}, k) {
				t.Fatalf("a health request carried the header %s: %v", k, vs)
			}
			for _, v := range vs {
				if strings.Contains(v, testToken) || strings.Contains(strings.ToLower(v), "terraform") || strings.Contains(strings.ToLower(v), "gradient") {
					t.Fatalf("a health request's %s header is %q", k, v)
				}
			}
		}
		if r.Status == 200 {
			healthyAt[r.DropletID] = append(healthyAt[r.DropletID], r)
		}
	}
	spans := dropletSpans(t, api, web)
	for i, d := range web {
		if len(healthyAt[d.ID]) < 2 {
			t.Fatalf("droplet %d answered 200 %d times, want at least 2 (healthy for 200ms)", d.ID, len(healthyAt[d.ID]))
		}
		if i+1 < len(web) {
			if last := healthyAt[d.ID][len(healthyAt[d.ID])-1].Time; spans[i+1].start.Before(last) {
				t.Fatalf("droplet %d started at %s, before droplet %d was found healthy at %s", spans[i+1].id, spans[i+1].start, d.ID, last)
			}
		}
	}
}

// TestAccRollout_resumeAfterCreateFailure: the second of three droplets never becomes
// healthy, so it misses its deadline; with max_failures = 0 the third is not started. The
// apply fails with one table, and Terraform taints the resource. After `terraform untaint`,
// the next apply plans an update in place, and acts only on the droplets not done: the
// first is not touched again.
func TestAccRollout_resumeAfterCreateFailure(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	api.SetHealth(web[1].ID, fakeapi.HealthNever)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name = "web"
`+resizeSteps("s-2vcpu-4gb")+healthCheck(api, "0s", "400ms")))
	out := cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color")
	for _, want := range []string{"Droplet rollout failed", "Done (1 of 3):", "Failed (1 of 3):", "not healthy within its deadline", "Not started (1 of 3):", "terraform untaint"} {
		if !says(out, want) {
			t.Fatalf("the failure does not say %q:\n%s", want, out)
		}
	}
	if got := actionCounts(api, web); !slices.Equal(got, []int{3, 3, 0}) {
		t.Fatalf("actions per droplet %v, want [3 3 0]", got)
	}
	st := cli.state()[rolloutAddr]
	if !st.Tainted {
		t.Fatal("the resource is not tainted after a failed create")
	}
	got, _ := outcomes(t, cli)
	if got[web[0].ID] != outcomeDone || got[web[1].ID] != outcomeFailed || got[web[2].ID] != outcomeNotStarted {
		t.Fatalf("outcomes %v, want done, failed, not_started", got)
	}

	api.SetHealth(web[1].ID, fakeapi.HealthNormal)
	cli.mustRun(0, "untaint", "-no-color", rolloutAddr)
	plan := cli.mustRun(0, "plan", "-input=false", "-no-color")
	if !strings.Contains(plan, "updated in-place") || strings.Contains(plan, "must be replaced") {
		t.Fatalf("after untaint the plan is not an update in place:\n%s", plan)
	}
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	// The second droplet was resized already: it is skipped, once healthy; the third runs.
	if got := actionCounts(api, web); !slices.Equal(got, []int{3, 3, 3}) {
		t.Fatalf("actions per droplet after the resume %v, want [3 3 3]: nothing again on the first", got)
	}
	got, _ = outcomes(t, cli)
	if got[web[0].ID] != outcomeDone || got[web[1].ID] != outcomeSkipped || got[web[2].ID] != outcomeDone {
		t.Fatalf("outcomes after the resume %v, want done, skipped, done", got)
	}
	cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
}

// TestAccRollout_resumeAfterUpdateFailure: changing triggers runs the rollout again in
// place over every droplet; a power_off that errors on the second droplet fails the
// update (max_failures = 0), the third is not started, and the state is kept, not
// tainted. The next apply resumes: the first droplet is not touched again.
func TestAccRollout_resumeAfterUpdateFailure(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	cli := newTFCLI(t, nil)
	config := func(release, size string) string {
		return rolloutConfig(api, `
  tag_name = "web"
  triggers = { release = "`+release+`" }
`+resizeSteps(size))
	}
	cli.writeConfig(config("1", "s-2vcpu-4gb"))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")

	api.SetActionOutcome(web[1].ID, client.ActionPowerOff, true)
	cli.writeConfig(config("2", "s-4vcpu-8gb"))
	plan := cli.mustRun(0, "plan", "-input=false", "-no-color")
	if !strings.Contains(plan, "updated in-place") || strings.Contains(plan, "must be replaced") {
		t.Fatalf("a change of triggers is not planned in place:\n%s", plan)
	}
	out := cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color")
	if !says(out, "The next `terraform apply` resumes the rollout") {
		t.Fatalf("the failure does not say how to resume:\n%s", out)
	}
	if got := actionCounts(api, web); !slices.Equal(got, []int{6, 4, 3}) {
		t.Fatalf("actions per droplet %v, want [6 4 3]", got)
	}
	if cli.state()[rolloutAddr].Tainted {
		t.Fatal("a failed update tainted the resource")
	}

	api.SetActionOutcome(web[1].ID, client.ActionPowerOff, false)
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if got := actionCounts(api, web); !slices.Equal(got, []int{6, 7, 6}) {
		t.Fatalf("actions per droplet after the resume %v, want [6 7 6]: nothing again on the first", got)
	}
	for _, d := range web {
		if got, _ := api.Droplet(d.ID); got.SizeSlug != "s-4vcpu-8gb" {
			t.Fatalf("droplet %d is %s, want s-4vcpu-8gb", d.ID, got.SizeSlug)
		}
	}
}

// TestAccRollout_maxFailuresOne: with max_failures = 1, one droplet failing does not stop
// the rollout: the others are done and the apply succeeds, with a warning naming it.
func TestAccRollout_maxFailuresOne(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	api.SetActionOutcome(web[0].ID, client.ActionPowerOff, true)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `
  tag_name     = "web"
  max_failures = 1
`+resizeSteps("s-2vcpu-4gb")))
	out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if !says(out, "Some droplets failed, within max_failures") {
		t.Fatalf("no warning of the failed droplet:\n%s", out)
	}
	if got := actionCounts(api, web); !slices.Equal(got, []int{1, 3, 3}) {
		t.Fatalf("actions per droplet %v, want [1 3 3]", got)
	}
	got, _ := outcomes(t, cli)
	if got[web[0].ID] != outcomeFailed || got[web[1].ID] != outcomeDone || got[web[2].ID] != outcomeDone {
		t.Fatalf("outcomes %v, want failed, done, done", got)
	}
}
