package client_test

// This benchmark lives in the external test package, next to bench_test.go, because it
// needs the fake API: internal/fakeapi imports this package, so the internal test
// package of bench_test.go cannot import it back.

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// virtualClock is one clock for both the fake API (Options.Now) and the client
// (client.Clock). Sleep moves the virtual time on at once, so a two-minute wait costs
// only the work of the client and the fake.
type virtualClock struct{ ns atomic.Int64 }

var _ client.Clock = (*virtualClock)(nil)

func newVirtualClock(start time.Time) *virtualClock {
	c := &virtualClock{}
	c.ns.Store(start.UnixNano())
	return c
}

func (c *virtualClock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.ns.Add(int64(d))
	}
	return nil
}

// BenchmarkWaitForActionVirtualClock measures the wait loop of the default strategy on
// an action lasting D = 120 s, on virtual time: every status read is a real request to
// the fake over loopback, and the sleeps between them cost nothing. An op is one wait
// (the initiate before it is not timed); reads/op is the status reads it made.
func BenchmarkWaitForActionVirtualClock(b *testing.B) {
	const d = 120 * time.Second
	// A fixed virtual epoch: the rate-limit resets the fake reports then lie in the real
	// past, so the governor never holds a request on their account.
	clock := newVirtualClock(time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC))
	fake := fakeapi.New(fakeapi.Options{Token: testToken, DefaultDuration: d, Now: clock.Now, PerHourLimit: math.MaxInt32})
	defer fake.Close()
	droplet := fake.AddDroplet(fakeapi.Droplet{}).ID
	// Virtual time runs far faster than the per-minute count's real clock: take it away.
	c, err := client.New(client.Config{Token: testToken, Endpoint: fake.URL(), Clock: clock,
		Governor: client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: -1})})
	if err != nil {
		b.Fatal(err)
	}
	var reads, ops int
	var last int64
	onProgress := func(*client.Action) { reads++ }
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a, _, err := c.Initiate(b.Context(), droplet, client.ActionRequest{Type: client.ActionReboot})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		final, err := c.WaitForAction(b.Context(), a.ID, onProgress)
		if err != nil || final.Status != client.StatusCompleted {
			b.Fatal(final, err)
		}
		last = a.ID
		ops++
	}
	if a, ok := fake.Action(last); !ok || a.CompletedAt == nil || a.CompletedAt.Sub(a.StartedAt) != d {
		b.Fatalf("the last action is %+v, want one that lasted %v of virtual time", a, d)
	}
	b.ReportMetric(float64(reads)/float64(ops), "reads/op")
}
