package provider

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// defaultCreateTimeout bounds the wait of every entry point that runs an action
// (timeouts.create, timeouts.invoke): long enough for a snapshot or a disk resize of a
// large droplet.
const (
	defaultCreateTimeout     = 60 * time.Minute
	defaultCreateTimeoutText = "60m"
)

// actionState is what the API reports of an action, shared by the resource, the data
// sources and the list resource.
type actionState struct {
	Status       types.String `tfsdk:"status"`
	StartedAt    types.String `tfsdk:"started_at"`
	CompletedAt  types.String `tfsdk:"completed_at"`
	ResourceID   types.Int64  `tfsdk:"resource_id"`
	ResourceType types.String `tfsdk:"resource_type"`
	RegionSlug   types.String `tfsdk:"region_slug"`
	Region       types.Object `tfsdk:"region"`
}

var regionAttrTypes = map[string]attr.Type{
	"name":      types.StringType,
	"slug":      types.StringType,
	"available": types.BoolType,
	"features":  types.ListType{ElemType: types.StringType},
	"sizes":     types.ListType{ElemType: types.StringType},
}

var actionStateAttrTypes = map[string]attr.Type{
	"status":        types.StringType,
	"started_at":    types.StringType,
	"completed_at":  types.StringType,
	"resource_id":   types.Int64Type,
	"resource_type": types.StringType,
	"region_slug":   types.StringType,
	"region":        types.ObjectType{AttrTypes: regionAttrTypes},
}

func timeString(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// actionStateFrom maps an API action to its Terraform attributes.
func actionStateFrom(ctx context.Context, a *client.Action) (actionState, diag.Diagnostics) {
	s := actionState{
		Status:       types.StringValue(string(a.Status)),
		StartedAt:    timeString(a.StartedAt),
		CompletedAt:  timeString(a.CompletedAt),
		ResourceID:   types.Int64Value(a.ResourceID),
		ResourceType: types.StringValue(a.ResourceType),
		RegionSlug:   types.StringValue(a.RegionSlug),
		Region:       types.ObjectNull(regionAttrTypes),
	}
	if a.Region == nil {
		return s, nil
	}
	var diags diag.Diagnostics
	features, d := types.ListValueFrom(ctx, types.StringType, nonNil(a.Region.Features))
	diags.Append(d...)
	sizes, d := types.ListValueFrom(ctx, types.StringType, nonNil(a.Region.Sizes))
	diags.Append(d...)
	region, d := types.ObjectValue(regionAttrTypes, map[string]attr.Value{
		"name":      types.StringValue(a.Region.Name),
		"slug":      types.StringValue(a.Region.Slug),
		"available": types.BoolValue(a.Region.Available),
		"features":  features,
		"sizes":     sizes,
	})
	diags.Append(d...)
	s.Region = region
	return s, diags
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validateTimeout refuses, at plan time, a timeout that leaves no time to wait: zero or
// negative. Without it the apply would fail at once, before sending anything, with an
// error about a deadline that reads as if another action had held the droplet. block
// names the attribute inside the timeouts block ("create", "invoke").
func validateTimeout(block string, d time.Duration, parse diag.Diagnostics, diags *diag.Diagnostics) {
	if parse.HasError() || d > 0 {
		return
	}
	diags.AddAttributeError(path.Root("timeouts").AtName(block), "Invalid timeout",
		fmt.Sprintf("timeouts.%s must be a positive duration, such as \"30m\" (the default is %s), got %s.", block, defaultCreateTimeoutText, d))
}

// actionFilter selects actions by type and status; empty fields match anything.
type actionFilter struct {
	Type, Status string
}

func (f actionFilter) matches(a *client.Action) bool {
	return (f.Type == "" || string(a.Type) == f.Type) && (f.Status == "" || string(a.Status) == f.Status)
}

// in yields the droplet's actions that f matches, newest first, reading pages only as far
// as the caller iterates. It stops at the first error, which it yields.
func (f actionFilter) in(ctx context.Context, c *client.Client, dropletID int64) iter.Seq2[client.Action, error] {
	return func(yield func(client.Action, error) bool) {
		for a, err := range c.Actions(ctx, dropletID) {
			if err != nil {
				yield(client.Action{}, err)
				return
			}
			if f.matches(&a) && !yield(a, nil) {
				return
			}
		}
	}
}

func (f actionFilter) String() string {
	t, s := f.Type, f.Status
	if t == "" {
		t = "any"
	}
	if s == "" {
		s = "any"
	}
	return fmt.Sprintf("type %s and status %s", t, s)
}

// bulkActionID is the resource ID: every action ID, ascending, joined by commas. Action IDs
// are unique across DigitalOcean, so the ID names exactly the actions this run started.
func bulkActionID(acts []client.Action) string { return joinActionIDs(acts, ",") }

// joinActionIDs joins the actions' IDs, ascending, with sep.
func joinActionIDs(acts []client.Action, sep string) string {
	ids := make([]int64, len(acts))
	for i, a := range acts {
		ids[i] = a.ID
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, sep)
}

var statusValues = []string{string(client.StatusInProgress), string(client.StatusCompleted), string(client.StatusErrored)}
