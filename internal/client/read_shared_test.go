package client_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// seedFinished gives each of droplets new droplets perDroplet finished actions, and
// returns them all, oldest first.
func seedFinished(fake *fakeapi.Server, droplets, perDroplet int) []fakeapi.Action {
	var out []fakeapi.Action
	for range droplets {
		d := fake.AddDroplet(fakeapi.Droplet{})
		out = append(out, fake.SeedActions(d.ID, perDroplet, client.ActionReboot)...)
	}
	return out
}

// readShared reads every action at once, each in a goroutine of its own, as a plan's data
// sources are read, and fails the test unless each read returns its own action.
// withDroplet passes the action's droplet; without it, zero.
func readShared(t *testing.T, c *client.Client, acts []fakeapi.Action, withDroplet bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	errs := make([]error, len(acts))
	got := make([]*client.Action, len(acts))
	var wg sync.WaitGroup
	for i, a := range acts {
		wg.Go(func() {
			var dropletID int64
			if withDroplet {
				dropletID = a.ResourceID
			}
			got[i], errs[i] = c.ReadActionShared(ctx, dropletID, a.ID)
		})
	}
	wg.Wait()
	for i, a := range acts {
		switch {
		case errs[i] != nil:
			t.Errorf("action %d: %v", a.ID, errs[i])
		case got[i] == nil || got[i].ID != a.ID || got[i].ResourceID != a.ResourceID || got[i].Status != client.ActionStatus(a.Status):
			t.Errorf("action %d read as %+v, want it %s on droplet %d", a.ID, got[i], a.Status, a.ResourceID)
		}
	}
}

// sharedClient is a watchClient whose reads wait 200 ms for company (WatchHold/5), far
// longer than goroutines started together take to ask: the reads of a test all share the
// first batch.
func sharedClient(t *testing.T, fake *fakeapi.Server) *client.Client {
	t.Helper()
	return watchClient(t, fake, func(cfg *client.Config) { cfg.WatchHold = time.Second })
}

// Reads of many actions made at once, as a plan reads its data sources, share one page of
// /v2/actions when every action is on it: one request in all; a read that comes while the
// page is read is answered by it too, since a page shows a finished action as every later
// read would.
func TestReadActionSharedReadsOnePage(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 50, client.MaxPerPage} {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			fake := newFake(t, fakeapi.Options{})
			acts := seedFinished(fake, n/2, 2)
			c := sharedClient(t, fake)
			fake.ResetLog()
			readShared(t, c, acts, true)
			pages, single, _ := readsAfter(fake)
			if total := fake.Stats().Total; pages > 1 || total != pages {
				t.Errorf("%d reads of actions all on the first page of /v2/actions cost %d requests: %d pages and %d single reads; want one page and nothing else",
					n, total, pages, single)
			}
		})
	}
}

// A read that comes after a page showed its action finished costs no request, even alone.
func TestReadActionSharedAfterAPage(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	acts := seedFinished(fake, 3, 2)
	c := sharedClient(t, fake)
	fake.ResetLog()
	readShared(t, c, acts[:2], true)
	for _, a := range acts[2:] {
		readShared(t, c, []fakeapi.Action{a}, false)
	}
	if pages, single, _ := readsAfter(fake); pages != 1 || single != 0 {
		t.Errorf("%d pages and %d single reads, want the first reads' page alone", pages, single)
	}
}

// A read alone, with no page read before, is read by itself: a page would cost the same
// and need a scope more.
func TestReadActionSharedAloneReadsTheAction(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	acts := seedFinished(fake, 1, 2)
	c := watchClient(t, fake)
	fake.ResetLog()
	readShared(t, c, acts[:1], true)
	if pages, single, _ := readsAfter(fake); pages != 0 || single != 1 {
		t.Errorf("%d pages and %d single reads for one read, want the action alone", pages, single)
	}
}

// An action the pages read do not show (a finished one older, or newer, than the pages
// the watcher reads) is read alone, and so are the reads once the account's list is known
// to run to more pages than they would share.
func TestReadActionSharedBeyondThePagesRead(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	acts := seedFinished(fake, 1, 3*client.MaxPerPage+10) // four pages, oldest first
	c := sharedClient(t, fake)
	fake.ResetLog()
	// The oldest is on the first page, the newest on the fourth.
	readShared(t, c, []fakeapi.Action{acts[0], acts[len(acts)-1]}, true)
	if pages, single, _ := readsAfter(fake); pages != 1 || single != 1 {
		t.Errorf("first reads: %d pages and %d single reads, want the first page and then the newest action alone", pages, single)
	}
	fake.ResetLog()
	readShared(t, c, acts[len(acts)-3:len(acts)-1], true)
	if pages, single, _ := readsAfter(fake); pages != 0 || single != 2 {
		t.Errorf("second reads: %d pages and %d single reads, want each action alone: the list runs to four pages", pages, single)
	}
}

// A read returns the action as it is, in progress too: it does not wait for it.
func TestReadActionSharedInProgress(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: time.Hour})
	c := watchClient(t, fake)
	acts := initiateReboots(t, fake, c, 3)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, a := range acts {
		got, err := c.ReadActionShared(ctx, a.ResourceID, a.ID)
		if err != nil || got == nil || got.ID != a.ID || got.Status != client.StatusInProgress {
			t.Fatalf("ReadActionShared(%d) = %+v, %v; want it in progress", a.ID, got, err)
		}
	}
}

// Without actions:read, the list is refused once and never asked again; each action is
// read alone through its droplet's path, which droplet:read allows, and none is refused.
func TestReadActionSharedWithoutActionsRead(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{Scopes: []string{"droplet:read", "droplet:update"}})
	acts := seedFinished(fake, 20, 2)
	c := sharedClient(t, fake)
	fake.ResetLog()
	readShared(t, c, acts, true)
	readShared(t, c, acts[:5], true)
	pages, single, refused := readsAfter(fake)
	if pages != 1 || refused != 1 {
		t.Errorf("%d pages of /v2/actions asked (%d refused), want exactly the one refused", pages, refused)
	}
	if want := len(acts) + 5; single != want {
		t.Errorf("%d actions read one by one, want %d: each read alone, once", single, want)
	}
	for _, r := range fake.Requests() {
		if r.Status == http.StatusForbidden && r.Path != "/v2/actions" {
			t.Errorf("%s %s refused: a read used a path the droplet scopes do not allow", r.Method, r.Path)
		}
	}
}

// Without actions:read and without the droplet, an action cannot be read: the list's
// refusal answers every such read, and nothing is asked twice.
func TestReadActionSharedWithoutActionsReadOrDroplet(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{Scopes: []string{"droplet:read", "droplet:update"}})
	acts := seedFinished(fake, 5, 2)
	c := sharedClient(t, fake)
	fake.ResetLog()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for range 2 {
		var wg sync.WaitGroup
		for _, a := range acts {
			wg.Go(func() {
				if _, err := c.ReadActionShared(ctx, 0, a.ID); !client.IsForbidden(err) {
					t.Errorf("action %d: %v, want the refusal", a.ID, err)
				}
			})
		}
		wg.Wait()
	}
	if st := fake.Stats(); st.Total != 1 {
		t.Errorf("%d requests for %d reads refused for the same scope, want the one refusal", st.Total, 2*len(acts))
	}
}
