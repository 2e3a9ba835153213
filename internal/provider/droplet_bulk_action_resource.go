package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*DropletBulkActionResource)(nil)
	_ resource.ResourceWithValidateConfig = (*DropletBulkActionResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*DropletBulkActionResource)(nil)
)

// NewDropletBulkActionResource returns the gradient_droplet_bulk_action resource.
func NewDropletBulkActionResource() resource.Resource { return &DropletBulkActionResource{} }

// DropletBulkActionResource runs one action on every droplet carrying a tag, with one API
// call, and records the action started on each droplet.
type DropletBulkActionResource struct {
	client *client.Client
}

type dropletBulkActionModel struct {
	ID       types.String   `tfsdk:"id"`
	TagName  types.String   `tfsdk:"tag_name"`
	Type     types.String   `tfsdk:"type"`
	Name     types.String   `tfsdk:"name"`
	Triggers types.Map      `tfsdk:"triggers"`
	Wait     types.Bool     `tfsdk:"wait"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
	Actions  types.List     `tfsdk:"actions"`
	// DropletIDs is, in a plan to create, the droplets carrying the tag at plan time, and
	// after the apply the droplets the action reached.
	DropletIDs types.Set `tfsdk:"droplet_ids"`
}

type bulkActionEntry struct {
	ID          types.String `tfsdk:"id"`
	DropletID   types.Int64  `tfsdk:"droplet_id"`
	Status      types.String `tfsdk:"status"`
	StartedAt   types.String `tfsdk:"started_at"`
	CompletedAt types.String `tfsdk:"completed_at"`
	SnapshotID  types.String `tfsdk:"snapshot_id"`
}

var bulkActionEntryAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"droplet_id":   types.Int64Type,
	"status":       types.StringType,
	"started_at":   types.StringType,
	"completed_at": types.StringType,
	"snapshot_id":  types.StringType,
}

// bulkEntryFrom maps an action and, for a snapshot, the image it made.
func bulkEntryFrom(a *client.Action, snapshotID types.String) bulkActionEntry {
	return bulkActionEntry{
		SnapshotID:  snapshotID,
		ID:          types.StringValue(strconv.FormatInt(a.ID, 10)),
		DropletID:   types.Int64Value(a.ResourceID),
		Status:      types.StringValue(string(a.Status)),
		StartedAt:   timeString(a.StartedAt),
		CompletedAt: timeString(a.CompletedAt),
	}
}

// setActions records acts, and their droplets in droplet_ids; snaps, when not nil, holds
// the image each snapshot made.
func (m *dropletBulkActionModel) setActions(ctx context.Context, acts []client.Action, snaps []snapshotResult) diag.Diagnostics {
	ids, diags := types.SetValueFrom(ctx, types.Int64Type, actionDroplets(acts))
	m.DropletIDs = ids
	entries := make([]bulkActionEntry, len(acts))
	for i := range acts {
		var snap snapshotResult
		if i < len(snaps) {
			snap = snaps[i]
		}
		entries[i] = bulkEntryFrom(&acts[i], snapshotIDValue(snap))
	}
	diags.Append(m.setEntries(ctx, entries)...)
	return diags
}

// plannedDroplets returns the droplets the plan showed in droplet_ids, sorted, or nil when
// it did not know them.
func (m *dropletBulkActionModel) plannedDroplets(ctx context.Context) ([]int64, diag.Diagnostics) {
	if m.DropletIDs.IsNull() || m.DropletIDs.IsUnknown() {
		return nil, nil
	}
	ids := []int64{}
	diags := m.DropletIDs.ElementsAs(ctx, &ids, false)
	slices.Sort(ids)
	return ids, diags
}

func (m *dropletBulkActionModel) setEntries(ctx context.Context, entries []bulkActionEntry) diag.Diagnostics {
	l, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: bulkActionEntryAttrTypes}, entries)
	m.Actions = l
	return diags
}

func (m *dropletBulkActionModel) entries(ctx context.Context) ([]bulkActionEntry, diag.Diagnostics) {
	var entries []bulkActionEntry
	diags := m.Actions.ElementsAs(ctx, &entries, false)
	return entries, diags
}

func (r *DropletBulkActionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_bulk_action"
}

func (r *DropletBulkActionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs one DigitalOcean droplet action on every droplet carrying a tag, with a single API call, and waits for all of them to finish. " +
			"Only the types DigitalOcean accepts by tag are allowed; for any other, use `gradient_droplet_action` with `for_each` over the droplets. " +
			"The plan to create or replace it lists the droplets carrying the tag and shows them in `droplet_ids`, and the apply acts only on those: when the tag holds other droplets by then, it stops before starting anything, and the next step is to plan again (see `droplet_ids`). " +
			"Droplets tagged after the resource is created are not acted on, and change no plan, until the resource is replaced. " +
			"Before the call it lists the droplets carrying the tag and queues behind every other action this provider runs on them, as `gradient_droplet_action` does per droplet, so bulk actions on overlapping tags and single-droplet actions need no `depends_on` to avoid DigitalOcean's 422 \"pending event\" (they still need it to run in a chosen order). " +
			"An action started with `wait = false` leaves the queue once initiated: a bulk action after it on the same droplets needs `depends_on` and may still meet the 422 while it runs. " +
			"Changing any argument but `wait` and `timeouts` runs the action again on every droplet carrying the tag (the resource is replaced). " +
			"Destroying the resource only removes it from the state; it makes no API call and undoes nothing. " +
			"The resource cannot be imported: a bulk action is not one object at DigitalOcean, only the actions it started on each droplet, which `gradient_droplet_action` imports one by one.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The IDs of the actions this resource started, in ascending order, joined by commas, such as `1001,1002,1003`. " +
					"Action IDs are unique across DigitalOcean, so the ID names exactly this run.",
				PlanModifiers: keep,
			},
			"tag_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The tag whose droplets to act on. It is an error when no droplet carries it. " + tagNameRule,
				PlanModifiers:       replace,
				Validators:          []validator.String{tagNameValidator{}},
			},
			"type": schema.StringAttribute{
				Required: true,
				MarkdownDescription: typeDescription(true) +
					"\nOther action types cannot be run by tag and are refused at plan time.",
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name of each snapshot image, for `type = \"snapshot\"` only; any other type rejects it at plan time. " +
					"DigitalOcean picks a name when it is not set.",
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"triggers": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Arbitrary values; any change runs the action again on every droplet carrying the tag (the resource is replaced), like `triggers_replace` of `terraform_data`.",
				PlanModifiers:       []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"wait": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
				MarkdownDescription: "Whether to wait for every action to finish. When `false`, the apply goes on once the actions are initiated, and each `status` shows `in-progress` until a refresh reads it again. Defaults to `true`. Changing it updates the state only.",
			},
			"droplet_ids": schema.SetAttribute{
				Computed:    true,
				ElementType: types.Int64Type,
				MarkdownDescription: "The droplets the action is for. In a plan to create or replace the resource, the droplets carrying the tag when the plan is made, for review. " +
					"Unknown in the plan when `tag_name` is not known until the apply, or no droplet carries the tag yet (the plan then warns): the apply acts on the droplets carrying the tag then. " +
					"After the apply, the droplets the action reached; it stays so, and droplets tagged later change no plan. " +
					"When the tag's droplets change between the plan and the apply, the apply starts nothing, whether it applies a saved plan or one just made, and fails in one of two ways. " +
					"Terraform plans the resource again at apply, the provider lists the tag again for it, and Terraform refuses a value that differs from the plan's: its error reads \"Provider produced inconsistent final plan\", names `.droplet_ids` and the droplets that differ, and calls this a provider bug, which it is not. " +
					"The provider then lists the tag once more just before its call; a change since Terraform's second plan fails with \"Droplets of the tag changed since the plan\", naming the droplets added and removed. " +
					"Either way, run `terraform plan` again to see and approve the new set. " +
					"So droplets that get the tag during the same apply, such as droplets it creates with the tag, stop it once the tag already has droplets: give `tag_name` a value known only when they exist, or apply in two steps.",
			},
			"actions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The action started on each droplet carrying the tag, one per droplet, ordered by droplet ID.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":           schema.StringAttribute{Computed: true, MarkdownDescription: "The action's ID, as DigitalOcean numbers it."},
						"droplet_id":   schema.Int64Attribute{Computed: true, MarkdownDescription: "ID of the droplet the action runs on."},
						"status":       schema.StringAttribute{Computed: true, MarkdownDescription: descStatus},
						"started_at":   schema.StringAttribute{Computed: true, MarkdownDescription: descStartedAt},
						"completed_at": schema.StringAttribute{Computed: true, MarkdownDescription: descCompletedAt},
						"snapshot_id":  schema.StringAttribute{Computed: true, MarkdownDescription: snapshotIDDescription},
					},
				},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create:            true,
				CreateDescription: "How long to wait for every action to finish, such as `90m`. Defaults to `" + defaultCreateTimeoutText + "`. When it runs out, the actions go on at DigitalOcean and their IDs stay in the state.",
			}),
		},
	}
}

func (r *DropletBulkActionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig refuses, before any API call, what the by-tag endpoint would refuse: a
// type it does not run and a parameter it does not take.
func (r *DropletBulkActionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg dropletBulkActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := cfg.Timeouts.Create(ctx, defaultCreateTimeout)
	validateTimeout("create", timeout, d, &resp.Diagnostics)
	if cfg.Type.IsNull() || cfg.Type.IsUnknown() {
		return
	}
	if typ := cfg.Type.ValueString(); !slices.Contains(client.ActionTypeNames(), typ) {
		resp.Diagnostics.AddAttributeError(path.Root("type"), "Unknown action type",
			fmt.Sprintf("%q is not a droplet action type. Action types that run by tag: %s.", typ, strings.Join(client.BulkActionTypeNames(), ", ")))
		return
	}
	// The bulk resource has no parameter but a snapshot's name.
	validateByTag(path.Root("type"), cfg.Type, func(p client.Param) bool { return p == client.ParamName && !cfg.Name.IsNull() }, &resp.Diagnostics)
}

// ModifyPlan, for a resource to create (or replace: Terraform then plans it again with no
// prior state), warns of an irreversible type and shows the droplets the tag holds now in
// droplet_ids. A resource that exists keeps the droplet_ids it recorded, whatever the tag
// holds by now: the tag is not read.
func (r *DropletBulkActionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() {
		r.keepReached(ctx, req, resp)
		return
	}
	var plan dropletBulkActionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Type.IsNull() && !plan.Type.IsUnknown() {
		if info, ok := client.LookupActionType(client.ActionType(plan.Type.ValueString())); ok && info.Warning != "" {
			resp.Diagnostics.AddWarning("Irreversible droplet action", info.Warning+" It applies to every droplet carrying the tag.")
		}
	}
	if plan.TagName.IsNull() || plan.TagName.IsUnknown() || r.client == nil {
		return // droplet_ids stays unknown: the apply acts on what the tag holds then
	}
	tag := plan.TagName.ValueString()
	ids, err := r.client.DropletIDsByTag(ctx, tag)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("tag_name"), "Could not list the droplets of the tag",
			errorDetail(actionRef{Type: plan.Type.ValueString(), Tag: tag}, err))
		return
	}
	if len(ids) == 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("tag_name"), "No droplet carries the tag",
			fmt.Sprintf("No droplet carries the tag %q now, so droplet_ids is unknown: the apply acts on the droplets carrying the tag then, and fails, sending nothing, if there are still none.", tag))
		return
	}
	set, d := types.SetValueFrom(ctx, types.Int64Type, ids)
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("droplet_ids"), set)...)
}

// keepReached plans, for a resource that exists, the droplet_ids it recorded. A state
// written before droplet_ids existed has none: a plan that changes the resource in place
// then takes the droplets of its recorded actions instead of leaving the value unknown.
func (r *DropletBulkActionResource) keepReached(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var planned types.Set
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("droplet_ids"), &planned)...)
	if !planned.IsUnknown() {
		return
	}
	var state dropletBulkActionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	entries, d := state.entries(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.DropletID.ValueInt64()
	}
	slices.Sort(ids)
	set, d := types.SetValueFrom(ctx, types.Int64Type, slices.Compact(ids))
	resp.Diagnostics.Append(d...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("droplet_ids"), set)...)
}

func (r *DropletBulkActionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dropletBulkActionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	expect, d := plan.plannedDroplets(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec := runSpec{
		Expect:  expect,
		Tag:     plan.TagName.ValueString(),
		Request: client.ActionRequest{Type: client.ActionType(plan.Type.ValueString()), Name: plan.Name.ValueString()},
		NoWait:  !plan.Wait.ValueBool(),
		Entry:   entryActionResource,
	}
	runEntry(ctx, r.client, plan.Timeouts.Create, spec, runHooks{
		// Every ID goes into the state before the wait, so that a failed or interrupted
		// wait leaves recorded (tainted) actions rather than orphaned ones.
		Initiated: func(acts []client.Action) {
			plan.ID = types.StringValue(bulkActionID(acts))
			resp.Diagnostics.Append(plan.setActions(ctx, acts, nil)...)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		},
		Read: progressLogger(ctx),
	}, &resp.Diagnostics, func(o *runOutcome) {
		if len(o.Actions) == 0 {
			return
		}
		failed := slices.ContainsFunc(o.Snapshots, func(m snapshotResult) bool { return m.LookupFailed })
		keepSnapshotRetry(ctx, resp.Private, failed, &resp.Diagnostics)
		resp.Diagnostics.Append(plan.setActions(ctx, o.Actions, o.Snapshots)...)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	})
}

// Read refreshes the actions not yet finished. A completed or errored action never changes
// again, and reading it anyway would cost one request per tagged droplet on every plan.
func (r *DropletBulkActionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dropletBulkActionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	entries, d := state.entries(ctx)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	retry, d := req.Private.GetKey(ctx, privateSnapshotRetry)
	resp.Diagnostics.Append(d...)
	var missing []string
	lookupFailed := false
	for i, e := range entries {
		if client.ActionStatus(e.Status.ValueString()).Done() {
			if len(retry) > 0 && r.retrySnapshot(ctx, &state, &entries[i], resp) {
				lookupFailed = true
			}
			continue
		}
		id, err := strconv.ParseInt(e.ID.ValueString(), 10, 64)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("actions").AtListIndex(i).AtName("id"), "Invalid action ID",
				fmt.Sprintf("%q is not a numeric action ID.", e.ID.ValueString()))
			return
		}
		a, _, err := r.client.ReadAction(ctx, e.DropletID.ValueInt64(), id)
		switch {
		case client.IsNotFound(err):
			// An action is history: dropping it from the state would make the next apply
			// run it again.
			missing = append(missing, fmt.Sprintf("  action %d on droplet %d", id, e.DropletID.ValueInt64()))
			continue
		case err != nil:
			resp.Diagnostics.AddError("Could not read droplet action",
				errorDetail(actionRef{ActionID: id, Type: state.Type.ValueString(), DropletID: e.DropletID.ValueInt64(), Tag: state.TagName.ValueString()}, err))
			return
		}
		// A snapshot that completes now, after an apply that did not wait, gets its image.
		snapshotID, m := snapshotIDFor(ctx, r.client, a, state.Name.ValueString(), true, &resp.Diagnostics)
		lookupFailed = lookupFailed || m.LookupFailed
		entries[i] = bulkEntryFrom(a, snapshotID)
	}
	keepSnapshotRetry(ctx, resp.Private, lookupFailed, &resp.Diagnostics)
	if len(missing) > 0 {
		resp.Diagnostics.AddWarning("Droplet action not found",
			fmt.Sprintf("DigitalOcean no longer reports these %s actions of the tag %q:\n%s\n\nThey stay in the state as last read; destroy the resource to forget them.",
				state.Type.ValueString(), state.TagName.ValueString(), strings.Join(missing, "\n")))
	}
	resp.Diagnostics.Append(state.setEntries(ctx, entries)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// retrySnapshot looks again for the image of a completed snapshot entry whose lookup
// failed before, and reports whether it failed again. A completed action never changes,
// so the entry's recorded times are all the lookup needs: the action is not read again.
func (r *DropletBulkActionResource) retrySnapshot(ctx context.Context, state *dropletBulkActionModel, e *bulkActionEntry, resp *resource.ReadResponse) bool {
	if state.Type.ValueString() != string(client.ActionSnapshot) || e.Status.ValueString() != string(client.StatusCompleted) || !e.SnapshotID.IsNull() {
		return false
	}
	a, ok := e.completedAction(client.ActionSnapshot)
	if !ok {
		return false
	}
	var m snapshotResult
	e.SnapshotID, m = snapshotIDFor(ctx, r.client, a, state.Name.ValueString(), true, &resp.Diagnostics)
	return m.LookupFailed
}

// completedAction rebuilds, from the state, the completed action an entry recorded.
func (e bulkActionEntry) completedAction(typ client.ActionType) (*client.Action, bool) {
	id, err := strconv.ParseInt(e.ID.ValueString(), 10, 64)
	if err != nil {
		return nil, false
	}
	started, err1 := time.Parse(time.RFC3339, e.StartedAt.ValueString())
	completed, err2 := time.Parse(time.RFC3339, e.CompletedAt.ValueString())
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &client.Action{
		ID: id, Type: typ, Status: client.StatusCompleted, ResourceID: e.DropletID.ValueInt64(),
		StartedAt: &started, CompletedAt: &completed,
	}, true
}

func (r *DropletBulkActionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// Only wait and timeouts change in place; neither calls the API.
	var plan dropletBulkActionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *DropletBulkActionResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// Actions cannot be undone; destroying the resource only forgets them.
}
