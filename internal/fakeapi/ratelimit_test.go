package fakeapi_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// wantRateHeaders checks the three ratelimit-* headers and retry-after ("" for
// none).
func wantRateHeaders(t *testing.T, what string, r result, limit, remaining int, reset time.Time, retryAfter string) {
	t.Helper()
	got := [4]string{r.header.Get("Ratelimit-Limit"), r.header.Get("Ratelimit-Remaining"),
		r.header.Get("Ratelimit-Reset"), r.header.Get("Retry-After")}
	want := [4]string{strconv.Itoa(limit), strconv.Itoa(remaining), strconv.FormatInt(reset.Unix(), 10), retryAfter}
	if got != want {
		t.Errorf("%s: limit, remaining, reset, retry-after = %q, want %q", what, got, want)
	}
}

// TestRateHeadersDescribeHourlyWindow: the headers report the hourly window
// while the per-minute limit is approached and when it is exceeded; the
// per-minute limit shows only as 429 with a retry-after that counts down as
// the minute window slides.
func TestRateHeadersDescribeHourlyWindow(t *testing.T) {
	t.Parallel()
	clock := newClock()
	t0 := clock.Now()
	s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 5, PerHourLimit: 100})
	d := s.AddDroplet(fakeapi.Droplet{})
	path := fmt.Sprintf("/v2/droplets/%d", d.ID)
	hourReset := t0.Add(time.Hour)

	// Requests at t0, +5s, +10s, +15s, +20s.
	for i := range 5 {
		r := call(t, s, "GET", path, "").want(t, 200)
		// After 4 requests the minute window has 1 left; the headers say 96.
		wantRateHeaders(t, fmt.Sprintf("request %d", i+1), r, 100, 99-i, hourReset, "")
		clock.Advance(5 * time.Second)
	}

	// The 6th request in the minute, at t0+25s: the request made at t0 leaves
	// the minute window at t0+60s.
	r := call(t, s, "GET", path, "")
	if e := r.wantError(t, http.StatusTooManyRequests, "too_many_requests", ""); e.Message != "API rate limit exceeded." {
		t.Errorf("message %q", e.Message)
	}
	wantRateHeaders(t, "6th request", r, 100, 95, hourReset, "35")

	// retry-after counts down as time passes; refused requests are not counted.
	clock.Advance(20 * time.Second) // t0+45s
	wantRateHeaders(t, "at +45s", call(t, s, "GET", path, "").want(t, 429), 100, 95, hourReset, "15")
	clock.Advance(14*time.Second + 500*time.Millisecond) // t0+59.5s
	wantRateHeaders(t, "at +59.5s", call(t, s, "GET", path, "").want(t, 429), 100, 95, hourReset, "1")

	// At t0+60s the first request has left the minute window (not the hour's).
	clock.Advance(500 * time.Millisecond)
	wantRateHeaders(t, "at +60s", call(t, s, "GET", path, "").want(t, 200), 100, 94, hourReset, "")

	// The window slides: the minute now holds +5s, +10s, +15s, +20s and +60s,
	// so the next request waits for the one made at +5s, which leaves at +65s.
	wantRateHeaders(t, "again at +60s", call(t, s, "GET", path, "").want(t, 429), 100, 94, hourReset, "5")
	clock.Advance(5 * time.Second)
	wantRateHeaders(t, "at +65s", call(t, s, "GET", path, "").want(t, 200), 100, 93, hourReset, "")

	if st := s.Stats(); st.Served429 != 4 {
		t.Errorf("Served429 %d, want 4", st.Served429)
	}
}

// TestRateHeadersHourlyOnlyAfterAnHour: once the oldest request leaves the
// hourly window, reset moves to the next oldest and remaining recovers.
func TestRateHeadersHourlyOnlyAfterAnHour(t *testing.T) {
	t.Parallel()
	clock := newClock()
	t0 := clock.Now()
	s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 250, PerHourLimit: 5000})
	call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
	clock.Advance(10*time.Minute + 300*time.Millisecond)
	r := call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
	wantRateHeaders(t, "second request", r, 5000, 4998, t0.Add(time.Hour), "")
	clock.Advance(50 * time.Minute) // the first request leaves the hour
	r = call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
	// Reset is rounded up to whole seconds.
	second := t0.Add(10*time.Minute + time.Hour + time.Second)
	wantRateHeaders(t, "after an hour", r, 5000, 4998, second, "")
}

// TestRateHeadersShowNearestWindowOption: the opt-in legacy behaviour still
// advertises whichever window is nearer exhaustion.
func TestRateHeadersShowNearestWindowOption(t *testing.T) {
	t.Parallel()
	t.Run("minute nearer", func(t *testing.T) {
		t.Parallel()
		clock := newClock()
		t0 := clock.Now()
		s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 5, PerHourLimit: 100, HeadersShowNearestWindow: true})
		var r result
		for range 4 {
			r = call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
			clock.Advance(5 * time.Second)
		}
		wantRateHeaders(t, "after 4 requests", r, 5, 1, t0.Add(time.Minute), "")
		call(t, s, "GET", "/v2/actions/1", "").want(t, 404) // t0+20s
		clock.Advance(5 * time.Second)
		r = call(t, s, "GET", "/v2/actions/1", "").want(t, 429)
		wantRateHeaders(t, "6th request", r, 5, 0, t0.Add(time.Minute), "35")
	})
	t.Run("hour nearer", func(t *testing.T) {
		t.Parallel()
		clock := newClock()
		t0 := clock.Now()
		s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 100, PerHourLimit: 3, HeadersShowNearestWindow: true})
		call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
		r := call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
		wantRateHeaders(t, "second request", r, 3, 1, t0.Add(time.Hour), "")
	})
	t.Run("minute only", func(t *testing.T) {
		t.Parallel()
		clock := newClock()
		t0 := clock.Now()
		s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 3, HeadersShowNearestWindow: true})
		r := call(t, s, "GET", "/v2/actions/1", "").want(t, 404)
		wantRateHeaders(t, "first request", r, 3, 2, t0.Add(time.Minute), "")
	})
}
