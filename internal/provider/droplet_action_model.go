package provider

// This file holds the state of gradient_droplet_action, which its list resource also
// returns.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

type dropletActionModel struct {
	ID        types.String   `tfsdk:"id"`
	DropletID dropletIDValue `tfsdk:"droplet_id"`
	Type      types.String   `tfsdk:"type"`
	actionParams
	Triggers      types.Map      `tfsdk:"triggers"`
	Wait          types.Bool     `tfsdk:"wait"`
	PowerOffAfter types.String   `tfsdk:"power_off_after"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
	// PowerOffFallback and PowerOffActionID record whether the shutdown fallback ran.
	PowerOffFallback types.Bool   `tfsdk:"power_off_fallback"`
	PowerOffActionID types.String `tfsdk:"power_off_action_id"`
	// SnapshotID is the image a completed snapshot action made.
	SnapshotID types.String `tfsdk:"snapshot_id"`
	actionState
}

type actionIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func (m *dropletActionModel) setAction(ctx context.Context, a *client.Action) diag.Diagnostics {
	s, diags := actionStateFrom(ctx, a)
	m.actionState = s
	return diags
}
