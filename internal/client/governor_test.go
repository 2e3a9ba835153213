package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// rateHeader is a response's rate-limit headers: limit 250, remaining, reset.
func rateHeader(remaining int, reset time.Time) http.Header {
	h := http.Header{}
	h.Set("ratelimit-limit", "250")
	h.Set("ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("ratelimit-reset", strconv.FormatInt(reset.Unix(), 10))
	return h
}

func (g *Governor) remainingNow() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.remaining
}

// The API's remaining figure counts only the requests it has answered: requests the
// governor let through and whose answers are still on their way must still count,
// or concurrent callers overrun the budget.
func TestGovernorCountsRequestsInFlight(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.lowWater = 1 // keep pacing out of the way: only the accounting is under test
	reset := time.Now().Add(time.Hour)
	g.Observe(http.StatusOK, rateHeader(5, reset), time.Now()) // answers no request of g's
	for i := range 3 {
		if err := g.Wait(t.Context()); err != nil {
			t.Fatalf("Wait #%d = %v with budget left", i, err)
		}
	}
	if got := g.remainingNow(); got != 2 {
		t.Fatalf("remaining after letting 3 of 5 through = %d, want 2", got)
	}
	// The first of the three is answered: the API counted it alone, 4 left in its view.
	g.Observe(http.StatusOK, rateHeader(4, reset), time.Now())
	if got := g.remainingNow(); got != 2 {
		t.Errorf("remaining after the first answer = %d, want 2 (4 minus the 2 still on their way)", got)
	}
	g.Observe(http.StatusOK, rateHeader(3, reset), time.Now())
	g.Observe(http.StatusOK, rateHeader(2, reset), time.Now())
	if got := g.remainingNow(); got != 2 {
		t.Errorf("remaining once all are answered = %d, want the API's 2", got)
	}
}

// Once the budget has run out and its reset has passed, one request goes to find out
// what the window freed; the others wait for its answer instead of all going at once.
func TestGovernorProbesASpentBudget(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.Observe(http.StatusOK, rateHeader(0, time.Now().Add(-time.Second)), time.Now())
	if err := g.Wait(t.Context()); err != nil {
		t.Fatalf("the probe's Wait = %v, want it let through: the reset has passed", err)
	}
	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Wait = %v, want it held until the probe is answered", err)
	}

	// A waiter held for the probe goes as soon as the answer says the window freed room.
	done := make(chan error, 1)
	ctx, cancelWait := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancelWait()
	go func() { done <- g.Wait(ctx) }()
	g.Observe(http.StatusOK, rateHeader(100, time.Now().Add(time.Minute)), time.Now())
	if err := <-done; err != nil {
		t.Fatalf("Wait after the probe's answer = %v", err)
	}
	if g.Throttled() == 0 {
		t.Error("Throttled = 0, want the held requests counted")
	}
}

// A probe whose answer says the budget is still spent keeps the others until the new
// reset.
func TestGovernorProbeAnsweredSpent(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.Observe(http.StatusOK, rateHeader(0, time.Now().Add(-time.Second)), time.Now())
	if err := g.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	g.Observe(http.StatusOK, rateHeader(0, time.Now().Add(time.Hour)), time.Now())
	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := g.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want it held until the new reset an hour away", err)
	}
}

// A request whose Wait ended with its context is not counted as sent.
func TestGovernorCancelledWaitSendsNothing(t *testing.T) {
	t.Parallel()
	g := NewGovernor()
	g.Observe(http.StatusOK, rateHeader(10, time.Now().Add(time.Hour)), time.Now())
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	if err := g.Wait(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if got := g.remainingNow(); got != 10 {
		t.Errorf("remaining = %d after a cancelled Wait, want 10", got)
	}
}
