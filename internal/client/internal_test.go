package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

func TestPollIntervalGrowsFromMinToMax(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Config{PollMin: 100 * time.Millisecond, PollMax: time.Second})
	if got := c.pollInterval(0); got != 100*time.Millisecond {
		t.Errorf("first interval %v, want PollMin", got)
	}
	prev := time.Duration(0)
	reachedMax := -1
	for attempt := range 30 {
		d := c.pollInterval(attempt)
		if d < prev {
			t.Fatalf("interval shrank at attempt %d: %v after %v", attempt, d, prev)
		}
		if d > time.Second {
			t.Fatalf("interval %v above PollMax", d)
		}
		if d == time.Second && reachedMax < 0 {
			reachedMax = attempt
		}
		if reachedMax < 0 && attempt > 0 && d <= prev {
			t.Fatalf("interval did not grow at attempt %d: %v", attempt, d)
		}
		prev = d
	}
	// 100ms growing by half a poll reaches 1s after six polls.
	if reachedMax != 6 {
		t.Errorf("PollMax reached at attempt %d, want 6", reachedMax)
	}

	// PollMax below PollMin is lifted to PollMin.
	c = mustNew(t, Config{PollMin: time.Second, PollMax: time.Millisecond})
	if got := c.pollInterval(10); got != time.Second {
		t.Errorf("PollMax < PollMin: %v", got)
	}
	// PollBackoff replaces the schedule.
	c = mustNew(t, Config{PollBackoff: func(a int) time.Duration { return time.Duration(a) * time.Hour }})
	if got := c.pollInterval(3); got != 3*time.Hour {
		t.Errorf("PollBackoff: %v", got)
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
