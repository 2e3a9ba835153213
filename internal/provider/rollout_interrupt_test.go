//go:build unix

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccRollout_resumeAfterInterrupt: Ctrl-C while the second of three droplets is being
// powered off. The apply fails, the first droplet is recorded done, the second failed and
// the third not started. After `terraform untaint` the next apply acts only on the
// droplets not done: the first gets nothing, the second, off by then, is skipped
// (skip_matching), and the third is powered off.
func TestAccRollout_resumeAfterInterrupt(t *testing.T) {
	t.Parallel()
	// Actions last ten minutes by the fake's clock, which the test moves by hand.
	var skew atomic.Int64
	api := newTestAPI(t, func(o *fakeapi.Options) {
		o.DefaultDuration = 10 * time.Minute
		o.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	web := tagged(api, "web", 3)
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	cli := newTFCLI(t, map[string]string{"TF_LOG_PROVIDER": "INFO", "TF_LOG_PATH": logPath})
	cli.writeConfig(rolloutConfig(api, `
  tag_name = "web"
  steps    = [{ type = "power_off" }]
`))
	initiated := func(n int) func() bool {
		return func() bool {
			log, _ := os.ReadFile(logPath)
			accepted, _ := initiates(api)
			return accepted == n && strings.Count(string(log), "droplet action initiated") == n
		}
	}
	apply := cli.start("apply", "-auto-approve", "-input=false", "-no-color")
	pollUntil(t, 60*time.Second, "the first droplet's power_off initiated", initiated(1))
	skew.Add(int64(11 * time.Minute)) // the first power_off completes
	pollUntil(t, 60*time.Second, "the second droplet's power_off initiated", initiated(2))
	if apply.exited() {
		t.Fatalf("the apply ended before the interrupt:\n%s", apply.out.String())
	}
	if err := apply.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := apply.wait(60 * time.Second); code != 1 {
		t.Fatalf("the interrupted apply exited %d, want 1:\n%s", code, apply.out.String())
	}
	if !says(apply.out.String(), "The rollout was interrupted.") {
		t.Fatalf("the failure does not say the rollout was interrupted:\n%s", apply.out.String())
	}
	got, _ := outcomes(t, cli)
	if got[web[0].ID] != outcomeDone || got[web[1].ID] != outcomeFailed || got[web[2].ID] != outcomeNotStarted {
		t.Fatalf("outcomes %v, want done, failed, not_started", got)
	}
	// The resource logs each droplet's progress at INFO.
	log, _ := os.ReadFile(logPath)
	for _, want := range []string{
		fmt.Sprintf("droplet %d (%s): step 1 of 1, power_off, started", web[0].ID, web[0].Name),
		fmt.Sprintf("droplet %d (%s): step 1 of 1, power_off, completed", web[0].ID, web[0].Name),
		fmt.Sprintf("droplet %d (%s) done", web[0].ID, web[0].Name),
		fmt.Sprintf("droplet %d (%s): step 1 of 1, power_off, started", web[1].ID, web[1].Name),
		fmt.Sprintf("droplet %d (%s) failed", web[1].ID, web[1].Name),
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the provider's INFO log lacks %q", want)
		}
	}

	skew.Add(int64(11 * time.Minute)) // the second power_off completes at DigitalOcean
	api.SetDuration(client.ActionPowerOff, 50*time.Millisecond)
	cli.mustRun(0, "untaint", "-no-color", rolloutAddr)
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if got := actionCounts(api, web); !slices.Equal(got, []int{1, 1, 1}) {
		t.Fatalf("actions per droplet after the resume %v, want [1 1 1]", got)
	}
	got, _ = outcomes(t, cli)
	if got[web[0].ID] != outcomeDone || got[web[1].ID] != outcomeSkipped || got[web[2].ID] != outcomeDone {
		t.Fatalf("outcomes after the resume %v, want done, skipped, done", got)
	}
}
