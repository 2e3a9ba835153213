package client

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Governor paces every request that shares one token's rate budget. It reads the API's
// ratelimit-remaining and ratelimit-reset headers and spreads the requests left over the
// time until the window frees up, so that callers slow down before the API answers 429
// rather than after. One Governor is meant to serve a whole process per token.
//
// Each Wait that returns nil lets one request through, and that request's response is
// expected at Observe. The governor counts the requests it let through and has not seen
// answered yet against the API's figure (which cannot include them), and once the budget
// has run out it lets a single request through at the reset to learn how much the window
// freed, holding the others until that answer: without both, concurrent callers planning
// on the same stale figure overrun the budget together and are answered 429.
type Governor struct {
	mu        sync.Mutex
	limit     int
	remaining int // -1 while unknown; the API's figure less the requests in flight
	// apiRemaining is the API's own last figure, -1 while unknown: only the API's word that
	// nothing is left makes a request fail without being sent.
	apiRemaining int
	reset        time.Time
	// blockedUntil is set by a 429 that said how long to wait.
	blockedUntil time.Time
	// next is the earliest start of the next request while pacing.
	next time.Time
	// probeUntil holds requests back while one request asks what a spent budget's reset
	// freed: until its answer is observed, or this time passes should the answer be lost.
	probeUntil time.Time
	// inflight holds when each request let through and not yet answered was let through.
	inflight []time.Time
	// changed is closed and replaced at every Observe, so that waiting requests plan
	// again with the API's latest word.
	changed chan struct{}
	// LowWater is how many remaining requests start pacing.
	lowWater int

	throttled int64
}

const (
	// probeGuard bounds how long a lost answer to a probe can hold the other requests.
	probeGuard = 2 * time.Second
	// inflightTTL forgets a request let through that was never answered (a transport
	// error has no response to observe); it is longer than any attempt takes.
	inflightTTL = 2 * DefaultRequestTimeout
	// maxWaitRounds bounds how often one Wait plans again before letting its request go.
	maxWaitRounds = 10000
)

// NewGovernor returns a governor that paces when fewer than 10% of the budget remain.
func NewGovernor() *Governor {
	return &Governor{remaining: -1, apiRemaining: -1, changed: make(chan struct{})}
}

// Wait blocks until the next request may start, or ctx ends. When it returns nil, the
// request counts as sent until its response is observed.
func (g *Governor) Wait(ctx context.Context) error {
	delayed := false
	for round := 0; ; round++ {
		g.mu.Lock()
		now := time.Now()
		start := g.startLocked(now)
		if !start.After(now) || round >= maxWaitRounds {
			err := ctx.Err()
			if err == nil {
				g.admitLocked(now)
			}
			g.mu.Unlock()
			return err
		}
		if !delayed {
			delayed = true
			g.throttled++
		}
		changed := g.changed
		g.mu.Unlock()
		t := time.NewTimer(start.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-changed:
			t.Stop()
		case <-t.C:
		}
	}
}

// startLocked is the earliest time the next request may start.
func (g *Governor) startLocked(now time.Time) time.Time {
	start := now
	for _, t := range []time.Time{g.blockedUntil, g.next, g.probeUntil} {
		if t.After(start) {
			start = t
		}
	}
	if g.remaining == 0 && g.reset.After(start) {
		start = g.reset
	}
	return start
}

// admitLocked lets one request through at now.
func (g *Governor) admitLocked(now time.Time) {
	g.inflight = append(g.inflight, now)
	switch {
	case g.remaining < 0:
		// No word from the API yet: nothing to pace by.
	case g.remaining == 0:
		// The budget ran out and its reset has passed with no fresher word: this request
		// finds out what the window freed, and the others wait for its answer.
		g.probeUntil = now.Add(probeGuard)
	default:
		// Count this request against the budget until the API's next word on it.
		g.remaining--
		low := g.lowWater
		if low == 0 {
			low = max(g.limit/10, 5)
		}
		if g.remaining <= low && g.reset.After(now) {
			g.next = now.Add(g.reset.Sub(now) / time.Duration(g.remaining+1))
		}
	}
}

// exhaustedFor reports how long the budget stays exhausted: until the window resets when
// no request is left, or until a 429's retry-after runs out. Pacing is not counted.
func (g *Governor) exhaustedFor(now time.Time) (until time.Time, wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	until = g.blockedUntil
	if g.apiRemaining == 0 && g.reset.After(until) {
		until = g.reset
	}
	return until, until.Sub(now)
}

// Observe records the rate-limit figures of a response.
func (g *Governor) Observe(status int, h http.Header, now time.Time) {
	r := rateFromHeader(h)
	g.mu.Lock()
	defer g.mu.Unlock()
	// This response answers one of the requests let through; forget it, and any too old
	// to be answered any more.
	if len(g.inflight) > 0 {
		g.inflight = g.inflight[1:]
	}
	for len(g.inflight) > 0 && now.Sub(g.inflight[0]) > inflightTTL {
		g.inflight = g.inflight[1:]
	}
	if r.Limit > 0 {
		g.limit = r.Limit
	}
	if r.Remaining >= 0 {
		// The API's figure cannot include the requests still on their way.
		g.apiRemaining = r.Remaining
		g.remaining = max(r.Remaining-len(g.inflight), 0)
		g.reset = r.Reset
		g.probeUntil = time.Time{}
	}
	if status == http.StatusTooManyRequests {
		if v, err := strconv.Atoi(h.Get("retry-after")); err == nil && v > 0 {
			g.blockedUntil = now.Add(retryAfterSeconds(v))
		}
	}
	if g.changed != nil {
		close(g.changed)
	}
	g.changed = make(chan struct{})
}

// Ample reports whether the budget is comfortable: not reported yet, or at least three
// quarters of the limit left. Requests that only buy speed, such as the waiter's ramp
// reads, are worth their cost only then: past that point they would soon crowd out the
// reads and initiates that every action needs, and other tools sharing the token.
func (g *Governor) Ample() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.remaining < 0 || g.limit <= 0 || 4*g.remaining >= 3*g.limit
}

// Release forgets one request let through by Wait that ended without a response to
// observe (a connection error, a timeout, a cancelled context), so that it does not count
// against the budget for ever.
func (g *Governor) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.inflight) > 0 {
		g.inflight = g.inflight[1:]
	}
}

// Throttled returns how many requests the governor has delayed.
func (g *Governor) Throttled() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.throttled
}
