package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// watchClient is a client whose waits run on a short schedule, so that the tests below take
// a second or two, with no per-minute count unless one is given.
func watchClient(t *testing.T, fake *fakeapi.Server, mods ...func(*client.Config)) *client.Client {
	t.Helper()
	return newClient(t, fake.URL(), append([]func(*client.Config){func(cfg *client.Config) {
		cfg.PollMin, cfg.PollMax = 50*time.Millisecond, 200*time.Millisecond
		cfg.WatchHold, cfg.WatchFill = 20*time.Millisecond, 100*time.Millisecond
		cfg.Governor = client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: -1})
	}}, mods...)...)
}

// initiateReboots starts one reboot on each of n new droplets and returns the actions.
func initiateReboots(t *testing.T, fake *fakeapi.Server, c *client.Client, n int) []client.Action {
	t.Helper()
	acts := make([]client.Action, n)
	for i := range acts {
		d := fake.AddDroplet(fakeapi.Droplet{})
		a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
		if err != nil {
			t.Fatal(err)
		}
		acts[i] = *a
	}
	return acts
}

// readsAfter counts the status reads in the fake's log: pages of /v2/actions and actions
// read one by one (through either path), and the refused pages.
func readsAfter(fake *fakeapi.Server) (pages, single, refused int) {
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			continue
		}
		seg := strings.Split(strings.Trim(r.Path, "/"), "/")
		switch {
		case r.Path == "/v2/actions":
			pages++
			if r.Status == http.StatusForbidden {
				refused++
			}
		case len(seg) == 3 && seg[1] == "actions", len(seg) == 5 && seg[3] == "actions":
			single++
		}
	}
	return pages, single, refused
}

func waitAll(t *testing.T, c *client.Client, acts []client.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i, err := range c.WaitForActions(ctx, acts, 0, nil) {
		if err != nil {
			t.Fatalf("action %d: %v", acts[i].ID, err)
		}
		if acts[i].Status != client.StatusCompleted {
			t.Fatalf("action %d ended %s", acts[i].ID, acts[i].Status)
		}
	}
}

// Many actions waited for together are read a page at a time: far fewer requests than
// actions, and none of them one by one.
func TestWatcherBatchesReads(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 600 * time.Millisecond})
	c := watchClient(t, fake)
	acts := initiateReboots(t, fake, c, 30)
	fake.ResetLog()
	waitAll(t, c, acts)
	pages, single, _ := readsAfter(fake)
	t.Logf("%d pages, %d single reads for %d actions", pages, single, len(acts))
	// Once all but one action have finished, the last is read alone through its droplet: a
	// page would cost the same. Everything before that is batched.
	if pages == 0 || pages+single >= len(acts)/2 {
		t.Errorf("%d pages of /v2/actions and %d single reads for %d actions, want pages and fewer requests than half the actions", pages, single, len(acts))
	}
	if st := c.WatchStats(); st.ListReads != int64(pages) || st.SingleReads != int64(single) {
		t.Errorf("WatchStats = %+v, want %d list reads and %d single", st, pages, single)
	}
}

// A token without actions:read is refused the list once; the watcher remembers it and
// reads through the droplets' paths, which droplet:read allows.
func TestWatcherFallsBackWithoutActionsRead(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 600 * time.Millisecond, Scopes: []string{"droplet:read", "droplet:update"}})
	c := watchClient(t, fake)
	acts := initiateReboots(t, fake, c, 10)
	fake.ResetLog()
	waitAll(t, c, acts)
	pages, single, refused := readsAfter(fake)
	if pages != 1 || refused != 1 {
		t.Errorf("%d pages of /v2/actions asked (%d refused), want exactly the one refused", pages, refused)
	}
	if single < len(acts) {
		t.Errorf("%d reads one by one for %d actions, want at least one each", single, len(acts))
	}
	for _, r := range fake.Requests() {
		if r.Status == http.StatusForbidden && r.Path != "/v2/actions" {
			t.Errorf("%s %s refused: the fallback used a path the droplet scopes do not allow", r.Method, r.Path)
		}
	}
	if !c.WatchStats().ListRefused {
		t.Error("WatchStats does not say the list was refused")
	}
}

// One action alone is read through its droplet's path: a page would cost as much and
// need a scope more.
func TestWatcherReadsASingleActionOnItsOwn(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 400 * time.Millisecond})
	c := watchClient(t, fake)
	acts := initiateReboots(t, fake, c, 1)
	fake.ResetLog()
	waitAll(t, c, acts)
	if pages, single, _ := readsAfter(fake); pages != 0 || single == 0 {
		t.Errorf("%d pages and %d single reads for one action, want no page", pages, single)
	}
}

// On a busy account the list runs to more pages than there are actions to read: after
// learning that from one page, the watcher reads the actions one by one.
func TestWatcherBusyAccountReadsOneByOne(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 800 * time.Millisecond})
	old := fake.AddDroplet(fakeapi.Droplet{})
	fake.SeedActions(old.ID, 3*client.MaxPerPage, client.ActionReboot)
	c := watchClient(t, fake)
	acts := initiateReboots(t, fake, c, 2)
	fake.ResetLog()
	waitAll(t, c, acts)
	pages, single, _ := readsAfter(fake)
	if pages != 1 {
		t.Errorf("%d pages of /v2/actions read, want the one that showed the account's size", pages)
	}
	if single < len(acts) {
		t.Errorf("%d single reads, want at least one per action", single)
	}
}

// A 429 with retry-after holds every request of the process until it has passed, and the
// held requests then go out paced rather than all at once: checked on the fake's own
// arrival times.
func TestA429PausesEveryRequestThenPaces(t *testing.T) {
	t.Parallel()
	const fakeLimit = 3
	clock := &shiftedClock{}
	clock.offset.Store(int64(-54 * time.Second))
	fake := newFake(t, fakeapi.Options{PerMinuteLimit: fakeLimit, Now: clock.now})
	id := fake.AddDroplet(fakeapi.Droplet{}).ID
	// Another tool spends the minute's budget "54 s ago": it frees up about 6 s from now,
	// time enough for the requests below to meet the 429 even on a loaded machine.
	for range fakeLimit {
		if _, _, err := newClient(t, fake.URL()).GetDroplet(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	clock.offset.Store(0)
	fake.ResetLog()
	c := newClient(t, fake.URL(), func(cfg *client.Config) { cfg.MaxRetries = 5 })
	const n = fakeLimit // all of them fit once the window frees
	errs := make(chan error, n)
	for range n {
		go func() { _, _, err := c.GetDroplet(t.Context(), id); errs <- err }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var first429 time.Time
	var okTimes []time.Time
	for _, r := range fake.Requests() {
		switch r.Status {
		case http.StatusTooManyRequests:
			if first429.IsZero() {
				first429 = r.Time
			}
		case http.StatusOK:
			okTimes = append(okTimes, r.Time)
		}
	}
	if first429.IsZero() {
		t.Fatal("no 429 was served: the test did not exercise the pause")
	}
	if len(okTimes) != n {
		t.Fatalf("%d requests answered 200, want %d", len(okTimes), n)
	}
	// Paced means about 61 s / 250 = 244 ms apart; released at once they would arrive within
	// a few milliseconds. Judge the mean gap, and allow any one gap scheduling noise.
	spacing := time.Minute / client.MaxRequestsPerMinute
	for i, at := range okTimes {
		// The fake frees its window about 6 s after the 429; retry-after is whole seconds
		// rounded up, so nothing may arrive sooner than 4 s after it.
		if at.Sub(first429) < 4*time.Second {
			t.Errorf("request %d arrived %v after the 429, inside its retry-after", i+1, at.Sub(first429))
		}
		if i > 0 && at.Sub(okTimes[i-1]) < spacing/2 {
			t.Errorf("request %d arrived %v after the one before, want them paced about %v apart", i+1, at.Sub(okTimes[i-1]), spacing)
		}
	}
	// The mean gap is not judged: on a loaded machine a request sent on time can arrive
	// late and shorten the mean below the pace it was sent at (seen: 215 ms for 244 ms),
	// while requests released at once would still arrive within a few milliseconds of each
	// other, which the check of every gap above catches.
	if st := fake.Stats(); st.Served429 > n {
		t.Errorf("%d 429s for %d requests: requests went out during the pause", st.Served429, n)
	}
}

// ledgerHelperEnv makes the test binary act as a second provider process (see TestMain):
// it sends requests through a client that shares the ledger at the given path.
const ledgerHelperEnv = "GRADIENT_TEST_LEDGER_HELPER"

// runLedgerHelper is the second process: GRADIENT_TEST_LEDGER_HELPER=path|endpoint|droplet|n.
func runLedgerHelper(spec string) error {
	parts := strings.Split(spec, "|")
	if len(parts) != 4 {
		return fmt.Errorf("bad helper spec %q", spec)
	}
	var droplet int64
	var n int
	if _, err := fmt.Sscan(parts[2], &droplet); err != nil {
		return err
	}
	if _, err := fmt.Sscan(parts[3], &n); err != nil {
		return err
	}
	g := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: 10, LedgerPath: parts[0]})
	if err := g.LedgerError(); err != nil {
		return err
	}
	c, err := client.New(client.Config{Token: testToken, Endpoint: parts[1], Governor: g})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range n {
		if _, _, err := c.GetDroplet(ctx, droplet); err != nil {
			return err
		}
	}
	return nil
}

// Two processes sharing a token count their requests together through the ledger file:
// after another process has spent half the minute's budget, this one is paced at once,
// while a process with a ledger of its own is not.
func TestLedgerSharedBetweenProcesses(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{})
	id := fake.AddDroplet(fakeapi.Droplet{}).ID
	dir := t.TempDir()
	path := client.LedgerPath(dir, testToken, fake.URL())

	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d|%d", ledgerHelperEnv, path, fake.URL(), id, 5))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second process: %v\n%s", err, out)
	}
	if got := fake.Stats().Total; got != 5 {
		t.Fatalf("the second process sent %d requests, want 5", got)
	}

	shared := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: 10, LedgerPath: path})
	if err := shared.LedgerError(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = shared.Close() })
	if st := shared.MinuteStats(time.Now()); st.InWindow != 5 {
		t.Errorf("the shared ledger shows %d requests in the last minute, want the other process's 5", st.InWindow)
	}
	c := newClient(t, fake.URL(), func(cfg *client.Config) { cfg.Governor = shared })
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if _, _, err := c.GetDroplet(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("request after the other process spent half the budget = %v, want it paced (6 s) past the 1 s deadline", err)
	}

	own := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: 10, LedgerPath: filepath.Join(dir, "other.minute")})
	t.Cleanup(func() { _ = own.Close() })
	c2 := newClient(t, fake.URL(), func(cfg *client.Config) { cfg.Governor = own })
	if _, _, err := c2.GetDroplet(t.Context(), id); err != nil {
		t.Errorf("a process with its own ledger was held: %v", err)
	}
	if got := fake.Stats().Total; got != 6 {
		t.Errorf("%d requests reached the fake, want the other process's 5 and the unshared one", got)
	}
}

// An action seen finished on a page of /v2/actions read for other actions is delivered at
// once, not when its own next read falls due: here, an hour after its first.
func TestWatcherDeliversAFinishedActionSeenForAnother(t *testing.T) {
	t.Parallel()
	clock := &shiftedClock{}
	fake := newFake(t, fakeapi.Options{
		Now:       clock.now,
		Durations: map[client.ActionType]time.Duration{client.ActionReboot: time.Minute, client.ActionPowerCycle: time.Hour},
	})
	c := watchClient(t, fake, func(cfg *client.Config) {
		cfg.Poll = func(reads int, _ time.Duration) time.Duration {
			if reads == 0 {
				return 20 * time.Millisecond
			}
			return time.Hour
		}
	})
	initiate := func(typ client.ActionType) client.Action {
		d := fake.AddDroplet(fakeapi.Droplet{})
		a, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return *a
	}
	reboot, cycle := initiate(client.ActionReboot), initiate(client.ActionPowerCycle)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	firstRead := make(chan struct{})
	type result struct {
		a   *client.Action
		err error
	}
	got := make(chan result, 1)
	go func() {
		var once sync.Once
		a, err := c.WaitForDropletAction(ctx, reboot.ResourceID, reboot.ID, func(*client.Action) { once.Do(func() { close(firstRead) }) })
		got <- result{a, err}
	}()
	select {
	case <-firstRead:
	case <-ctx.Done():
		t.Fatal("the reboot was never read")
	}
	// Read once, in progress: its next read is an hour away. It finishes now, and the
	// power_cycle's wait begins, whose first read is a page that shows the reboot too.
	clock.offset.Store(int64(2 * time.Minute))
	cycleCtx, stopCycle := context.WithCancel(ctx)
	defer stopCycle()
	go func() { _, _ = c.WaitForDropletAction(cycleCtx, cycle.ResourceID, cycle.ID, nil) }()

	r := <-got
	if r.err != nil || r.a == nil || r.a.Status != client.StatusCompleted {
		t.Fatalf("the reboot's wait = %+v, %v; want it completed as soon as a page showed it finished, not at its next read an hour on", r.a, r.err)
	}
	if pages, _, _ := readsAfter(fake); pages == 0 {
		t.Error("no page of /v2/actions was read: the test did not exercise a page read for another action")
	}
}

// On a busy account the list runs to several pages, and other automation adds more while
// the watcher waits. A batch pages on until it has seen every watched action, instead of
// giving up after the first page and reading them one by one.
func TestWatcherPagesThroughABusyAccount(t *testing.T) {
	t.Parallel()
	fake := newFake(t, fakeapi.Options{DefaultDuration: 1500 * time.Millisecond})
	other := fake.AddDroplet(fakeapi.Droplet{})
	fake.SeedActions(other.ID, 3*client.MaxPerPage, client.ActionReboot)
	c := watchClient(t, fake, func(cfg *client.Config) { cfg.WatchHold = 100 * time.Millisecond })
	acts := initiateReboots(t, fake, c, 8)
	fake.ResetLog()
	// Other automation: a hundred more actions at each of the first three status reads.
	var reads atomic.Int32
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i, err := range c.WaitForActions(ctx, acts, 0, func(*client.Action) {
		if reads.Add(1) <= 3 {
			fake.SeedActions(other.ID, client.MaxPerPage/2, client.ActionReboot)
		}
	}) {
		if err != nil || acts[i].Status != client.StatusCompleted {
			t.Fatalf("action %d: %s, %v", acts[i].ID, acts[i].Status, err)
		}
	}
	// The watched actions follow the 600 seeded first, on the fourth page of 200.
	const theirPage = 4
	deepest, single := 0, 0
	for _, r := range fake.Requests() {
		switch q, _ := url.ParseQuery(r.Query); {
		case r.Path == "/v2/actions":
			page, _ := strconv.Atoi(q.Get("page"))
			deepest = max(deepest, page)
		case r.Method == http.MethodGet && strings.Contains(r.Path, "/actions/"):
			single++
		}
	}
	if deepest < theirPage {
		t.Errorf("no batch read past page %d of /v2/actions; the watched actions are on page %d", deepest, theirPage)
	}
	t.Logf("deepest page read %d; %d actions read one by one for %d watched", deepest, single, len(acts))
}
