//go:build unix

package provider

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccRolloutBench measures a rollout through the CLI against the fake under
// DigitalOcean's real limits (250 requests a minute, 5,000 an hour), with the provider's
// default polling: power_off, resize and power_on of 2 s each and healthy_for = "2s".
// It runs only with GRADIENT_BENCH_ROLLOUT set to "droplets,max_parallel", such as "30,5"
// (BENCHMARKS.md), and logs the figures; it fails on a 429 or a window overrun.
func TestAccRolloutBench(t *testing.T) {
	spec := os.Getenv("GRADIENT_BENCH_ROLLOUT")
	if spec == "" {
		t.Skip("set GRADIENT_BENCH_ROLLOUT=droplets,max_parallel (such as 30,5) to run")
	}
	var n, parallel int
	if _, err := fmt.Sscanf(spec, "%d,%d", &n, &parallel); err != nil || n < 1 || parallel < 1 {
		t.Fatalf("GRADIENT_BENCH_ROLLOUT=%q: want droplets,max_parallel", spec)
	}
	api := newTestAPI(t, func(o *fakeapi.Options) {
		o.DefaultDuration = 2 * time.Second
		o.PerMinuteLimit, o.PerHourLimit = 250, 5000
	})
	web := tagged(api, "web", n)
	cli := newTFCLI(t, nil)
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  access_token = %q
  api_endpoint = %q
}

resource "gradient_droplet_rollout" "r" {
  tag_name     = "web"
  max_parallel = %d
%s
  health_check = {
    url         = "http://{ipv4_public}:%d/health/{id}"
    interval    = "1s"
    healthy_for = "2s"
  }
}
`, testToken, api.URL(), parallel, resizeSteps("s-2vcpu-4gb"), api.HealthPort()))
	cli.mustRun(0, "plan", "-input=false", "-no-color", "-out=plan.tfplan")
	api.ResetLog()
	start := time.Now()
	cli.mustRun(0, "apply", "-input=false", "-no-color", "plan.tfplan")
	wall := time.Since(start)

	st := api.Stats()
	reqs := api.Requests()
	peak := 0
	for i := range reqs {
		j := i
		for j < len(reqs) && reqs[j].Time.Sub(reqs[i].Time) < time.Minute {
			j++
		}
		peak = max(peak, j-i)
	}
	spans := dropletSpans(t, api, web)
	waves := (n + parallel - 1) / parallel
	ideal := time.Duration(waves) * 8 * time.Second
	t.Logf("rollout of %d droplets, max_parallel = %d: apply %s, ideal %d waves x 8 s = %s, ratio %.3f; %d requests (%d POST), %.1f per droplet; peak %d in any 60 s; %d x 429; most droplets in progress at once %d",
		n, parallel, wall.Round(100*time.Millisecond), waves, ideal, wall.Seconds()/ideal.Seconds(), st.Total, st.ByMethod["POST"], float64(st.Total)/float64(n), peak, st.Served429, spansOverlap(spans))
	if st.Served429 != 0 {
		t.Errorf("%d answers were 429", st.Served429)
	}
	if o := spansOverlap(spans); o > parallel {
		t.Errorf("%d droplets in progress at once, more than max_parallel = %d", o, parallel)
	}
	if a, _ := initiates(api); a != 3*n {
		t.Errorf("%d actions started, want %d", a, 3*n)
	}
}
