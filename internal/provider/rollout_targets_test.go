//go:build unix

package provider

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccRollout_changedBeforeTheFirstAction: the tag gains a droplet and loses another
// after Terraform planned the rollout again at apply, while the provider lists the tag
// before the first action. The apply sends no POST, fails naming both droplets, and
// leaves nothing in the state.
func TestAccRollout_changedBeforeTheFirstAction(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 2)
	cli := newTFCLI(t, nil)
	cli.writeConfig(rolloutConfig(api, `tag_name = "web"
steps = [{ type = "power_off" }]`))
	cli.mustRun(0, "plan", "-out=plan.tfplan", "-input=false", "-no-color")

	// At apply the tag is listed when Terraform plans the resource again, then before the
	// first action: the second listing sees the tag changed.
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
	for _, want := range []string{
		"Droplets of the tag changed since the plan",
		"no request to start an action was sent.",
		fmt.Sprintf("Added to the tag since the plan (1): droplet %d", added.ID),
		fmt.Sprintf("Removed from the tag since the plan (1): droplet %d", web[0].ID),
		"Run terraform plan again",
	} {
		if !says(out, want) {
			t.Fatalf("the refusal does not say %q:\n%s", want, out)
		}
	}
	if n := posts(api); n != 0 {
		t.Fatalf("%d POSTs, want none", n)
	}
	if res := cli.state(); len(res) != 0 {
		t.Fatalf("a refused apply left %d resources in the state", len(res))
	}
}
