package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*DropletActionsDataSource)(nil)

// NewDropletActionsDataSource returns the gradient_droplet_actions data source.
func NewDropletActionsDataSource() datasource.DataSource { return &DropletActionsDataSource{} }

// DropletActionsDataSource lists a droplet's actions over all pages.
type DropletActionsDataSource struct {
	client *client.Client
}

type dropletActionsDataModel struct {
	DropletID dropletIDValue `tfsdk:"droplet_id"`
	Type      types.String   `tfsdk:"type"`
	Status    types.String   `tfsdk:"status"`
	Actions   types.List     `tfsdk:"actions"`
}

func listedActionAttrTypes() map[string]attr.Type {
	t := map[string]attr.Type{"id": types.StringType, "type": types.StringType, "snapshot_id": types.StringType}
	for k, v := range actionStateAttrTypes {
		t[k] = v
	}
	return t
}

func (d *DropletActionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_actions"
}

func (d *DropletActionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	item := dataSourceActionStateAttributes()
	item["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The action's ID."}
	item["type"] = schema.StringAttribute{Computed: true, MarkdownDescription: "The action's type."}
	item["snapshot_id"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: snapshotIDDescription + " The API does not report the name a snapshot action was given, so here the image is found by the action's times alone: " +
			"another snapshot of the droplet taken during the action's run, give or take a second, leaves it null.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the actions of a droplet, newest first, over all pages of the API, optionally filtered by `type` and `status`.",
		Attributes: map[string]schema.Attribute{
			"droplet_id": schema.Int64Attribute{
				CustomType: dropletIDType{},
				Required:   true, MarkdownDescription: "ID of the droplet.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"type": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Only actions of this type.",
				Validators: []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
			},
			"status": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Only actions with this status: `in-progress`, `completed` or `errored`.",
				Validators: []validator.String{stringvalidator.OneOf(statusValues...)},
			},
			"actions": schema.ListNestedAttribute{
				Computed: true, MarkdownDescription: "The matching actions, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: item},
			},
		},
	}
}

func (d *DropletActionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *DropletActionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dropletActionsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := actionFilter{Type: cfg.Type.ValueString(), Status: cfg.Status.ValueString()}
	dropletID := cfg.DropletID.ValueInt64()
	itemType := types.ObjectType{AttrTypes: listedActionAttrTypes()}
	items := []attr.Value{}
	snapshots := newSnapshotFinder(d.client, dropletID)
	for a, err := range f.in(ctx, d.client, dropletID) {
		if err != nil {
			addListError(&resp.Diagnostics, dropletID, err)
			return
		}
		// The API does not report a snapshot's requested name: the image is matched by time.
		snapshotID := snapshots.idFor(ctx, &a, "", &resp.Diagnostics)
		obj, diags := listedActionObject(ctx, &a, snapshotID)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		items = append(items, obj)
	}
	list, diags := types.ListValue(itemType, items)
	resp.Diagnostics.Append(diags...)
	cfg.Actions = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

func listedActionObject(ctx context.Context, a *client.Action, snapshotID types.String) (types.Object, diag.Diagnostics) {
	s, diags := actionStateFrom(ctx, a)
	if diags.HasError() {
		return types.ObjectNull(listedActionAttrTypes()), diags
	}
	obj, d := types.ObjectValueFrom(ctx, listedActionAttrTypes(), struct {
		ID         types.String `tfsdk:"id"`
		Type       types.String `tfsdk:"type"`
		SnapshotID types.String `tfsdk:"snapshot_id"`
		actionState
	}{types.StringValue(strconv.FormatInt(a.ID, 10)), types.StringValue(string(a.Type)), snapshotID, s})
	diags.Append(d...)
	return obj, diags
}
