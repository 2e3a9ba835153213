package bench

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// The fake's paging of GET /v2/actions: per_page defaults to 20 and is clamped to 200.
const (
	fakeDefaultPerPage = 20
	fakeMaxPerPage     = 200
)

// statusRead is one successful status read as the fake's request log shows it: a single
// action (GET /v2/actions/{id} or /v2/droplets/{droplet}/actions/{id}), or a page of
// every action of the account (GET /v2/actions?page=&per_page=), which answers for the
// actions whose ranks, oldest first by ID, are in [lo, hi).
type statusRead struct {
	at     time.Time
	id     int64
	lo, hi int
}

// parseStatusRead reports the status read r was, if it was a successful one.
func parseStatusRead(r fakeapi.Request) (statusRead, bool) {
	if id, ok := actionRead(r); ok {
		return statusRead{at: r.Time, id: id}, true
	}
	page, perPage, ok := listPage(r)
	if !ok || r.Status != 200 {
		return statusRead{}, false
	}
	return statusRead{at: r.Time, lo: (page - 1) * perPage, hi: page * perPage}, true
}

// listPage reports the page and page size of a GET /v2/actions (the account's list), as
// the fake reads them; ok is false for any other request.
func listPage(r fakeapi.Request) (page, perPage int, ok bool) {
	if r.Method != "GET" || strings.Trim(r.Path, "/") != "v2/actions" {
		return 0, 0, false
	}
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		return 0, 0, false
	}
	page, perPage = 1, fakeDefaultPerPage
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("per_page")); err == nil && v > 0 {
		perPage = min(v, fakeMaxPerPage)
	}
	return page, perPage, true
}

// detections returns, for each completed action in acts, the first successful status
// read at or after its completion that answered for it (its own read, or a page of the
// account's list holding it). acts must be every action of the fake, so that their ranks
// in the list are right; actions never seen completed are absent from the result.
func detections(reqs []fakeapi.Request, acts []fakeapi.Action) map[int64]time.Time {
	ids := make([]int64, len(acts))
	for i, a := range acts {
		ids[i] = a.ID
	}
	slices.Sort(ids)
	rank := make(map[int64]int, len(ids))
	for i, id := range ids {
		rank[id] = i
	}
	var reads []statusRead
	for _, r := range reqs {
		if s, ok := parseStatusRead(r); ok {
			reads = append(reads, s)
		}
	}
	slices.SortStableFunc(reads, func(a, b statusRead) int { return a.at.Compare(b.at) })
	out := make(map[int64]time.Time)
	for _, a := range acts {
		if a.CompletedAt == nil {
			continue
		}
		i, _ := slices.BinarySearchFunc(reads, *a.CompletedAt, func(s statusRead, t time.Time) int { return s.at.Compare(t) })
		for ; i < len(reads); i++ {
			s := reads[i]
			if s.id == a.ID || (s.id == 0 && rank[a.ID] >= s.lo && rank[a.ID] < s.hi) {
				out[a.ID] = s.at
				break
			}
		}
	}
	return out
}

// maxInMinute is the largest number of the given instants that fall in any 60 s (half
// open: an instant exactly 60 s after another is in the next window).
func maxInMinute(times []time.Time) int {
	const w = time.Minute
	s := slices.Clone(times)
	slices.SortFunc(s, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range s {
		for s[hi].Sub(s[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// requestTimes lists when each request arrived.
func requestTimes(reqs []fakeapi.Request) []time.Time {
	out := make([]time.Time, len(reqs))
	for i, r := range reqs {
		out[i] = r.Time
	}
	return out
}

// listPolls counts the batch reads of the account's list in a request log: each batch
// starts at page 1, so polls is the number of GET /v2/actions for page 1, and pages the
// number of GET /v2/actions in all.
func listPolls(reqs []fakeapi.Request) (polls, pages int) {
	for _, r := range reqs {
		if page, _, ok := listPage(r); ok {
			pages++
			if page == 1 {
				polls++
			}
		}
	}
	return polls, pages
}

// routeOf names a request by method and path, with the IDs in the path replaced by {id}:
// "GET /v2/droplets/{id}/actions/{id}".
func routeOf(r fakeapi.Request) string {
	seg := strings.Split(strings.Trim(r.Path, "/"), "/")
	for i, s := range seg {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			seg[i] = "{id}"
		}
	}
	return r.Method + " /" + strings.Join(seg, "/")
}

// RouteCount is how many requests went to one route.
type RouteCount struct {
	Route string
	N     int
}

// routeCounts counts the requests per route, the busiest first (then by route).
func routeCounts(reqs []fakeapi.Request) []RouteCount {
	by := map[string]int{}
	for _, r := range reqs {
		by[routeOf(r)]++
	}
	out := make([]RouteCount, 0, len(by))
	for k, n := range by {
		out = append(out, RouteCount{k, n})
	}
	slices.SortFunc(out, func(a, b RouteCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Route, b.Route)) })
	return out
}

// formatRoutes prints route counts as "GET /v2/actions 12, POST /v2/droplets/actions 1".
func formatRoutes(rc []RouteCount) string {
	parts := make([]string, len(rc))
	for i, r := range rc {
		parts[i] = fmt.Sprintf("%s %d", r.Route, r.N)
	}
	return strings.Join(parts, ", ")
}

// Crowding describes the first 429 of a request log: when it arrived, and how long before
// it the request limit answered requests earlier had arrived (under 60 s, or the fake would
// not have refused it; how much under shows how close to the limit the sender ran).
type Crowding struct {
	Found bool
	At    time.Time
	// Span is the arrival of the 429'd request minus that of the limit-th accepted request
	// before it; zero when fewer than limit came before it.
	Span time.Duration
}

// firstCrowding finds the first request answered 429 and the span of the limit accepted
// requests before it.
func firstCrowding(reqs []fakeapi.Request, limit int) Crowding {
	s := slices.Clone(reqs)
	slices.SortStableFunc(s, func(a, b fakeapi.Request) int { return a.Time.Compare(b.Time) })
	var accepted []time.Time
	for _, r := range s {
		if r.Status != 429 {
			accepted = append(accepted, r.Time)
			continue
		}
		c := Crowding{Found: true, At: r.Time}
		if limit > 0 && len(accepted) >= limit {
			c.Span = r.Time.Sub(accepted[len(accepted)-limit])
		}
		return c
	}
	return Crowding{}
}
