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
	diags.AddWarning("Snapshot image not identified",
		fmt.Sprintf("Snapshot action %d on droplet %d completed, but the image it made could not be told apart: %s\n\n"+
			"snapshot_id is null rather than a guess. The droplet's snapshots are listed by `doctl compute droplet snapshots %d` and in the control panel; "+
			"giving each snapshot a distinct name lets the provider find its image.", a.ID, a.ResourceID, m.Reason, a.ResourceID))
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
