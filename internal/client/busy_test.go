package client_test

import (
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestEnsureOffBusyReadsAgain: the fallback's power_off meets an outside power_off still
// running. EnsureOff waits for it, reads the droplet again, finds it off and sends nothing
// more (DigitalOcean would refuse a second power_off: "Droplet is already powered off.").
func TestEnsureOffBusyReadsAgain(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	s.SetDuration(client.ActionPowerOff, 300*time.Millisecond)
	d := s.AddDroplet(fakeapi.Droplet{})
	outside, _, err := newClient(t, s.URL()).Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionPowerOff})
	if err != nil {
		t.Fatal(err)
	}
	// No grace: the droplet is seen on, and the power_off is sent at once.
	pa, err := newClient(t, s.URL()).EnsureOff(t.Context(), d.ID, 0, func(a *client.Action) { t.Errorf("onInitiated called for action %d", a.ID) })
	if err != nil || pa != nil {
		t.Fatalf("EnsureOff = %+v, %v; want nil, nil: the outside power_off turned the droplet off", pa, err)
	}
	st := s.Stats()
	if st.AcceptedInitiates[d.ID] != 1 || st.Pending422 != 1 {
		t.Errorf("accepted %d initiates and %d pending events, want 1 (the outside power_off) and 1", st.AcceptedInitiates[d.ID], st.Pending422)
	}
	if a, _ := s.Action(outside.ID); a.Status != fakeapi.ActionCompleted {
		t.Errorf("outside action %s, want completed", a.Status)
	}
}

// TestAwaitIdle waits for what runs on the droplets given, and only for that.
func TestAwaitIdle(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	s.SetDuration(client.ActionSnapshot, 300*time.Millisecond)
	busy := s.AddDroplet(fakeapi.Droplet{})
	idle := s.AddDroplet(fakeapi.Droplet{})
	c := newClient(t, s.URL())
	snap, _, err := c.Initiate(t.Context(), busy.ID, client.ActionRequest{Type: client.ActionSnapshot})
	if err != nil {
		t.Fatal(err)
	}
	ran, err := c.AwaitIdle(t.Context(), []int64{idle.ID, busy.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ran) != 1 || ran[0].ID != snap.ID || ran[0].Status != client.StatusCompleted {
		t.Fatalf("AwaitIdle waited for %+v, want only action %d, completed", ran, snap.ID)
	}
	if a, _ := s.Action(snap.ID); a.Status != fakeapi.ActionCompleted {
		t.Errorf("snapshot %s after AwaitIdle, want completed", a.Status)
	}
}
