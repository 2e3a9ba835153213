package client

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// stepClock is virtual time that only Sleep moves on; it records every sleep.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// newPollClient is a client on a stepClock whose schedule waits 10 ms more before each
// read than before the last: 10, 20, 30 ms...
func newPollClient(t *testing.T) (*Client, *stepClock) {
	t.Helper()
	clock := &stepClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	c := mustNew(t, Config{Clock: clock, PollMin: time.Millisecond, PollMax: time.Millisecond,
		Poll: func(reads int, _ time.Duration) time.Duration { return time.Duration(reads+1) * 10 * time.Millisecond }})
	return c, clock
}

func TestPollUntilReadsAtOnceThenOnTheSchedule(t *testing.T) {
	t.Parallel()
	c, clock := newPollClient(t)
	start := clock.Now()
	var at []time.Duration
	err := c.pollUntil(t.Context(), time.Time{}, "a thing", func(context.Context) (bool, error) {
		at = append(at, clock.Now().Sub(start))
		return len(at) == 3, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []time.Duration{0, 10 * time.Millisecond, 30 * time.Millisecond}; !slices.Equal(at, want) {
		t.Errorf("reads at %v, want %v", at, want)
	}
}

// A deadline cuts the last wait short: one read is made at the deadline, and then the
// poll gives up with errPollDeadline.
func TestPollUntilDeadline(t *testing.T) {
	t.Parallel()
	c, clock := newPollClient(t)
	start := clock.Now()
	var at []time.Duration
	err := c.pollUntil(t.Context(), start.Add(25*time.Millisecond), "a thing", func(context.Context) (bool, error) {
		at = append(at, clock.Now().Sub(start))
		return false, nil
	})
	if !errors.Is(err, errPollDeadline) {
		t.Fatalf("pollUntil = %v, want errPollDeadline", err)
	}
	if want := []time.Duration{0, 10 * time.Millisecond, 25 * time.Millisecond}; !slices.Equal(at, want) {
		t.Errorf("reads at %v, want %v", at, want)
	}
}

func TestPollUntilReadErrorStandsAsItIs(t *testing.T) {
	t.Parallel()
	c, clock := newPollClient(t)
	boom := errors.New("boom")
	reads := 0
	err := c.pollUntil(t.Context(), time.Time{}, "a thing", func(context.Context) (bool, error) {
		reads++
		return false, boom
	})
	if !errors.Is(err, boom) || err.Error() != "boom" || reads != 1 || len(clock.sleeps) != 0 {
		t.Errorf("pollUntil = %v after %d reads and sleeps %v; want boom, unwrapped, after one read and no sleep", err, reads, clock.sleeps)
	}
}

func TestPollUntilContextEndsDuringAWait(t *testing.T) {
	t.Parallel()
	c, _ := newPollClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reads := 0
	err := c.pollUntil(ctx, time.Time{}, "a thing", func(context.Context) (bool, error) {
		if reads++; reads == 2 {
			cancel()
		}
		return false, nil
	})
	if !errors.Is(err, context.Canceled) || err.Error() != "waiting for a thing: context canceled" || reads != 2 {
		t.Errorf("pollUntil = %v after %d reads; want \"waiting for a thing: context canceled\" after 2", err, reads)
	}
}
