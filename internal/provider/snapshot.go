package provider

// This file holds the lookup of the image a snapshot action made, and how every entry point
// records it as snapshot_id.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// snapshotResult is the image a snapshot action made, as far as it could be found.
type snapshotResult struct {
	client.SnapshotMatch
	// LookupFailed says the droplet's snapshots could not be listed: looking again later
	// may find the image, unlike an ambiguous match.
	LookupFailed bool
}

// snapshotOf finds the image that a completed snapshot action made, by the name it was
// given (empty: any name) and its times. Anything else, or a lookup that fails, gives an
// empty ID with the reason: an image is never guessed.
func snapshotOf(ctx context.Context, c *client.Client, a *client.Action, name string) snapshotResult {
	if a.Type != client.ActionSnapshot || a.Status != client.StatusCompleted {
		return snapshotResult{}
	}
	m, err := c.FindSnapshot(ctx, *a, name)
	if err != nil {
		return snapshotResult{SnapshotMatch: client.SnapshotMatch{Reason: fmt.Sprintf("looking it up failed: %v", err)}, LookupFailed: true}
	}
	return snapshotResult{SnapshotMatch: m}
}

// snapshotWarning says why a completed snapshot action's image was not recorded.
func snapshotWarning(a *client.Action, m snapshotResult, diags *diag.Diagnostics) {
	if m.ID != "" || a.Type != client.ActionSnapshot || a.Status != client.StatusCompleted {
		return
	}
	diags.AddWarning(snapshotWarningSummary, snapshotWarningDetail(a, m))
}

const snapshotWarningSummary = "Snapshot image not identified"

// snapshotWarningDetail is snapshotWarning's text.
func snapshotWarningDetail(a *client.Action, m snapshotResult) string {
	return fmt.Sprintf("Snapshot action %d on droplet %d completed, but the image it made could not be told apart: %s\n\n"+
		"snapshot_id is null rather than a guess. The droplet's snapshots are listed by `doctl compute droplet snapshots %d` and in the control panel; "+
		"giving each snapshot a distinct name lets the provider find its image.", a.ID, a.ResourceID, m.Reason, a.ResourceID)
}

// snapshotIDValue is a match's image ID for the state: null when there is none.
func snapshotIDValue(m snapshotResult) types.String {
	if m.ID == "" {
		return types.StringNull()
	}
	return types.StringValue(m.ID)
}

// snapshotIDFor is every read's lookup of the image a completed snapshot action made, by
// the name it was given (empty: any): the value for snapshot_id, null when it cannot be
// told apart, and the lookup's result. It warns when the image is not found if warn is set
// or the lookup failed, and otherwise only logs, so that a read repeated at every plan
// does not repeat its warning. Any other action gives null without a request.
func snapshotIDFor(ctx context.Context, c *client.Client, a *client.Action, name string, warn bool, diags *diag.Diagnostics) (types.String, snapshotResult) {
	m := snapshotOf(ctx, c, a, name)
	switch {
	case warn || m.LookupFailed:
		snapshotWarning(a, m, diags)
	case m.ID == "" && a.Type == client.ActionSnapshot && a.Status == client.StatusCompleted:
		tflog.Debug(ctx, "snapshot image still not identified", map[string]any{"action_id": a.ID, "reason": m.Reason})
	}
	return snapshotIDValue(m), m
}

// snapshotFinder is snapshotIDFor for the actions of one droplet as a listing yields
// them: the droplet's snapshots are listed once, when the first completed snapshot action
// asks, and every later one is matched against that listing, so that a listing of many
// snapshot actions costs one snapshot listing, not one per action. A listing that fails
// is not tried again: every snapshot action of the droplet then has a null snapshot_id.
//
// It warns once per listing: of the first completed snapshot action whose image cannot
// be told apart, saying that the others are only logged. A droplet's history may hold many
// such snapshots, and a listing read at every plan would repeat a warning for each.
type snapshotFinder struct {
	c         *client.Client
	dropletID int64
	matcher   *client.SnapshotMatcher
	listErr   error // the failed listing, kept
	warned    bool
}

func newSnapshotFinder(c *client.Client, dropletID int64) *snapshotFinder {
	return &snapshotFinder{c: c, dropletID: dropletID}
}

// of is snapshotOf against the finder's one listing.
func (f *snapshotFinder) of(ctx context.Context, a *client.Action, name string) snapshotResult {
	if a.Type != client.ActionSnapshot || a.Status != client.StatusCompleted {
		return snapshotResult{}
	}
	if f.matcher == nil && f.listErr == nil {
		f.matcher, f.listErr = f.c.NewSnapshotMatcher(ctx, f.dropletID)
	}
	err := f.listErr
	var m client.SnapshotMatch
	if err != nil {
		err = fmt.Errorf("finding the snapshot that action %d made: %w", a.ID, err)
	} else {
		m, err = f.matcher.Match(*a, name)
	}
	if err != nil {
		return snapshotResult{SnapshotMatch: client.SnapshotMatch{Reason: fmt.Sprintf("looking it up failed: %v", err)}, LookupFailed: true}
	}
	return snapshotResult{SnapshotMatch: m}
}

// idFor is the value for a's snapshot_id, by the name it was given (empty: any), with the
// finder's one warning or, after it, a log line when the image is not found. Any other
// action gives null without a request.
func (f *snapshotFinder) idFor(ctx context.Context, a *client.Action, name string, diags *diag.Diagnostics) types.String {
	m := f.of(ctx, a, name)
	switch {
	case m.ID != "" || a.Type != client.ActionSnapshot || a.Status != client.StatusCompleted:
	case !f.warned:
		f.warned = true
		diags.AddWarning(snapshotWarningSummary, snapshotWarningDetail(a, m)+
			"\n\nAny other snapshot action of this listing whose image cannot be told apart has a null snapshot_id too, "+
			"and is only logged (TF_LOG=DEBUG) rather than warned of again.")
	default:
		tflog.Debug(ctx, "snapshot image not identified", map[string]any{"action_id": a.ID, "droplet_id": a.ResourceID, "reason": m.Reason})
	}
	return snapshotIDValue(m)
}

// privateState is a resource response's private state.
type privateState interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// keepSnapshotRetry records whether a lookup failed, so that a later one that fails too
// warns again.
func keepSnapshotRetry(ctx context.Context, p privateState, failed bool, diags *diag.Diagnostics) {
	diags.Append(p.SetKey(ctx, privateSnapshotRetry, retryFlag(failed))...)
}

// privateSnapshotRetry marks a snapshot whose image could not be looked up (the list
// failed). Every refresh looks again for an image not yet found; this flag only says that
// one that still fails must warn again.
const privateSnapshotRetry = "snapshot_retry"

// retryFlag is the private-state value of privateSnapshotRetry: set when a lookup failed.
func retryFlag(failed bool) []byte {
	if failed {
		return []byte("true")
	}
	return nil
}

const snapshotIDDescription = "For a `snapshot` that completed: the ID of the image it made, to pass as `image` to a droplet. " +
	"The provider finds it among the droplet's snapshots by the snapshot's name and the action's times; when that cannot tell it apart (two snapshots of the droplet with one name in the same second), it stays null with a warning rather than a guess. Null for every other type."
