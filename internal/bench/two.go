package bench

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TwoResult is what two applies run at once against one fake measured.
type TwoResult struct {
	// Runs are the two applies: Wall, Completed, Usage and Failure each; their Stats and
	// Timeline are left empty, the fake being shared.
	Runs [2]ApplyResult
	// Stats are the fake's counters for both, init and apply.
	Stats fakeapi.Stats
	// Skew is how far apart the two applies started.
	Skew time.Duration
	// PeakMinute is the most requests the fake received in any 60 s.
	PeakMinute int
	Routes     []RouteCount
	// Crowding describes the first 429, if any, against the per-minute limit.
	Crowding Crowding
	Began    time.Time
}

// RunTwoApplies runs two applies of cfg.Actions reboots each, on droplets of their own, at
// the same time: one fake with one token, two working directories and two provider
// processes, which share one per-minute ledger directory (as two applies of one user on
// one machine do).
func RunTwoApplies(ctx context.Context, cfg ApplyConfig) (res TwoResult, err error) {
	ctx, cancel, err := applyContext(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer cancel()

	srv, droplets := newApplyFake(cfg, 2*cfg.Actions, "")
	defer srv.Close()
	ledger, err := os.MkdirTemp("", "gradient-bench-ledger-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(ledger)

	halves := [2][]int64{droplets[:cfg.Actions], droplets[cfg.Actions:]}
	var ws [2]*workspace
	defer func() {
		for i, w := range ws {
			if w != nil {
				res.Runs[i].Usage = w.close()
			}
		}
	}()
	for i := range ws {
		if ws[i], err = openWorkspace(ctx, cfg, configHCL(srv.URL(), halves[i]), ledger); err != nil {
			return res, err
		}
	}

	stopProgress := progress(cfg, srv, droplets)
	var starts [2]time.Time
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range ws {
		wg.Go(func() {
			<-gate
			starts[i] = time.Now()
			res.Runs[i].Wall, res.Runs[i].Failure = ws[i].apply(ctx, cfg)
		})
	}
	close(gate)
	wg.Wait()
	stopProgress()
	res.Skew = starts[1].Sub(starts[0]).Abs()
	res.Stats = srv.Stats()
	for i := range res.Runs {
		res.Runs[i].Completed = completed(srv, halves[i], cfg.actionType())
	}
	reqs := srv.Requests()
	res.Routes = routeCounts(reqs)
	res.PeakMinute = maxInMinute(requestTimes(reqs))
	res.Crowding = firstCrowding(reqs, cfg.PerMinuteLimit)
	res.Began = starts[0]
	return res, nil
}
