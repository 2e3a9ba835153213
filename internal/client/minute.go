package client

import (
	"fmt"
	"slices"
	"time"
)

// DigitalOcean's per-token burst limit: 250 requests in any 60 s (a sliding window). No
// response header shows it; only a 429 with retry-after does, once it has been exceeded.
const MaxRequestsPerMinute = 250

// minuteWindow is the window the client counts its requests over: DigitalOcean's minute
// and a second more. The client books a request's moment before sending it and the API
// counts it when it arrives; were the window exactly a minute, a request slower on its way
// than the one booked a minute after it would let the API count one too many (measured in
// make bench: one 429 with the 250 requests before it spread over 59.99 s).
const minuteWindow = time.Minute + time.Second

// minuteLog is the count a client keeps of its own requests over the last minute, since
// the API's headers describe only the hourly window. It holds the moments requests were let
// through, including reservations in the near future, and the pause a 429 asked for.
//
// Its rules, for a limit L:
//   - no more than L entries in any window (minuteWindow): a request that would be the
//     L+1st waits until the oldest of the last L leaves it;
//   - a token bucket of L/2 requests refilled at L per window: half the budget may go out at
//     once, and a steady demand of up to L a minute is never slowed, but a demand beyond it
//     is paced window/L apart instead of spending the rest in a burst that would leave
//     nothing for the rest of the minute (a GCRA: TAT is the bucket's theoretical arrival
//     time);
//   - nothing goes out before a 429's retry-after has passed, and the bucket is empty then,
//     so what was held goes out paced, not all at once.
//
// The same rules serve one process (a memoryLedger) and every process of the machine that
// shares a token (a fileLedger: the log is kept in a locked file).
type minuteLog struct {
	// Sent holds UnixNano instants, ascending.
	Sent []int64
	// PausedUntil is when the last 429's retry-after runs out (UnixNano, 0 for none).
	PausedUntil int64
	// PaceUntil is a minute after the last pause: until then, requests that only buy speed
	// are not worth their cost (see ample).
	PaceUntil int64
	// TAT is the token bucket's theoretical arrival time (UnixNano).
	TAT int64

	// damaged, never stored, says why the stored log could not be read: it is then empty.
	damaged string
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
// limit, and returns it with booked true. A moment more than a window (maxBookAhead) past
// the later of now and the pause is not booked: demand beyond the limit queues behind a
// window of bookings, and reserve returns, with booked false, when to ask again (a window
// before that moment). Nothing in the log therefore lies further ahead than plausible
// allows, which is what tells a true log from one that cannot be.
func (m *minuteLog) reserve(now int64, limit int) (slot int64, booked bool) {
	m.prune(now)
	interval := int64(minuteWindow) / int64(limit)
	burst := int64(max(limit/2, 1)-1) * interval
	start := max(now, m.PausedUntil, m.TAT-burst)
	if n := len(m.Sent); n >= limit {
		// Entries may lie ahead of start (reservations), so count the window ending at
		// the latest of them: the L-th most recent must have left it.
		start = max(start, m.Sent[n-limit]+int64(minuteWindow))
	}
	if ahead := start - max(now, m.PausedUntil); ahead > int64(maxBookAhead) {
		return start - int64(maxBookAhead), false
	}
	m.TAT = max(m.TAT, start) + interval
	i, _ := slices.BinarySearch(m.Sent, start)
	m.Sent = slices.Insert(m.Sent, i, start)
	return start, true
}

// pause holds every request until until, and empties the bucket so that they are paced
// from then on.
func (m *minuteLog) pause(until int64, limit int) {
	if until > m.PausedUntil {
		interval := int64(minuteWindow) / int64(limit)
		m.PausedUntil = until
		m.PaceUntil = until + int64(minuteWindow)
		m.TAT = max(m.TAT, until+int64(max(limit/2, 1)-1)*interval)
	}
}

// ample reports whether requests that only buy speed are worth sending: less than half the
// budget spent in the window, and no 429 in the last minute.
func (m *minuteLog) ample(now int64, limit int) bool {
	m.prune(now)
	return 2*len(m.Sent) < limit && now >= m.PaceUntil
}

// pressed reports whether the budget is close to spent: three quarters of it in the
// window, or a 429 in the last minute.
func (m *minuteLog) pressed(now int64, limit int) bool {
	m.prune(now)
	return 4*len(m.Sent) >= 3*limit || now < m.PaceUntil
}

// count is the number of requests in the window at now, reservations included.
func (m *minuteLog) count(now int64) int {
	m.prune(now)
	return len(m.Sent)
}

// What a log can hold. A value beyond these bounds cannot have been written by the rules
// above on this machine's clock as it reads now: the clock went back (a VM resumed, an NTP
// correction), the file was damaged, or a version with other rules wrote it. Such a log
// is discarded rather than waited on (see implausible).
const (
	// maxPause is the longest pause a 429 can ask for: until the hourly window resets. A
	// per-minute 429's retry-after is at most a minute.
	maxPause = time.Hour
	// maxBookAhead is how far past the later of now and the pause reserve books.
	maxBookAhead = minuteWindow
	// ledgerClockTolerance allows for the clock stepping back a little between two
	// updates, as an NTP correction does.
	ledgerClockTolerance = 5 * time.Second
)

// implausible returns why m cannot be true at now for governors whose per-minute caps are
// at most limit, or "" when it can. Values in the past are true history whatever their
// age, and leave the count as prune does; only values ahead of now are judged:
//   - a pause longer than maxPause, or pacing longer than a window past such a pause;
//   - a booking more than maxBookAhead past the later of now and the pause, or a bucket
//     (TAT) further ahead than such bookings put it;
//   - more entries than limit in any window, or than a ledger holds.
func (m *minuteLog) implausible(now int64, limit int) string {
	tol := int64(ledgerClockTolerance)
	at := func(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339) }
	if m.PausedUntil > now+int64(maxPause)+tol {
		return fmt.Sprintf("a pause until %s, longer than the API asks for (at most %s)", at(m.PausedUntil), maxPause)
	}
	if m.PaceUntil > now+int64(maxPause+minuteWindow)+tol {
		return fmt.Sprintf("pacing until %s, longer than a pause the API asks for could make it", at(m.PaceUntil))
	}
	base := max(now, m.PausedUntil)
	if n := len(m.Sent); n > 0 && m.Sent[n-1] > base+int64(maxBookAhead)+tol {
		return fmt.Sprintf("a request booked at %s, further ahead than requests are booked", at(m.Sent[n-1]))
	}
	// Each booking moves TAT at most burst+interval (at most a window) past its moment.
	if m.TAT > base+int64(maxBookAhead+minuteWindow)+tol {
		return fmt.Sprintf("a pace set until %s, further ahead than requests are booked", at(m.TAT))
	}
	if n := len(m.Sent); n > maxLedgerEntries {
		return fmt.Sprintf("%d requests, more than a ledger holds (%d)", n, maxLedgerEntries)
	}
	if n := maxInWindow(m.Sent); n > limit {
		return fmt.Sprintf("%d requests in one minute, more than the limit of %d", n, limit)
	}
	return ""
}

// maxInWindow is the largest number of entries in any window (minuteWindow) of sorted
// instants.
func maxInWindow(sent []int64) int {
	best, lo := 0, 0
	for hi := range sent {
		for sent[hi]-sent[lo] >= int64(minuteWindow) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
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
