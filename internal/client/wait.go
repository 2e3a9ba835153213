package client

import (
	"context"
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
