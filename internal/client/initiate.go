package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Initiating actions, on one droplet or by tag, and what an initiate waits out or adopts:
// the droplet's running action, or an action an ambiguous failure may have started.

// Initiate starts an action on a droplet.
//
// A request that may have reached DigitalOcean is never blindly repeated: a second reboot or
// snapshot is real harm. It is repeated only when the API certainly did not act: a 429, a
// connection that failed before the request was written, or an ambiguous failure (5xx, a
// lost response) after the droplet's action history shows no action of this type begun
// since the request was sent. When the history does show one, that action is adopted and
// returned.
//
// A droplet runs one action at a time. When it answers that another is in progress (a 422
// "pending event"), Initiate waits for that action to end and returns a *BusyError without
// sending the request again: the action it waited for may have changed the droplet (an
// outside power_off leaves nothing for a shutdown to do, and DigitalOcean refuses one), so
// the caller reads the droplet again and decides afresh before it calls Initiate again.
func (c *Client) Initiate(ctx context.Context, dropletID int64, req ActionRequest) (*Action, *Response, error) {
	if dropletID <= 0 {
		return nil, nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	path := dropletActionsPath(dropletID)

	var ambiguousRetries int
	for {
		// When the last attempt went out: retries and waits inside do come before it, and an
		// action someone else began meanwhile must not pass for ours.
		var sent atomic.Int64
		sent.Store(c.now().UnixNano())
		root := new(actionRoot)
		resp, err := c.do(context.WithValue(ctx, sentAtKey, &sent), http.MethodPost, path, nil, body, root, true)
		sentAt := time.Unix(0, sent.Load())
		if err == nil {
			if root.Action == nil {
				err = &malformedError{path: path, err: fmt.Errorf("response has no action")}
			} else {
				c.initiated.Store(root.Action.ID, struct{}{})
				return root.Action, resp, nil
			}
		}
		switch {
		case IsPendingEvent(err):
			ran, werr := c.awaitRunningAction(ctx, dropletID)
			if werr != nil {
				return nil, resp, fmt.Errorf("%w (while waiting for the droplet's running action: %w)", err, werr)
			}
			return nil, resp, &BusyError{DropletID: dropletID, Type: req.Type, Ran: ran, Err: err}
		case isAmbiguous(err) && ambiguousRetries < c.cfg.MaxRetries:
			ambiguousRetries++
			adopted, lerr := c.findStartedAction(ctx, dropletID, req.Type, sentAt)
			if lerr != nil {
				return nil, resp, &UncertainInitiateError{DropletID: dropletID, Type: req.Type, Err: err, ListErr: lerr}
			}
			if adopted != nil {
				c.debug(ctx, "adopted action found after an ambiguous initiate", map[string]any{"action_id": adopted.ID, "droplet_id": dropletID, "error": err.Error()})
				return adopted, resp, nil
			}
			if werr := c.sleep(ctx, c.retryWait(ambiguousRetries, nil)); werr != nil {
				return nil, resp, fmt.Errorf("%w (stopped before retrying: %w)", err, werr)
			}
		default:
			return nil, resp, err
		}
	}
}

// awaitRunningAction waits for the droplet's in-progress action, if there is one, and
// returns it as last read; nil when it had finished before the droplet's history was read.
func (c *Client) awaitRunningAction(ctx context.Context, dropletID int64) (*Action, error) {
	page, _, err := c.listActionsPage(ctx, dropletActionsPath(dropletID), 1, 20)
	if err != nil {
		return nil, err
	}
	for _, a := range page.Actions {
		if a.Status == StatusInProgress {
			// Through the droplet's path: droplet:read is enough, as for every other wait.
			final, err := c.WaitForDropletAction(ctx, dropletID, a.ID, nil)
			if final == nil {
				final = &a
			}
			if errors.As(err, new(*ActionFailedError)) {
				return final, nil // the droplet is free again either way
			}
			return final, err
		}
	}
	// The running action finished between the 422 and the list: give the API a moment
	// before the caller asks again.
	return nil, c.sleep(ctx, c.cfg.PollMin)
}

// AwaitIdle waits until none of the droplets has an action in progress, as their
// histories show now, and returns the actions it waited for, as last read. An action that
// ends errored is waited for like any other: its droplet is free again either way. It costs
// one history page per droplet, and the waits go through the watcher together.
func (c *Client) AwaitIdle(ctx context.Context, dropletIDs []int64) ([]Action, error) {
	var running []Action
	for _, id := range dropletIDs {
		page, _, err := c.listActionsPage(ctx, dropletActionsPath(id), 1, 20)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Actions {
			if a.Status == StatusInProgress {
				running = append(running, a)
			}
		}
	}
	for _, err := range c.WaitForActions(ctx, running, 0, nil) {
		if err != nil && !errors.As(err, new(*ActionFailedError)) {
			return running, err
		}
	}
	return running, nil
}

// dateAllowance is how much earlier than the request, by the API's Date header, an action
// may be stamped as begun and still be taken for the request's own.
const dateAllowance = time.Second

// findStartedAction looks for an action of type t on the droplet that the request sent
// at since (this machine's clock) may have started.
//
// The API's clock decides: the list's Date header, less the time since the request was
// sent, is when the API received it, give or take the header's whole second; an action
// begun more than dateAllowance before that second belongs to someone else, such as an
// earlier apply. Without a Date header, ClockSkew is allowed instead.
func (c *Client) findStartedAction(ctx context.Context, dropletID int64, t ActionType, since time.Time) (*Action, error) {
	page, resp, err := c.listActionsPage(ctx, dropletActionsPath(dropletID), 1, 20)
	if err != nil {
		return nil, err
	}
	cutoff := since.Add(-c.cfg.ClockSkew)
	if resp != nil && !resp.Date.IsZero() {
		// A second's allowance covers a Date and a started_at stamped by different servers.
		cutoff = resp.Date.Add(-c.now().Sub(since)).Truncate(time.Second).Add(-dateAllowance)
	}
	for i := range page.Actions {
		a := &page.Actions[i]
		if _, ours := c.initiated.Load(a.ID); ours {
			continue
		}
		if a.Type == t && a.StartedAt != nil && !a.StartedAt.Before(cutoff) {
			c.initiated.Store(a.ID, struct{}{})
			return a, nil
		}
	}
	return nil, nil
}

// InitiateByTag starts an action on every droplet that carries tag. Only bulk-eligible
// types are accepted. It is not repeated after an ambiguous failure, since the set of
// droplets it acted on cannot be told from one history.
func (c *Client) InitiateByTag(ctx context.Context, tag string, req ActionRequest) ([]Action, *Response, error) {
	if err := ValidTagName(tag); err != nil {
		return nil, nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	info, _ := LookupActionType(req.Type)
	if !info.Bulk {
		return nil, nil, &ValidationError{Param: "type", Message: fmt.Sprintf("action type %q cannot be initiated by tag; bulk types are %s", req.Type, strings.Join(BulkActionTypeNames(), ", "))}
	}
	// The by-tag endpoint takes the bare action but for the parameters the table marks
	// ByTag (a snapshot's name): a backup_policy sent there would not apply.
	for _, p := range req.SetParams() {
		if !info.TakesByTag(p) {
			return nil, nil, &ValidationError{Param: string(p), Message: fmt.Sprintf("action type %q takes no %s when initiated by tag", req.Type, p)}
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	root := new(actionsRoot)
	resp, err := c.do(ctx, http.MethodPost, "/v2/droplets/actions", url.Values{"tag_name": {tag}}, body, root, true)
	if err != nil {
		return nil, resp, err
	}
	return root.Actions, resp, nil
}
