//go:build unix

package provider

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// These tests start an apply while another action runs on the droplet. The fake's actions
// last ten minutes on a clock the test moves by hand, so the apply certainly meets the
// running action (DigitalOcean's 422 "pending event"); the clock moves on only once the
// fake has answered it.

// busyAPI is a fake whose actions last ten minutes until finish is called.
func busyAPI(t *testing.T) (api *fakeapi.Server, finish func()) {
	t.Helper()
	var skew atomic.Int64
	api = newTestAPI(t, strictPower, func(o *fakeapi.Options) {
		o.DefaultDuration = 10 * time.Minute
		o.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	return api, func() { skew.Add(int64(11 * time.Minute)) }
}

// startOutside starts an action as another tool would, outside Terraform.
func startOutside(t *testing.T, api *fakeapi.Server, dropletID int64, typ client.ActionType) client.Action {
	t.Helper()
	c, err := client.New(client.Config{Token: testToken, Endpoint: api.URL()})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := c.Initiate(t.Context(), dropletID, client.ActionRequest{Type: typ})
	if err != nil {
		t.Fatal(err)
	}
	return *a
}

// finishWhenBusy waits until the fake has answered the pending event to the running
// command, then lets every action finish, and returns the command's exit code and output.
func finishWhenBusy(t *testing.T, api *fakeapi.Server, p *tfProcess, finish func()) (int, string) {
	t.Helper()
	before := api.Stats().Pending422
	pollUntil(t, 90*time.Second, "the apply meeting the running action", func() bool {
		if p.exited() {
			t.Fatalf("terraform ended before it met the running action:\n%s", p.out.String())
		}
		return api.Stats().Pending422 > before
	})
	finish()
	code := p.wait(90 * time.Second)
	return code, p.out.String()
}

const busyProvider = `
provider "gradient" {
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}
`

// TestAccDropletPower_outsideActionRunning: gradient_droplet_power meets an outside power
// action already running towards its state. It waits for it, reads the droplet again and
// sends nothing: zero POSTs that create actions, and no last_action_id.
func TestAccDropletPower_outsideActionRunning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state   string
		initial string
		outside client.ActionType
		want    string
	}{
		{state: powerOff, initial: fakeapi.StatusActive, outside: client.ActionPowerOff, want: fakeapi.StatusOff},
		{state: powerOn, initial: fakeapi.StatusOff, outside: client.ActionPowerOn, want: fakeapi.StatusActive},
	} {
		t.Run(tc.state, func(t *testing.T) {
			t.Parallel()
			api, finish := busyAPI(t)
			d := api.AddDroplet(fakeapi.Droplet{Status: tc.initial})
			startOutside(t, api, d.ID, tc.outside)

			cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
			cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(busyProvider, api.URL()) + powerConfig("p", d.ID, tc.state, ""))
			code, out := finishWhenBusy(t, api, cli.start("apply", "-auto-approve", "-input=false", "-no-color"), finish)
			if code != 0 {
				t.Fatalf("apply exited %d:\n%s", code, out)
			}
			if n := api.Stats().AcceptedInitiates[d.ID]; n != 1 {
				t.Errorf("%d actions created on droplet %d, want 1 (the outside %s): the apply must create none; sent %v",
					n, d.ID, tc.outside, actionTypesSent(api, d.ID))
			}
			if got, _ := api.Droplet(d.ID); got.Status != tc.want {
				t.Errorf("droplet is %s, want %s", got.Status, tc.want)
			}
			r := cli.state()["gradient_droplet_power.p"]
			if r.Values["status"] != tc.want || r.Values["last_action_id"] != nil {
				t.Errorf("state: status %v, last_action_id %v; want %s and null (this resource ran no action)", r.Values["status"], r.Values["last_action_id"], tc.want)
			}
		})
	}
}

// TestAccDropletPower_reapplyAfterInterruptedShutdown: an apply interrupted while its
// shutdown runs, then applied again while that shutdown still runs. The second apply waits
// for its own earlier shutdown, reads the droplet again and finds it off: no second action.
func TestAccDropletPower_reapplyAfterInterruptedShutdown(t *testing.T) {
	t.Parallel()
	api, finish := busyAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(busyProvider, api.URL()) + powerConfig("p", d.ID, powerOff, ""))

	first := cli.start("apply", "-auto-approve", "-input=false", "-no-color")
	pollUntil(t, 90*time.Second, "the shutdown accepted", func() bool {
		if first.exited() {
			t.Fatalf("terraform apply ended before the interrupt:\n%s", first.out.String())
		}
		return api.Stats().AcceptedInitiates[d.ID] == 1
	})
	if err := first.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := first.wait(60 * time.Second); code == 0 || code == -1 {
		t.Fatalf("interrupted apply exited %d:\n%s", code, first.out.String())
	}
	if acts := api.Actions(d.ID); len(acts) != 1 || acts[0].Type != client.ActionShutdown || acts[0].Status != fakeapi.ActionInProgress {
		t.Fatalf("after the interrupt the droplet has %+v, want one shutdown in progress", acts)
	}

	code, out := finishWhenBusy(t, api, cli.start("apply", "-auto-approve", "-input=false", "-no-color"), finish)
	if code != 0 {
		t.Fatalf("re-apply exited %d:\n%s", code, out)
	}
	if n := api.Stats().AcceptedInitiates[d.ID]; n != 1 {
		t.Errorf("%d actions created in all, want 1 (the interrupted apply's shutdown): sent %v", n, actionTypesSent(api, d.ID))
	}
	if got, _ := api.Droplet(d.ID); got.Status != fakeapi.StatusOff {
		t.Errorf("droplet is %s, want off", got.Status)
	}
	if r := cli.state()["gradient_droplet_power.p"]; r.Tainted || r.Values["status"] != fakeapi.StatusOff {
		t.Errorf("state after the re-apply: tainted %t, status %v; want untainted, off", r.Tainted, r.Values["status"])
	}
	plan := cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if !strings.Contains(plan, "No changes.") {
		t.Errorf("plan after the re-apply is not empty:\n%s", plan)
	}
}

// TestAccDropletActionAction_outsideActionRunning invokes power_off by ID and by tag while
// an outside power_off runs on one droplet. By ID, nothing is sent once it has ended. By
// tag, the by-tag call meets it (DigitalOcean refuses the whole call), the droplets are read
// again, and only the droplet still on gets a power_off.
func TestAccDropletActionAction_outsideActionRunning(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api, finish := busyAPI(t)
	single := api.AddDroplet(fakeapi.Droplet{})
	busy := api.AddDroplet(fakeapi.Droplet{Tags: []string{"fleet"}})
	other := api.AddDroplet(fakeapi.Droplet{Tags: []string{"fleet"}})
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(busyProvider, api.URL()) + fmt.Sprintf(`
action "gradient_droplet_action" "one" {
  config {
    droplet_id = %d
    type       = "power_off"
  }
}
action "gradient_droplet_action" "fleet" {
  config {
    tag_name = "fleet"
    type     = "power_off"
  }
}
`, single.ID))

	startOutside(t, api, single.ID, client.ActionPowerOff)
	code, out := finishWhenBusy(t, api, cli.start("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_action.one"), finish)
	flat := strings.Join(strings.Fields(out), " ")
	if code != 0 {
		t.Fatalf("invoke by ID exited %d:\n%s", code, out)
	}
	if want := fmt.Sprintf("droplet %d is already off: no power_off sent", single.ID); !strings.Contains(flat, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if n := api.Stats().AcceptedInitiates[single.ID]; n != 1 {
		t.Errorf("%d actions created on droplet %d, want 1 (the outside one): sent %v", n, single.ID, actionTypesSent(api, single.ID))
	}

	// The fake's clock has moved on; the outside action on the tag starts now, on it.
	startOutside(t, api, busy.ID, client.ActionPowerOff)
	p := cli.start("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_action.fleet")
	// The other droplet's own power_off, once sent, also lasts ten minutes: let the clock
	// move on again once it has been accepted.
	code, out = finishWhenBusy(t, api, p, func() {
		finish()
		pollUntil(t, 90*time.Second, "the power_off of the droplet still on", func() bool {
			return p.exited() || api.Stats().AcceptedInitiates[other.ID] == 1
		})
		finish()
	})
	flat = strings.Join(strings.Fields(out), " ")
	if code != 0 {
		t.Fatalf("invoke by tag exited %d:\n%s", code, out)
	}
	if want := fmt.Sprintf("droplet %d is already off: no power_off sent", busy.ID); !strings.Contains(flat, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	st := api.Stats()
	if st.AcceptedInitiates[busy.ID] != 1 || st.AcceptedInitiates[other.ID] != 1 {
		t.Errorf("actions created: %d on the busy droplet (want 1, the outside one), %d on the other (want 1); sent %v and %v",
			st.AcceptedInitiates[busy.ID], st.AcceptedInitiates[other.ID], actionTypesSent(api, busy.ID), actionTypesSent(api, other.ID))
	}
	for _, id := range []int64{busy.ID, other.ID} {
		if got, _ := api.Droplet(id); got.Status != fakeapi.StatusOff {
			t.Errorf("droplet %d is %s, want off", id, got.Status)
		}
	}
}
