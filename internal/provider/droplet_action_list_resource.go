package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var _ list.ListResourceWithConfigure = (*DropletActionListResource)(nil)

// NewDropletActionListResource returns the gradient_droplet_action list resource, which
// finds a droplet's past actions for `terraform query`.
func NewDropletActionListResource() list.ListResource { return &DropletActionListResource{} }

// DropletActionListResource lists the actions of one droplet as gradient_droplet_action
// resources, so that `terraform query` can generate import blocks for them.
type DropletActionListResource struct {
	client *client.Client
}

type dropletActionListModel struct {
	DropletID dropletIDValue `tfsdk:"droplet_id"`
	Type      types.String   `tfsdk:"type"`
	Status    types.String   `tfsdk:"status"`
}

func (r *DropletActionListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_action"
}

func (r *DropletActionListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the actions of a droplet, newest first, over all pages of the API, optionally filtered by `type` and `status`. " +
			"Each result is a `gradient_droplet_action` identified by its action ID; `terraform query -generate-config-out` turns the results into resource and import blocks. " +
			"The API does not report an action's parameters (such as `size` or `name`), so they are left out of the generated configuration.",
		Attributes: map[string]schema.Attribute{
			"droplet_id": schema.Int64Attribute{
				CustomType:          dropletIDType{},
				Required:            true,
				MarkdownDescription: "ID of the droplet whose actions to list.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"type": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only actions of this type.",
				Validators:          []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
			},
			"status": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only actions with this status: `in-progress`, `completed` or `errored`.",
				Validators:          []validator.String{stringvalidator.OneOf(statusValues...)},
			},
		},
	}
}

func (r *DropletActionListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *DropletActionListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg dropletActionListModel
	diags := req.Config.Get(ctx, &cfg)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	dropletID := cfg.DropletID.ValueInt64()
	f := actionFilter{Type: cfg.Type.ValueString(), Status: cfg.Status.ValueString()}
	stream.Results = func(push func(list.ListResult) bool) {
		var n int64
		snapshots := newSnapshotFinder(r.client, dropletID)
		for a, err := range f.in(ctx, r.client, dropletID) {
			if err != nil {
				var diags diag.Diagnostics
				addListError(&diags, dropletID, err)
				push(list.ListResult{Diagnostics: diags})
				return
			}
			// Stopping here rather than letting Terraform drop the surplus saves reading
			// further pages, each a request from the token's rate budget.
			if req.Limit > 0 && n >= req.Limit {
				return
			}
			n++
			if !push(r.result(ctx, req, &a, snapshots)) {
				return
			}
		}
	}
}

// result is one listed action, shaped as the gradient_droplet_action it would import as.
// With the resource object, a completed snapshot's image is looked up in the droplet's
// snapshots, listed once for the whole query.
func (r *DropletActionListResource) result(ctx context.Context, req list.ListRequest, a *client.Action, snapshots *snapshotFinder) list.ListResult {
	res := req.NewListResult(ctx)
	id := types.StringValue(strconv.FormatInt(a.ID, 10))
	res.DisplayName = fmt.Sprintf("%s #%d (%s)", a.Type, a.ID, a.Status)
	res.Diagnostics.Append(res.Identity.Set(ctx, actionIdentityModel{ID: id})...)
	if !req.IncludeResource || res.Diagnostics.HasError() {
		return res
	}
	// The object matches what an import followed by a refresh stores: the API reports
	// neither an action's parameters nor whether a shutdown fallback was asked for, so
	// they are null, and wait, disk and power_off_fallback take their defaults. The refresh
	// finds a snapshot's image by the action's times alone, the name being null.
	m := dropletActionModel{
		ID:        id,
		DropletID: newDropletID(a.ResourceID),
		Type:      types.StringValue(string(a.Type)),
		actionParams: actionParams{
			Image:        types.StringNull(),
			Size:         types.StringNull(),
			Disk:         types.BoolValue(false),
			Name:         types.StringNull(),
			Kernel:       types.Int64Null(),
			BackupPolicy: types.ObjectNull(backupPolicyAttrTypes),
		},
		Triggers:         types.MapNull(types.StringType),
		Wait:             types.BoolValue(true),
		PowerOffAfter:    types.StringNull(),
		PowerOffFallback: types.BoolValue(false),
		PowerOffActionID: types.StringNull(),
		SnapshotID:       snapshots.idFor(ctx, a, "", &res.Diagnostics),
	}
	// The null timeouts block still needs the block's attribute types, which only the
	// resource schema knows.
	tt, d := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	res.Diagnostics.Append(d...)
	ot, ok := tt.(attr.TypeWithAttributeTypes)
	if !ok {
		res.Diagnostics.AddError("Unexpected resource schema", fmt.Sprintf("timeouts has type %T, not an object; this is a bug in the provider, please report it", tt))
		return res
	}
	m.Timeouts = timeouts.Value{Object: types.ObjectNull(ot.AttributeTypes())}
	res.Diagnostics.Append(m.setAction(ctx, a)...)
	res.Diagnostics.Append(res.Resource.Set(ctx, &m)...)
	return res
}
