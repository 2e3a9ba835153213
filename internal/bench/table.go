package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// Token is the bearer token the benchmark's fake APIs accept.
const Token = "bench-token"

// Strategy is a named poll schedule, given at full scale.
type Strategy struct {
	// Name heads the strategy's column group.
	Name string
	Poll client.PollStrategy
}

// Strategies are the schedules the table compares, in column order: the client's
// default, the fixed 5 s baseline, and (extra) the official DigitalOcean provider's
// pattern.
func Strategies() []Strategy {
	return []Strategy{
		{Name: "gradient default: RampGridPoll(0.6 s, 5 s)", Poll: client.RampGridPoll(client.DefaultPollMin, client.DefaultPollMax)},
		{Name: "baseline: FixedPoll(5 s)", Poll: client.FixedPoll(5 * time.Second)},
		{Name: "extra: DO provider pattern (10 s, then every 3 s)", Poll: DOProviderPoll(10*time.Second, 3*time.Second)},
	}
}

// RowSpec is one row of the table: actions lasting D (before jitter), run Scale times
// faster than real.
type RowSpec struct {
	D     time.Duration
	Scale int
}

// TableConfig configures RunTable.
type TableConfig struct {
	Rows []RowSpec
	// Actions is the number of actions per row, each on its own droplet.
	Actions int
	// Jitter is the fake's relative spread of durations around D (0.2: ±20%).
	Jitter float64
	// Seed seeds the fake's duration generator; row i uses Seed+i.
	Seed int64
	// Stagger is the real time between two initiations in a row, so that the
	// waiters' reads do not all reach the fake in the same instant.
	Stagger    time.Duration
	Strategies []Strategy
	// Progress, when set, receives a line per row.
	Progress io.Writer
}

// StrategyResult is what one strategy saw in one row, one element per action.
type StrategyResult struct {
	// Overheads are the completion-detection overheads at full scale: when the waiter
	// returned minus when the action completed, multiplied by the row's scale.
	Overheads []time.Duration
	// Reads are the status reads each wait made.
	Reads []int
}

// Median, P95 and MeanReads summarize a result.
func (r StrategyResult) Median() time.Duration { return Percentile(r.Overheads, 0.5) }
func (r StrategyResult) P95() time.Duration    { return Percentile(r.Overheads, 0.95) }
func (r StrategyResult) MeanReads() float64    { return Mean(r.Reads) }

// RowResult is one measured row.
type RowResult struct {
	RowSpec
	Actions int
	// Results holds one entry per strategy, in TableConfig.Strategies order.
	Results []StrategyResult
	// Real is how long the row took on the wall clock.
	Real time.Duration
}

// RunTable measures every row in turn, each on a fresh fake API.
func RunTable(ctx context.Context, cfg TableConfig) ([]RowResult, error) {
	if cfg.Actions <= 0 {
		return nil, errors.New("actions per row must be positive")
	}
	if len(cfg.Strategies) == 0 {
		return nil, errors.New("no strategies")
	}
	out := make([]RowResult, 0, len(cfg.Rows))
	for i, spec := range cfg.Rows {
		if spec.Scale < 1 {
			spec.Scale = 1
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "table: D=%s S=%d: %d actions, %d strategies watching each...\n",
				FormatD(spec.D), spec.Scale, cfg.Actions, len(cfg.Strategies))
		}
		row, err := runRow(ctx, cfg, spec, cfg.Seed+int64(i))
		if err != nil {
			return out, fmt.Errorf("row D=%s: %w", FormatD(spec.D), err)
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "table: D=%s done in %.1f s real\n", FormatD(spec.D), row.Real.Seconds())
		}
		out = append(out, row)
	}
	return out, nil
}

// watch is what the waiters of one action observed.
type watch struct {
	id       int64
	returned []time.Time
	reads    []int
}

func runRow(ctx context.Context, cfg TableConfig, spec RowSpec, seed int64) (RowResult, error) {
	scale := time.Duration(spec.Scale)
	// The longest detection of any strategy here is under D*(1+jitter) plus 15 s of
	// schedule; the deadline leaves ample room and only guards against a hang.
	budget := (time.Duration(float64(spec.D)*(1+cfg.Jitter))+time.Minute)/scale*2 +
		time.Duration(cfg.Actions)*cfg.Stagger + time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	srv := fakeapi.New(fakeapi.Options{
		Token:           Token,
		DefaultDuration: spec.D / scale,
		Jitter:          cfg.Jitter,
		Seed:            seed,
		// The table measures the waiter, not the governor: no per-minute limit, and a huge
		// hourly budget keeps the advertised remaining requests (the hourly window, as the
		// fake's headers always describe) far from the governor's low-water mark.
		PerHourLimit: math.MaxInt32,
	})
	defer srv.Close()
	droplets := make([]int64, cfg.Actions)
	for i := range droplets {
		droplets[i] = srv.AddDroplet(fakeapi.Droplet{}).ID
	}

	transports := make([]*http.Transport, 0, len(cfg.Strategies)+1)
	defer func() {
		for _, t := range transports {
			t.CloseIdleConnections()
		}
	}()
	newClient := func(poll client.PollStrategy) (*client.Client, error) {
		// Enough idle connections that no wait opens a new one per read.
		t := &http.Transport{MaxIdleConns: 4 * cfg.Actions, MaxIdleConnsPerHost: 4 * cfg.Actions, IdleConnTimeout: time.Minute}
		transports = append(transports, t)
		// No per-minute cap of the client's own: the table measures schedules, and each
		// strategy's client would otherwise throttle its own 100 concurrent waits.
		gov := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: -1})
		return client.New(client.Config{Token: Token, Endpoint: srv.URL(), HTTPClient: &http.Client{Transport: t}, Poll: poll, Governor: gov})
	}
	initiator, err := newClient(nil)
	if err != nil {
		return RowResult{}, err
	}
	waiters := make([]*client.Client, len(cfg.Strategies))
	for j, s := range cfg.Strategies {
		if waiters[j], err = newClient(Scaled(s.Poll, spec.Scale)); err != nil {
			return RowResult{}, err
		}
	}

	watches := make([]watch, cfg.Actions)
	errs := make([]error, cfg.Actions)
	began := time.Now()
	var wg sync.WaitGroup
	for i := range watches {
		wg.Go(func() {
			errs[i] = watchOne(ctx, initiator, waiters, droplets[i], time.Duration(i)*cfg.Stagger, &watches[i])
		})
	}
	wg.Wait()
	took := time.Since(began)
	if err := errors.Join(errs...); err != nil {
		return RowResult{}, err
	}

	row := RowResult{RowSpec: spec, Actions: cfg.Actions, Real: took, Results: make([]StrategyResult, len(cfg.Strategies))}
	for _, w := range watches {
		a, ok := srv.Action(w.id)
		if !ok || a.CompletedAt == nil {
			return RowResult{}, fmt.Errorf("action %d: the fake has no completion time for it", w.id)
		}
		// CompletedAt is the fake's due time: the server-side start plus the drawn duration.
		for j := range cfg.Strategies {
			r := &row.Results[j]
			r.Overheads = append(r.Overheads, w.returned[j].Sub(*a.CompletedAt)*scale)
			r.Reads = append(r.Reads, w.reads[j])
		}
	}
	return row, nil
}

// watchOne initiates one reboot after delay, then has every waiter wait for that same
// action concurrently.
func watchOne(ctx context.Context, initiator *client.Client, waiters []*client.Client, droplet int64, delay time.Duration, w *watch) error {
	t := time.NewTimer(delay)
	select {
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-t.C:
	}
	a, _, err := initiator.Initiate(ctx, droplet, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		return err
	}
	w.id = a.ID
	w.returned = make([]time.Time, len(waiters))
	w.reads = make([]int, len(waiters))
	errs := make([]error, len(waiters))
	var wg sync.WaitGroup
	for j, c := range waiters {
		wg.Go(func() {
			reads := 0
			final, err := c.WaitForAction(ctx, a.ID, func(*client.Action) { reads++ })
			w.returned[j] = time.Now()
			w.reads[j] = reads
			if err == nil && final.Status != client.StatusCompleted {
				err = fmt.Errorf("action %d ended %s", a.ID, final.Status)
			}
			errs[j] = err
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// FormatD prints an action duration such as "5 s" or "0.5 s".
func FormatD(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Seconds())
}
