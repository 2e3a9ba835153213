package client

import (
	"context"
	"sync"
	"time"
)

// WaitForAction polls an action until it is completed or errored.
//
// The reads follow the client's PollStrategy (RampGridPoll by default). While the rate
// budget is not ample (Governor.Ample: less than three quarters of it left), no read
// comes sooner than the PollMax grid, so the ramp's extra reads are the first thing given
// up; the governor slows every read down when the budget runs low, and a late read moves
// the schedule on rather than being made up for. onProgress, when set, sees every status
// read. An errored action returns *ActionFailedError with the action. When ctx ends
// first, a *WaitError wrapping ctx.Err() and naming the action is returned, never nil:
// the action itself goes on at DigitalOcean.
//
// Only the benchmarks (internal/bench and this package's) call it; other waits go through
// the watcher (WaitForDropletAction, WaitForActions). It and the loop behind it are kept
// for them: one waiter reading on its own schedule, without the watcher's batching, and on
// Config.Clock, which the watcher does not follow, is what they compare poll strategies
// with.
func (c *Client) WaitForAction(ctx context.Context, id int64, onProgress func(*Action)) (*Action, error) {
	return c.wait(ctx, id, func(ctx context.Context) (*Action, error) {
		a, _, err := c.GetAction(ctx, id)
		return a, err
	}, onProgress)
}

// WaitForDropletAction is WaitForAction reading through the droplet's own path,
// /v2/droplets/{droplet}/actions/{id}, which needs only the droplet:read scope where
// /v2/actions/{id} needs actions:read. Use it whenever the droplet is known; a zero
// dropletID falls back to /v2/actions, as ReadAction does.
//
// The wait goes through the client's watcher, which serves every action the client waits
// for at once: see watcher for how it batches the reads, and when it reads one by one.
func (c *Client) WaitForDropletAction(ctx context.Context, dropletID, id int64, onProgress func(*Action)) (*Action, error) {
	return c.waitWatched(ctx, dropletID, id, onProgress)
}

// wait is WaitForAction's loop: it sleeps before each read, the action having just begun,
// where pollUntil reads at once. It is kept apart for that, and for its *WaitError.
func (c *Client) wait(ctx context.Context, id int64, get func(context.Context) (*Action, error), onProgress func(*Action)) (*Action, error) {
	var last *Action
	start := c.now()
	for reads := 0; ; reads++ {
		if err := c.sleep(ctx, c.pollDelay(reads, c.now().Sub(start), true)); err != nil {
			return last, &WaitError{ActionID: id, Last: last, Err: err}
		}
		a, err := get(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return last, &WaitError{ActionID: id, Last: last, Err: ctx.Err()}
			}
			return last, &WaitError{ActionID: id, Last: last, Err: err}
		}
		last = a
		if onProgress != nil {
			onProgress(a)
		}
		switch a.Status {
		case StatusCompleted:
			return a, nil
		case StatusErrored:
			return a, &ActionFailedError{Action: a}
		}
	}
}

// pollDelay is how long to wait before the next status read: the strategy's delay, but
// never sooner than the PollMax grid while the rate budget is not ample, since a tight
// budget buys no speed, nor when ramp is false.
func (c *Client) pollDelay(reads int, elapsed time.Duration, ramp bool) time.Duration {
	delay := c.cfg.Poll(reads, elapsed)
	if !ramp || !c.gov.Ample() {
		delay = max(delay, nextMultiple(elapsed, c.cfg.PollMax)-elapsed)
	}
	return delay
}

// PollStrategy returns how long to wait before the next status read, given the reads
// made so far and the time since the wait began. A strategy must be safe for
// concurrent use; the ones here are pure functions.
type PollStrategy func(reads int, elapsed time.Duration) time.Duration

// FixedPoll reads every interval, as doctl does (5 s). It is here as the baseline the
// benchmarks compare RampGridPoll with.
func FixedPoll(interval time.Duration) PollStrategy {
	return func(_ int, elapsed time.Duration) time.Duration {
		return nextMultiple(elapsed, interval) - elapsed
	}
}

// rampGrowth is how much each interval of the ramp grows over the previous one.
const rampGrowth = 1.2

// RampGridPoll is the default schedule: the union of a ramp and a grid.
//
//   - The ramp reads first after first, then each interval 20% longer than the last, so
//     that short actions (a rename, a reboot) are seen within a fraction of their
//     duration.
//   - The grid reads at every whole multiple of every after the wait began, so a long
//     action costs one read per every, and its completion is never seen later than a
//     fixed every-interval poller would see it (the ramp only adds reads in between).
//
// A ramp read that would land in the last half interval before a grid read is dropped
// in favour of that grid read, which keeps the extra reads of the ramp to a handful:
// with the defaults (0.6 s, 5 s) they are 0.6, 1.3, 2.2, 3.2, 6.5, 8.3 and 12.6 s, seven
// reads in all, after which only the 5 s grid remains.
func RampGridPoll(first, every time.Duration) PollStrategy {
	if first <= 0 {
		first = DefaultPollMin
	}
	if every < first {
		every = first
	}
	return func(reads int, elapsed time.Duration) time.Duration {
		step := float64(first)
		for range reads {
			if step *= rampGrowth; step >= float64(every) {
				step = float64(every)
				break
			}
		}
		grid := nextMultiple(elapsed, every)
		next := elapsed + time.Duration(step)
		if float64(grid-elapsed) <= 1.5*step {
			next = grid
		}
		return next - elapsed
	}
}

// nextMultiple returns the first whole multiple of every after elapsed.
func nextMultiple(elapsed, every time.Duration) time.Duration {
	if every <= 0 {
		return elapsed
	}
	return (elapsed/every + 1) * every
}

// WaitForActions waits for several actions at once, through the client's watcher: one
// page of /v2/actions answers for up to 200 of them. concurrency bounds how many are
// watched at a time (zero or less: all). Each element of acts is updated in place with
// the last status read; errs[i] is WaitForAction's error for acts[i], nil when it
// completed. onProgress, when set, may be called from several goroutines at once.
func (c *Client) WaitForActions(ctx context.Context, acts []Action, concurrency int, onProgress func(*Action)) []error {
	errs := make([]error, len(acts))
	if concurrency <= 0 {
		concurrency = len(acts)
	}
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for i := range acts {
		wg.Go(func() {
			a := &acts[i]
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				errs[i] = &WaitError{ActionID: a.ID, Last: a, Err: ctx.Err()}
				return
			}
			var dropletID int64
			if a.ResourceType == "droplet" {
				dropletID = a.ResourceID
			}
			final, err := c.WaitForDropletAction(ctx, dropletID, a.ID, onProgress)
			if final != nil {
				*a = *final
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errs
}
