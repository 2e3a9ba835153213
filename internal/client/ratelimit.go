package client

import (
	"context"
	"fmt"
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
	// notes holds why per-minute logs were discarded, until the next Wait reports them.
	notes []string

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

// updateBookLocked runs f on the per-minute log at now, after discarding a log that cannot
// be true (see minuteLog.implausible): such a log is never waited on, and the count starts
// afresh. Why it was discarded waits in notes for the next Wait to report.
func (g *Governor) updateBookLocked(now int64, f func(*minuteLog)) error {
	return g.book.update(func(m *minuteLog) {
		why := m.damaged
		if why == "" {
			why = m.implausible(now, max(g.perMinute, MaxRequestsPerMinute))
		}
		if why != "" {
			*m = minuteLog{}
			if len(g.notes) < maxNotes {
				g.notes = append(g.notes, why)
			}
		}
		f(m)
	})
}

// maxNotes bounds the discards kept for reporting between two Waits.
const maxNotes = 8

// takeNotes returns, and forgets, why per-minute logs were discarded since the last call.
func (g *Governor) takeNotes() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.notes
	g.notes = nil
	return n
}

// reserveLocked books the moment the next request may go out under the per-minute cap,
// and says what holds it back when that moment is later than now. When booked is false,
// nothing was booked: slot is when to ask again.
func (g *Governor) reserveLocked(now time.Time) (slot time.Time, booked bool, reason string) {
	if g.perMinute <= 0 {
		return now, true, ""
	}
	ns, ok, paused := now.UnixNano(), true, int64(0)
	reserve := func(m *minuteLog) {
		paused = m.PausedUntil
		ns, ok = m.reserve(now.UnixNano(), g.perMinute)
	}
	if err := g.updateBookLocked(now.UnixNano(), reserve); err != nil {
		// The shared file failed mid-run: count in this process from here on.
		g.bookErr, g.book = err, &memoryLedger{}
		_ = g.updateBookLocked(now.UnixNano(), reserve)
	}
	reason = fmt.Sprintf("at most %d requests a minute", g.perMinute)
	if paused > now.UnixNano() {
		reason = reasonPaused
	}
	return time.Unix(0, ns), ok, reason
}

// Reasons for a wait on the budget, as BudgetWait.Reason gives them.
const (
	reasonPaused    = "the API answered 429 and asked for a pause"
	reason429       = "the API answered 429"
	reasonHourSpent = "the hourly budget is spent until it resets"
	reasonHourLow   = "the rest of the hourly budget is spread until it resets"
	reasonProbe     = "one request is finding out what the hourly budget's reset freed"
)

// MinuteStats reports the per-minute count at now.
func (g *Governor) MinuteStats(now time.Time) MinuteStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	var st MinuteStats
	_ = g.updateBookLocked(now.UnixNano(), func(m *minuteLog) {
		st.InWindow = m.count(now.UnixNano())
		if m.PausedUntil > now.UnixNano() {
			st.PausedUntil = time.Unix(0, m.PausedUntil)
		}
	})
	return st
}

// LongBudgetWait is the shortest wait on the rate budget that is reported (see
// WithBudgetWaitHook and Config.Notify); shorter ones are the ordinary pacing of a busy
// token.
const LongBudgetWait = 5 * time.Second

// BudgetWait is a wait on the rate budget before a request goes out.
type BudgetWait struct {
	// Reason says what the request waits for, such as "at most 250 requests a minute".
	Reason string
	// Wait is how long the wait is planned to last from when it is reported, and Until
	// when it ends (this machine's clock). A later word from the API may end it sooner.
	Wait  time.Duration
	Until time.Time
}

// WithBudgetWaitHook returns ctx carrying hook: a request made with the returned context
// calls hook before a wait on the rate budget longer than LongBudgetWait, from the
// goroutine that waits, unless the returned context has ended. It lets a caller show such
// waits as they happen; they are also logged (Config.Notify). A wait for an action
// (WaitForDropletAction) reads through the client's watcher, which reads for every waiter
// at once: its waits may be told to the hook of any context waiting then. hook must not
// block: the wait it announces honours its context's end, and hook delays that.
func WithBudgetWaitHook(ctx context.Context, hook func(BudgetWait)) context.Context {
	h := &budgetHook{fn: hook}
	ctx = context.WithValue(ctx, budgetWaitHookKey, h)
	h.ctx = ctx
	return ctx
}

// budgetHook is a hook and the context it was set on.
type budgetHook struct {
	ctx context.Context
	fn  func(BudgetWait)
}

// budgetWaitHook is the hook ctx carries, or nil; nil too once the context the hook was
// set on has ended, which the watcher's reads, carrying a waiter's values but not its
// cancellation, cannot tell otherwise.
func budgetWaitHook(ctx context.Context) func(BudgetWait) {
	h, _ := ctx.Value(budgetWaitHookKey).(*budgetHook)
	if h == nil || h.ctx.Err() != nil {
		return nil
	}
	return h.fn
}

// Wait blocks until the next request may start, or ctx ends. When it returns nil, the
// request counts as sent until its response is observed.
func (g *Governor) Wait(ctx context.Context) error { return g.wait(ctx, nil) }

// wait is Wait, calling report (when set) before each wait, but for one ending about when
// the one reported last did. Every wait ends at once when ctx does.
func (g *Governor) wait(ctx context.Context, report func(BudgetWait)) error {
	delayed := false
	var reported time.Time
	// hold waits until until, or until ctx ends or (when changed is set) the API's next word;
	// it reports the wait first unless it ends within LongBudgetWait of the one reported
	// last (planned again after the API's word).
	hold := func(now, until time.Time, reason string, changed <-chan struct{}) error {
		if report != nil && until.Sub(reported) > LongBudgetWait {
			reported = until
			report(BudgetWait{Reason: reason, Wait: until.Sub(now), Until: until})
		}
		t := time.NewTimer(until.Sub(now))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-t.C:
		}
		return nil
	}
	for round := 0; ; round++ {
		g.mu.Lock()
		now := time.Now()
		start := g.startLocked(now)
		if !start.After(now) || round >= maxWaitRounds {
			if err := ctx.Err(); err != nil {
				g.mu.Unlock()
				return err
			}
			slot, booked, reason := g.reserveLocked(now)
			if !slot.After(now) || round >= maxWaitRounds {
				g.admitLocked(now)
				g.mu.Unlock()
				return nil
			}
			// The minute's budget booked this request a later moment: keep it. A slot
			// given up (ctx ended) stays counted, which errs on the safe side. A moment too
			// far ahead to book is asked for again nearer the time.
			if !delayed {
				delayed = true
				g.throttled++
			}
			g.mu.Unlock()
			if err := hold(now, slot, reason, nil); err != nil {
				return err
			}
			if !booked {
				continue
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
		changed, reason := g.changed, g.reasonLocked(start)
		g.mu.Unlock()
		if err := hold(now, start, reason, changed); err != nil {
			return err
		}
	}
}

// reasonLocked says what holds a request until start (startLocked's answer).
func (g *Governor) reasonLocked(start time.Time) string {
	switch {
	case start.Equal(g.blockedUntil):
		return reasonPaused
	case g.remaining == 0 && start.Equal(g.reset):
		return reasonHourSpent
	case start.Equal(g.next):
		return reasonHourLow
	}
	return reasonProbe
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
// no request is left, or until a 429's retry-after runs out, whether this process or
// another sharing the per-minute log met it. Pacing is not counted.
func (g *Governor) exhaustedFor(now time.Time) (until time.Time, wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	until = g.blockedUntil
	if g.apiRemaining == 0 && g.reset.After(until) {
		until = g.reset
	}
	if g.perMinute > 0 {
		_ = g.updateBookLocked(now.UnixNano(), func(m *minuteLog) {
			if p := time.Unix(0, m.PausedUntil); m.PausedUntil > 0 && p.After(until) {
				until = p
			}
		})
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
			// goes out paced rather than all at once. The pause shared is no longer than
			// any the API asks for, which is what the other processes take as true.
			if g.perMinute > 0 {
				shared := min(until.UnixNano(), now.Add(maxPause).UnixNano())
				_ = g.updateBookLocked(now.UnixNano(), func(m *minuteLog) { m.pause(shared, g.perMinute) })
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
	_ = g.updateBookLocked(now, func(m *minuteLog) { ok = roomy(m, now) })
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
