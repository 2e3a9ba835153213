package client

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A log kept by the rules is never judged implausible, whatever the arrivals and the
// pauses (up to the longest the API asks for), then or at any later moment: the bounds
// discard only what the rules cannot have written.
func TestMinuteLogRulesAreAlwaysPlausible(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 7, 250} {
		rng := rand.New(rand.NewPCG(uint64(limit), 2)) //nolint:gosec // test data
		var m minuteLog
		now := int64(0)
		for i := range 5000 {
			switch r := rng.IntN(100); {
			case r < 2:
				m.pause(now+rng.Int64N(int64(maxPause)+1), limit)
			case r < 10:
				now += rng.Int64N(int64(2 * time.Minute))
			default:
				now += rng.Int64N(int64(20 * time.Millisecond))
				// Several waiting callers book at once; those not booked ask again later.
				if slot, ok := m.reserve(now, limit); !ok {
					now = slot
					m.reserve(now, limit)
				}
			}
			for _, later := range []int64{0, int64(time.Second), int64(time.Hour)} {
				if why := m.implausible(now+later, max(limit, MaxRequestsPerMinute)); why != "" {
					t.Fatalf("limit %d, step %d: a log kept by the rules judged implausible %v later: %s", limit, i, time.Duration(later), why)
				}
			}
		}
	}
}

// The exact bounds: what a true log may hold just within each, and just beyond it.
func TestMinuteLogImplausibleBounds(t *testing.T) {
	t.Parallel()
	const now = int64(1_000_000 * time.Hour)
	tol := int64(ledgerClockTolerance)
	full := func(at int64, n int) []int64 {
		s := make([]int64, n)
		for i := range s {
			s[i] = at
		}
		return s
	}
	cases := map[string]struct {
		m    minuteLog
		want string // a fragment of the reason; "" for a plausible log
	}{
		"empty":                                 {minuteLog{}, ""},
		"longest pause":                         {minuteLog{PausedUntil: now + int64(maxPause) + tol}, ""},
		"pause too long":                        {minuteLog{PausedUntil: now + int64(maxPause) + tol + 1}, "a pause until"},
		"pause until next year":                 {minuteLog{PausedUntil: now + int64(365*24*time.Hour)}, "a pause until"},
		"longest pace":                          {minuteLog{PaceUntil: now + int64(maxPause+minuteWindow) + tol}, ""},
		"pace too long":                         {minuteLog{PaceUntil: now + int64(maxPause+minuteWindow) + tol + 1}, "pacing until"},
		"booking a window ahead":                {minuteLog{Sent: []int64{now + int64(maxBookAhead) + tol}}, ""},
		"booking too far ahead":                 {minuteLog{Sent: []int64{now + int64(maxBookAhead) + tol + 1}}, "a request booked at"},
		"booking a window past a pause":         {minuteLog{PausedUntil: now + int64(30*time.Minute), Sent: []int64{now + int64(30*time.Minute+maxBookAhead)}}, ""},
		"TAT at its furthest":                   {minuteLog{TAT: now + int64(maxBookAhead+minuteWindow) + tol}, ""},
		"TAT too far ahead":                     {minuteLog{TAT: now + int64(maxBookAhead+minuteWindow) + tol + 1}, "a pace set until"},
		"full window":                           {minuteLog{Sent: full(now, MaxRequestsPerMinute)}, ""},
		"more than the window allows":           {minuteLog{Sent: full(now, MaxRequestsPerMinute+1)}, "in one minute"},
		"more than the window allows, long ago": {minuteLog{Sent: full(now-int64(time.Hour), MaxRequestsPerMinute+1)}, "in one minute"},
		"more than a ledger holds": {minuteLog{Sent: func() []int64 {
			var s []int64
			for w := range 5 {
				s = append(s, full(now-int64(w)*int64(minuteWindow), MaxRequestsPerMinute)...)
			}
			slices.Sort(s)
			return s
		}()}, "more than a ledger holds"},
		// Values in the past are history, however old: the clock went forward.
		"everything long past": {minuteLog{PausedUntil: now - int64(48*time.Hour), PaceUntil: now - int64(47*time.Hour), TAT: now - int64(47*time.Hour), Sent: full(now-int64(48*time.Hour), 10)}, ""},
	}
	for name, tc := range cases {
		got := tc.m.implausible(now, MaxRequestsPerMinute)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: judged implausible: %s", name, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: implausible = %q, want a reason with %q", name, got, tc.want)
		}
	}
}

// ledgerFile writes what a ledger file holds at path.
func writeLedger(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// burst is the log of n requests let through at once at, by the rules.
func burst(at int64, n int) *minuteLog {
	var m minuteLog
	for range n {
		m.reserve(at, MaxRequestsPerMinute)
	}
	return &m
}

// A ledger whose values cannot be true is discarded with a reason to warn of, and never
// waited on; one whose values can be true (the clock moved forward, or back within the
// tolerance) is kept, and says nothing.
func TestLedgerDiscardsWhatCannotBeTrue(t *testing.T) {
	t.Parallel()
	now := time.Now().UnixNano()
	year := int64(365 * 24 * time.Hour)
	// A future version's layout: a magic and a version first, then times in milliseconds.
	foreign := binary.LittleEndian.AppendUint64([]byte("GRDLEDG2"), 2)
	for range 3 {
		foreign = binary.LittleEndian.AppendUint64(foreign, uint64(time.Now().UnixMilli())) //nolint:gosec // a time after 1970
	}
	cases := map[string]struct {
		data []byte
		want string // a fragment of the warning; "" for none
		// inWindow is the count once this governor's request is booked.
		inWindow int
	}{
		"a pause until next year": {encodeLog(&minuteLog{PausedUntil: now + year, PaceUntil: now + year + int64(minuteWindow), TAT: now + year}), "a pause until", 1},
		// Written by the rules an hour and a half ahead: a 429 then, and a burst after it.
		"clock went back": {encodeLog(func() *minuteLog {
			m := burst(now+int64(90*time.Minute), 20)
			m.pause(now+int64(90*time.Minute+30*time.Second), MaxRequestsPerMinute)
			return m
		}()), "a pause until", 1},
		"clock went back, no pause":            {encodeLog(burst(now+int64(90*time.Minute), 20)), "a request booked at", 1},
		"clock went back within the tolerance": {encodeLog(burst(now+int64(3*time.Second), 3)), "", 4},
		// Written two hours ago: a full minute and a pause, long over.
		"clock went forward": {encodeLog(func() *minuteLog {
			m := burst(now-int64(2*time.Hour), MaxRequestsPerMinute)
			m.pause(now-int64(2*time.Hour-time.Minute), MaxRequestsPerMinute)
			return m
		}()), "", 1},
		"damaged file":             {[]byte("\x01\x02\x03 not a ledger"), "damaged", 1},
		"foreign version":          {foreign, "a pause until", 1},
		"more than a ledger holds": {encodeLog(&minuteLog{Sent: make([]int64, maxLedgerEntries+1)}), "more than", 1},
		// 300 requests 10 s ago: the next would wait for the 51st to leave the window.
		"more in a minute than the limit": {encodeLog(&minuteLog{Sent: slices.Repeat([]int64{now - int64(10*time.Second)}, 300)}), "in one minute", 1},
		"a bucket ten minutes ahead":      {encodeLog(&minuteLog{TAT: now + int64(10*time.Minute)}), "a pace set until", 1},
		"pacing for a day":                {encodeLog(&minuteLog{PaceUntil: now + int64(24*time.Hour)}), "pacing until", 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := LedgerPath(t.TempDir(), "token", "https://api.example.test")
			writeLedger(t, path, tc.data)
			g := NewGovernorWith(GovernorOptions{LedgerPath: path})
			if err := g.LedgerError(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = g.Close() })
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var waits []BudgetWait
			if err := g.wait(ctx, func(w BudgetWait) { waits = append(waits, w) }); err != nil {
				t.Fatalf("Wait = %v: the request was held on the ledger's values", err)
			}
			if len(waits) > 0 {
				t.Errorf("the request waited on the ledger's values: %+v", waits)
			}
			notes := g.takeNotes()
			switch {
			case tc.want == "" && len(notes) > 0:
				t.Errorf("a ledger that can be true was discarded: %q", notes)
			case tc.want != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.want)):
				t.Errorf("warnings %q, want one saying %q", notes, tc.want)
			}
			st := g.MinuteStats(time.Now())
			if st.InWindow != tc.inWindow || !st.PausedUntil.IsZero() {
				t.Errorf("after the request the ledger shows %d requests, paused until %v; want %d, no pause", st.InWindow, st.PausedUntil, tc.inWindow)
			}
			if notes := g.takeNotes(); len(notes) > 0 {
				t.Errorf("the discarded ledger was reported again: %q", notes)
			}
		})
	}
}

// budgetTestClient is a client of srv whose per-minute count starts from the ledger m at
// now, and what it reports of waits: Notify records and the hook's BudgetWaits.
type budgetTestClient struct {
	*Client
	mu      sync.Mutex
	records []string
	waits   []BudgetWait
}

func newBudgetTestClient(t *testing.T, srv *httptest.Server, m *minuteLog, mods ...func(*Config)) *budgetTestClient {
	t.Helper()
	path := LedgerPath(t.TempDir(), "token", srv.URL)
	writeLedger(t, path, encodeLog(m))
	g := NewGovernorWith(GovernorOptions{LedgerPath: path})
	t.Cleanup(func() { _ = g.Close() })
	bc := &budgetTestClient{}
	cfg := Config{Token: "token", Endpoint: srv.URL, Governor: g, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
		Notify: func(_ context.Context, level Level, msg string, fields map[string]any) {
			bc.mu.Lock()
			defer bc.mu.Unlock()
			bc.records = append(bc.records, fmt.Sprint(level, " ", msg, " ", fields))
		}}
	for _, mod := range mods {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	bc.Client = c
	return bc
}

// hooked returns ctx with a budget-wait hook that keeps each wait and then calls then.
func (bc *budgetTestClient) hooked(ctx context.Context, then func()) context.Context {
	return WithBudgetWaitHook(ctx, func(w BudgetWait) {
		bc.mu.Lock()
		bc.waits = append(bc.waits, w)
		bc.mu.Unlock()
		if then != nil {
			then()
		}
	})
}

// countingServer answers every request with a droplet, counting them.
func countingServer(t *testing.T, n *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"droplet":{"id":1,"status":"active"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A long wait on the budget is told before it starts, to the context's hook and to Notify
// at LevelInfo, with its reason and end; and it ends at once when the context does (the
// interrupt Terraform sends), rather than when the budget frees.
func TestLongBudgetWaitIsToldAndEndsWithTheContext(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := countingServer(t, &sent)
	// A 429 seen by another process asked for a pause of 50 minutes (an hourly window's
	// reset can be that far). The client is told to wait out that long.
	until := time.Now().Add(50 * time.Minute)
	bc := newBudgetTestClient(t, srv, &minuteLog{PausedUntil: until.UnixNano()}, func(cfg *Config) { cfg.MaxRateLimitWait = 2 * time.Hour })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := bc.GetDroplet(bc.hooked(ctx, cancel), 1)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("GetDroplet = %v, want the context's cancellation", err)
		}
	case <-time.After(30 * time.Second):
		bc.mu.Lock()
		defer bc.mu.Unlock()
		t.Fatalf("the wait on the budget (50 minutes) did not end within 30 s of its context's end, which the hook's call ends; the hook heard %+v", bc.waits)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent during the pause", n)
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if len(bc.waits) != 1 {
		t.Fatalf("the hook heard of %d waits, want 1: %+v", len(bc.waits), bc.waits)
	}
	w := bc.waits[0]
	if w.Reason != reasonPaused || w.Wait < 49*time.Minute || w.Wait > 50*time.Minute || w.Until.Sub(until).Abs() > time.Millisecond {
		t.Errorf("the hook heard %+v, want the pause: %q, about 50 minutes, until %v", w, reasonPaused, until)
	}
	wantRecord := fmt.Sprint(LevelInfo, " waiting for the API rate budget")
	if len(bc.records) != 1 || !strings.HasPrefix(bc.records[0], wantRecord) ||
		!strings.Contains(bc.records[0], reasonPaused) || !strings.Contains(bc.records[0], until.UTC().Format(time.RFC3339)) {
		t.Errorf("Notify records %q, want one at LevelInfo with the reason and the end", bc.records)
	}
}

// A 429's retry-after waited out between retries is a wait on the budget too: it is told
// the same way, and ends with the context.
func TestRetryAfterWaitIsTold(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		sent.Add(1)
		w.Header().Set("retry-after", "40")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	bc := newBudgetTestClient(t, srv, &minuteLog{}, func(cfg *Config) { cfg.Governor = NewGovernorWith(GovernorOptions{RequestsPerMinute: -1}) })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := bc.GetDroplet(bc.hooked(ctx, cancel), 1)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("GetDroplet = %v, want the context's cancellation", err)
		}
	case <-time.After(30 * time.Second):
		bc.mu.Lock()
		defer bc.mu.Unlock()
		t.Fatalf("the retry-after wait (40 s) did not end within 30 s of its context's end, which the hook's call ends; the hook heard %+v", bc.waits)
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if len(bc.waits) != 1 || bc.waits[0].Reason != reasonPaused || bc.waits[0].Wait != 40*time.Second {
		t.Errorf("the hook heard %+v, want one 40 s wait: %q", bc.waits, reasonPaused)
	}
	if len(bc.records) != 1 || !strings.Contains(bc.records[0], "wait:40s") {
		t.Errorf("Notify records %q, want one telling of the 40 s wait", bc.records)
	}
	if n := sent.Load(); n != 1 {
		t.Errorf("%d requests sent, want the one answered 429", n)
	}
}

// The ordinary pacing of a busy token, a wait of a second, is not told.
func TestShortBudgetWaitIsNotTold(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := countingServer(t, &sent)
	until := time.Now().Add(time.Second)
	bc := newBudgetTestClient(t, srv, &minuteLog{PausedUntil: until.UnixNano()})
	if _, _, err := bc.GetDroplet(bc.hooked(t.Context(), nil), 1); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(until) {
		t.Errorf("the request went out before the pause ended")
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if len(bc.waits) != 0 || len(bc.records) != 0 {
		t.Errorf("a one-second wait was told: hook %+v, records %q", bc.waits, bc.records)
	}
}

// A pause shared by another process that outlasts MaxRateLimitWait fails at once, as the
// 429 that set it did in that process, rather than stalling; a pause that cannot be true
// is discarded with a warning to Notify, and the request goes out.
func TestSharedPause(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	srv := countingServer(t, &sent)
	until := time.Now().Add(10 * time.Minute)
	bc := newBudgetTestClient(t, srv, &minuteLog{PausedUntil: until.UnixNano()})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, _, err := bc.GetDroplet(ctx, 1)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || !apiErr.RateReset.Equal(until) {
		t.Fatalf("GetDroplet during a 10-minute shared pause = %v, want a 429 error naming its end %v", err, until)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests sent during the pause", n)
	}

	bc = newBudgetTestClient(t, srv, &minuteLog{PausedUntil: time.Now().Add(365 * 24 * time.Hour).UnixNano()})
	if _, _, err := bc.GetDroplet(bc.hooked(ctx, nil), 1); err != nil {
		t.Fatalf("GetDroplet with a ledger paused until next year = %v, want the pause discarded", err)
	}
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if len(bc.records) != 1 || !strings.HasPrefix(bc.records[0], fmt.Sprint(LevelWarn, " discarded")) || !strings.Contains(bc.records[0], "a pause until") {
		t.Errorf("Notify records %q, want one warning of the discarded pause", bc.records)
	}
	if len(bc.waits) != 0 {
		t.Errorf("the request waited: %+v", bc.waits)
	}
}

// The ledger file a process opens is kept however long it has sat idle: removing it as
// stale would leave a process that still has it open counting alone, in a file no one
// else can open any more. Only the other ledgers beside it are removed.
func TestKeptLedgerIsNotRemovedAsStale(t *testing.T) {
	t.Parallel()
	path := LedgerPath(t.TempDir(), "token", "https://api.example.test")
	a, err := openFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	old := time.Now().Add(-2 * staleLedgerAge)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	b, err := openFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	now := time.Now().UnixNano()
	if err := a.update(func(m *minuteLog) { m.reserve(now, MaxRequestsPerMinute) }); err != nil {
		t.Fatal(err)
	}
	var seen minuteLog
	if err := b.update(func(m *minuteLog) { seen = *m }); err != nil {
		t.Fatal(err)
	}
	if len(seen.Sent) != 1 {
		t.Errorf("a process opening the idle ledger sees %d of the booking made through it by the process that had it open, want 1: they no longer share a file", len(seen.Sent))
	}
}

// A budget-wait hook is not called once the context it was set on has ended, even through
// a context that carries its values without its cancellation, as the watcher's reads do:
// the waiter it belongs to has gone.
func TestBudgetWaitHookEndsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	hooked := WithBudgetWaitHook(ctx, func(BudgetWait) {})
	values := context.WithoutCancel(hooked)
	if budgetWaitHook(values) == nil {
		t.Fatal("no hook found while its context lasts")
	}
	cancel()
	if budgetWaitHook(values) != nil {
		t.Error("the hook is still found after its context ended")
	}
}
