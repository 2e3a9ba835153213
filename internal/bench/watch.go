package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// WatchTableConfig configures the watcher rows of the detection table: for each row of
// Table, one client.Client initiates Table.Actions reboots, Table.Stagger apart, and waits
// for each with WaitForDropletAction (one goroutine per action), so that its watcher reads
// for all of them together. Unlike the strategy columns, the client keeps its default
// per-minute count (client.MaxRequestsPerMinute, not scaled) and the fake enforces
// PerMinuteLimit and PerHourLimit.
type WatchTableConfig struct {
	Table TableConfig
	// MaxScale caps each row's time scale: the watcher's reads come every WatchFill/S, so
	// they grow with S while the per-minute budget does not.
	MaxScale                     int
	PerMinuteLimit, PerHourLimit int
}

// WatchScale is the scale a watcher row runs at: the table row's, capped at maxScale.
func WatchScale(rowScale, maxScale int) int {
	return max(min(rowScale, maxScale), 1)
}

// WatchRowResult is one measured watcher row.
type WatchRowResult struct {
	// D is the row's action duration; Scale the scale it ran at.
	RowSpec
	Actions   int
	Overheads []time.Duration
	// Reads is every GET the fake answered during the row (pages of the list and single
	// reads); Initiates the POSTs.
	Reads, Initiates int
	Watch            client.WatchStats
	Served429        int
	// PeakMinute is the most requests the fake received in any 60 s of real time.
	PeakMinute int
	// Throttled counts the requests the client's governor held back.
	Throttled int64
	Real      time.Duration
}

// Median and P95 of the detection overhead, at full scale.
func (r WatchRowResult) Median() time.Duration { return Percentile(r.Overheads, 0.5) }
func (r WatchRowResult) P95() time.Duration    { return Percentile(r.Overheads, 0.95) }

// ReadsPerAction is the GETs the row spent per action.
func (r WatchRowResult) ReadsPerAction() float64 {
	if r.Actions == 0 {
		return 0
	}
	return float64(r.Reads) / float64(r.Actions)
}

// RunWatchRows measures the watcher rows, each on a fresh fake.
func RunWatchRows(ctx context.Context, cfg WatchTableConfig) ([]WatchRowResult, error) {
	tc := cfg.Table
	if tc.Actions <= 0 {
		return nil, errors.New("actions per row must be positive")
	}
	out := make([]WatchRowResult, 0, len(tc.Rows))
	for i, spec := range tc.Rows {
		spec.Scale = WatchScale(spec.Scale, cfg.MaxScale)
		if tc.Progress != nil {
			fmt.Fprintf(tc.Progress, "table: watcher, D=%s S=%d: %d actions on one client...\n", FormatD(spec.D), spec.Scale, tc.Actions)
		}
		row, err := runWatchRow(ctx, cfg, spec, tc.Seed+int64(i))
		if err != nil {
			return out, fmt.Errorf("watcher row D=%s: %w", FormatD(spec.D), err)
		}
		if tc.Progress != nil {
			fmt.Fprintf(tc.Progress, "table: watcher, D=%s done in %.1f s real\n", FormatD(spec.D), row.Real.Seconds())
		}
		out = append(out, row)
	}
	return out, nil
}

func runWatchRow(ctx context.Context, cfg WatchTableConfig, spec RowSpec, seed int64) (WatchRowResult, error) {
	tc := cfg.Table
	scale := time.Duration(spec.Scale)
	budget := (time.Duration(float64(spec.D)*(1+tc.Jitter))+time.Minute)/scale*2 +
		time.Duration(tc.Actions)*tc.Stagger + 2*time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	srv := fakeapi.New(fakeapi.Options{
		Token:           Token,
		DefaultDuration: spec.D / scale,
		Jitter:          tc.Jitter,
		Seed:            seed,
		PerMinuteLimit:  cfg.PerMinuteLimit,
		PerHourLimit:    cfg.PerHourLimit,
	})
	defer srv.Close()
	droplets := make([]int64, tc.Actions)
	for i := range droplets {
		droplets[i] = srv.AddDroplet(fakeapi.Droplet{}).ID
	}
	t := &http.Transport{MaxIdleConns: 2 * tc.Actions, MaxIdleConnsPerHost: 2 * tc.Actions, IdleConnTimeout: time.Minute}
	defer t.CloseIdleConnections()
	gov := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: client.MaxRequestsPerMinute})
	c, err := client.New(client.Config{
		Token: Token, Endpoint: srv.URL(), HTTPClient: &http.Client{Transport: t},
		Poll:    Scaled(client.RampGridPoll(client.DefaultPollMin, client.DefaultPollMax), spec.Scale),
		PollMin: client.DefaultPollMin / scale, PollMax: client.DefaultPollMax / scale,
		WatchHold: client.DefaultWatchHold / scale, WatchFill: client.DefaultWatchFill / scale,
		Governor: gov,
	})
	if err != nil {
		return WatchRowResult{}, err
	}

	ids := make([]int64, tc.Actions)
	returned := make([]time.Time, tc.Actions)
	errs := make([]error, tc.Actions)
	began := time.Now()
	var wg sync.WaitGroup
	for i := range droplets {
		wg.Go(func() {
			tm := time.NewTimer(time.Duration(i) * tc.Stagger)
			select {
			case <-ctx.Done():
				tm.Stop()
				errs[i] = ctx.Err()
				return
			case <-tm.C:
			}
			a, _, err := c.Initiate(ctx, droplets[i], client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				errs[i] = err
				return
			}
			ids[i] = a.ID
			final, err := c.WaitForDropletAction(ctx, droplets[i], a.ID, nil)
			returned[i] = time.Now()
			if err == nil && final.Status != client.StatusCompleted {
				err = fmt.Errorf("action %d ended %s", a.ID, final.Status)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	row := WatchRowResult{RowSpec: spec, Actions: tc.Actions, Real: time.Since(began)}
	if err := errors.Join(errs...); err != nil {
		return row, err
	}
	for i, id := range ids {
		a, ok := srv.Action(id)
		if !ok || a.CompletedAt == nil {
			return row, fmt.Errorf("action %d: the fake has no completion time for it", id)
		}
		row.Overheads = append(row.Overheads, returned[i].Sub(*a.CompletedAt)*scale)
	}
	st := srv.Stats()
	row.Reads, row.Initiates = st.ByMethod["GET"], st.ByMethod["POST"]
	row.Served429 = st.Served429
	row.Watch = c.WatchStats()
	row.PeakMinute = maxInMinute(requestTimes(srv.Requests()))
	row.Throttled = gov.Throttled()
	return row, nil
}

// ManyConfig configures RunWatchMany.
type ManyConfig struct {
	// Actions is how many reboots are watched at once, one per droplet.
	Actions int
	// D is every action's duration (exact).
	D        time.Duration
	Progress io.Writer
}

// ManyResult is what RunWatchMany measured.
type ManyResult struct {
	Actions, Completed int
	// Failed counts the waits that returned an error; FirstError is one of them.
	Failed     int
	FirstError error
	// Initiating is how long the initiations took; Waiting the one WaitForActions.
	Initiating, Waiting time.Duration
	Watch               client.WatchStats
	// Polls and Pages are the batch reads of GET /v2/actions during the wait (a batch
	// starts at page 1) and the pages they read; Singles the actions read one by one.
	Polls, Pages, Singles int
	// Requests is every request the fake received during the wait.
	Requests, Served429 int
	// RSSBefore and RSSAfter are this process's peak RSS (getrusage RUSAGE_SELF: the peak
	// over the process's life so far) before the fake was filled and after the wait.
	RSSBefore, RSSAfter Usage
}

// PagesPerPoll is the list pages read per batch poll.
func (r ManyResult) PagesPerPoll() float64 {
	if r.Polls == 0 {
		return 0
	}
	return float64(r.Pages) / float64(r.Polls)
}

// RunWatchMany initiates cfg.Actions reboots through an uncapped client, then waits for
// all of them with one WaitForActions(ctx, acts, 0, nil) on a client with the default
// governor (250 requests a minute), on a fake without rate limits (hourly headers of an
// unenforced 5000).
func RunWatchMany(ctx context.Context, cfg ManyConfig) (ManyResult, error) {
	res := ManyResult{Actions: cfg.Actions, RSSBefore: selfUsage()}
	ctx, cancel := context.WithTimeout(ctx, cfg.D+10*time.Minute)
	defer cancel()
	srv := fakeapi.New(fakeapi.Options{Token: Token, DefaultDuration: cfg.D})
	defer srv.Close()
	droplets := make([]int64, cfg.Actions)
	for i := range droplets {
		droplets[i] = srv.AddDroplet(fakeapi.Droplet{}).ID
	}
	const initiators = 16
	it := &http.Transport{MaxIdleConns: initiators, MaxIdleConnsPerHost: initiators, IdleConnTimeout: time.Minute}
	defer it.CloseIdleConnections()
	initiator, err := client.New(client.Config{Token: Token, Endpoint: srv.URL(), HTTPClient: &http.Client{Transport: it},
		Governor: client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: -1})})
	if err != nil {
		return res, err
	}
	wt := &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}
	defer wt.CloseIdleConnections()
	waiter, err := client.New(client.Config{Token: Token, Endpoint: srv.URL(), HTTPClient: &http.Client{Transport: wt}})
	if err != nil {
		return res, err
	}

	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "watch-1000: initiating %d reboots...\n", cfg.Actions)
	}
	acts := make([]client.Action, cfg.Actions)
	errs := make([]error, cfg.Actions)
	next := make(chan int)
	began := time.Now()
	var wg sync.WaitGroup
	for range initiators {
		wg.Go(func() {
			for i := range next {
				a, _, err := initiator.Initiate(ctx, droplets[i], client.ActionRequest{Type: client.ActionReboot})
				if err == nil {
					acts[i] = *a
				}
				errs[i] = err
			}
		})
	}
	for i := range droplets {
		next <- i
	}
	close(next)
	wg.Wait()
	res.Initiating = time.Since(began)
	if err := errors.Join(errs...); err != nil {
		return res, fmt.Errorf("initiating: %w", err)
	}

	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "watch-1000: initiated in %.1f s; one WaitForActions for all of them...\n", res.Initiating.Seconds())
	}
	srv.ResetLog()
	began = time.Now()
	werrs := waiter.WaitForActions(ctx, acts, 0, nil)
	res.Waiting = time.Since(began)
	for _, err := range werrs {
		if err != nil {
			res.Failed++
			if res.FirstError == nil {
				res.FirstError = err
			}
		}
	}
	res.Completed = completed(srv, droplets, client.ActionReboot)
	res.Watch = waiter.WatchStats()
	reqs := srv.Requests()
	res.Polls, res.Pages = listPolls(reqs)
	for _, r := range reqs {
		if _, ok := actionRead(r); ok {
			res.Singles++
		}
	}
	st := srv.Stats()
	res.Requests, res.Served429 = st.Total, st.Served429
	res.RSSAfter = selfUsage()
	return res, nil
}
