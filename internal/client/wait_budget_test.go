package client_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// TestWaitDropsTheRampWhenTheBudgetIsTight: the same 12-second action is waited for with a
// comfortable rate budget and with a tight one (10 of 250 left). With the tight one the
// waiter reads only on the 5 s grid, so it costs 3 reads instead of the ramp's 9, and still
// sees the completion no later than the grid would.
func TestWaitDropsTheRampWhenTheBudgetIsTight(t *testing.T) {
	t.Parallel()
	const d = 12 * time.Second
	for _, tc := range []struct {
		remaining string
		wantReads int
		wantSeen  time.Duration
	}{
		{"240", 9, 12580 * time.Millisecond}, // 0.6 1.32 2.18 3.22 5 6.49 8.28 10 12.58
		{"10", 3, 15 * time.Second},          // 5 10 15
	} {
		t.Run("remaining="+tc.remaining, func(t *testing.T) {
			t.Parallel()
			clock := newVirtualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			began := clock.Now()
			var mu sync.Mutex
			var readTimes []time.Duration
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elapsed := clock.Now().Sub(began)
				mu.Lock()
				readTimes = append(readTimes, elapsed)
				mu.Unlock()
				status := client.StatusInProgress
				if elapsed >= d {
					status = client.StatusCompleted
				}
				w.Header().Set("ratelimit-limit", "250")
				w.Header().Set("ratelimit-remaining", tc.remaining)
				// A reset in the real past: the governor paces by the budget's size alone.
				w.Header().Set("ratelimit-reset", strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10))
				w.Header().Set("Content-Type", "application/json")
				_, _ = fmt.Fprintf(w, `{"action":{"id":9,"status":%q,"type":"reboot","resource_id":1,"resource_type":"droplet"}}`, status)
			}))
			t.Cleanup(srv.Close)
			c, err := client.New(client.Config{Token: testToken, Endpoint: srv.URL, Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			// One read tells the governor the budget before the wait begins.
			if _, _, err := c.GetAction(t.Context(), 9); err != nil {
				t.Fatal(err)
			}
			if got := c.Governor().Ample(); got != (tc.remaining == "240") {
				t.Fatalf("Ample() = %t with %s of 250 left", got, tc.remaining)
			}
			mu.Lock()
			readTimes = nil
			mu.Unlock()
			a, err := c.WaitForAction(t.Context(), 9, nil)
			if err != nil || a.Status != client.StatusCompleted {
				t.Fatalf("WaitForAction = %v, %v", a, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(readTimes) != tc.wantReads {
				t.Errorf("%d reads at %v, want %d", len(readTimes), readTimes, tc.wantReads)
			}
			if last := readTimes[len(readTimes)-1]; last < tc.wantSeen-10*time.Millisecond || last > tc.wantSeen+10*time.Millisecond {
				t.Errorf("completion seen at %v, want %v", last, tc.wantSeen)
			}
		})
	}
}

func TestGovernorAmple(t *testing.T) {
	t.Parallel()
	g := client.NewGovernor()
	if !g.Ample() {
		t.Error("a budget not reported yet is not ample")
	}
	for remaining, want := range map[int]bool{250: true, 188: true, 187: false, 10: false, 0: false} {
		g := client.NewGovernor()
		h := http.Header{}
		h.Set("ratelimit-limit", "250")
		h.Set("ratelimit-remaining", strconv.Itoa(remaining))
		h.Set("ratelimit-reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
		g.Observe(http.StatusOK, h, time.Now())
		if got := g.Ample(); got != want {
			t.Errorf("Ample() with %d of 250 left = %t, want %t", remaining, got, want)
		}
	}
}
