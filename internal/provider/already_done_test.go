package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccDropletActionAction_alreadyDone invokes power_off, shutdown and power_on on
// droplets already in that state, one by ID and a tag's worth: nothing is sent to them,
// a progress message says so, and the invocation succeeds. On a tag where only some
// droplets need it, only those get a POST, one each, and the by-tag call is not used
// (it would act on every droplet of the tag).
func TestAccDropletActionAction_alreadyDone(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t, strictPower)
	off := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	on := api.AddDroplet(fakeapi.Droplet{})
	offTagged := []fakeapi.Droplet{
		api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff, Tags: []string{"fleet"}}),
		api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff, Tags: []string{"fleet"}}),
	}
	onTagged := api.AddDroplet(fakeapi.Droplet{Tags: []string{"fleet"}})

	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint      = %q
  poll_interval_min = 0.05
  poll_interval_max = 0.2
}

action "gradient_droplet_action" "power_off" {
  config {
    droplet_id = %d
    type       = "power_off"
  }
}
action "gradient_droplet_action" "shutdown" {
  config {
    droplet_id = %d
    type       = "shutdown"
  }
}
action "gradient_droplet_action" "power_on" {
  config {
    droplet_id = %d
    type       = "power_on"
  }
}
action "gradient_droplet_action" "fleet_off" {
  config {
    tag_name = "fleet"
    type     = "power_off"
  }
}
`, api.URL(), off.ID, off.ID, on.ID))

	invoke := func(name string) string {
		t.Helper()
		out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_action."+name)
		return strings.Join(strings.Fields(out), " ")
	}
	expectSaid := func(out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}
	posts := func() int { return api.Stats().ByMethod["POST"] }

	expectSaid(invoke("power_off"), fmt.Sprintf("droplet %d is already off: no power_off sent", off.ID))
	expectSaid(invoke("shutdown"), fmt.Sprintf("droplet %d is already off: no shutdown sent", off.ID))
	expectSaid(invoke("power_on"), fmt.Sprintf("droplet %d is already active: no power_on sent", on.ID))
	if n := posts(); n != 0 {
		t.Fatalf("%d POSTs for actions already done, want 0", n)
	}

	out := invoke("fleet_off")
	for _, d := range offTagged {
		expectSaid(out, fmt.Sprintf("droplet %d is already off: no power_off sent", d.ID))
	}
	if n := posts(); n != 1 {
		t.Errorf("%d POSTs for a tag with one droplet on, want 1", n)
	}
	if n := api.Stats().InitiateAttempts[onTagged.ID]; n != 1 {
		t.Errorf("droplet %d (on) got %d POSTs, want 1", onTagged.ID, n)
	}
	for _, r := range api.Requests() {
		if r.Method == "POST" && r.Path == "/v2/droplets/actions" {
			t.Errorf("the by-tag call was used although some droplets were already off: it acts on all of them")
		}
	}
	if d, _ := api.Droplet(onTagged.ID); d.Status != fakeapi.StatusOff {
		t.Errorf("droplet %d is %s, want off", onTagged.ID, d.Status)
	}

	// Now every droplet of the tag is off: nothing at all is sent.
	out = invoke("fleet_off")
	expectSaid(out, fmt.Sprintf("droplet %d is already off: no power_off sent", onTagged.ID))
	if n := posts(); n != 1 {
		t.Errorf("%d POSTs after invoking on an all-off tag, want still 1", n)
	}
}

// TestAccDropletActionAction_byTagArchived refuses power_on by tag when a droplet of the
// tag is archived, before sending anything, and names the droplet.
func TestAccDropletActionAction_byTagArchived(t *testing.T) {
	t.Parallel()
	skipWithoutActions(t)
	terraformPath(t)
	api := newTestAPI(t, strictPower)
	api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff, Tags: []string{"fleet"}})
	archived := api.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusArchive, Tags: []string{"fleet"}})
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint = %q
}

action "gradient_droplet_action" "fleet_on" {
  config {
    tag_name = "fleet"
    type     = "power_on"
  }
}
`, api.URL()))
	out := cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_action.fleet_on")
	flat := strings.Join(strings.Fields(out), " ")
	if want := fmt.Sprintf(`droplet %d has the status "archive"`, archived.ID); !strings.Contains(flat, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if n := api.Stats().ByMethod["POST"]; n != 0 {
		t.Errorf("%d POSTs, want 0: nothing is sent when a droplet of the tag is archived", n)
	}
}
