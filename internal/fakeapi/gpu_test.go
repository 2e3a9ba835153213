package fakeapi_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

var gpuSlugs = []string{"gpu-h100x1-80gb", "gpu-h100x8-640gb", "gpu-h200x1-141gb", "gpu-l40sx1-48gb", "gpu-mi300x1-192gb"}

func TestGPURegions(t *testing.T) {
	t.Parallel()
	offered := map[string][]string{}
	for _, r := range fakeapi.Regions() {
		offered[r.Slug] = r.Sizes
	}
	for _, region := range []string{"nyc2", "tor1", "atl1"} {
		for _, slug := range gpuSlugs {
			if !slices.Contains(offered[region], slug) {
				t.Errorf("%s does not offer %s", region, slug)
			}
		}
		if !slices.Contains(offered[region], "s-1vcpu-1gb") {
			t.Errorf("%s offers no standard size", region)
		}
	}
	// The older regions are as they were: nyc3 offers only the one GPU size it had.
	for _, region := range []string{"nyc3", "sfo3", "ams3", "fra1"} {
		for _, slug := range gpuSlugs {
			if slices.Contains(offered[region], slug) != (region == "nyc3" && slug == "gpu-h100x1-80gb") {
				t.Errorf("%s offering of %s changed", region, slug)
			}
		}
	}
	s := start(t, fakeapi.Options{})
	for slug, disk := range map[string]int{"gpu-h100x1-80gb": 720, "gpu-h100x8-640gb": 2046, "gpu-h200x1-141gb": 720,
		"gpu-l40sx1-48gb": 500, "gpu-mi300x1-192gb": 720} {
		if d := s.AddDroplet(fakeapi.Droplet{SizeSlug: slug, Region: "tor1"}); d.Disk != disk {
			t.Errorf("%s comes with %d GB, want %d", slug, d.Disk, disk)
		}
	}
}

// resizeFixture runs actions to completion at once on a hand-moved clock.
type resizeFixture struct {
	t     *testing.T
	s     *fakeapi.Server
	clock *fakeClock
}

func newResizeFixture(t *testing.T) resizeFixture {
	clock := newClock()
	return resizeFixture{t, start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second}), clock}
}

func (f resizeFixture) run(id int64, body string) fakeapi.Droplet {
	f.t.Helper()
	a := initiate(f.t, f.s, id, body)
	f.clock.Advance(time.Second)
	if got := getAction(f.t, f.s, a.ID); got.Status != fakeapi.ActionCompleted {
		f.t.Fatalf("%s ended %q", body, got.Status)
	}
	d, _ := f.s.Droplet(id)
	return d
}

func (f resizeFixture) refused(id int64, body, msg string) {
	f.t.Helper()
	call(f.t, f.s, "POST", fmt.Sprintf("/v2/droplets/%d/actions", id), body).wantError(f.t, 422, "unprocessable_entity", msg)
}

const (
	msgGPUDown  = "You cannot resize from an 8 GPU Droplet to a single GPU Droplet."
	msgDiskDown = "Size can not decrease size of Droplet's disk image"
)

// TestGPUResizeUp: power_off, resize to eight GPUs, power_on. Back down to a
// single GPU is refused, as DigitalOcean's GPU droplet limits say, even when
// the disk was kept.
func TestGPUResizeUp(t *testing.T) {
	t.Parallel()
	f := newResizeFixture(t)
	d := f.s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Region: "tor1"})
	f.refused(d.ID, `{"type":"resize","size":"gpu-h100x8-640gb"}`, "powered off")
	f.run(d.ID, `{"type":"power_off"}`)
	got := f.run(d.ID, `{"type":"resize","size":"gpu-h100x8-640gb"}`)
	if got.SizeSlug != "gpu-h100x8-640gb" || got.Disk != 720 || got.Status != fakeapi.StatusOff {
		t.Fatalf("after a CPU-only resize up: size %s disk %d status %s", got.SizeSlug, got.Disk, got.Status)
	}
	if got = f.run(d.ID, `{"type":"power_on"}`); got.Status != fakeapi.StatusActive {
		t.Fatalf("status %s after power_on", got.Status)
	}
	f.run(d.ID, `{"type":"power_off"}`)
	f.refused(d.ID, `{"type":"resize","size":"gpu-h100x1-80gb"}`, msgGPUDown)
	f.refused(d.ID, `{"type":"resize","size":"gpu-h200x1-141gb","disk":true}`, msgGPUDown)

	// With the disk: 2046 GB, permanently.
	e := f.s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Region: "atl1", Status: fakeapi.StatusOff})
	if got := f.run(e.ID, `{"type":"resize","size":"gpu-h100x8-640gb","disk":true}`); got.Disk != 2046 {
		t.Fatalf("disk %d after a disk resize to gpu-h100x8-640gb", got.Disk)
	}
	f.refused(e.ID, `{"type":"resize","size":"gpu-h100x1-80gb"}`, msgGPUDown)

	// Sizes outside the region are refused as before: nyc3 has no 8-GPU size.
	n := f.s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Status: fakeapi.StatusOff})
	f.refused(n.ID, `{"type":"resize","size":"gpu-h100x8-640gb"}`, "not available in region nyc3")
}

// TestGPUResizeDown: between single-GPU sizes a resize down is refused only
// when the target's disk is smaller than the droplet's, which after a CPU-only
// resize it is not.
func TestGPUResizeDown(t *testing.T) {
	t.Parallel()
	f := newResizeFixture(t)
	d := f.s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-l40sx1-48gb", Region: "nyc2", Status: fakeapi.StatusOff})
	if got := f.run(d.ID, `{"type":"resize","size":"gpu-h100x1-80gb"}`); got.Disk != 500 {
		t.Fatalf("disk %d after a CPU-only resize", got.Disk)
	}
	if got := f.run(d.ID, `{"type":"resize","size":"gpu-l40sx1-48gb"}`); got.SizeSlug != "gpu-l40sx1-48gb" {
		t.Fatalf("size %s after resizing back down", got.SizeSlug)
	}
	f.run(d.ID, `{"type":"resize","size":"gpu-h100x1-80gb","disk":true}`)
	f.refused(d.ID, `{"type":"resize","size":"gpu-l40sx1-48gb"}`, msgDiskDown)
	f.refused(d.ID, `{"type":"resize","size":"gpu-l40sx1-48gb","disk":true}`, msgDiskDown)
	// Sideways to a size with the same disk is fine.
	for _, slug := range []string{"gpu-h200x1-141gb", "gpu-mi300x1-192gb", "gpu-h100x1-80gb"} {
		if got := f.run(d.ID, `{"type":"resize","size":"`+slug+`"}`); got.SizeSlug != slug || got.Disk != 720 {
			t.Fatalf("size %s disk %d after resizing to %s", got.SizeSlug, got.Disk, slug)
		}
	}
	// The same rule holds for standard sizes: a droplet created larger cannot
	// go to a smaller disk, even without ever having resized its disk.
	big := f.s.AddDroplet(fakeapi.Droplet{SizeSlug: "s-2vcpu-4gb", Status: fakeapi.StatusOff})
	f.refused(big.ID, `{"type":"resize","size":"s-1vcpu-1gb"}`, msgDiskDown)
}
