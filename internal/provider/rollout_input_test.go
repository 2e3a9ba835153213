//go:build unix

package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccRollout_badInput: every bad input is refused by terraform plan, naming what is
// wrong, with no request to the API; canary at least the targets is a warning.
func TestAccRollout_badInput(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	cli := newTFCLI(t, nil)
	steps := `steps = [{ type = "power_off" }]`
	many := strings.Repeat(`{ type = "power_on" },`, 11)
	cases := []struct{ body, says string }{
		{`tag_name = "web"` + "\n" + `max_parallel = 0` + "\n" + steps, "max_parallel must be at least 1, got 0"},
		{`tag_name = "web"` + "\n" + `canary = -1` + "\n" + steps, "canary must be at least 0, got -1"},
		{`tag_name = "web"` + "\n" + `max_failures = -1` + "\n" + steps, "max_failures must be at least 0, got -1"},
		{`tag_name = "web"` + "\n" + `steps = []`, "steps holds 0 steps: a rollout takes 1 to 10"},
		{`tag_name = "web"` + "\n" + `steps = [` + many + `]`, "steps holds 11 steps: a rollout takes 1 to 10"},
		{`tag_name = "web"` + "\n" + `steps = [{ type = "power_off", size = "s-2vcpu-4gb" }]`, `steps[0]: size is not an argument of type "power_off"`},
		{`tag_name = "web"` + "\n" + `steps = [{ type = "resize" }]`, `steps[0]: type "resize" requires size`},
		{`tag_name = "web"` + "\n" + `steps = [{ type = "explode" }]`, `"explode" is not a droplet action type`},
		{`tag_name = "web"` + "\n" + `droplet_ids = [1]` + "\n" + steps, "Set exactly one of tag_name and droplet_ids, not both"},
		{steps, "Set exactly one of tag_name and droplet_ids"},
		{`droplet_ids = [1, 2, 1]` + "\n" + steps, "droplet 1 appears more than once in droplet_ids"},
		{`tag_name = "web"` + "\n" + `pause = "soon"` + "\n" + steps, `"soon" is not a duration`},
		{`tag_name = "web"` + "\n" + `pause = "-1s"` + "\n" + steps, `"-1s" is negative`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "ftp://{ipv4_public}/x" }`, `the scheme must be http or https, not "ftp"`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "not a url" }`, `health check URL`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "http://{ipv6}/x" }`, `unknown placeholder {ipv6}`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "http://{id}/x", healthy_for = "-2s" }`, `"-2s" is negative`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "http://{id}/x", deadline = "later" }`, `"later" is not a duration`},
		{`tag_name = "web"` + "\n" + steps + "\n" + `health_check = { url = "http://{id}/x", interval = "0s" }`, `interval must be more than 0s`},
	}
	for _, c := range cases {
		cli.writeConfig(rolloutConfig(api, c.body))
		out := cli.mustRun(1, "plan", "-input=false", "-no-color")
		if !says(out, c.says) {
			t.Errorf("with\n%s\nthe plan does not say %q:\n%s", c.body, c.says, out)
		}
	}
	if n := api.Stats().Total; n != 0 {
		t.Fatalf("%d requests to the API for bad input, want none", n)
	}

	web := tagged(api, "web", 2)
	cli.writeConfig(rolloutConfig(api, fmt.Sprintf(`droplet_ids = [%d, %d]
canary = 2
%s`, web[0].ID, web[1].ID, steps)))
	out := cli.mustRun(0, "plan", "-input=false", "-no-color")
	if !says(out, "Every droplet is a canary") {
		t.Fatalf("no warning for canary = the number of targets:\n%s", out)
	}
}

// TestAccRollout_staleAndEmpty: a saved plan whose tag gained a droplet since is refused
// at apply with no POST; a tag with no droplet warns at plan and fails the apply, with no
// POST.
func TestAccRollout_staleAndEmpty(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	tagged(api, "web", 2)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `tag_name = "web"
steps = [{ type = "power_off" }]`))
	cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")
	added := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	out := cli.mustRun(1, "apply", "-input=false", "-no-color", "plan.tfplan")
	// Terraform plans the resource again at apply; the provider lists the tag again, and
	// Terraform refuses the droplets list that differs from the saved plan's. Its message
	// names .droplets, not the droplet (see the resource's documentation).
	if !says(out, "Provider produced inconsistent final plan") || !says(out, "for .droplets: new element 2 has appeared") {
		t.Fatalf("the stale plan is not refused as such:\n%s", out)
	}
	if got, _ := api.Droplet(added.ID); len(api.Actions(got.ID)) != 0 {
		t.Fatalf("droplet %d, tagged after the plan, got actions", added.ID)
	}
	if n := posts(api); n != 0 {
		t.Fatalf("%d POSTs for a stale plan, want none", n)
	}
	if _, ok := cli.state()[rolloutAddr]; ok {
		t.Fatal("the refused rollout is in the state")
	}

	cli.writeConfig(rolloutConfig(api, `tag_name = "nobody"
steps = [{ type = "power_off" }]`))
	out = cli.mustRun(0, "plan", "-input=false", "-no-color")
	if !says(out, "No droplet carries the tag") {
		t.Fatalf("no plan warning for an empty tag:\n%s", out)
	}
	out = cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color")
	if !says(out, `No droplet carries the tag "nobody"`) {
		t.Fatalf("the apply over an empty tag does not fail as such:\n%s", out)
	}
	if n := posts(api); n != 0 {
		t.Fatalf("%d POSTs for an empty tag, want none", n)
	}
}

// TestAccRolloutAction_progress: the Terraform action sends a progress message as each
// droplet starts and completes a step, becomes healthy, is skipped and fails.
func TestAccRolloutAction_progress(t *testing.T) {
	t.Parallel()
	skipWithoutActions(t)
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	done := api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}, SizeSlug: "s-2vcpu-4gb"})
	api.SetHealth(web[1].ID, fakeapi.HealthNever)
	cli := newTFCLI(t, nil)
	cli.writeConfig(gradientTerraformBlock + providerConfig(api) + fmt.Sprintf(`
action "gradient_droplet_rollout" "resize" {
  config {
    tag_name     = "web"
    max_failures = 1
    steps = [
      { type = "power_off" },
      { type = "resize", size = "s-2vcpu-4gb" },
      { type = "power_on" },
    ]
    health_check = {
      url         = "http://{ipv4_public}:%d/health/{id}"
      interval    = "50ms"
      healthy_for = "0s"
      deadline    = "400ms"
    }
  }
}
`, api.HealthPort()))
	out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_rollout.resize")
	one, two := fmt.Sprintf("droplet %d (%s)", web[0].ID, web[0].Name), fmt.Sprintf("droplet %d (%s)", web[1].ID, web[1].Name)
	for _, want := range []string{
		one + ": step 1 of 3, power_off, started",
		one + ": step 1 of 3, power_off, completed",
		one + ": step 2 of 3, resize, completed",
		one + ": step 3 of 3, power_on, completed",
		one + " healthy",
		two + " failed: the health check",
		fmt.Sprintf("droplet %d (%s) skipped", done.ID, done.Name),
		"Some droplets failed, within max_failures",
	} {
		if !says(out, want) {
			t.Errorf("the action did not say %q:\n%s", want, out)
		}
	}
	if n := len(api.Actions(done.ID)); n != 0 {
		t.Fatalf("the matching droplet got %d actions", n)
	}
}
