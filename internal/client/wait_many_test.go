package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestWaitForActions waits for three actions at once, one of which errors: each action
// is updated in place and each error belongs to its own action.
func TestWaitForActions(t *testing.T) {
	t.Parallel()
	api := newFake(t, fakeapi.Options{})
	c := newClient(t, api.URL())
	var acts []client.Action
	for i := range 3 {
		d := api.AddDroplet(fakeapi.Droplet{})
		if i == 1 {
			api.SetActionOutcome(d.ID, client.ActionReboot, true)
		}
		a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
		if err != nil {
			t.Fatal(err)
		}
		acts = append(acts, *a)
	}
	errs := c.WaitForActions(t.Context(), acts, 2, nil)
	var failed *client.ActionFailedError
	for i, want := range []client.ActionStatus{client.StatusCompleted, client.StatusErrored, client.StatusCompleted} {
		if acts[i].Status != want {
			t.Errorf("action %d: status %s, want %s", i, acts[i].Status, want)
		}
		if isFailed := errors.As(errs[i], &failed); isFailed != (want == client.StatusErrored) || (!isFailed && errs[i] != nil) {
			t.Errorf("action %d: error %v", i, errs[i])
		}
	}
	if failed == nil || failed.Action.ID != acts[1].ID {
		t.Errorf("errored action not reported as action %d: %v", acts[1].ID, failed)
	}
}

// TestWaitForActionsCancelled returns a WaitError naming each action when ctx has ended.
func TestWaitForActionsCancelled(t *testing.T) {
	t.Parallel()
	api := newFake(t, fakeapi.Options{})
	c := newClient(t, api.URL())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	acts := []client.Action{{ID: 11, Status: client.StatusInProgress}, {ID: 12, Status: client.StatusInProgress}}
	errs := c.WaitForActions(ctx, acts, 1, nil)
	for i, err := range errs {
		var we *client.WaitError
		if !errors.As(err, &we) || we.ActionID != acts[i].ID || !errors.Is(err, context.Canceled) {
			t.Errorf("action %d: error %v, want a WaitError for it wrapping context.Canceled", acts[i].ID, err)
		}
	}
	if n := api.Stats().Total; n != 0 {
		t.Errorf("%d requests after cancellation", n)
	}
}
