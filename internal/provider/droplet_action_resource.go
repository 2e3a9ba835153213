package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*DropletActionResource)(nil)
	_ resource.ResourceWithImportState    = (*DropletActionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*DropletActionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*DropletActionResource)(nil)
	_ resource.ResourceWithIdentity       = (*DropletActionResource)(nil)
)

// privateImported marks a resource adopted by import: the API does not report an action's
// parameters, so the first plan after an import adopts them from the configuration instead
// of replacing the resource (which would run the action again).
const privateImported = "imported"

// NewDropletActionResource returns the gradient_droplet_action resource.
func NewDropletActionResource() resource.Resource { return &DropletActionResource{} }

// DropletActionResource runs one droplet action on create and records it.
type DropletActionResource struct {
	client *client.Client
}

// replacingAttributes are the arguments whose change means a new action: all but wait and
// timeouts.
// power_off_after only matters while the action runs, so it too changes in place.
var replacingAttributes = []string{"droplet_id", "type", "image", "size", "disk", "name", "kernel", "backup_policy", "triggers"}

func (r *DropletActionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_action"
}

func (r *DropletActionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The action's ID, as DigitalOcean numbers it.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"droplet_id": schema.Int64Attribute{
			CustomType:          dropletIDType{},
			Required:            true,
			MarkdownDescription: "ID of the droplet to act on.",
			Validators:          []validator.Int64{int64validator.AtLeast(1)},
		},
		"type": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: typeDescription(false),
			Validators:          []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
		},
		"triggers": schema.MapAttribute{
			Optional:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Arbitrary values; any change runs the action again (the resource is replaced), like `triggers_replace` of `terraform_data`.",
		},
		"wait": schema.BoolAttribute{
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(true),
			MarkdownDescription: "Whether to wait for the action to finish. When `false`, the apply goes on once the action is initiated, and `status` shows `in-progress` until a refresh reads it again. Defaults to `true`. Changing it updates the state only.",
		},
	}
	attrs["power_off_after"] = schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: powerOffAfterDescription + " Changing it updates the state only.",
	}
	attrs["power_off_fallback"] = schema.BoolAttribute{
		Computed:            true,
		MarkdownDescription: "Whether the `power_off_after` fallback had to power the droplet off.",
		PlanModifiers:       []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
	}
	attrs["power_off_action_id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "ID of the `power_off` action the fallback ran; null when it did not run.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["snapshot_id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: snapshotIDDescription,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	for k, v := range resourceParamAttributes() {
		attrs[k] = v
	}
	for k, v := range resourceActionStateAttributes() {
		attrs[k] = v
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs one DigitalOcean droplet action when created and waits for it to finish. " +
			"An action is an event: changing any argument but `wait`, `power_off_after` and `timeouts` runs a new action (the resource is replaced). " +
			"Destroying the resource only removes it from the state; it makes no API call and undoes nothing.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long to wait for the action to finish, such as `90m`. Defaults to `" + defaultCreateTimeoutText + "`. When it runs out, the action goes on at DigitalOcean and its ID stays in the state.",
			}),
		},
	}
}

// resourceParamAttributes are the parameters as resource attributes; disk defaults to
// false in the state.
func resourceParamAttributes() map[string]schema.Attribute {
	return paramAttributes(paramSchema[schema.Attribute]{
		String: func(desc string, required bool) schema.Attribute {
			return schema.StringAttribute{Optional: !required, Required: required, MarkdownDescription: desc}
		},
		Bool: func(desc string) schema.Attribute {
			return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false), MarkdownDescription: desc}
		},
		Int64: func(desc string, required bool) schema.Attribute {
			return schema.Int64Attribute{Optional: !required, Required: required, MarkdownDescription: desc}
		},
		Object: func(desc string, attrs map[string]schema.Attribute) schema.Attribute {
			return schema.SingleNestedAttribute{Optional: true, MarkdownDescription: desc, Attributes: attrs}
		},
	})
}

func (r *DropletActionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The action's ID.",
			},
		},
	}
}

func (r *DropletActionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *DropletActionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg dropletActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.validate(ctx, cfg.Type, &resp.Diagnostics)
	validatePowerOffAfter(cfg.Type, cfg.PowerOffAfter, cfg.Wait, &resp.Diagnostics)
	timeout, d := cfg.Timeouts.Create(ctx, defaultCreateTimeout)
	validateTimeout("create", timeout, d, &resp.Diagnostics)
}

func (r *DropletActionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if req.State.Raw.IsNull() {
		var plan dropletActionModel
		resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
		for _, w := range plan.warnings(plan.Type) {
			resp.Diagnostics.AddWarning("Irreversible droplet action", w)
		}
		if !plan.Type.IsUnknown() && plan.Type.ValueString() != string(client.ActionSnapshot) {
			// Only a snapshot makes an image: say so in the plan instead of "known after apply".
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("snapshot_id"), types.StringNull())...)
		}
		return
	}
	imported, d := req.Private.GetKey(ctx, privateImported)
	resp.Diagnostics.Append(d...)
	for _, name := range replacingAttributes {
		p := path.Root(name)
		var planned, prior attr.Value
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, p, &planned)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, p, &prior)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if planned.Equal(prior) {
			continue
		}
		if string(imported) == "true" && prior.IsNull() {
			continue
		}
		resp.RequiresReplace = append(resp.RequiresReplace, p)
		if string(imported) == "true" && name == "type" {
			warnImportedTypeMismatch(ctx, req, resp)
		}
	}
	if len(resp.RequiresReplace) == 0 {
		planSnapshotLookup(ctx, req, resp)
	}
}

// planSnapshotLookup plans snapshot_id as unknown when an update gives a completed
// snapshot action without an image a name it did not have (an imported action adopting
// its name from the configuration): the update looks for the image again by that name.
func planSnapshotLookup(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state, plan dropletActionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !state.SnapshotID.IsNull() ||
		state.Type.ValueString() != string(client.ActionSnapshot) || state.Status.ValueString() != string(client.StatusCompleted) ||
		plan.Name.IsUnknown() || plan.Name.Equal(state.Name) {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("snapshot_id"), types.StringUnknown())...)
}

// warnImportedTypeMismatch says plainly what a plan would do to an imported action whose
// configuration names another type: replace it, running the configured action anew.
func warnImportedTypeMismatch(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var state, plan dropletActionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.Type.IsUnknown() {
		return
	}
	droplet := "the configured droplet"
	if !plan.DropletID.IsUnknown() && !plan.DropletID.IsNull() {
		droplet = fmt.Sprintf("droplet %d", plan.DropletID.ValueInt64())
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("type"), "Imported action differs from the configuration",
		fmt.Sprintf("The state holds imported action %s, a %s on droplet %d, but the configuration says type = %q. "+
			"This plan replaces it: applying runs a new %s action on %s, and the imported %s is only forgotten. "+
			"To keep the imported action, set type = %q.",
			state.ID.ValueString(), state.Type.ValueString(), state.DropletID.ValueInt64(), plan.Type.ValueString(),
			plan.Type.ValueString(), droplet, state.Type.ValueString(), state.Type.ValueString()))
}

func (r *DropletActionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dropletActionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	typ := client.ActionType(plan.Type.ValueString())
	areq, _, d := plan.request(ctx, typ)
	resp.Diagnostics.Append(d...)
	grace, _ := parsePowerOffAfter(plan.PowerOffAfter)
	if resp.Diagnostics.HasError() {
		return
	}

	plan.PowerOffFallback = types.BoolValue(false)
	plan.PowerOffActionID = types.StringNull()
	plan.SnapshotID = types.StringNull()
	spec := runSpec{DropletID: plan.DropletID.ValueInt64(), Request: areq, NoWait: !plan.Wait.ValueBool(), PowerOffAfter: grace, Entry: entryActionResource}
	runEntry(ctx, r.client, plan.Timeouts.Create, spec, runHooks{
		// The ID goes into the state before the wait, so that a failed or interrupted
		// wait leaves a recorded (tainted) action rather than an orphaned one.
		Initiated: func(acts []client.Action) {
			plan.ID = types.StringValue(strconv.FormatInt(acts[0].ID, 10))
			resp.Diagnostics.Append(plan.setAction(ctx, &acts[0])...)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			if resp.Identity != nil {
				resp.Diagnostics.Append(resp.Identity.Set(ctx, actionIdentityModel{ID: plan.ID})...)
			}
		},
		Read: progressLogger(ctx),
		PowerOffInitiated: func(a *client.Action) {
			plan.PowerOffFallback = types.BoolValue(true)
			plan.PowerOffActionID = types.StringValue(strconv.FormatInt(a.ID, 10))
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		},
	}, &resp.Diagnostics, func(o *runOutcome) {
		if len(o.Actions) == 0 {
			return
		}
		resp.Diagnostics.Append(plan.setAction(ctx, &o.Actions[0])...)
		if len(o.Snapshots) > 0 {
			plan.SnapshotID = snapshotIDValue(o.Snapshots[0])
			keepSnapshotRetry(ctx, resp.Private, o.Snapshots[0].LookupFailed, &resp.Diagnostics)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	})
}

func (r *DropletActionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dropletActionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, err := strconv.ParseInt(state.ID.ValueString(), 10, 64)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid action ID", fmt.Sprintf("%q is not a numeric action ID.", state.ID.ValueString()))
		return
	}
	// Terraform before 1.12 sends no identity: set it on every path, including those that
	// keep the state as it was.
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, actionIdentityModel{ID: state.ID})...)
	}
	ref := actionRef{ActionID: id, Type: state.Type.ValueString(), DropletID: state.DropletID.ValueInt64()}
	// Right after an import only the ID is known, and ref.DropletID is zero.
	a, _, err := r.client.ReadAction(ctx, ref.DropletID, id)
	switch {
	case client.IsNotFound(err) && state.Type.IsNull():
		// Right after an import nothing is known yet: the ID names no action.
		resp.Diagnostics.AddError("Cannot import droplet action",
			fmt.Sprintf("DigitalOcean has no action %d visible to this token.", id))
		return
	case client.IsNotFound(err):
		// An action is history: dropping it from the state would make the next apply run
		// it again.
		resp.Diagnostics.AddWarning("Droplet action not found",
			fmt.Sprintf("DigitalOcean no longer reports action %d (%s on droplet %d). It stays in the state as it was last read; destroy the resource to forget it.", id, ref.Type, ref.DropletID))
		return
	case err != nil:
		resp.Diagnostics.AddError("Could not read droplet action", errorDetail(ref, err))
		return
	}
	// Every read of a completed snapshot without an image looks for it, with the name the
	// state holds by now: right after an import, after an apply that did not wait, after a
	// lookup that failed, and after an imported action adopted its name from the
	// configuration. Only a first lookup, or one failing, warns when the image is not
	// found: later ones would repeat the same warning at every plan.
	firstSeenDone := (state.Type.IsNull() || state.Status.ValueString() != string(client.StatusCompleted)) && a.Status == client.StatusCompleted
	retry, d := req.Private.GetKey(ctx, privateSnapshotRetry)
	resp.Diagnostics.Append(d...)
	if a.Type == client.ActionSnapshot && a.Status == client.StatusCompleted && state.SnapshotID.IsNull() {
		var m snapshotResult
		state.SnapshotID, m = snapshotIDFor(ctx, r.client, a, state.Name.ValueString(), firstSeenDone || len(retry) > 0, &resp.Diagnostics)
		keepSnapshotRetry(ctx, resp.Private, m.LookupFailed, &resp.Diagnostics)
	}
	state.DropletID = newDropletID(a.ResourceID)
	state.Type = types.StringValue(string(a.Type))
	if state.Wait.IsNull() {
		state.Wait = types.BoolValue(true)
	}
	if state.Disk.IsNull() {
		state.Disk = types.BoolValue(false)
	}
	if state.PowerOffFallback.IsNull() {
		state.PowerOffFallback = types.BoolValue(false)
	}
	if state.Timeouts.Object.IsNull() {
		state.Timeouts = timeouts.Value{Object: types.ObjectNull(state.Timeouts.AttributeTypes(ctx))}
	}
	resp.Diagnostics.Append(state.setAction(ctx, a)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, actionIdentityModel{ID: state.ID})...)
	}
}

func (r *DropletActionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Only wait and timeouts change in place (and, after an import, parameters adopted from
	// the configuration); none of them calls the API, but for a snapshot whose image a name
	// adopted now may tell apart (planSnapshotLookup).
	var plan dropletActionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.SnapshotID.IsUnknown() {
		plan.SnapshotID = types.StringNull()
		if a, ok := plan.completedSnapshot(); ok {
			var m snapshotResult
			plan.SnapshotID, m = snapshotIDFor(ctx, r.client, a, plan.Name.ValueString(), true, &resp.Diagnostics)
			keepSnapshotRetry(ctx, resp.Private, m.LookupFailed, &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, actionIdentityModel{ID: plan.ID})...)
	}
}

// completedSnapshot rebuilds, from the model, the completed snapshot action it records.
func (m *dropletActionModel) completedSnapshot() (*client.Action, bool) {
	id, err := strconv.ParseInt(m.ID.ValueString(), 10, 64)
	if err != nil || m.Type.ValueString() != string(client.ActionSnapshot) || m.Status.ValueString() != string(client.StatusCompleted) {
		return nil, false
	}
	started, err1 := time.Parse(time.RFC3339, m.StartedAt.ValueString())
	completed, err2 := time.Parse(time.RFC3339, m.CompletedAt.ValueString())
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &client.Action{
		ID: id, Type: client.ActionSnapshot, Status: client.StatusCompleted, ResourceID: m.ResourceID.ValueInt64(),
		StartedAt: &started, CompletedAt: &completed,
	}, true
}

func (r *DropletActionResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// An action cannot be undone; destroying the resource only forgets it.
}

func (r *DropletActionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if id == "" && req.Identity != nil {
		var ident actionIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		id = ident.ID.ValueString()
	}
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n <= 0 {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import a droplet action by its numeric action ID, such as 1234567890; got %q.", id))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("disk"), false)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("power_off_fallback"), false)...)
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateImported, []byte("true"))...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, actionIdentityModel{ID: types.StringValue(id)})...)
	}
}
