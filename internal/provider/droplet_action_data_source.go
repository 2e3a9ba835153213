package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure        = (*DropletActionDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*DropletActionDataSource)(nil)
)

// NewDropletActionDataSource returns the gradient_droplet_action data source.
func NewDropletActionDataSource() datasource.DataSource { return &DropletActionDataSource{} }

// DropletActionDataSource reads one action: by ID, or the newest matching one of a droplet.
type DropletActionDataSource struct {
	client *client.Client
}

type dropletActionDataModel struct {
	ID        types.String   `tfsdk:"id"`
	DropletID dropletIDValue `tfsdk:"droplet_id"`
	Type      types.String   `tfsdk:"type"`
	// SnapshotID is the image a completed snapshot action made.
	SnapshotID types.String `tfsdk:"snapshot_id"`
	actionState
}

func (d *DropletActionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_action"
}

func (d *DropletActionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceActionStateAttributes()
	attrs["id"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "ID of the action to read. Set either `id` or `droplet_id`.",
	}
	attrs["droplet_id"] = schema.Int64Attribute{
		CustomType: dropletIDType{},
		Optional:   true, Computed: true,
		MarkdownDescription: "Droplet whose newest action matching `type` and `status` to read, when `id` is not set. With `id`, the action must belong to this droplet.",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
	attrs["type"] = schema.StringAttribute{
		Optional: true, Computed: true,
		MarkdownDescription: "Only an action of this type matches. Computed from the action when not set.",
		Validators:          []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
	}
	attrs["snapshot_id"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: snapshotIDDescription + " The API does not report the name a snapshot action was given, so here the image is found by the action's times alone: " +
			"two snapshots of the droplet taken within the same second leave it null, with a warning.",
	}
	status := attrs["status"].(schema.StringAttribute) //nolint:forcetypeassert // built above as a StringAttribute
	status.Optional = true
	status.MarkdownDescription = "The action's status: `in-progress`, `completed` or `errored`. When set, only an action with this status matches; when not, it is read from the action found."
	status.Validators = []validator.String{stringvalidator.OneOf(statusValues...)}
	attrs["status"] = status
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one droplet action: by `id`, or the newest action of a droplet that matches the optional `type` and `status` filters. It is an error when none matches.",
		Attributes:          attrs,
	}
}

func (d *DropletActionDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.AtLeastOneOf(path.MatchRoot("id"), path.MatchRoot("droplet_id")),
	}
}

func (d *DropletActionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *DropletActionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dropletActionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := actionFilter{Type: cfg.Type.ValueString(), Status: cfg.Status.ValueString()}
	var found *client.Action
	if !cfg.ID.IsNull() {
		id, err := strconv.ParseInt(cfg.ID.ValueString(), 10, 64)
		if err != nil || id <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid action ID", fmt.Sprintf("%q is not a numeric action ID.", cfg.ID.ValueString()))
			return
		}
		// Shared with the plan's other reads of actions (the client batches them), and with
		// droplet_id set a token with only droplet:read can read it.
		a, err := d.client.ReadActionShared(ctx, cfg.DropletID.ValueInt64(), id)
		if err != nil {
			resp.Diagnostics.AddError("Could not read droplet action", errorDetail(actionRef{ActionID: id}, err))
			return
		}
		if !cfg.DropletID.IsNull() && cfg.DropletID.ValueInt64() != a.ResourceID {
			resp.Diagnostics.AddAttributeError(path.Root("droplet_id"), "Action belongs to another droplet",
				fmt.Sprintf("Action %d ran on droplet %d, not %d.", a.ID, a.ResourceID, cfg.DropletID.ValueInt64()))
			return
		}
		if !f.matches(a) {
			resp.Diagnostics.AddError("Droplet action does not match the filters",
				fmt.Sprintf("Action %d is a %s action with status %s, which does not match %s.", a.ID, a.Type, a.Status, f))
			return
		}
		found = a
	} else {
		dropletID := cfg.DropletID.ValueInt64()
		for a, err := range f.in(ctx, d.client, dropletID) {
			if err != nil {
				addListError(&resp.Diagnostics, dropletID, err)
				return
			}
			found = &a
			break
		}
		if found == nil {
			resp.Diagnostics.AddError("No matching droplet action",
				fmt.Sprintf("Droplet %d has no action matching %s.", dropletID, f))
			return
		}
	}
	// The API does not report a snapshot's requested name: the image is matched by time.
	snapshotID, _ := snapshotIDFor(ctx, d.client, found, "", true, &resp.Diagnostics)
	state := dropletActionDataModel{
		ID:         types.StringValue(strconv.FormatInt(found.ID, 10)),
		DropletID:  newDropletID(found.ResourceID),
		Type:       types.StringValue(string(found.Type)),
		SnapshotID: snapshotID,
	}
	s, diags := actionStateFrom(ctx, found)
	resp.Diagnostics.Append(diags...)
	state.actionState = s
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
