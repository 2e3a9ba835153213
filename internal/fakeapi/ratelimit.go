package fakeapi

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// defaultHourlyLimit is the hourly limit the headers advertise when
// PerHourLimit is zero, matching the real API's per-token hourly budget; it is
// not enforced then.
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
//
// As on the real API, the ratelimit-* headers describe the hourly window only
// (an unenforced one of 5000 when PerHourLimit is zero). The per-minute window
// is invisible until it is exceeded; its 429 carries retry-after, the time
// until the oldest request of the last minute leaves that window. With
// Options.HeadersShowNearestWindow the headers describe whichever window has
// fewer requests left instead.
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
	hourLimit := perHour
	if hourLimit <= 0 {
		hourLimit = defaultHourlyLimit
	}
	// span describes the requests counted from index first onwards against a
	// limit over a window of length dur.
	span := func(limit, first int, dur time.Duration) rateInfo {
		count := len(w.times) - first
		ri := rateInfo{limit: limit, remaining: max(limit-count, 0), reset: now}
		if count > 0 {
			ri.reset = w.times[first].Add(dur)
		}
		return ri
	}
	if consume {
		if perMin > 0 && len(w.times)-minuteStart >= perMin {
			leaves := w.times[minuteStart].Add(time.Minute)
			ri := span(hourLimit, 0, time.Hour)
			if s.opts.HeadersShowNearestWindow {
				ri = rateInfo{limit: perMin, reset: leaves}
			}
			ri.rejected = true
			ri.retryAfter = ceilSeconds(leaves.Sub(now))
			return ri
		}
		if perHour > 0 && len(w.times) >= perHour {
			ri := span(perHour, 0, time.Hour)
			ri.rejected = true
			return ri
		}
		w.times = append(w.times, now)
	}

	if !s.opts.HeadersShowNearestWindow {
		return span(hourLimit, 0, time.Hour)
	}
	// Legacy: advertise whichever window is closest to running out. With only
	// a per-minute limit set, only that window is shown.
	var spans []rateInfo
	if perHour > 0 || perMin <= 0 {
		spans = append(spans, span(hourLimit, 0, time.Hour))
	}
	if perMin > 0 {
		spans = append(spans, span(perMin, minuteStart, time.Minute))
	}
	best := spans[0]
	for _, ri := range spans[1:] {
		if ri.remaining < best.remaining {
			best = ri
		}
	}
	return best
}

func ceilSeconds(d time.Duration) int {
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}
