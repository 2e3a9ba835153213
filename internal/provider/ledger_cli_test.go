//go:build unix

package provider

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// writeLedger writes the per-minute ledger of testToken and endpoint in dir as the provider
// keeps it (little-endian int64s of UnixNano: paused until, paced until, the token bucket's
// arrival time, then each request's moment), holding no request.
func writeLedger(t *testing.T, dir, endpoint string, pausedUntil, pacedUntil, bucket time.Time) string {
	t.Helper()
	var data []byte
	for _, at := range []time.Time{pausedUntil, pacedUntil, bucket} {
		data = binary.LittleEndian.AppendUint64(data, uint64(at.UnixNano())) //nolint:gosec // a time after 1970
	}
	path := client.LedgerPath(dir, testToken, endpoint)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ledgerPausedUntil reads the pause a ledger file holds.
func ledgerPausedUntil(t *testing.T, path string) time.Time {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.LittleEndian.Uint64(data))) //nolint:gosec // written from an int64
}

// TestAccApplyDespiteALedgerPausedUntilNextYear: a ledger file claiming a pause until next
// year (a clock that went back, a damaged file, another version's) is discarded with a
// warning in the log, and an apply that refreshes one resource and creates another
// completes instead of stalling at refresh.
func TestAccApplyDespiteALedgerPausedUntilNextYear(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	first, second := api.AddDroplet(fakeapi.Droplet{}), api.AddDroplet(fakeapi.Droplet{})
	dir, logPath := t.TempDir(), filepath.Join(t.TempDir(), "terraform.log")
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken, ledgerDirEnv: dir, "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": logPath})
	cfg := gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint      = %q
  poll_interval_min = 0.05
  poll_interval_max = 0.2
}

resource "gradient_droplet_action" "first" {
  droplet_id = %d
  type       = "reboot"
}
`, api.URL(), first.ID)
	cli.writeConfig(cfg)
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")

	nextYear := time.Now().AddDate(1, 0, 0)
	path := writeLedger(t, dir, api.URL(), nextYear, nextYear.Add(time.Minute), nextYear)
	cli.writeConfig(cfg + fmt.Sprintf(`
resource "gradient_droplet_action" "second" {
  droplet_id = %d
  type       = "reboot"
}
`, second.ID))
	apply := cli.start("apply", "-auto-approve", "-input=false", "-no-color")
	code := apply.wait(90 * time.Second)
	out := apply.out.String()
	switch code {
	case -1:
		t.Fatalf("terraform apply did not finish within 90 s with the ledger paused until %s:\n%s", nextYear.UTC().Format(time.RFC3339), lastLines(out, 40))
	case 0:
	default:
		t.Fatalf("terraform apply exited %d:\n%s", code, lastLines(out, 40))
	}
	logText, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if log := string(logText); !strings.Contains(log, "discarded the shared count of requests") || !strings.Contains(log, "a pause until "+nextYear.UTC().Format(time.RFC3339)) {
		t.Errorf("the provider's log does not warn of the discarded pause:\n%s", lastLines(log, 40))
	}
	if strings.Contains(string(logText), testToken) {
		t.Error("the provider's log holds the token")
	}
	if p := ledgerPausedUntil(t, path); p.After(time.Now()) {
		t.Errorf("the ledger is still paused until %s", p.UTC().Format(time.RFC3339))
	}
	for addr, id := range map[string]int64{"gradient_droplet_action.first": first.ID, "gradient_droplet_action.second": second.ID} {
		r, ok := cli.state()[addr]
		if !ok || r.Values["status"] != fakeapi.ActionCompleted {
			t.Errorf("%s (droplet %d) in the state: %+v, want a completed reboot", addr, id, r)
		}
	}
}

// TestAccActionShowsABudgetWait: a wait on the rate budget during `terraform apply
// -invoke` shows as a progress message with its reason and end, rather than a silent
// stall; the action then completes.
func TestAccActionShowsABudgetWait(t *testing.T) {
	skipWithoutActions(t)
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	dir := t.TempDir()
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken, ledgerDirEnv: dir})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint      = %q
  poll_interval_min = 0.05
  poll_interval_max = 0.2
}

action "gradient_droplet_action" "reboot" {
  config {
    droplet_id = %d
    type       = "reboot"
  }
}
`, api.URL(), d.ID))
	// Another process met a 429 that asked for a pause, long enough to outlast Terraform's
	// start on a loaded machine and still be a long wait when the action's first request
	// meets it, and shorter than the longest a 429 is waited out (two minutes).
	until := time.Now().Add(25 * time.Second).Truncate(time.Second)
	writeLedger(t, dir, api.URL(), until, until.Add(time.Minute), until)
	out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gradient_droplet_action.reboot")
	flat := strings.Join(strings.Fields(out), " ")
	want := "for the API request budget (the API answered 429 and asked for a pause); resuming at " + until.UTC().Format("15:04:05 MST")
	if !strings.Contains(flat, want) {
		t.Errorf("the output does not show the wait (%q):\n%s", want, out)
	}
	if acts := api.Actions(d.ID); len(acts) != 1 || acts[0].Status != fakeapi.ActionCompleted {
		t.Errorf("droplet %d has %+v, want one completed reboot", d.ID, acts)
	}
	for _, r := range api.Requests() {
		if r.Time.Before(until) {
			t.Errorf("%s %s arrived at %s, during the pause", r.Method, r.Path, r.Time.UTC().Format(time.RFC3339Nano))
		}
	}
}

// lastLines is the end of a long output, for failure messages.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
