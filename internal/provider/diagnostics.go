package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// actionRef names an action in diagnostics; zero fields are left out.
type actionRef struct {
	ActionID  int64
	Type      string
	DropletID int64
	Tag       string
}

// errorDetail explains err for a diagnostic: what was being done, what the API said, and
// what to do next.
func errorDetail(ref actionRef, err error) string {
	var lines []string
	if ref.ActionID != 0 {
		lines = append(lines, fmt.Sprintf("Action ID:  %d", ref.ActionID))
	}
	if ref.Type != "" {
		lines = append(lines, "Type:       "+ref.Type)
	}
	if ref.DropletID != 0 {
		lines = append(lines, fmt.Sprintf("Droplet ID: %d", ref.DropletID))
	}
	if ref.Tag != "" {
		lines = append(lines, "Tag:        "+ref.Tag)
	}
	var failed *client.ActionFailedError
	if errors.As(err, &failed) {
		lines = append(lines, "Status:     "+string(failed.Action.Status))
	}
	var waitErr *client.WaitError
	if errors.As(err, &waitErr) && waitErr.Last != nil {
		lines = append(lines, "Status:     "+string(waitErr.Last.Status)+" (last read)")
	}
	if id := client.RequestID(err); id != "" {
		lines = append(lines, "Request ID: "+id)
	}
	lines = append(lines, "", err.Error())
	if hint := errorHint(ref, err); hint != "" {
		lines = append(lines, "", hint)
	}
	return strings.Join(lines, "\n")
}

// fallbackSummary is the summary of a power_off_after fallback that went wrong.
func fallbackSummary(err error) string {
	if errors.As(err, new(*client.OffCheckError)) {
		return "Power-off fallback did not run"
	}
	return "Power-off fallback failed"
}

// initiateFailureSummary is the summary of a failed initiate: nothing started, or, when
// DigitalOcean may have acted and its history could not tell, perhaps something did.
func initiateFailureSummary(err error) string {
	if errors.As(err, new(*client.UncertainInitiateError)) {
		return "Droplet action may have started"
	}
	return "Droplet action not started"
}

func errorHint(ref actionRef, err error) string {
	switch {
	case errors.Is(err, client.ErrNoToken):
		return ""
	case errors.As(err, new(*client.UncertainInitiateError)):
		return "Whether DigitalOcean started the action is unknown, so nothing is recorded in the state. Look at the droplet's recent actions (the gradient_droplet_actions data source, or `doctl compute droplet-action list`) before running again: if the action is there, `terraform import` it instead of starting it a second time."
	case client.IsUnauthorized(err):
		return "The API token was refused: check access_token, DIGITALOCEAN_ACCESS_TOKEN or DIGITALOCEAN_TOKEN, and that the token has not expired or been revoked."
	case client.IsForbidden(err):
		scope := "droplet:update"
		if info, ok := client.LookupActionType(client.ActionType(ref.Type)); ok && info.Scope != "" {
			scope = "droplet:update and " + info.Scope
		}
		return fmt.Sprintf("The token lacks a scope this call needs. Action type %q needs %s; waiting for an action needs droplet:read.", ref.Type, scope)
	case client.IsRateLimited(err):
		spent := "The token's API rate limit (250 requests a minute, 5,000 an hour, shared by every tool using the token) is spent."
		if ref.ActionID != 0 && errors.As(err, new(*client.WaitError)) {
			// The action was started: simply running again would start a second one.
			return spent + " " + goesOnHint(ref.ActionID) + " Do so once the limit frees up."
		}
		return spent + " Run again once it frees up."
	case client.IsPendingEvent(err):
		return "The droplet kept another action in progress longer than the provider waited for it. Order actions on one droplet with depends_on."
	case errors.As(err, new(*client.OffCheckError)):
		return "No power_off was initiated: the shutdown completed, but whether the droplet turned off is unknown; check the droplet's status. A gradient_droplet_action resource is marked tainted, so its next apply runs the shutdown and the fallback again; if the droplet is off by now, run `terraform untaint` on it instead."
	case client.IsUnprocessable(err):
		return "DigitalOcean refused the request as invalid and did not act on it: correct what its message names (an argument, or the droplet's state), then run again."
	case client.IsNotFound(err) && ref.DropletID != 0 && ref.ActionID == 0:
		return fmt.Sprintf("DigitalOcean has no droplet %d visible to this token: check droplet_id, and that the token belongs to the team that owns the droplet.", ref.DropletID)
	case errors.As(err, new(*client.ActionFailedError)):
		return "DigitalOcean ran the action and reports that it failed; the provider does not retry it. Check the droplet (its state, and its recent actions and events in the control panel) before running the action again: a resource holding the failed action is tainted, so its next apply runs the action again."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if ref.ActionID != 0 {
			return goesOnHint(ref.ActionID) + " Raise timeouts to wait longer."
		}
		return "The action may not have been initiated; check the droplet's recent actions before running again."
	}
	return ""
}

// goesOnHint says what to do about an action that was started but not waited out.
func goesOnHint(actionID int64) string {
	return fmt.Sprintf("The action goes on at DigitalOcean: the provider only stopped waiting for it. Its ID (%d) is in the state and Terraform marks the resource tainted, so the next apply would start a new action. To adopt the running one instead, run `terraform untaint` on the resource: the next refresh reads its final status.", actionID)
}
