//go:build unix

package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAccRollout_guideExampleValidates: the rolling maintenance guide's example is a
// valid configuration for this provider (terraform validate), so the guide shows nothing
// the provider would refuse.
func TestAccRollout_guideExampleValidates(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "guides", "rolling-maintenance", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	cli := newTFCLI(t, nil)
	cli.writeConfig(strings.Replace(string(src), `source = "gradient-tf/gradient"`, fmt.Sprintf("source = %q", providerAddress), 1))
	out := cli.mustRun(0, "validate", "-no-color")
	if !strings.Contains(out, "The configuration is valid") {
		t.Fatalf("terraform validate:\n%s", out)
	}
}

// TestAccRollout_dropletIDsInOrder: droplet_ids are rolled out in their order, recorded in
// it; a later change of max_parallel alone is an update that sends nothing.
func TestAccRollout_dropletIDsInOrder(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	web := tagged(api, "web", 3)
	cli := newTFCLI(t, nil)
	order := []int64{web[2].ID, web[0].ID, web[1].ID}
	config := func(parallel int) string {
		return rolloutConfig(api, fmt.Sprintf(`
  droplet_ids   = [%d, %d, %d]
  max_parallel  = %d
  skip_matching = false
  steps         = [{ type = "reboot" }]
`, order[0], order[1], order[2], parallel))
	}
	cli.writeConfig(config(1))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if _, got := outcomes(t, cli); !slices.Equal(got, order) {
		t.Fatalf("droplets recorded in the order %v, want %v", got, order)
	}
	spans := dropletSpans(t, api, web)
	// web[2] first, then web[0], then web[1].
	if !spans[2].end.Before(spans[0].start.Add(1)) || !spans[0].end.Before(spans[1].start.Add(1)) {
		t.Fatalf("the droplets did not run in droplet_ids' order: %+v", spans)
	}
	before := posts(api)
	cli.writeConfig(config(3))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if posts(api) != before {
		t.Fatal("changing max_parallel alone started actions")
	}
	cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
}
