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

	// perMinute caps the requests let through in any 60 s (0: no cap), counted in book:
	// the API's headers show only the hourly window, so this count is the client's own.
	perMinute int
	book      ledger
	bookErr   error

	throttled int64
}

// GovernorOptions configures NewGovernorWith.
type GovernorOptions struct {
	// RequestsPerMinute caps the requests let through in any 60 s. Zero means
	// MaxRequestsPerMinute, DigitalOcean's own limit; a negative value means no cap (for
	// tests and benchmarks that measure something else).
	RequestsPerMinute int
	// LedgerPath, when set, keeps the per-minute count in that file, shared under a file
	// lock with every process of the machine that names the same file (see LedgerPath).
	// When the file cannot be used, the count is kept in memory and LedgerError says why.
	LedgerPath string
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

// NewGovernor returns a governor that paces when fewer than 10% of the hourly budget
// remain, and lets no more than MaxRequestsPerMinute requests through in any 60 s, counted
// in this process.
func NewGovernor() *Governor { return NewGovernorWith(GovernorOptions{}) }

// NewGovernorWith returns a governor configured by o.
func NewGovernorWith(o GovernorOptions) *Governor {
	g := &Governor{remaining: -1, apiRemaining: -1, changed: make(chan struct{}), book: &memoryLedger{}}
	switch {
	case o.RequestsPerMinute == 0:
		g.perMinute = MaxRequestsPerMinute
	case o.RequestsPerMinute > 0:
		g.perMinute = o.RequestsPerMinute
	}
	if o.LedgerPath != "" && g.perMinute > 0 {
		if fl, err := openFileLedger(o.LedgerPath); err != nil {
			g.bookErr = err
		} else {
			g.book = fl
		}
	}
	return g
}

// LedgerError is why the per-minute count could not be shared through the ledger file
// (it is then kept in this process only), or nil.
func (g *Governor) LedgerError() error { return g.bookErr }

// Close releases the ledger file, if any.
func (g *Governor) Close() error { return g.book.close() }

// reserveLocked books the moment the next request may go out under the per-minute cap.
func (g *Governor) reserveLocked(now time.Time) time.Time {
	if g.perMinute <= 0 {
		return now
	}
	slot := now.UnixNano()
	if err := g.book.update(func(m *minuteLog) { slot = m.reserve(now.UnixNano(), g.perMinute) }); err != nil {
		// The shared file failed mid-run: count in this process from here on.
		g.bookErr, g.book = err, &memoryLedger{}
		_ = g.book.update(func(m *minuteLog) { slot = m.reserve(now.UnixNano(), g.perMinute) })
	}
	return time.Unix(0, slot)
}

// MinuteStats reports the per-minute count at now.
func (g *Governor) MinuteStats(now time.Time) MinuteStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	var st MinuteStats
	_ = g.book.update(func(m *minuteLog) {
		st.InWindow = m.count(now.UnixNano())
		if m.PausedUntil > now.UnixNano() {
			st.PausedUntil = time.Unix(0, m.PausedUntil)
		}
	})
	return st
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
			if err := ctx.Err(); err != nil {
				g.mu.Unlock()
				return err
			}
			slot := g.reserveLocked(now)
			if !slot.After(now) || round >= maxWaitRounds {
				g.admitLocked(now)
				g.mu.Unlock()
				return nil
			}
			// The minute's budget booked this request a later moment: keep it. A slot
			// given up (ctx ended) stays counted, which errs on the safe side.
			if !delayed {
				delayed = true
				g.throttled++
			}
			g.mu.Unlock()
			if err := sleepCtx(ctx, slot.Sub(now)); err != nil {
				return err
			}
			g.mu.Lock()
			if now = time.Now(); !g.blockedUntil.After(now) {
				g.admitLocked(now)
				g.mu.Unlock()
				return nil
			}
			// A 429 paused everything meanwhile: book again after it.
			g.mu.Unlock()
			continue
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
			until := now.Add(retryAfterSeconds(v))
			if until.After(g.blockedUntil) {
				g.blockedUntil = until
			}
			// Every request of every process sharing the count waits until then, and then
			// goes out paced rather than all at once.
			if g.perMinute > 0 {
				_ = g.book.update(func(m *minuteLog) { m.pause(until.UnixNano(), g.perMinute) })
			}
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
//
// The per-minute count is the other half: the ramp gives way once half the minute's budget
// is spent, and for a minute after a 429.
func (g *Governor) Ample() bool {
	return g.budgetRoom(func(m *minuteLog, now int64) bool { return m.ample(now, g.perMinute) })
}

// Pressed reports whether the budget is close to spent: less than a quarter of the hour's
// left or three quarters of the minute's spent, or a 429 in the last minute. The watcher's
// batched reads, which answer for many actions at a request each, keep their cadence until
// then; requests that buy speed for one action alone give way sooner (Ample).
func (g *Governor) Pressed() bool {
	return !g.budgetRoom(func(m *minuteLog, now int64) bool { return !m.pressed(now, g.perMinute) })
}

// budgetRoom reports whether at least three quarters of the hourly budget are left, no
// 429 is being waited out, and the per-minute count passes roomy.
func (g *Governor) budgetRoom(roomy func(m *minuteLog, now int64) bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	hourly := g.remaining < 0 || g.limit <= 0 || 4*g.remaining >= 3*g.limit
	if !hourly || g.blockedUntil.After(time.Now()) {
		return false
	}
	if g.perMinute <= 0 {
		return true
	}
	ok := true
	now := time.Now().UnixNano()
	_ = g.book.update(func(m *minuteLog) { ok = roomy(m, now) })
	return ok
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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

// The API's rate-limit headers and retry-after, as the governor and the retries read them.

func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("retry-after")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return retryAfterSeconds(s), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// retryAfterSeconds converts a retry-after in seconds, capping absurd values at a day so
// that they cannot overflow a Duration into a negative or tiny wait.
func retryAfterSeconds(s int) time.Duration {
	return time.Duration(min(s, 86400)) * time.Second
}

// rateLimitWait is how long a 429 asks the caller to wait: retry-after when present,
// else until the window frees a request.
func rateLimitWait(h http.Header, now time.Time) time.Duration {
	if d, ok := retryAfter(h); ok {
		return d
	}
	r := rateFromHeader(h)
	if r.Remaining == 0 && !r.Reset.IsZero() {
		return max(r.Reset.Sub(now), 0)
	}
	return 0
}

func rateFromHeader(h http.Header) Rate {
	var r Rate
	r.Limit, _ = strconv.Atoi(h.Get("ratelimit-limit"))
	if v := h.Get("ratelimit-remaining"); v != "" {
		r.Remaining, _ = strconv.Atoi(v)
	} else {
		r.Remaining = -1
	}
	if s, err := strconv.ParseInt(h.Get("ratelimit-reset"), 10, 64); err == nil && s > 0 {
		r.Reset = time.Unix(s, 0)
	}
	return r
}
