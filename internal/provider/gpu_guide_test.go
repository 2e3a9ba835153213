//go:build unix

package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// The GPU droplets guide (templates/guides/gpu-droplets.md.tmpl) shows the configurations
// under examples/guides/gpu-droplets/, one directory per pattern. These tests apply each of
// them unchanged, as a user would, on GPU droplets of the fake API, and check at the fake
// that the guide says what happens: sizes, snapshots, power states, the order of a fleet's
// power cycles, and DigitalOcean's refusal to take an 8-GPU droplet back to one GPU.

// gpuGuideExample returns a working directory holding the guide's example dir, with the
// token in the environment as the guide says, and an override file pointing the
// provider at api with fast polling. The override also names the provider by its full
// Terraform registry address, which the tests' dev_overrides serve under OpenTofu too.
func gpuGuideExample(t *testing.T, api *fakeapi.Server, dir string) *tfCLI {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "guides", "gpu-droplets", dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(string(src))
	override := fmt.Sprintf(`terraform {
  required_providers {
    gradient = {
      source = %q
    }
  }
}

provider "gradient" {
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}
`, providerAddress, api.URL())
	if err := os.WriteFile(filepath.Join(cli.dir, "test_override.tf"), []byte(override), 0o600); err != nil {
		t.Fatal(err)
	}
	return cli
}

// applyThenNoChanges applies the configuration with vars and checks that a plan right after it is empty.
func (c *tfCLI) applyThenNoChanges(vars ...string) {
	c.t.Helper()
	c.mustRun(0, append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, vars...)...)
	c.mustRun(0, append([]string{"plan", "-detailed-exitcode", "-input=false", "-no-color"}, vars...)...)
}

// outputs returns the root module's outputs, decoded from `terraform output -json`.
func (c *tfCLI) outputs() map[string]any {
	c.t.Helper()
	out := c.mustRun(0, "output", "-json", "-no-color")
	var doc map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.t.Fatalf("terraform output -json: %v\n%s", err, out)
	}
	res := map[string]any{}
	for k, v := range doc {
		res[k] = v.Value
	}
	return res
}

// gpuDroplet adds an active GPU droplet of size in region to api.
func gpuDroplet(api *fakeapi.Server, name, size, region string, tags ...string) fakeapi.Droplet {
	return api.AddDroplet(fakeapi.Droplet{Name: name, SizeSlug: size, Region: region, Tags: tags})
}

func mustDroplet(t *testing.T, api *fakeapi.Server, id int64) fakeapi.Droplet {
	t.Helper()
	d, ok := api.Droplet(id)
	if !ok {
		t.Fatalf("the fake has no droplet %d", id)
	}
	return d
}

// actionsOfType returns a droplet's actions of type typ, newest first.
func actionsOfType(api *fakeapi.Server, id int64, typ client.ActionType) []fakeapi.Action {
	var out []fakeapi.Action
	for _, a := range api.Actions(id) {
		if a.Type == typ {
			out = append(out, a)
		}
	}
	return out
}

// TestAccGPUGuideSnapshot: the training node is shut down and snapshotted, snapshot_id
// is that snapshot's image, and the next node is rebuilt from it.
func TestAccGPUGuideSnapshot(t *testing.T) {
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)
	train := gpuDroplet(api, "train-1", "gpu-h100x1-80gb", "nyc2")
	next := gpuDroplet(api, "train-2", "gpu-h100x1-80gb", "nyc2")

	cli := gpuGuideExample(t, api, "snapshot")
	cli.applyThenNoChanges("-var", fmt.Sprintf("training_droplet_id=%d", train.ID),
		"-var", fmt.Sprintf("next_droplet_id=%d", next.ID), "-var", "run=llama-ft-0612")

	snaps := api.Snapshots(train.ID)
	if len(snaps) != 1 || snaps[0].Name != "train-llama-ft-0612" {
		t.Fatalf("the training node's snapshots are %+v, want one named train-llama-ft-0612", snaps)
	}
	want := strconv.FormatInt(snaps[0].ID, 10)
	if got := cli.outputs()["snapshot_id"]; got != want {
		t.Errorf("output snapshot_id = %v, want the snapshot's image %s", got, want)
	}
	if d := mustDroplet(t, api, train.ID); d.Status != fakeapi.StatusOff {
		t.Errorf("the training node is %s after its snapshot, want off", d.Status)
	}
	if d := mustDroplet(t, api, next.ID); d.Image != want || d.Status != fakeapi.StatusActive {
		t.Errorf("the next node runs image %q and is %s, want image %s and active", d.Image, d.Status, want)
	}
	// The snapshot was taken with the node off: after the shutdown had completed.
	shut, snap := actionsOfType(api, train.ID, client.ActionShutdown), actionsOfType(api, train.ID, client.ActionSnapshot)
	if len(shut) != 1 || len(snap) != 1 || shut[0].CompletedAt == nil || snap[0].StartedAt.Before(*shut[0].CompletedAt) {
		t.Errorf("want one shutdown completed before one snapshot started; shutdowns %+v, snapshots %+v", shut, snap)
	}
}

// TestAccGPUGuideResize: the resize example takes a node from one H100 to eight and leaves
// it on; asked to go back to one GPU, the apply fails with DigitalOcean's refusal after
// the shutdown, leaving the node off at eight GPUs, as the guide says. Between single-GPU
// sizes the same configuration goes there and back.
func TestAccGPUGuideResize(t *testing.T) {
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)

	big := gpuDroplet(api, "train-big", "gpu-h100x1-80gb", "tor1")
	cli := gpuGuideExample(t, api, "resize")
	id := fmt.Sprintf("droplet_id=%d", big.ID)
	cli.applyThenNoChanges("-var", id) // size defaults to gpu-h100x8-640gb
	d := mustDroplet(t, api, big.ID)
	if d.SizeSlug != "gpu-h100x8-640gb" || d.Status != fakeapi.StatusActive || d.Disk != 720 {
		t.Fatalf("after the resize up: size %s, %s, disk %d GB; want gpu-h100x8-640gb, active, 720 GB (disk = false)", d.SizeSlug, d.Status, d.Disk)
	}
	if got := cli.outputs()["resized_to"]; got != "gpu-h100x8-640gb" {
		t.Errorf("output resized_to = %v", got)
	}

	out := cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color", "-var", id, "-var", "size=gpu-h100x1-80gb")
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "You cannot resize from an 8 GPU Droplet to a single GPU Droplet.") {
		t.Errorf("the apply back to one GPU does not show DigitalOcean's refusal:\n%s", out)
	}
	d = mustDroplet(t, api, big.ID)
	if d.SizeSlug != "gpu-h100x8-640gb" || d.Status != fakeapi.StatusOff {
		t.Errorf("after the refused resize: size %s, %s; want gpu-h100x8-640gb, off", d.SizeSlug, d.Status)
	}
	// The guide's way out: power the node on outside Terraform, then take the chain out of
	// the state, which sends nothing.
	d.Status = fakeapi.StatusActive
	api.AddDroplet(d)
	before := len(api.Actions(big.ID))
	cli.mustRun(0, "destroy", "-auto-approve", "-input=false", "-no-color", "-var", id, "-var", "size=gpu-h100x1-80gb")
	if d := mustDroplet(t, api, big.ID); len(api.Actions(big.ID)) != before || d.Status != fakeapi.StatusActive || d.SizeSlug != "gpu-h100x8-640gb" {
		t.Errorf("terraform destroy acted on the node: %d actions, was %d; %s, %s", len(api.Actions(big.ID)), before, d.Status, d.SizeSlug)
	}

	single := gpuDroplet(api, "infer-1", "gpu-h100x1-80gb", "atl1")
	cli = gpuGuideExample(t, api, "resize")
	id = fmt.Sprintf("droplet_id=%d", single.ID)
	for _, size := range []string{"gpu-h200x1-141gb", "gpu-h100x1-80gb"} {
		cli.applyThenNoChanges("-var", id, "-var", "size="+size)
		d := mustDroplet(t, api, single.ID)
		if d.SizeSlug != size || d.Status != fakeapi.StatusActive || d.Disk != 720 {
			t.Fatalf("after the resize to %s: size %s, %s, disk %d GB; want active, 720 GB", size, d.SizeSlug, d.Status, d.Disk)
		}
	}
	if n := len(actionsOfType(api, single.ID, client.ActionResize)); n != 2 {
		t.Errorf("%d resizes of the single-GPU node, want 2 (there and back)", n)
	}
}

// TestAccGPUGuidePowerCycle: every droplet of the two tags is power-cycled once, the
// second half only after every power cycle of the first has completed, and a GPU droplet
// carrying neither tag is left alone.
func TestAccGPUGuidePowerCycle(t *testing.T) {
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)
	first := []fakeapi.Droplet{
		gpuDroplet(api, "infer-a1", "gpu-l40sx1-48gb", "atl1", "inference-a", "inference"),
		gpuDroplet(api, "infer-a2", "gpu-l40sx1-48gb", "atl1", "inference-a", "inference"),
	}
	second := []fakeapi.Droplet{
		gpuDroplet(api, "infer-b1", "gpu-l40sx1-48gb", "atl1", "inference-b", "inference"),
		gpuDroplet(api, "infer-b2", "gpu-l40sx1-48gb", "atl1", "inference-b", "inference"),
	}
	other := gpuDroplet(api, "train-1", "gpu-h100x1-80gb", "atl1", "training")

	cli := gpuGuideExample(t, api, "power-cycle")
	cli.applyThenNoChanges("-var", "cycle=2025-06-12")

	var firstDone time.Time
	for _, d := range first {
		cycles := actionsOfType(api, d.ID, client.ActionPowerCycle)
		if len(cycles) != 1 || cycles[0].Status != fakeapi.ActionCompleted {
			t.Fatalf("droplet %d (first half) has power cycles %+v, want one completed", d.ID, cycles)
		}
		if cycles[0].CompletedAt.After(firstDone) {
			firstDone = *cycles[0].CompletedAt
		}
	}
	for _, d := range second {
		cycles := actionsOfType(api, d.ID, client.ActionPowerCycle)
		if len(cycles) != 1 || cycles[0].Status != fakeapi.ActionCompleted {
			t.Fatalf("droplet %d (second half) has power cycles %+v, want one completed", d.ID, cycles)
		}
		if cycles[0].StartedAt.Before(firstDone) {
			t.Errorf("droplet %d of the second half was power-cycled at %s, before the first half was done at %s",
				d.ID, cycles[0].StartedAt.Format(time.RFC3339Nano), firstDone.Format(time.RFC3339Nano))
		}
	}
	if acts := api.Actions(other.ID); len(acts) != 0 {
		t.Errorf("the untagged droplet got actions %+v", acts)
	}
	cycled, _ := cli.outputs()["power_cycled"].(map[string]any)
	for _, d := range append(first, second...) {
		if cycled[strconv.FormatInt(d.ID, 10)] == nil {
			t.Errorf("output power_cycled %v lacks droplet %d", cycled, d.ID)
		}
	}
	if len(cycled) != 4 {
		t.Errorf("output power_cycled has %d droplets, want 4", len(cycled))
	}
}

// TestAccGPUGuideKeepOff: the node is turned off, and turned off again after someone
// switched it on behind Terraform's back.
func TestAccGPUGuideKeepOff(t *testing.T) {
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)
	node := gpuDroplet(api, "train-idle", "gpu-h100x1-80gb", "nyc2")

	cli := gpuGuideExample(t, api, "keep-off")
	id := fmt.Sprintf("droplet_id=%d", node.ID)
	cli.applyThenNoChanges("-var", id)
	if d := mustDroplet(t, api, node.ID); d.Status != fakeapi.StatusOff {
		t.Fatalf("the node is %s after the apply, want off", d.Status)
	}
	if got := cli.outputs()["status"]; got != "off" {
		t.Errorf("output status = %v, want off", got)
	}

	// Someone turns it on in the control panel: the plan shows it, the apply undoes it.
	on := mustDroplet(t, api, node.ID)
	on.Status = fakeapi.StatusActive
	api.AddDroplet(on)
	out := cli.mustRun(2, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-var", id)
	if !strings.Contains(out, `"on" -> "off"`) {
		t.Errorf("the plan does not show the node going from on to off:\n%s", out)
	}
	cli.applyThenNoChanges("-var", id)
	if d := mustDroplet(t, api, node.ID); d.Status != fakeapi.StatusOff {
		t.Errorf("the node is %s after the second apply, want off", d.Status)
	}
	if n := len(actionsOfType(api, node.ID, client.ActionShutdown)); n != 2 {
		t.Errorf("%d shutdowns, want 2: one per apply that found the node on", n)
	}
}
