//go:build unix

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccInterruptDuringWait interrupts a real `terraform apply` (SIGINT, as Ctrl-C sends)
// while three actions are in progress, then follows the README's recovery instructions
// ("When an apply is interrupted or times out") to the letter.
func TestAccInterruptDuringWait(t *testing.T) {
	t.Parallel()
	// The fake's clock can be moved forward by hand: actions last ten minutes, so they are
	// certainly still running when the apply is interrupted, and finish the moment the test
	// moves the clock past them.
	var skew atomic.Int64
	api := newTestAPI(t, func(o *fakeapi.Options) {
		o.DefaultDuration = 10 * time.Minute
		o.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	var droplets []int64
	for range 3 {
		droplets = append(droplets, api.AddDroplet(fakeapi.Droplet{}).ID)
	}
	// The provider's log says when it has each initiate's answer: until then an interrupt
	// could cut a POST the fake accepted before its answer arrived, and that action would
	// rightly be reported as maybe not started.
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken, "TF_LOG_PROVIDER": "INFO", "TF_LOG_PATH": logPath})
	cfg := gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}
`, api.URL())
	var addrs []string
	for i, id := range droplets {
		cfg += fmt.Sprintf("resource \"gradient_droplet_action\" \"r%d\" {\n  droplet_id = %d\n  type       = \"snapshot\"\n}\n", i, id)
		addrs = append(addrs, fmt.Sprintf("gradient_droplet_action.r%d", i))
	}
	cli.writeConfig(cfg)

	apply := cli.start("apply", "-auto-approve", "-input=false", "-no-color")
	pollUntil(t, 60*time.Second, "the provider holding the answers to all three initiates", func() bool {
		if apply.exited() {
			t.Fatalf("terraform apply ended before the interrupt:\n%s", apply.out.String())
		}
		log, _ := os.ReadFile(logPath)
		accepted, _ := initiates(api)
		return accepted == len(droplets) && strings.Count(string(log), "droplet action initiated") == len(droplets)
	})
	for _, id := range droplets {
		for _, a := range api.Actions(id) {
			if a.Status != fakeapi.ActionInProgress {
				t.Fatalf("action %d is %s before the interrupt; the test needs it in progress", a.ID, a.Status)
			}
		}
	}

	// SIGINT to Terraform alone; Terraform stops the provider, which cancels the waits.
	sent := time.Now()
	if err := apply.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	code := apply.wait(60 * time.Second)
	elapsed := time.Since(sent)
	out := apply.out.String()
	// Terraform wraps diagnostics to a width; compare on single-spaced text.
	flat := strings.Join(strings.Fields(out), " ")
	t.Logf("terraform apply exited %d, %s after SIGINT:\n%s", code, elapsed.Round(time.Millisecond), out)
	switch code {
	case -1:
		t.Fatalf("terraform apply did not exit within 60 s of SIGINT:\n%s", out)
	case 0:
		t.Fatalf("terraform apply exited 0 after an interrupt:\n%s", out)
	}

	// The fake's action IDs, which must all be in the state and named in the output.
	started := map[string]bool{}
	for _, id := range droplets {
		for _, a := range api.Actions(id) {
			started[strconv.FormatInt(a.ID, 10)] = true
		}
	}
	if n := strings.Count(flat, "goes on at DigitalOcean"); n != len(droplets) {
		t.Errorf("the output says %d times that the action goes on at DigitalOcean, want %d:\n%s", n, len(droplets), out)
	}
	for id := range started {
		if !strings.Contains(flat, "Action ID: "+id) {
			t.Errorf("the output does not name action %s:\n%s", id, out)
		}
	}
	if !strings.Contains(flat, "Stopped waiting for droplet action") {
		t.Errorf("the output lacks the wait-cancelled summary:\n%s", out)
	}

	st := cli.state()
	inState := map[string]bool{}
	for _, addr := range addrs {
		r, ok := st[addr]
		if !ok {
			t.Fatalf("%s is not in the state after the interrupt", addr)
		}
		id, _ := r.Values["id"].(string)
		inState[id] = true
		if !r.Tainted {
			t.Errorf("%s is not tainted after the interrupt", addr)
		}
		if s := r.Values["status"]; s != fakeapi.ActionInProgress {
			t.Errorf("%s has status %v in the state, want in-progress", addr, s)
		}
	}
	t.Logf("actions started at the fake: %d, action IDs in the state: %d", len(started), len(inState))
	if !equalSets(inState, started) {
		t.Fatalf("action IDs in the state %v, started at the fake %v", keys(inState), keys(started))
	}

	// As the README says, the next plan would replace the tainted resources, starting
	// second actions.
	plan := cli.mustRun(2, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	for _, addr := range addrs {
		// OpenTofu words it "is tainted, so it must be replaced".
		if !strings.Contains(plan, addr+" is tainted, so must be replaced") && !strings.Contains(plan, addr+" is tainted, so it must be replaced") {
			t.Errorf("the plan before untaint does not replace %s:\n%s", addr, plan)
		}
	}

	// Let the actions finish at the fake, then recover exactly as the README says.
	skew.Store(int64(11 * time.Minute))
	for id := range started {
		n, _ := strconv.ParseInt(id, 10, 64)
		if a, _ := api.Action(n); a.Status != fakeapi.ActionCompleted {
			t.Fatalf("action %s is %s after moving the fake's clock", id, a.Status)
		}
	}
	_, attemptsBefore := initiates(api)
	for _, addr := range addrs {
		cli.mustRun(0, "untaint", "-no-color", addr)
	}
	plan = cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	t.Logf("plan after untaint:\n%s", plan)
	if !strings.Contains(plan, "No changes.") {
		t.Errorf("the plan after untaint is not empty:\n%s", plan)
	}
	applyOut := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	t.Logf("apply after untaint:\n%s", applyOut)
	if !strings.Contains(applyOut, "Resources: 0 added, 0 changed, 0 destroyed") {
		t.Errorf("the apply after untaint changed something:\n%s", applyOut)
	}
	st = cli.state()
	for _, addr := range addrs {
		r := st[addr]
		id, _ := r.Values["id"].(string)
		if !started[id] || r.Tainted || r.Values["status"] != fakeapi.ActionCompleted {
			t.Errorf("%s after recovery: id %s, tainted %t, status %v; want one of the started actions, untainted, completed",
				addr, id, r.Tainted, r.Values["status"])
		}
	}
	if _, attempts := initiates(api); attempts != attemptsBefore || attempts != len(droplets) {
		t.Errorf("%d initiates sent in all, %d before the recovery: the recovery must send none", attempts, attemptsBefore)
	}
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
