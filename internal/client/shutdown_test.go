package client_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestEnsureOffCancelledDuringGrace: when the wait for the droplet to turn off ends early,
// EnsureOff says so with an OffCheckError and sends no power_off.
func TestEnsureOffCancelledDuringGrace(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{})
	s.IgnoreShutdown(d.ID, true)
	ctx, cancel := context.WithCancel(t.Context())
	reads := 0
	c2 := newClient(t, s.URL(), func(cfg *client.Config) {
		cfg.Poll = func(int, time.Duration) time.Duration {
			// Cancel once the droplet has been seen on twice: the grace is far from over.
			if reads++; reads == 2 {
				cancel()
			}
			return time.Millisecond
		}
	})
	pa, err := c2.EnsureOff(ctx, d.ID, time.Hour, func(*client.Action) { t.Error("onInitiated called") })
	var chk *client.OffCheckError
	if !errors.As(err, &chk) || chk.DropletID != d.ID || !errors.Is(err, context.Canceled) {
		t.Fatalf("EnsureOff = %v, %v; want an OffCheckError for droplet %d wrapping context.Canceled", pa, err, d.ID)
	}
	if pa != nil {
		t.Errorf("power_off action %v returned", pa)
	}
	if n := s.Stats().InitiateAttempts[d.ID]; n != 0 {
		t.Errorf("%d POSTs sent, want 0", n)
	}
}

// TestEnsureOffReadFailureIsACheckError: a droplet that cannot be read is a check error
// too, not a failed power_off.
func TestEnsureOffReadFailureIsACheckError(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	c := newClient(t, s.URL())
	_, err := c.EnsureOff(t.Context(), 999999, time.Second, nil)
	var chk *client.OffCheckError
	if !errors.As(err, &chk) || !client.IsNotFound(err) {
		t.Fatalf("EnsureOff on a missing droplet = %v; want an OffCheckError wrapping a 404", err)
	}
}

// TestEnsureOffFallsBackToPowerOff: a droplet still on when the grace runs out (the
// shutdown completed, but the OS ignored it) is powered off, and the power_off is waited
// for and returned; onInitiated sees it first.
func TestEnsureOffFallsBackToPowerOff(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{})
	s.IgnoreShutdown(d.ID, true)
	c := newClient(t, s.URL())
	shut, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionShutdown})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForDropletAction(t.Context(), d.ID, shut.ID, nil); err != nil {
		t.Fatal(err)
	}
	var seen []int64
	pa, err := c.EnsureOff(t.Context(), d.ID, 100*time.Millisecond, func(a *client.Action) { seen = append(seen, a.ID) })
	if err != nil {
		t.Fatal(err)
	}
	if pa == nil || pa.Type != client.ActionPowerOff || pa.Status != client.StatusCompleted {
		t.Fatalf("EnsureOff = %+v, want a completed power_off", pa)
	}
	if len(seen) != 1 || seen[0] != pa.ID {
		t.Errorf("onInitiated saw %v, want the power_off %d once", seen, pa.ID)
	}
	if fd, _ := s.Droplet(d.ID); fd.Status != fakeapi.StatusOff {
		t.Errorf("droplet %s after EnsureOff, want off", fd.Status)
	}
	if acts := s.Actions(d.ID); len(acts) != 2 || acts[0].ID != pa.ID {
		t.Errorf("the droplet's actions %+v, want the shutdown and then the one power_off returned", acts)
	}
}

// TestEnsureOffNothingToDoWhenOff: a droplet the shutdown turned off is left alone.
func TestEnsureOffNothingToDoWhenOff(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	pa, err := newClient(t, s.URL()).EnsureOff(t.Context(), d.ID, 200*time.Millisecond, func(*client.Action) { t.Error("onInitiated called") })
	if pa != nil || err != nil {
		t.Fatalf("EnsureOff on a droplet already off = %+v, %v; want nil, nil", pa, err)
	}
	if n := s.Stats().InitiateAttempts[d.ID]; n != 0 {
		t.Errorf("%d POSTs sent, want 0", n)
	}
}
