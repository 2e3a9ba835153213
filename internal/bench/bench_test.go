package bench

import (
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// reads lists the elapsed times at which p reads during a wait of length total.
func reads(p client.PollStrategy, total time.Duration) []time.Duration {
	var out []time.Duration
	elapsed := time.Duration(0)
	for n := 0; n < 1000 && elapsed < total; n++ {
		elapsed += p(n, elapsed)
		out = append(out, elapsed)
	}
	return out
}

func TestDOProviderPoll(t *testing.T) {
	t.Parallel()
	got := reads(DOProviderPoll(10*time.Second, 3*time.Second), 20*time.Second)
	want := []time.Duration{10 * time.Second, 13 * time.Second, 16 * time.Second, 19 * time.Second, 22 * time.Second}
	if len(got) != len(want) {
		t.Fatalf("reads at %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reads at %v, want %v", got, want)
		}
	}
	// A late read moves on to the next grid point.
	if d := DOProviderPoll(10*time.Second, 3*time.Second)(1, 14500*time.Millisecond); d != 1500*time.Millisecond {
		t.Errorf("delay after a late read = %v, want 1.5s", d)
	}
}

func TestScaledMatchesFullScale(t *testing.T) {
	t.Parallel()
	const s = 16
	for _, p := range []client.PollStrategy{
		client.RampGridPoll(client.DefaultPollMin, client.DefaultPollMax),
		client.FixedPoll(5 * time.Second),
		DOProviderPoll(10*time.Second, 3*time.Second),
	} {
		full := reads(p, 2*time.Minute)
		scaled := reads(Scaled(p, s), 2*time.Minute/s)
		if len(full) != len(scaled) {
			t.Fatalf("%d reads at full scale, %d scaled", len(full), len(scaled))
		}
		for i := range full {
			// Integer division of nanoseconds may round each scaled delay down by 1 ns.
			if diff := full[i] - scaled[i]*s; diff < 0 || diff > time.Duration(s*(i+1)) {
				t.Fatalf("read %d at %v full scale, %v scaled up", i, full[i], scaled[i]*s)
			}
		}
	}
	if p := client.FixedPoll(time.Second); Scaled(p, 1)(0, 0) != time.Second {
		t.Error("scale 1 changed the strategy")
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	s := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x)
		}
		return out
	}
	for _, tc := range []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{s(7), 0.95, 7},
		{s(4, 1, 3, 2), 0.5, 2}, // (2+3)/2 rounds down in integer nanoseconds
		{s(1, 2, 3), 0.5, 2},
		{s(10, 20, 30, 40, 50), 1, 50},
		{s(10, 20, 30, 40, 50), 0, 10},
		{s(0, 100), 0.95, 95},
	} {
		if got := Percentile(tc.in, tc.q); got != tc.want {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.in, tc.q, got, tc.want)
		}
	}
}

func TestParseReattach(t *testing.T) {
	t.Parallel()
	line := "\tTF_REATTACH_PROVIDERS='{\"registry.terraform.io/gradient-tf/gradient\":{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":1,\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":\"/tmp/plugin1\"}}}'"
	got, ok := parseReattach(line)
	if !ok || got[0] != '{' || got[len(got)-1] != '}' {
		t.Fatalf("parseReattach = %q, %v", got, ok)
	}
	for _, bad := range []string{"Provider started.", "TF_REATTACH_PROVIDERS='{\"other/provider\":{}}'"} {
		if _, ok := parseReattach(bad); ok {
			t.Errorf("parseReattach(%q) accepted it", bad)
		}
	}
}

func TestIdealApply(t *testing.T) {
	t.Parallel()
	if got := IdealApply(100, 10, 5*time.Second); got != 50*time.Second {
		t.Errorf("IdealApply = %v, want 50s", got)
	}
	if got := IdealApply(101, 10, time.Second); got != 11*time.Second {
		t.Errorf("IdealApply = %v, want 11s", got)
	}
}

func TestActionRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, path string
		status       int
		id           int64
		ok           bool
	}{
		{"GET", "/v2/actions/42", 200, 42, true},
		{"GET", "/v2/droplets/7/actions/43", 200, 43, true},
		{"GET", "/v2/droplets/7/actions", 200, 0, false},
		{"POST", "/v2/droplets/7/actions", 201, 0, false},
		{"GET", "/v2/actions/42", 429, 0, false},
		{"GET", "/v2/droplets/7", 200, 0, false},
	} {
		id, ok := actionRead(fakeapi.Request{Method: tc.method, Path: tc.path, Status: tc.status})
		if ok != tc.ok || (ok && id != tc.id) {
			t.Errorf("actionRead(%s %s %d) = %d, %v", tc.method, tc.path, tc.status, id, ok)
		}
	}
}

func TestMakespan(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		durations []time.Duration
		slots     int
		want      time.Duration
	}{
		{[]time.Duration{5 * s, 5 * s, 5 * s, 5 * s}, 2, 10 * s},
		// The third action goes to the slot the 1 s action freed, and ends at 1+4 = 5 s.
		{[]time.Duration{1 * s, 6 * s, 4 * s}, 2, 6 * s},
		{[]time.Duration{3 * s}, 10, 3 * s},
		{nil, 3, 0},
	} {
		if got := makespan(tc.durations, tc.slots); got != tc.want {
			t.Errorf("makespan(%v, %d) = %v, want %v", tc.durations, tc.slots, got, tc.want)
		}
	}
}

func TestListPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, path, query string
		page, perPage       int
		ok                  bool
	}{
		{"GET", "/v2/actions", "page=2&per_page=200", 2, 200, true},
		{"GET", "/v2/actions", "", 1, 20, true},
		{"GET", "/v2/actions/", "per_page=500", 1, 200, true},
		{"GET", "/v2/actions/42", "", 0, 0, false},
		{"GET", "/v2/droplets", "page=1&per_page=200&tag_name=x", 0, 0, false},
		{"POST", "/v2/actions", "", 0, 0, false},
	} {
		page, per, ok := listPage(fakeapi.Request{Method: tc.method, Path: tc.path, Query: tc.query})
		if ok != tc.ok || page != tc.page || per != tc.perPage {
			t.Errorf("listPage(%s %s?%s) = %d, %d, %v", tc.method, tc.path, tc.query, page, per, ok)
		}
	}
}

func TestListPolls(t *testing.T) {
	t.Parallel()
	get := func(path, query string) fakeapi.Request {
		return fakeapi.Request{Method: "GET", Path: path, Query: query, Status: 200}
	}
	reqs := []fakeapi.Request{
		get("/v2/actions", "page=1&per_page=200"), get("/v2/actions", "page=2&per_page=200"),
		get("/v2/droplets/7/actions/3", ""),
		get("/v2/actions", "page=1&per_page=200"), get("/v2/actions", "page=2&per_page=200"), get("/v2/actions", "page=3&per_page=200"),
		{Method: "POST", Path: "/v2/droplets/7/actions", Status: 201},
	}
	if polls, pages := listPolls(reqs); polls != 2 || pages != 5 {
		t.Errorf("listPolls = %d polls, %d pages; want 2, 5", polls, pages)
	}
}

func TestDetections(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	done := func(id int64, s float64) fakeapi.Action {
		c := at(s)
		return fakeapi.Action{ID: id, CompletedAt: &c}
	}
	// Three actions; pages of two (oldest first by ID): 10 and 11 on page 1, 12 on page 2.
	acts := []fakeapi.Action{done(12, 1), done(10, 2), done(11, 3), {ID: 13}}
	reqs := []fakeapi.Request{
		{Method: "GET", Path: "/v2/actions", Query: "page=1&per_page=2", Status: 200, Time: at(2.5)}, // 10 (done at 2)
		{Method: "GET", Path: "/v2/actions", Query: "page=2&per_page=2", Status: 200, Time: at(0.5)}, // before 12 completed
		{Method: "GET", Path: "/v2/droplets/5/actions/12", Status: 200, Time: at(1.2)},               // 12
		{Method: "GET", Path: "/v2/actions", Query: "page=1&per_page=2", Status: 429, Time: at(3.1)}, // refused
		{Method: "GET", Path: "/v2/actions/11", Status: 200, Time: at(3.4)},                          // 11
		{Method: "GET", Path: "/v2/actions", Query: "page=1&per_page=2", Status: 200, Time: at(4)},
	}
	got := detections(reqs, acts)
	want := map[int64]time.Time{10: at(2.5), 11: at(3.4), 12: at(1.2)}
	if len(got) != len(want) {
		t.Fatalf("detections = %v, want %v", got, want)
	}
	for id, w := range want {
		if !got[id].Equal(w) {
			t.Errorf("action %d detected at %v, want %v", id, got[id], w)
		}
	}
}

func TestMaxInMinute(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(0, 0)
	at := func(s ...int) []time.Time {
		out := make([]time.Time, len(s))
		for i, x := range s {
			out[i] = t0.Add(time.Duration(x) * time.Second)
		}
		return out
	}
	for _, tc := range []struct {
		times []time.Time
		want  int
	}{
		{nil, 0},
		{at(5), 1},
		{at(0, 59, 60, 61), 3}, // 60 s after 0 is the next window: 59, 60, 61
		{at(30, 0, 10, 20, 100), 4},
		{at(0, 60, 120), 1},
	} {
		if got := maxInMinute(tc.times); got != tc.want {
			t.Errorf("maxInMinute(%v) = %d, want %d", tc.times, got, tc.want)
		}
	}
}

func TestRouteCounts(t *testing.T) {
	t.Parallel()
	reqs := []fakeapi.Request{
		{Method: "GET", Path: "/v2/actions"},
		{Method: "GET", Path: "/v2/droplets/7/actions/42"},
		{Method: "GET", Path: "/v2/actions"},
		{Method: "POST", Path: "/v2/droplets/actions"},
		{Method: "GET", Path: "/v2/droplets/8/actions/43"},
		{Method: "GET", Path: "/v2/actions"},
	}
	got := formatRoutes(routeCounts(reqs))
	want := "GET /v2/actions 3, GET /v2/droplets/{id}/actions/{id} 2, POST /v2/droplets/actions 1"
	if got != want {
		t.Errorf("routes = %q, want %q", got, want)
	}
}

func TestBudgetTimeAndWatchScale(t *testing.T) {
	t.Parallel()
	if got := BudgetTime(500, 250); got != 2*time.Minute {
		t.Errorf("BudgetTime(500, 250) = %v, want 2m", got)
	}
	if got := BudgetTime(100, 0); got != 0 {
		t.Errorf("BudgetTime without a limit = %v, want 0", got)
	}
	for _, tc := range []struct{ row, cap, want int }{{16, 2, 2}, {1, 2, 1}, {4, 8, 4}, {0, 2, 1}} {
		if got := WatchScale(tc.row, tc.cap); got != tc.want {
			t.Errorf("WatchScale(%d, %d) = %d, want %d", tc.row, tc.cap, got, tc.want)
		}
	}
}

func TestFirstCrowding(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(0, 0)
	req := func(ms, status int) fakeapi.Request {
		return fakeapi.Request{Time: t0.Add(time.Duration(ms) * time.Millisecond), Status: status}
	}
	// Limit 3: the 429 at 59.9 s comes 59.9 s after the third accepted request before it
	// (the one at 0; the 429 at 30 s does not count).
	reqs := []fakeapi.Request{req(59900, 429), req(0, 200), req(10, 200), req(30000, 429), req(20, 201)}
	if c := firstCrowding(reqs, 3); !c.Found || !c.At.Equal(t0.Add(30*time.Second)) || c.Span != 30*time.Second {
		t.Errorf("firstCrowding = %+v, want the 429 at 30 s, 30 s after the request at 0", c)
	}
	if c := firstCrowding(reqs[1:3], 3); c.Found {
		t.Errorf("firstCrowding without a 429 = %+v", c)
	}
	if c := firstCrowding([]fakeapi.Request{req(5, 429)}, 3); !c.Found || c.Span != 0 {
		t.Errorf("firstCrowding with nothing before = %+v", c)
	}
}
