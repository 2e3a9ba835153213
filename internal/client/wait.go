package client

import (
	"context"
	"sync"
	"time"
)

// WaitForAction polls an action until it is completed or errored.
//
// The interval starts at PollMin and grows by half each poll up to PollMax, so a short
// action is seen soon after it ends while a long one costs few requests; the governor
// slows every poll down when the rate budget runs low. onProgress, when set, sees every
// status read. An errored action returns *ActionFailedError with the action. When ctx ends
// first, a *WaitError wrapping ctx.Err() and naming the action is returned, never nil:
// the action itself goes on at DigitalOcean.
func (c *Client) WaitForAction(ctx context.Context, id int64, onProgress func(*Action)) (*Action, error) {
	var last *Action
	for attempt := 0; ; attempt++ {
		if err := c.sleep(ctx, c.pollInterval(attempt)); err != nil {
			return last, &WaitError{ActionID: id, Last: last, Err: err}
		}
		a, _, err := c.GetAction(ctx, id)
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

func (c *Client) pollInterval(attempt int) time.Duration {
	if c.cfg.PollBackoff != nil {
		return c.cfg.PollBackoff(attempt)
	}
	d := c.cfg.PollMin
	for range attempt {
		d += d / 2
		if d >= c.cfg.PollMax {
			return c.cfg.PollMax
		}
	}
	return d
}

// WaitForActions waits for several actions at once, at most concurrency polling at a
// time: the governor keeps the reads within the rate budget, and the bound keeps a large
// tag from opening hundreds of connections. Each element of acts is updated in place with
// the last status read; errs[i] is WaitForAction's error for acts[i], nil when it
// completed. onProgress, when set, may be called from several goroutines at once.
func (c *Client) WaitForActions(ctx context.Context, acts []Action, concurrency int, onProgress func(*Action)) []error {
	errs := make([]error, len(acts))
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
			final, err := c.WaitForAction(ctx, a.ID, onProgress)
			if final != nil {
				*a = *final
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return errs
}
