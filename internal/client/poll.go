package client

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errPollDeadline is pollUntil's answer when its deadline came before the condition held.
var errPollDeadline = errors.New("the deadline passed before the condition held")

// pollUntil reads until read reports done, and is how the client waits for anything but
// an action (actions are the watcher's): it reads at once, then again on the schedule of an
// action wait (pollDelay, the ramp included), on the client's Clock, until ctx ends.
//
//   - read's error ends the poll and is returned as it is: read says what it was reading.
//   - With a non-zero deadline, the wait before a read is cut short to end at deadline,
//     a read is made there, and if that one is not done either errPollDeadline is
//     returned.
//   - ctx ending during a wait returns "waiting for <what>: <ctx.Err()>".
func (c *Client) pollUntil(ctx context.Context, deadline time.Time, what string, read func(context.Context) (done bool, err error)) error {
	start := c.now()
	for reads := 0; ; reads++ {
		done, err := read(ctx)
		if err != nil || done {
			return err
		}
		now := c.now()
		wait := c.pollDelay(reads, now.Sub(start), true)
		if !deadline.IsZero() {
			if wait = min(wait, deadline.Sub(now)); wait <= 0 {
				return errPollDeadline
			}
		}
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
	}
}
