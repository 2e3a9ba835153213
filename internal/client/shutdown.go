package client

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// EnsureOff follows DigitalOcean's advice for turning a droplet off: a shutdown only
// issues the command, so after a completed shutdown the droplet is given grace to reach
// "off"; if it has not, a power_off is initiated and waited for. It returns the power_off
// action when one ran, and nil when the droplet turned off by itself. onInitiated, when
// set, sees the power_off action as soon as it exists. An error from before any power_off
// was sent (reading the droplet, or ctx ending during the grace) is an *OffCheckError.
//
// When the power_off meets another action running on the droplet (a *BusyError), the
// droplet is read again once that action has ended, and is powered off only if it is
// still on.
func (c *Client) EnsureOff(ctx context.Context, dropletID int64, grace time.Duration, onInitiated func(*Action)) (*Action, error) {
	deadline := c.now().Add(grace)
	for busy := 0; ; busy++ {
		off, err := c.awaitOff(ctx, dropletID, deadline)
		if err != nil || off {
			return nil, err
		}
		c.debug(ctx, "droplet not off after shutdown; powering off", map[string]any{"droplet_id": dropletID, "grace": grace.String()})
		a, _, err := c.Initiate(ctx, dropletID, ActionRequest{Type: ActionPowerOff})
		if errors.As(err, new(*BusyError)) && busy < c.cfg.MaxPendingWaits {
			continue
		}
		if err != nil {
			return nil, err
		}
		if onInitiated != nil {
			onInitiated(a)
		}
		final, err := c.WaitForDropletAction(ctx, dropletID, a.ID, nil)
		if final != nil {
			a = final
		}
		return a, err
	}
}

// awaitOff reads the droplet until it is off or deadline has passed, reporting whether it
// is off.
func (c *Client) awaitOff(ctx context.Context, dropletID int64, deadline time.Time) (bool, error) {
	err := c.pollUntil(ctx, deadline, fmt.Sprintf("droplet %d to turn off", dropletID), func(ctx context.Context) (bool, error) {
		d, _, err := c.GetDroplet(ctx, dropletID)
		if err != nil {
			return false, fmt.Errorf("reading droplet %d to see whether the shutdown turned it off: %w", dropletID, err)
		}
		return d.Status == DropletOff, nil
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errPollDeadline):
		return false, nil
	default:
		return false, &OffCheckError{DropletID: dropletID, Err: err}
	}
}

// OffCheckError is EnsureOff failing before it sent a power_off: the droplet's state is
// unknown, and no action was started.
type OffCheckError struct {
	DropletID int64
	Err       error
}

func (e *OffCheckError) Error() string { return e.Err.Error() }
func (e *OffCheckError) Unwrap() error { return e.Err }
