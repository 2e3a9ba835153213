package client_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// newFake starts a fake API for one test, with short actions.
func newFake(t testing.TB, opts fakeapi.Options) *fakeapi.Server {
	t.Helper()
	opts.Token = testToken
	if opts.DefaultDuration == 0 {
		opts.DefaultDuration = 20 * time.Millisecond
	}
	s := fakeapi.New(opts)
	t.Cleanup(s.Close)
	return s
}

func TestFakeEveryActionType(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, d *client.Droplet, fd fakeapi.Droplet)
	cases := map[client.ActionType]struct {
		seed  fakeapi.Droplet
		req   client.ActionRequest
		check check
	}{
		client.ActionEnableBackups: {
			fakeapi.Droplet{},
			client.ActionRequest{BackupPolicy: &client.BackupPolicy{Plan: "weekly", Weekday: "TUE", Hour: ptr(8)}},
			func(t *testing.T, d *client.Droplet, fd fakeapi.Droplet) {
				if !slices.Contains(d.Features, "backups") || fd.BackupPolicy == nil ||
					*fd.BackupPolicy != (fakeapi.BackupPolicy{Plan: "weekly", Weekday: "TUE", Hour: 8}) {
					t.Errorf("features %v, policy %+v", d.Features, fd.BackupPolicy)
				}
			},
		},
		client.ActionDisableBackups: {
			fakeapi.Droplet{BackupsEnabled: true},
			client.ActionRequest{},
			func(t *testing.T, d *client.Droplet, fd fakeapi.Droplet) {
				if slices.Contains(d.Features, "backups") || fd.BackupsEnabled {
					t.Errorf("backups still on: %v", d.Features)
				}
			},
		},
		client.ActionChangeBackupPolicy: {
			fakeapi.Droplet{BackupsEnabled: true},
			client.ActionRequest{BackupPolicy: &client.BackupPolicy{Plan: "daily", Hour: ptr(20)}},
			func(t *testing.T, _ *client.Droplet, fd fakeapi.Droplet) {
				if fd.BackupPolicy == nil || *fd.BackupPolicy != (fakeapi.BackupPolicy{Plan: "daily", Hour: 20}) {
					t.Errorf("policy %+v", fd.BackupPolicy)
				}
			},
		},
		client.ActionReboot:     {fakeapi.Droplet{Status: fakeapi.StatusOff}, client.ActionRequest{}, wantStatus(client.DropletActive)},
		client.ActionPowerCycle: {fakeapi.Droplet{Status: fakeapi.StatusOff}, client.ActionRequest{}, wantStatus(client.DropletActive)},
		client.ActionShutdown:   {fakeapi.Droplet{}, client.ActionRequest{}, wantStatus(client.DropletOff)},
		client.ActionPowerOff:   {fakeapi.Droplet{}, client.ActionRequest{}, wantStatus(client.DropletOff)},
		client.ActionPowerOn:    {fakeapi.Droplet{Status: fakeapi.StatusOff}, client.ActionRequest{}, wantStatus(client.DropletActive)},
		client.ActionRestore: {
			fakeapi.Droplet{BackupIDs: []int64{555, 556}, Status: fakeapi.StatusOff},
			client.ActionRequest{Image: "556"},
			func(t *testing.T, d *client.Droplet, fd fakeapi.Droplet) {
				if fd.Image != "556" || d.Status != client.DropletActive {
					t.Errorf("image %q, status %s", fd.Image, d.Status)
				}
			},
		},
		client.ActionPasswordReset: {fakeapi.Droplet{}, client.ActionRequest{}, wantStatus(client.DropletActive)},
		client.ActionResize: {
			fakeapi.Droplet{Status: fakeapi.StatusOff, SizeSlug: "s-1vcpu-1gb"},
			client.ActionRequest{Size: "s-2vcpu-4gb", Disk: ptr(true)},
			func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
				if d.SizeSlug != "s-2vcpu-4gb" || d.Status != client.DropletOff {
					t.Errorf("size %s, status %s", d.SizeSlug, d.Status)
				}
			},
		},
		client.ActionRebuild: {
			fakeapi.Droplet{},
			client.ActionRequest{Image: "debian-12-x64"},
			func(t *testing.T, _ *client.Droplet, fd fakeapi.Droplet) {
				if fd.Image != "debian-12-x64" {
					t.Errorf("image %q", fd.Image)
				}
			},
		},
		client.ActionRename: {
			fakeapi.Droplet{Name: "old"},
			client.ActionRequest{Name: "nifty-new-name"},
			func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
				if d.Name != "nifty-new-name" {
					t.Errorf("name %q", d.Name)
				}
			},
		},
		client.ActionChangeKernel: {
			fakeapi.Droplet{KernelID: 100},
			client.ActionRequest{Kernel: 991},
			func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
				if d.Kernel == nil || d.Kernel.ID != 991 {
					t.Errorf("kernel %+v", d.Kernel)
				}
			},
		},
		client.ActionEnableIPv6: {
			fakeapi.Droplet{},
			client.ActionRequest{},
			func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
				if !slices.Contains(d.Features, "ipv6") {
					t.Errorf("features %v", d.Features)
				}
			},
		},
		client.ActionSnapshot: {
			fakeapi.Droplet{SnapshotIDs: []int64{1}},
			client.ActionRequest{Name: "nightly"},
			func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
				if len(d.SnapshotIDs) != 2 {
					t.Errorf("snapshot IDs %v", d.SnapshotIDs)
				}
			},
		},
	}
	for _, info := range client.ActionTypes() {
		tc, ok := cases[info.Type]
		if !ok {
			t.Errorf("no case for action type %q", info.Type)
			continue
		}
		t.Run(string(info.Type), func(t *testing.T) {
			t.Parallel()
			fake := newFake(t, fakeapi.Options{})
			d := fake.AddDroplet(tc.seed)
			c := newClient(t, fake.URL())
			ctx := t.Context()
			req := tc.req
			req.Type = info.Type
			a, _, err := c.Initiate(ctx, d.ID, req)
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != info.Type || a.ResourceID != d.ID || a.Status != client.StatusInProgress {
				t.Errorf("initiated %+v", a)
			}
			done, err := c.WaitForAction(ctx, a.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if done.Status != client.StatusCompleted || done.CompletedAt == nil {
				t.Errorf("waited %+v", done)
			}
			got, _, err := c.GetDroplet(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			fd, _ := fake.Droplet(d.ID)
			tc.check(t, got, fd)
			if st := fake.Stats(); st.AcceptedInitiates[d.ID] != 1 || st.InitiateAttempts[d.ID] != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func wantStatus(status string) func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
	return func(t *testing.T, d *client.Droplet, _ fakeapi.Droplet) {
		if d.Status != status {
			t.Errorf("status %s, want %s", d.Status, status)
		}
	}
}

func TestFakeErroredAction(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	d := fake.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	fake.SetActionOutcome(d.ID, client.ActionResize, true)
	c := newClient(t, fake.URL())
	a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionResize, Size: "s-2vcpu-4gb"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.WaitForAction(t.Context(), a.ID, nil)
	var failed *client.ActionFailedError
	if !errors.As(err, &failed) || failed.Action.ID != a.ID || failed.Action.Status != client.StatusErrored {
		t.Fatalf("err = %v, want *ActionFailedError for action %d", err, a.ID)
	}
	if got, _, _ := c.GetDroplet(t.Context(), d.ID); got.SizeSlug != "s-1vcpu-1gb" {
		t.Errorf("an errored resize changed the size to %s", got.SizeSlug)
	}
}

func TestFakeByTag(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	web1 := fake.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}})
	web2 := fake.AddDroplet(fakeapi.Droplet{Tags: []string{"web", "prod"}})
	db := fake.AddDroplet(fakeapi.Droplet{Tags: []string{"db"}})
	c := newClient(t, fake.URL())
	ctx := t.Context()

	actions, _, err := c.InitiateByTag(ctx, "web", client.ActionRequest{Type: client.ActionPowerOff})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range actions {
		ids = append(ids, a.ResourceID)
		if _, err := c.WaitForAction(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(ids, []int64{web1.ID, web2.ID}) {
		t.Errorf("actions on droplets %v, want %d and %d", ids, web1.ID, web2.ID)
	}
	for id, want := range map[int64]string{web1.ID: client.DropletOff, web2.ID: client.DropletOff, db.ID: client.DropletActive} {
		if d, _, err := c.GetDroplet(ctx, id); err != nil || d.Status != want {
			t.Errorf("droplet %d: %v %v, want %s", id, d, err, want)
		}
	}

	snaps, _, err := c.InitiateByTag(ctx, "prod", client.ActionRequest{Type: client.ActionSnapshot, Name: "weekly"})
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].ResourceID != web2.ID || snaps[0].Type != client.ActionSnapshot {
		t.Errorf("snapshot actions %+v", snaps)
	}
	if _, _, err := c.InitiateByTag(ctx, "nobody", client.ActionRequest{Type: client.ActionPowerOn}); !client.IsNotFound(err) {
		t.Errorf("a tag without droplets: %v, want 404", err)
	}
	if st := fake.Stats(); st.BulkInitiates != 2 {
		t.Errorf("BulkInitiates = %d, want 2", st.BulkInitiates)
	}
}

func TestFakePagination(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	d := fake.AddDroplet(fakeapi.Droplet{})
	seeded := fake.SeedActions(d.ID, 450, client.ActionReboot)
	c := newClient(t, fake.URL())
	ctx := t.Context()

	fake.ResetLog()
	all, err := c.ListActions(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(seeded) {
		t.Fatalf("%d actions, want %d", len(all), len(seeded))
	}
	// Newest first: the reverse of seeding order, each action once.
	for i, a := range all {
		if want := seeded[len(seeded)-1-i].ID; a.ID != want {
			t.Fatalf("action #%d is %d, want %d", i, a.ID, want)
		}
	}
	var pages []string
	for _, r := range fake.Requests() {
		pages = append(pages, r.Query)
	}
	if len(pages) != 3 {
		t.Errorf("%d list requests (%v), want 3 pages of 200", len(pages), pages)
	}

	// Pages of 20 over the first 45 the fake knows; the last is partial.
	d2 := fake.AddDroplet(fakeapi.Droplet{})
	fake.SeedActions(d2.ID, 45, client.ActionPowerCycle)
	for page, want := range map[int]struct {
		n    int
		next bool
	}{1: {20, true}, 2: {20, true}, 3: {5, false}, 4: {0, false}} {
		p, _, err := c.ListActionsPage(ctx, d2.ID, page, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Actions) != want.n || p.HasNext != want.next || p.Total != 45 {
			t.Errorf("page %d: %d actions, next %t, total %d", page, len(p.Actions), p.HasNext, p.Total)
		}
	}

	// Stopping early reads only the first page.
	fake.ResetLog()
	n := 0
	for _, err := range c.Actions(ctx, d.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 10 {
			break
		}
	}
	if got := fake.Stats().Total; got != 1 {
		t.Errorf("%d requests for 10 actions, want 1", got)
	}
}

// shiftedClock is a clock for the fake that can be moved by hand.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func TestFakePerMinuteLimit(t *testing.T) {
	t.Parallel()
	const limit = 3
	// The window is filled "56 seconds ago", so it frees up 4 real seconds from now.
	setup := func(t *testing.T) (*fakeapi.Server, int64, *shiftedClock) {
		clock := &shiftedClock{}
		clock.offset.Store(int64(-56 * time.Second))
		fake := newFake(t, fakeapi.Options{PerMinuteLimit: limit, Now: clock.now})
		d := fake.AddDroplet(fakeapi.Droplet{})
		return fake, d.ID, clock
	}
	// fill spends the budget; a nil client means a fresh one per request, so that no
	// governor paces the requests.
	fill := func(t *testing.T, fake *fakeapi.Server, c *client.Client, id int64) {
		for i := range limit {
			cl := c
			if cl == nil {
				cl = newClient(t, fake.URL())
			}
			if _, _, err := cl.GetDroplet(t.Context(), id); err != nil {
				t.Fatalf("request %d within the limit: %v", i+1, err)
			}
		}
	}

	t.Run("429 is waited out", func(t *testing.T) {
		t.Parallel()
		fake, id, clock := setup(t)
		fill(t, fake, nil, id)
		clock.offset.Store(0)
		// A second client knows nothing of the budget, like another process on the same token.
		other := newClient(t, fake.URL())
		if _, _, err := other.GetDroplet(t.Context(), id); err != nil {
			t.Fatalf("the client did not wait out the 429: %v", err)
		}
		if st := fake.Stats(); st.Served429 != 1 || st.Total != limit+2 {
			t.Errorf("served %d 429s in %d requests, want 1 in %d", st.Served429, st.Total, limit+2)
		}
	})

	t.Run("the client's own count holds the request before the 429", func(t *testing.T) {
		t.Parallel()
		// The headers describe the hourly window only, so nothing in them warns of the
		// minute's limit: the client's own count must. The fake's window here runs on the
		// real clock, like the client's count. A count of 2*limit a minute lets a burst of
		// limit through at once and paces the next 30 s / limit later: it holds the request
		// the fake would refuse, and the test need not wait for the window to pass.
		fake := newFake(t, fakeapi.Options{PerMinuteLimit: limit})
		id := fake.AddDroplet(fakeapi.Droplet{}).ID
		c := newClient(t, fake.URL(), func(cfg *client.Config) {
			cfg.Governor = client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: 2 * limit})
		})
		fill(t, fake, c, id)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if _, _, err := c.GetDroplet(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("request beyond the minute's count = %v, want it held until the deadline", err)
		}
		if st := fake.Stats(); st.Served429 != 0 || st.Total != limit {
			t.Errorf("served %d 429s in %d requests, want none in %d", st.Served429, st.Total, limit)
		}
		if c.Governor().Throttled() == 0 {
			t.Error("the governor did not hold the request back")
		}
	})

	t.Run("a 429 longer than MaxRateLimitWait fails fast", func(t *testing.T) {
		t.Parallel()
		fake := newFake(t, fakeapi.Options{PerMinuteLimit: limit})
		id := fake.AddDroplet(fakeapi.Droplet{}).ID
		fill(t, fake, nil, id)
		other := newClient(t, fake.URL(), func(cfg *client.Config) { cfg.MaxRateLimitWait = 5 * time.Second })
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		_, _, err := other.GetDroplet(ctx, id)
		var apiErr *client.APIError
		if !client.IsRateLimited(err) || !errors.As(err, &apiErr) || apiErr.RetryAfter < 50*time.Second {
			t.Fatalf("err = %v, want the 429 with its retry-after", err)
		}
		// The governor now knows; the next call does not even ask.
		if _, _, err := other.GetDroplet(ctx, id); !client.IsRateLimited(err) {
			t.Fatalf("second call: %v", err)
		}
		if st := fake.Stats(); st.Served429 != 1 || st.Total != limit+1 {
			t.Errorf("served %d 429s in %d requests, want 1 in %d", st.Served429, st.Total, limit+1)
		}
	})
}

func TestFakeReadFaults(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	d := fake.AddDroplet(fakeapi.Droplet{})
	c := newClient(t, fake.URL())
	ctx := t.Context()
	a, _, err := c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionPowerOff})
	if err != nil {
		t.Fatal(err)
	}
	fake.InjectFault(fakeapi.Fault{Method: "GET", PathPrefix: "/v2/actions/", Kind: fakeapi.FaultStatus, Status: 503, Times: 2})
	fake.InjectFault(fakeapi.Fault{Method: "GET", PathPrefix: "/v2/actions/", Kind: fakeapi.FaultStatus, Status: 500})
	fake.InjectFault(fakeapi.Fault{Method: "GET", PathPrefix: "/v2/actions/", Kind: fakeapi.FaultMalformed})
	fake.InjectFault(fakeapi.Fault{Method: "GET", PathPrefix: "/v2/droplets/", Kind: fakeapi.FaultStatus, Status: 502,
		Body: "<html><body>502 Bad Gateway</body></html>"})
	if _, err := c.WaitForAction(ctx, a.ID, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.GetDroplet(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != client.DropletOff {
		t.Errorf("status %s", got.Status)
	}
	if left := fake.Faults(); len(left) != 0 {
		t.Errorf("faults left unspent: %+v", left)
	}
	if st := fake.Stats(); st.Served5xx != 4 {
		t.Errorf("Served5xx = %d, want 4", st.Served5xx)
	}
}

func TestFakeAmbiguousInitiate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    fakeapi.Fault
		attempts int // POSTs that reached the fake
	}{
		// The fake acts, then the response is lost: the client must adopt, not repeat.
		{"reset after acting", fakeapi.Fault{Kind: fakeapi.FaultReset, AfterHandler: true}, 1},
		{"malformed after acting", fakeapi.Fault{Kind: fakeapi.FaultMalformed}, 1},
		// The fake never acts: the history shows nothing, so the client tries again.
		{"reset before acting", fakeapi.Fault{Kind: fakeapi.FaultReset}, 2},
		{"500 without acting", fakeapi.Fault{Kind: fakeapi.FaultStatus, Status: 500}, 2},
		{"503 without acting", fakeapi.Fault{Kind: fakeapi.FaultStatus, Status: 503, Body: "<html>upstream</html>"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t, fakeapi.Options{})
			d := fake.AddDroplet(fakeapi.Droplet{})
			fake.SeedActions(d.ID, 3, client.ActionRename) // same type, long ago: never adopted
			c := newClient(t, fake.URL())
			f := tc.fault
			f.Method, f.PathPrefix = "POST", "/v2/droplets/"+strconv.FormatInt(d.ID, 10)+"/actions"
			fake.InjectFault(f)

			a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionRename, Name: "after-fault"})
			if err != nil {
				t.Fatal(err)
			}
			st := fake.Stats()
			if st.AcceptedInitiates[d.ID] != 1 || st.InitiateAttempts[d.ID] != tc.attempts {
				t.Errorf("%d accepted of %d attempts, want 1 of %d", st.AcceptedInitiates[d.ID], st.InitiateAttempts[d.ID], tc.attempts)
			}
			var created []int64
			for _, r := range fake.Requests() {
				created = append(created, r.ActionIDs...)
			}
			if len(created) != 1 || a.ID != created[0] {
				t.Errorf("client returned action %d; the fake created %v", a.ID, created)
			}
			if _, err := c.WaitForAction(t.Context(), a.ID, nil); err != nil {
				t.Fatal(err)
			}
			if got, _, _ := c.GetDroplet(t.Context(), d.ID); got.Name != "after-fault" {
				t.Errorf("name %q", got.Name)
			}
		})
	}
}

func TestFakePendingEventSerializesActions(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 30 * time.Millisecond})
	d := fake.AddDroplet(fakeapi.Droplet{})
	c := newClient(t, fake.URL())
	ctx := t.Context()
	types := []client.ActionType{client.ActionReboot, client.ActionPowerCycle, client.ActionEnableIPv6, client.ActionPasswordReset}

	var wg sync.WaitGroup
	errs := make(chan error, len(types))
	for _, typ := range types {
		wg.Go(func() {
			// Each caller decides afresh after waiting out another's action: here, to send again.
			a, _, err := c.Initiate(ctx, d.ID, client.ActionRequest{Type: typ})
			for busy := 0; errors.As(err, new(*client.BusyError)) && busy < len(types); busy++ {
				a, _, err = c.Initiate(ctx, d.ID, client.ActionRequest{Type: typ})
			}
			if err == nil {
				_, err = c.WaitForAction(ctx, a.ID, nil)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	st := fake.Stats()
	if st.AcceptedInitiates[d.ID] != len(types) || st.MaxInFlightPerDroplet[d.ID] != 1 {
		t.Errorf("accepted %d, max in flight %d", st.AcceptedInitiates[d.ID], st.MaxInFlightPerDroplet[d.ID])
	}
	if st.Pending422 == 0 {
		t.Log("no initiate met a pending event; the race was not exercised this run")
	}
	if got := len(fake.Actions(d.ID)); got != len(types) {
		t.Errorf("%d actions, want %d", got, len(types))
	}
}

func TestFakePendingEventAfterInitiate(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	// Long enough that the second initiate surely meets the first still running.
	fake.SetDuration(client.ActionSnapshot, time.Second)
	d := fake.AddDroplet(fakeapi.Droplet{})
	c := newClient(t, fake.URL())
	ctx := t.Context()
	first, _, err := c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionSnapshot, Name: "before"})
	if err != nil {
		t.Fatal(err)
	}
	fake.SetDuration(client.ActionPowerOff, 0)
	// The power_off meets the snapshot, waits for it, and says so without sending again.
	_, _, err = c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionPowerOff})
	var busy *client.BusyError
	if !errors.As(err, &busy) || !client.IsPendingEvent(err) {
		t.Fatalf("err = %v, want a *client.BusyError wrapping the pending event", err)
	}
	if busy.Ran == nil || busy.Ran.ID != first.ID || busy.Ran.Status != client.StatusCompleted || busy.DropletID != d.ID {
		t.Errorf("BusyError %+v (ran %+v), want droplet %d and action %d completed", busy, busy.Ran, d.ID, first.ID)
	}
	if n := fake.Stats().AcceptedInitiates[d.ID]; n != 1 {
		t.Fatalf("%d initiates accepted after the pending event, want only the first", n)
	}
	// Asked again, the power_off goes through.
	second, _, err := c.Initiate(ctx, d.ID, client.ActionRequest{Type: client.ActionPowerOff})
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := fake.Action(first.ID); f.Status != fakeapi.ActionCompleted {
		t.Errorf("the first action is %s when the second started", f.Status)
	}
	st := fake.Stats()
	if st.Pending422 < 1 || st.InitiateAttempts[d.ID] != st.Pending422+2 || st.MaxInFlightPerDroplet[d.ID] != 1 {
		t.Errorf("stats %+v", st)
	}
	if second.Type != client.ActionPowerOff {
		t.Errorf("second %+v", second)
	}
}
