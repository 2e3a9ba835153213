package client_test

import (
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestDropletScopedTokenCanWait: a custom-scoped token with only droplet:read and
// droplet:update can start an action and wait for it through the droplet's path, one and
// many at a time; /v2/actions (actions:read) is refused with 403.
func TestDropletScopedTokenCanWait(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{Scopes: []string{"droplet:read", "droplet:update"}})
	d := s.AddDroplet(fakeapi.Droplet{})
	e := s.AddDroplet(fakeapi.Droplet{})
	c := newClient(t, s.URL())
	ctx := t.Context()

	a, _, err := c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForAction(ctx, a.ID, nil); !client.IsForbidden(err) {
		t.Errorf("WaitForAction with a droplet-scoped token = %v, want 403", err)
	}
	got, err := c.WaitForDropletAction(ctx, d.ID, a.ID, nil)
	if err != nil || got.Status != client.StatusCompleted {
		t.Fatalf("WaitForDropletAction = %v, %v", got, err)
	}

	b, _, err := c.Initiate(ctx, e.ID, client.ActionRequest{Type: client.ActionPowerCycle})
	if err != nil {
		t.Fatal(err)
	}
	acts := []client.Action{*b}
	if errs := c.WaitForActions(ctx, acts, 2, nil); errs[0] != nil || acts[0].Status != client.StatusCompleted {
		t.Fatalf("WaitForActions = %v, %v", acts[0].Status, errs[0])
	}

	// The type's own scope still counts: resize needs droplet:create too.
	_, _, err = c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionResize, Size: "s-2vcpu-2gb"})
	if !client.IsForbidden(err) {
		t.Errorf("resize without droplet:create = %v, want 403", err)
	}
}

// TestReadActionOfADestroyedDroplet: the droplet's path answers 404 once the droplet is
// gone, but /v2/actions still has the action; ReadAction asks there. A token that may
// not read /v2/actions gets the 404.
func TestReadActionOfADestroyedDroplet(t *testing.T) {
	t.Parallel()
	for name, scopes := range map[string][]string{"full access": nil, "droplet scopes only": {"droplet:read", "droplet:update"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t, fakeapi.Options{Scopes: scopes})
			d := s.AddDroplet(fakeapi.Droplet{})
			c := newClient(t, s.URL())
			a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			s.InjectFault(fakeapi.Fault{Method: "GET", PathPrefix: "/v2/droplets/", Kind: fakeapi.FaultStatus, Status: 404, Times: -1})
			got, _, err := c.ReadAction(t.Context(), d.ID, a.ID)
			if scopes == nil {
				if err != nil || got.ID != a.ID {
					t.Fatalf("ReadAction = %v, %v; want action %d from /v2/actions", got, err, a.ID)
				}
			} else if !client.IsNotFound(err) {
				t.Fatalf("ReadAction = %v, %v; want the droplet path's 404", got, err)
			}
		})
	}
}
