package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func mustNew(t *testing.T, cfg Config) *Client {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = "t"
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "http://127.0.0.1:1"
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRateLimitWait(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	reset := fmt.Sprint(now.Unix() + 90)
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"retry-after seconds", header("retry-after", "7"), 7 * time.Second},
		{"retry-after wins over reset", header("retry-after", "3", "ratelimit-remaining", "0", "ratelimit-reset", reset), 3 * time.Second},
		{"retry-after zero", header("retry-after", "0"), 0},
		{"no retry-after, budget exhausted", header("ratelimit-remaining", "0", "ratelimit-reset", reset), 90 * time.Second},
		{"no retry-after, budget left", header("ratelimit-remaining", "5", "ratelimit-reset", reset), 0},
		{"reset in the past", header("ratelimit-remaining", "0", "ratelimit-reset", fmt.Sprint(now.Unix()-5)), 0},
		{"garbage retry-after", header("retry-after", "soon"), 0},
		{"nothing", header(), 0},
	} {
		if got := rateLimitWait(tc.h, now); got != tc.want {
			t.Errorf("%s: rateLimitWait = %v, want %v", tc.name, got, tc.want)
		}
	}
	// An HTTP date is honoured too.
	d := rateLimitWait(header("retry-after", time.Now().Add(30*time.Second).UTC().Format(http.TimeFormat)), time.Now())
	if d <= 0 || d > 30*time.Second {
		t.Errorf("retry-after as a date: %v", d)
	}
}

func TestRetryWait(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Config{RetryWaitMin: 100 * time.Millisecond, RetryWaitMax: 2 * time.Second})
	resp := func(status int, h http.Header) *http.Response { return &http.Response{StatusCode: status, Header: h} }

	// The API's own word beats the backoff schedule.
	if got := c.retryWait(0, resp(429, header("retry-after", "1"))); got != time.Second {
		t.Errorf("429 retry-after 1: %v", got)
	}
	if got := c.retryWait(4, resp(429, header("retry-after", "17"))); got != 17*time.Second {
		t.Errorf("429 retry-after 17: %v", got)
	}
	if got := c.retryWait(0, resp(503, header("retry-after", "2"))); got != 2*time.Second {
		t.Errorf("503 retry-after 2: %v", got)
	}
	// The same wait reaches retryablehttp through the Backoff hook.
	if got := c.backoff(time.Millisecond, time.Millisecond, 0, resp(429, header("retry-after", "5"))); got != 5*time.Second {
		t.Errorf("backoff hook: %v", got)
	}

	// Otherwise jittered exponential backoff over the upper half, capped at RetryWaitMax;
	// a 500's retry-after is not the API's rate word.
	for attempt := range 8 {
		d := min(100*time.Millisecond<<attempt, 2*time.Second)
		for _, r := range []*http.Response{nil, resp(500, header("retry-after", "30")), resp(429, header())} {
			for range 50 {
				got := c.retryWait(attempt, r)
				if got < d/2 || got > d {
					t.Fatalf("attempt %d: retryWait = %v, want within [%v, %v]", attempt, got, d/2, d)
				}
			}
		}
	}
	// Huge attempts must not overflow into a zero or negative wait.
	if got := c.retryWait(1000, nil); got < time.Second || got > 2*time.Second {
		t.Errorf("attempt 1000: %v", got)
	}
}

func TestCheckRetry(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Config{MaxRateLimitWait: time.Minute})
	read := context.WithValue(context.Background(), attemptKey, &attemptState{})
	initiate := context.WithValue(context.Background(), attemptKey, &attemptState{initiate: true})
	written := &attemptState{initiate: true}
	written.wrote.Store(true)
	initiateWritten := context.WithValue(context.Background(), attemptKey, written)
	cancelled, cancel := context.WithCancel(read)
	cancel()
	soon := fmt.Sprint(time.Now().Add(20 * time.Second).Unix())
	later := fmt.Sprint(time.Now().Add(time.Hour).Unix())
	resp := func(status int, kv ...string) *http.Response {
		return &http.Response{StatusCode: status, Header: header(kv...)}
	}
	connErr := errors.New("connection reset by peer")

	for _, tc := range []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"read 200", read, resp(200), nil, false},
		{"read 404", read, resp(404), nil, false},
		{"read 422", read, resp(422), nil, false},
		{"read 500", read, resp(500), nil, true},
		{"read 502", read, resp(502), nil, true},
		{"read 503", read, resp(503), nil, true},
		{"read 501", read, resp(501), nil, false},
		{"read 503 retry-after beyond the limit", read, resp(503, "retry-after", "3600"), nil, false},
		{"read 429 retry-after 1", read, resp(429, "retry-after", "1"), nil, true},
		{"read 429 reset soon", read, resp(429, "ratelimit-remaining", "0", "ratelimit-reset", soon), nil, true},
		{"read 429 reset in an hour", read, resp(429, "ratelimit-remaining", "0", "ratelimit-reset", later), nil, false},
		{"read 429 retry-after beyond the limit", read, resp(429, "retry-after", "120"), nil, false},
		{"read connection error", read, nil, connErr, true},
		{"initiate 201", initiate, resp(201), nil, false},
		{"initiate 429", initiate, resp(429, "retry-after", "1"), nil, true},
		{"initiate 500", initiate, resp(500), nil, false},
		{"initiate 503", initiate, resp(503), nil, false},
		{"initiate error before writing", initiate, nil, connErr, true},
		{"initiate error after writing", initiateWritten, nil, connErr, false},
		{"cancelled", cancelled, resp(500), nil, false},
	} {
		got, err := c.checkRetry(tc.ctx, tc.resp, tc.err)
		if got != tc.want {
			t.Errorf("%s: checkRetry = %t, want %t", tc.name, got, tc.want)
		}
		if tc.ctx == cancelled && !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

// pollTimes runs a strategy as the waiter does, each read landing exactly on time, and
// returns the read times up to limit.
func pollTimes(p PollStrategy, limit time.Duration) []time.Duration {
	var times []time.Duration
	for t, reads := time.Duration(0), 0; ; reads++ {
		t += p(reads, t)
		if t > limit {
			return times
		}
		times = append(times, t)
	}
}

func TestRampGridPollSchedule(t *testing.T) {
	t.Parallel()
	got := pollTimes(RampGridPoll(DefaultPollMin, DefaultPollMax), 26*time.Second)
	want := []float64{0.6, 1.32, 2.184, 3.221, 5, 6.493, 8.284, 10, 12.58, 15, 20, 25}
	if len(got) != len(want) {
		t.Fatalf("read times %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i].Seconds() - want[i]; d > 0.001 || d < -0.001 {
			t.Errorf("read %d at %v, want %gs", i, got[i], want[i])
		}
	}
}

func TestRampGridPollNeverLaterThanFixedPoller(t *testing.T) {
	t.Parallel()
	for _, cfg := range []struct{ first, every time.Duration }{
		{DefaultPollMin, DefaultPollMax},
		{50 * time.Millisecond, 200 * time.Millisecond},
		{time.Second, 3 * time.Second},
	} {
		ramp := pollTimes(RampGridPoll(cfg.first, cfg.every), 10*time.Minute)
		fixed := pollTimes(FixedPoll(cfg.every), 10*time.Minute)
		// Every read of the fixed poller is also one of ours, so no completion is seen later.
		ours := map[time.Duration]bool{}
		for _, r := range ramp {
			ours[r] = true
		}
		for _, f := range fixed {
			if !ours[f] {
				t.Errorf("%v/%v: the fixed poller reads at %v and the ramp does not", cfg.first, cfg.every, f)
			}
		}
		// The ramp's extra reads are a handful, whatever the wait's length.
		if extra := len(ramp) - len(fixed); extra < 1 || extra > 8 {
			t.Errorf("%v/%v: %d extra reads over the fixed poller, want 1..8", cfg.first, cfg.every, extra)
		}
	}
}

func TestRampGridPollAfterALateRead(t *testing.T) {
	t.Parallel()
	p := RampGridPoll(DefaultPollMin, DefaultPollMax)
	// A read held back by the governor until 11.9 s: the next is the 15 s grid read (the
	// ramp's 2.6 s step would land within 1.5 steps of it), not a make-up read.
	if got := p(8, 11900*time.Millisecond); got != 3100*time.Millisecond {
		t.Errorf("after a late read: next in %v, want 3.1s", got)
	}
	// Far past the ramp, only the grid remains.
	if got := p(40, 61*time.Second); got != 4*time.Second {
		t.Errorf("late in the wait: next in %v, want 4s", got)
	}
	// Degenerate settings are lifted rather than looping on zero waits.
	if got := RampGridPoll(0, 0)(0, 0); got != DefaultPollMin {
		t.Errorf("zero settings: first read after %v, want %v", got, DefaultPollMin)
	}
}

func TestFixedPoll(t *testing.T) {
	t.Parallel()
	got := pollTimes(FixedPoll(5*time.Second), 21*time.Second)
	want := []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 20 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read times %v, want %v", got, want)
	}
	// A late read waits for the next multiple, keeping to the grid.
	if got := FixedPoll(5*time.Second)(3, 16*time.Second); got != 4*time.Second {
		t.Errorf("after a late read: %v, want 4s", got)
	}
}

func TestNewPollDefaults(t *testing.T) {
	t.Parallel()
	// PollMax below PollMin is lifted to PollMin.
	c := mustNew(t, Config{PollMin: time.Second, PollMax: time.Millisecond})
	if c.cfg.PollMax != time.Second {
		t.Errorf("PollMax < PollMin: PollMax = %v", c.cfg.PollMax)
	}
	if got := c.cfg.Poll(0, 0); got != time.Second {
		t.Errorf("default strategy's first read after %v, want PollMin", got)
	}
	// Poll replaces the schedule.
	c = mustNew(t, Config{Poll: func(reads int, _ time.Duration) time.Duration { return time.Duration(reads) * time.Hour }})
	if got := c.cfg.Poll(3, 0); got != 3*time.Hour {
		t.Errorf("Poll: %v", got)
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Config{})
	if c.cfg.MaxRetries != DefaultMaxRetries || c.cfg.RetryWaitMin != DefaultRetryWaitMin ||
		c.cfg.PollMin != DefaultPollMin || c.cfg.PollMax != DefaultPollMax ||
		c.cfg.MaxRateLimitWait != DefaultMaxRateLimitWait || c.cfg.ClockSkew != DefaultClockSkew ||
		c.Governor() == nil || c.rc.HTTPClient.Timeout != DefaultRequestTimeout {
		t.Errorf("defaults not applied: %+v", c.cfg)
	}
	g := NewGovernor()
	if c2 := mustNew(t, Config{Governor: g}); c2.Governor() != g {
		t.Error("a shared governor is not used")
	}
	if _, err := New(Config{Token: "t"}); err != nil {
		t.Errorf("the default endpoint is refused: %v", err)
	}
}

func observe(g *Governor, status int, remaining int, reset time.Time, kv ...string) {
	h := header(append([]string{"ratelimit-limit", "250", "ratelimit-remaining", fmt.Sprint(remaining),
		"ratelimit-reset", fmt.Sprint(reset.Unix())}, kv...)...)
	g.Observe(status, h, time.Now())
}

func TestGovernorBlocksUntilReset(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	observe(g, 200, 0, time.Now().Add(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context's deadline: the budget frees up only in an hour", err)
	}
	if g.Throttled() != 1 {
		t.Errorf("Throttled = %d, want 1", g.Throttled())
	}
}

func TestGovernorReleasesAtReset(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	reset := time.Unix(time.Now().Unix()+2, 0)
	observe(g, 200, 0, reset)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := g.Wait(ctx); err != nil {
		t.Fatalf("Wait = %v, want nil once the window resets", err)
	}
	// A timer never fires early, so this lower bound cannot flake.
	if now := time.Now(); now.Before(reset) {
		t.Errorf("Wait returned at %v, before the reset at %v", now, reset)
	}
}

func TestGovernorPassesWithBudgetLeft(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	observe(g, 200, 200, time.Now().Add(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i := range 10 {
		if err := g.Wait(ctx); err != nil {
			t.Fatalf("Wait #%d = %v with budget left", i, err)
		}
	}
	if g.Throttled() != 0 {
		t.Errorf("Throttled = %d", g.Throttled())
	}
	// A reset in the past frees the budget even at zero.
	g = NewGovernor()
	observe(g, 200, 0, time.Now().Add(-time.Minute))
	if err := g.Wait(ctx); err != nil {
		t.Fatalf("Wait after the reset passed = %v", err)
	}
}

func TestGovernorPacesWhenLow(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	// 4 of 250 left (under 10%) with the window an hour away: spread the rest out.
	observe(g, 200, 4, time.Now().Add(time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(ctx); err != nil {
		t.Fatalf("first Wait = %v, want immediate", err)
	}
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Wait = %v, want it paced past the deadline", err)
	}
}

func TestGovernorHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.Observe(429, header("retry-after", "60"), time.Now())
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want blocked by retry-after", err)
	}
}

func TestGovernorUnknownBudgetDoesNotWait(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.Observe(200, header(), time.Now())
	if err := g.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := g.Wait(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context = %v", err)
	}
}

// TestGovernorForgetsAttemptsWithoutResponse: attempts that end in a connection error are
// let through by the governor but never answered; they must not stay counted as in
// flight, or the budget would look smaller with every network blip until requests failed
// unsent.
func TestGovernorForgetsAttemptsWithoutResponse(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 3 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("ratelimit-limit", "100")
		w.Header().Set("ratelimit-remaining", "100")
		w.Header().Set("ratelimit-reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"action":{"id":5,"status":"completed","type":"reboot","resource_id":1,"resource_type":"droplet"}}`))
	}))
	t.Cleanup(srv.Close)
	c := mustNew(t, Config{Token: "t", Endpoint: srv.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if _, _, err := c.GetAction(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	c.gov.mu.Lock()
	inflight, remaining := len(c.gov.inflight), c.gov.remaining
	c.gov.mu.Unlock()
	if n.Load() != 4 || inflight != 0 || remaining != 100 {
		t.Errorf("after %d attempts (3 dropped): %d counted in flight, %d remaining; want 0 and the API's 100", n.Load(), inflight, remaining)
	}
}

func TestTrimVersionPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]struct {
		out     string
		trimmed bool
	}{
		"https://api.digitalocean.com/v2":   {"https://api.digitalocean.com", true},
		"https://api.digitalocean.com/v2/":  {"https://api.digitalocean.com", true},
		"https://api.digitalocean.com":      {"https://api.digitalocean.com", false},
		"https://proxy.example/do/v2":       {"https://proxy.example/do", true},
		"https://proxy.example/v22":         {"https://proxy.example/v22", false},
		"https://api.digitalocean.com/v2/x": {"https://api.digitalocean.com/v2/x", false},
	} {
		if out, trimmed := TrimVersionPath(in); out != want.out || trimmed != want.trimmed {
			t.Errorf("TrimVersionPath(%q) = %q, %v; want %q, %v", in, out, trimmed, want.out, want.trimmed)
		}
	}
}

func TestIsUnprocessable(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("initiating: %w", &APIError{StatusCode: 422, Message: "Droplet is already powered off."})
	if !IsUnprocessable(wrapped) || IsPendingEvent(wrapped) {
		t.Errorf("a wrapped 422: IsUnprocessable %v, IsPendingEvent %v; want true, false", IsUnprocessable(wrapped), IsPendingEvent(wrapped))
	}
	pending := &APIError{StatusCode: 422, Message: "Droplet already has a pending event."}
	if !IsUnprocessable(pending) || !IsPendingEvent(pending) {
		t.Error("a pending event is a 422 of its own kind")
	}
	if IsUnprocessable(&APIError{StatusCode: 404}) || IsUnprocessable(errors.New("no response")) {
		t.Error("a 404 or a non-API error taken for a 422")
	}
}
