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
type Governor struct {
	mu        sync.Mutex
	limit     int
	remaining int // -1 while unknown
	reset     time.Time
	// blockedUntil is set by a 429 that said how long to wait.
	blockedUntil time.Time
	// next is the earliest start of the next request while pacing.
	next time.Time
	// LowWater is how many remaining requests start pacing.
	lowWater int

	throttled int64
}

// NewGovernor returns a governor that paces when fewer than 10% of the budget remain.
func NewGovernor() *Governor { return &Governor{remaining: -1} }

// Wait blocks until the next request may start, or ctx ends.
func (g *Governor) Wait(ctx context.Context) error {
	g.mu.Lock()
	now := time.Now()
	start := now
	if g.blockedUntil.After(start) {
		start = g.blockedUntil
	}
	if g.next.After(start) {
		start = g.next
	}
	if g.remaining >= 0 {
		low := g.lowWater
		if low == 0 {
			low = max(g.limit/10, 5)
		}
		switch {
		case g.remaining == 0 && g.reset.After(start):
			start = g.reset
		case g.remaining <= low && g.reset.After(start):
			g.next = start.Add(g.reset.Sub(start) / time.Duration(g.remaining+1))
		}
		if g.remaining > 0 {
			// Count this request against the budget until the API's next word on it.
			g.remaining--
		}
	}
	wait := start.Sub(now)
	if wait > 0 {
		g.throttled++
	}
	g.mu.Unlock()
	if wait <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// exhaustedFor reports how long the budget stays exhausted: until the window resets when
// no request is left, or until a 429's retry-after runs out. Pacing is not counted.
func (g *Governor) exhaustedFor(now time.Time) (until time.Time, wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	until = g.blockedUntil
	if g.remaining == 0 && g.reset.After(until) {
		until = g.reset
	}
	return until, until.Sub(now)
}

// Observe records the rate-limit figures of a response.
func (g *Governor) Observe(status int, h http.Header, now time.Time) {
	r := rateFromHeader(h)
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Limit > 0 {
		g.limit = r.Limit
	}
	if r.Remaining >= 0 {
		g.remaining = r.Remaining
		g.reset = r.Reset
	}
	if status == http.StatusTooManyRequests {
		if v, err := strconv.Atoi(h.Get("retry-after")); err == nil && v > 0 {
			g.blockedUntil = now.Add(time.Duration(v) * time.Second)
		}
	}
}

// Throttled returns how many requests the governor has delayed.
func (g *Governor) Throttled() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.throttled
}
