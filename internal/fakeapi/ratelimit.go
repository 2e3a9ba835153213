package fakeapi

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// defaultHourlyLimit is what the headers advertise when no limit is
// configured, matching the real API's per-token hourly budget.
const defaultHourlyLimit = 5000

// window holds the arrival times of a token's counted requests over the last
// hour, oldest first.
type window struct {
	times []time.Time
}

type rateInfo struct {
	limit, remaining int
	reset            time.Time
	rejected         bool
	retryAfter       int // seconds; 0 when the hourly limit was the one hit
}

func (ri rateInfo) apply(h http.Header) {
	h.Set("Ratelimit-Limit", strconv.Itoa(ri.limit))
	h.Set("Ratelimit-Remaining", strconv.Itoa(ri.remaining))
	h.Set("Ratelimit-Reset", strconv.FormatInt(ceilUnix(ri.reset), 10))
	if ri.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ri.retryAfter))
	}
}

func ceilUnix(t time.Time) int64 {
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

// rateLocked accounts one request of token when consume is set, and reports
// the state the headers describe. Rejected requests are not counted, so a
// client that backs off as told gets through when retry-after says so.
func (s *Server) rateLocked(token string, consume bool) rateInfo {
	now := s.now()
	w := s.windows[token]
	if w == nil {
		w = &window{}
		if consume {
			s.windows[token] = w
		}
	}
	cut := sort.Search(len(w.times), func(i int) bool { return w.times[i].After(now.Add(-time.Hour)) })
	w.times = w.times[cut:]
	minuteStart := sort.Search(len(w.times), func(i int) bool { return w.times[i].After(now.Add(-time.Minute)) })

	perMin, perHour := s.opts.PerMinuteLimit, s.opts.PerHourLimit
	if consume {
		if perMin > 0 && len(w.times)-minuteStart >= perMin {
			leaves := w.times[minuteStart].Add(time.Minute)
			return rateInfo{limit: perMin, reset: leaves, rejected: true, retryAfter: ceilSeconds(leaves.Sub(now))}
		}
		if perHour > 0 && len(w.times) >= perHour {
			return rateInfo{limit: perHour, reset: w.times[0].Add(time.Hour), rejected: true}
		}
		w.times = append(w.times, now)
	}

	type span struct {
		limit int
		first int // index of the oldest request inside the span
		dur   time.Duration
	}
	var spans []span
	if perHour > 0 || perMin == 0 {
		limit := perHour
		if limit == 0 {
			limit = defaultHourlyLimit
		}
		spans = append(spans, span{limit, 0, time.Hour})
	}
	if perMin > 0 {
		spans = append(spans, span{perMin, minuteStart, time.Minute})
	}
	// Advertise whichever window is closest to running out, so that a client
	// pacing itself by the headers never trips the other one.
	var best rateInfo
	for i, sp := range spans {
		count := len(w.times) - sp.first
		ri := rateInfo{limit: sp.limit, remaining: max(sp.limit-count, 0), reset: now}
		if count > 0 {
			ri.reset = w.times[sp.first].Add(sp.dur)
		}
		if i == 0 || ri.remaining < best.remaining {
			best = ri
		}
	}
	return best
}

func ceilSeconds(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}
