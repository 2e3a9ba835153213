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
