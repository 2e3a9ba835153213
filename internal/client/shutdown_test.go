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
