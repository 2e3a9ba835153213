package client

import (
	"slices"
	"time"
)

// DigitalOcean's per-token burst limit: 250 requests in any 60 s (a sliding window). No
// response header shows it; only a 429 with retry-after does, once it has been exceeded.
const (
	MaxRequestsPerMinute = 250
	minuteWindow         = time.Minute
)

// minuteLog is the count a client keeps of its own requests over the last minute, since
// the API's headers describe only the hourly window. It holds the moments requests were let
// through, including reservations in the near future, and the pause a 429 asked for.
//
// Its rules, for a limit L:
//   - no more than L entries in any 60 s window: a request that would be the L+1st waits
//     until the oldest of the last L leaves the window;
//   - once half the budget is spent (L/2 entries in the window), or for a minute after a
//     429's pause, requests are paced 60 s / L apart, so that what is left lasts until the
//     window frees up instead of going out at once and stalling everything after it;
//   - nothing goes out before a 429's retry-after has passed.
//
// The same rules serve one process (a memoryLedger) and every process of the machine that
// shares a token (a fileLedger: the log is kept in a locked file).
type minuteLog struct {
	// Sent holds UnixNano instants, ascending.
	Sent []int64
	// PausedUntil is when the last 429's retry-after runs out (UnixNano, 0 for none).
	PausedUntil int64
	// PaceUntil is when pacing after a pause ends (UnixNano, 0 for none).
	PaceUntil int64
}

// prune forgets the requests that have left the window at now.
func (m *minuteLog) prune(now int64) {
	cut := 0
	for cut < len(m.Sent) && m.Sent[cut] <= now-int64(minuteWindow) {
		cut++
	}
	m.Sent = slices.Delete(m.Sent, 0, cut)
}

// reserve books the earliest moment at or after now when one more request may go out under
// limit, and returns it.
func (m *minuteLog) reserve(now int64, limit int) int64 {
	m.prune(now)
	start := max(now, m.PausedUntil)
	n := len(m.Sent)
	spacing := int64(minuteWindow) / int64(limit)
	if n > 0 && (2*n >= limit || start < m.PaceUntil) {
		start = max(start, m.Sent[n-1]+spacing)
	}
	if n >= limit {
		start = max(start, m.Sent[n-limit]+int64(minuteWindow))
	}
	i, _ := slices.BinarySearch(m.Sent, start)
	m.Sent = slices.Insert(m.Sent, i, start)
	return start
}

// pause holds every request until until, then paces them for a minute.
func (m *minuteLog) pause(until int64) {
	if until > m.PausedUntil {
		m.PausedUntil = until
		m.PaceUntil = until + int64(minuteWindow)
	}
}

// ample reports whether requests that only buy speed are worth sending: less than half the
// budget spent in the window, and no pause or pacing after a 429 under way.
func (m *minuteLog) ample(now int64, limit int) bool {
	m.prune(now)
	return 2*len(m.Sent) < limit && now >= m.PaceUntil
}

// count is the number of requests in the window at now, reservations included.
func (m *minuteLog) count(now int64) int {
	m.prune(now)
	return len(m.Sent)
}

// A ledger holds a minuteLog somewhere: in memory for one process, or in a file for every
// process of the machine. update runs f on the current log under the ledger's lock and
// keeps what f left.
type ledger interface {
	update(f func(*minuteLog)) error
	close() error
}

// memoryLedger keeps the log in this process. Its caller (the Governor) holds the lock.
type memoryLedger struct{ log minuteLog }

func (l *memoryLedger) update(f func(*minuteLog)) error { f(&l.log); return nil }
func (l *memoryLedger) close() error                    { return nil }

// MinuteStats is what a Governor's minute count shows: for tests and benchmarks.
type MinuteStats struct {
	// InWindow is the number of requests let through (or booked) in the last minute.
	InWindow int
	// PausedUntil is when the last 429's retry-after runs out; zero for none.
	PausedUntil time.Time
}
