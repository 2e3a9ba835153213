package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*DropletRolloutResource)(nil)
	_ resource.ResourceWithValidateConfig = (*DropletRolloutResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*DropletRolloutResource)(nil)
)

// NewDropletRolloutResource returns the gradient_droplet_rollout resource.
func NewDropletRolloutResource() resource.Resource { return &DropletRolloutResource{} }

// DropletRolloutResource runs steps over a fleet of droplets a few at a time, with a
// health gate and a failure budget, and records each droplet's outcome so that the next
// apply resumes a rollout that failed or was interrupted.
type DropletRolloutResource struct {
	client *client.Client
}

type dropletRolloutModel struct {
	rolloutConfigModel
	Triggers types.Map      `tfsdk:"triggers"`
	Droplets types.List     `tfsdk:"droplets"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *DropletRolloutResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_rollout"
}

// rolloutResourceAttributes are the shared attributes as resource attributes.
func rolloutResourceAttributes() map[string]schema.Attribute {
	return rolloutAttributes(rolloutSchema[schema.Attribute]{
		Params: actionParamsResourceFlavour(),
		String: func(desc string, required bool, vs ...validator.String) schema.Attribute {
			return schema.StringAttribute{Optional: !required, Required: required, MarkdownDescription: desc, Validators: vs}
		},
		Int64: func(desc string) schema.Attribute {
			return schema.Int64Attribute{Optional: true, MarkdownDescription: desc}
		},
		Bool: func(desc string) schema.Attribute {
			return schema.BoolAttribute{Optional: true, MarkdownDescription: desc}
		},
		Int64List: func(desc string) schema.Attribute {
			return schema.ListAttribute{Optional: true, ElementType: types.Int64Type, MarkdownDescription: desc}
		},
		Steps: func(desc string, attrs map[string]schema.Attribute) schema.Attribute {
			return schema.ListNestedAttribute{Required: true, MarkdownDescription: desc, NestedObject: schema.NestedAttributeObject{Attributes: attrs}}
		},
		Object: func(desc string, attrs map[string]schema.Attribute) schema.Attribute {
			return schema.SingleNestedAttribute{Optional: true, MarkdownDescription: desc, Attributes: attrs}
		},
	})
}

// actionParamsResourceFlavour is paramSchema for resource attributes, every parameter
// optional as a step's: disk has no default, so that a step's object holds what is set.
func actionParamsResourceFlavour() paramSchema[schema.Attribute] {
	return paramSchema[schema.Attribute]{
		String: func(desc string, required bool) schema.Attribute {
			return schema.StringAttribute{Optional: !required, Required: required, MarkdownDescription: desc}
		},
		Bool: func(desc string) schema.Attribute {
			return schema.BoolAttribute{Optional: true, MarkdownDescription: desc}
		},
		Int64: func(desc string, required bool) schema.Attribute {
			return schema.Int64Attribute{Optional: !required, Required: required, MarkdownDescription: desc}
		},
		Object: func(desc string, attrs map[string]schema.Attribute) schema.Attribute {
			return schema.SingleNestedAttribute{Optional: true, MarkdownDescription: desc, Attributes: attrs}
		},
	}
}

func (r *DropletRolloutResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := rolloutResourceAttributes()
	tag := attrs["tag_name"].(schema.StringAttribute) //nolint:forcetypeassert // built just above
	tag.PlanModifiers = []planmodifier.String{stringplanmodifier.RequiresReplace()}
	attrs["tag_name"] = tag
	ids := attrs["droplet_ids"].(schema.ListAttribute) //nolint:forcetypeassert // built just above
	ids.PlanModifiers = []planmodifier.List{listplanmodifier.RequiresReplace()}
	ids.Validators = []validator.List{listvalidator.SizeAtLeast(1)}
	attrs["droplet_ids"] = ids
	attrs["triggers"] = schema.MapAttribute{
		Optional:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "Arbitrary values; any change runs the rollout again over every target, in place (not by replacement), like `triggers_replace` of `terraform_data`. Without a change of `triggers`, the rollout never acts again on a droplet it finished.",
	}
	attrs["droplets"] = schema.ListNestedAttribute{
		Computed: true,
		MarkdownDescription: "In rollout order, one object per droplet. A plan that runs the rollout shows each target's `droplet_id` and `name` when they can be known at plan time (not when `tag_name` is unknown, or no droplet carries the tag yet); " +
			"the apply starts nothing when the tag's droplets differ from those the plan showed. Terraform plans the resource again at apply, the provider lists the tag again for it, and Terraform refuses a list that differs from the plan's: its error reads \"Provider produced inconsistent final plan\" and names `.droplets`, and calls this a provider bug, which it is not. " +
			"The provider lists the tag once more before its first action; a change since Terraform's second plan fails with \"Droplets of the tag changed since the plan\", naming the droplets added and removed. Either way, run `terraform plan` again to review the new set. " +
			"A plan that resumes the rollout shows the finished droplets as recorded and the others with their outcome unknown.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"droplet_id":  schema.Int64Attribute{Computed: true, MarkdownDescription: "The droplet's ID."},
			"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "The droplet's name, as read before its steps."},
			"outcome":     schema.StringAttribute{Computed: true, MarkdownDescription: "`done`, `skipped` (it already matched, `skip_matching`), `failed` or `not_started`."},
			"action_ids":  schema.ListAttribute{Computed: true, ElementType: types.Int64Type, MarkdownDescription: "The IDs of the actions started on the droplet, in order."},
			"snapshot_id": schema.StringAttribute{Computed: true, MarkdownDescription: "The image a snapshot step made, when a step is a snapshot and its image could be told apart."},
			"started_at":  schema.StringAttribute{Computed: true, MarkdownDescription: "When the rollout started the droplet (RFC 3339, UTC)."},
			"finished_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the droplet was done, skipped or failed (RFC 3339, UTC)."},
			"message":     schema.StringAttribute{Computed: true, MarkdownDescription: "Why the droplet failed or was skipped."},
		}},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a list of droplet actions over a fleet, a few droplets at a time: a canary first, then a window of `max_parallel` droplets, each one done once its steps completed and, with a `health_check`, its URL answered. " +
			"A failure budget (`max_failures`) stops it starting new droplets. Each droplet's outcome is kept in `droplets`, so that after a failed or interrupted rollout the next apply acts only on the droplets not yet done. " +
			"When the rollout fails while the resource is created, Terraform marks it tainted and would replace it, running every droplet again: to resume instead, run `terraform untaint` on it, then `terraform apply`. When it fails during an update (`triggers` changed, or a resume), the state is kept and the next `terraform apply` resumes. " +
			"Changing `triggers` runs the rollout again over every target, in place; other arguments change in place and apply from the next run or resume; changing `tag_name` or `droplet_ids` replaces the resource. " +
			"Every request goes through the provider's one action path: its per-droplet queue, its shared watcher and its request budget. " +
			"Destroying the resource sends nothing and undoes nothing. It cannot be imported: a rollout is not an object at DigitalOcean, only the actions it started, which `gradient_droplet_action` imports one by one.",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true,
				CreateDescription: "How long the whole rollout may take, such as `90m`. Defaults to `" + defaultCreateTimeoutText + "`. When it runs out, the droplets in progress fail and the others are not started; the next apply resumes.",
				UpdateDescription: "As `create`, for a rollout run again (`triggers` changed) or resumed. Defaults to `" + defaultCreateTimeoutText + "`.",
			}),
		},
	}
}

func (r *DropletRolloutResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *DropletRolloutResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg dropletRolloutModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.validate(ctx, &resp.Diagnostics)
	for _, block := range []string{"create", "update"} {
		get := cfg.Timeouts.Create
		if block == "update" {
			get = cfg.Timeouts.Update
		}
		d, td := get(ctx, defaultCreateTimeout)
		validateTimeout(block, d, td, &resp.Diagnostics)
	}
}

// ModifyPlan shows what the apply will do in droplets. A rollout to run (a new resource,
// or triggers changed) lists its targets, with their IDs and names when they can be known.
// A rollout that exists with droplets not yet done plans an update that resumes them,
// keeping those done. One with every droplet done plans nothing for them.
func (r *DropletRolloutResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan dropletRolloutModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state dropletRolloutModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		if plan.Triggers.IsUnknown() || !state.Triggers.Equal(plan.Triggers) {
			r.planTargets(ctx, &plan, resp) // run again over every target
			return
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("droplets"), resumePlan(ctx, state.Droplets, &resp.Diagnostics))...)
		return
	}
	r.planTargets(ctx, &plan, resp)
}

// resumePlan is the droplets list a plan shows for a rollout that exists and is not run
// again: the finished droplets as recorded, and the others to be resumed.
func resumePlan(ctx context.Context, recorded types.List, diags *diag.Diagnostics) types.List {
	entries, d := rolloutEntries(ctx, recorded)
	diags.Append(d...)
	vals := make([]attr.Value, len(entries))
	for i, e := range entries {
		if finished(e.Outcome.ValueString()) {
			v, d := types.ObjectValueFrom(ctx, rolloutDropletAttrTypes, e)
			diags.Append(d...)
			vals[i] = v
			continue
		}
		vals[i] = plannedDroplet(e.DropletID.ValueInt64(), e.Name.ValueString())
	}
	if recorded.IsNull() || recorded.IsUnknown() {
		return recorded
	}
	return types.ListValueMust(rolloutDropletType, vals)
}

// planTargets shows the targets of a rollout to run in droplets, when they can be known.
func (r *DropletRolloutResource) planTargets(ctx context.Context, plan *dropletRolloutModel, resp *resource.ModifyPlanResponse) {
	ids, known := plan.dropletIDs(ctx, &resp.Diagnostics)
	if !known || plan.TagName.IsUnknown() || r.client == nil || resp.Diagnostics.HasError() {
		return
	}
	targets, err := rolloutTargets(ctx, r.client, plan.TagName.ValueString(), ids)
	if err != nil {
		resp.Diagnostics.AddError("Could not read the rollout's droplets", errorDetail(actionRef{Tag: plan.TagName.ValueString()}, err))
		return
	}
	if len(targets) == 0 {
		resp.Diagnostics.AddAttributeWarning(path.Root("tag_name"), "No droplet carries the tag",
			fmt.Sprintf("No droplet carries the tag %q now, so droplets is unknown: the apply rolls out over the droplets carrying the tag then, and fails, sending nothing, if there are still none.", plan.TagName.ValueString()))
		return
	}
	if canary, ok := intOr(plan.Canary, 0); ok && !plan.TagName.IsNull() && canary > 0 && int(canary) >= len(targets) {
		resp.Diagnostics.AddAttributeWarning(path.Root("canary"), "Every droplet is a canary", canaryWarning(int(canary), len(targets)))
	}
	vals := make([]attr.Value, len(targets))
	for i, d := range targets {
		vals[i] = plannedDroplet(d.ID, d.Name)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("droplets"), types.ListValueMust(rolloutDropletType, vals))...)
}

func (r *DropletRolloutResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dropletRolloutModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !r.apply(ctx, &plan, timeout, &resp.Diagnostics, true, false) {
		return // nothing was started: no state
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *DropletRolloutResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state dropletRolloutModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	resume := !plan.Triggers.IsUnknown() && state.Triggers.Equal(plan.Triggers)
	if !r.apply(ctx, &plan, timeout, &resp.Diagnostics, false, resume) {
		plan.Droplets = state.Droplets // nothing was started: the record stands
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply runs what the plan's droplets say: every droplet whose outcome is unknown, or the
// whole rollout when droplets is unknown. It sets plan.Droplets to the outcome and reports
// true, or false when it started nothing (plan.Droplets is then not to be kept).
func (r *DropletRolloutResource) apply(ctx context.Context, plan *dropletRolloutModel, timeout timeoutDuration, diags *diag.Diagnostics, create, resume bool) bool {
	spec, ok := plan.validate(ctx, diags)
	if !ok {
		if !diags.HasError() {
			diags.AddError("Rollout not started", "An argument of the rollout is still unknown at apply time.")
		}
		return false
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	planned, d := rolloutEntries(ctx, plan.Droplets)
	diags.Append(d...)
	if diags.HasError() {
		return false
	}
	targets, kept, ok := r.targets(runCtx, plan, planned, resume, diags)
	if !ok {
		return false
	}
	say := func(format string, args ...any) { tflog.Info(ctx, fmt.Sprintf(format, args...)) }
	say("rollout starting over %d droplets (%d already done)", len(targets), len(kept))
	results := rolloutRun(runCtx, r.client, spec, entryActionResource, targets, say)

	byID := map[int64]rolloutResult{}
	for _, res := range results {
		byID[res.DropletID] = res
	}
	var all []rolloutResult
	vals := []attr.Value{}
	if len(planned) == 0 {
		all = results
		for _, res := range results {
			vals = append(vals, resultValue(res))
		}
	} else {
		for _, e := range planned {
			if res, ok := byID[e.DropletID.ValueInt64()]; ok {
				all = append(all, res)
				vals = append(vals, resultValue(res))
				continue
			}
			v, d := types.ObjectValueFrom(ctx, rolloutDropletAttrTypes, e)
			diags.Append(d...)
			vals = append(vals, v)
			all = append(all, rolloutResult{DropletID: e.DropletID.ValueInt64(), Name: e.Name.ValueString(), Outcome: e.Outcome.ValueString()})
		}
	}
	plan.Droplets = types.ListValueMust(rolloutDropletType, vals)
	if failedCount(results) > 0 && !rolloutFailed(results, spec.MaxFailures) {
		diags.AddWarning("Some droplets failed, within max_failures", rolloutTable(all, nil, "The failed droplets are recorded: the next apply plans an update that runs the rollout again on them only."))
	}
	if rolloutFailed(results, spec.MaxFailures) {
		resume := "The outcome of every droplet is in the state. The next `terraform apply` resumes the rollout: it acts only on the droplets not done or skipped, never again on a finished one, unless triggers change."
		if create {
			resume = "The outcome of every droplet is in the state, but Terraform marks a resource whose creation failed as tainted and would replace it, running the rollout again over every droplet. To resume instead, acting only on the droplets not done, run `terraform untaint " + "<address of this resource>` and then `terraform apply`."
		}
		diags.AddError("Droplet rollout failed", rolloutTable(all, runCtx.Err(), resume))
	}
	return true
}

// timeoutDuration is a timeout, as a timeouts block gives it.
type timeoutDuration = time.Duration

// targets reads the droplets to act on now: the planned droplets whose outcome is unknown
// (kept are those already finished) when resuming, or the tag's or droplet_ids'
// droplets. A tag whose droplets differ from the plan's is refused, and so
// is a tag no droplet carries, before any action is started.
func (r *DropletRolloutResource) targets(ctx context.Context, plan *dropletRolloutModel, planned []rolloutDropletModel, resume bool, diags *diag.Diagnostics) (targets []client.Droplet, kept []rolloutDropletModel, ok bool) {
	tag := plan.TagName.ValueString()
	ids, _ := plan.dropletIDs(ctx, diags)
	var todo []int64
	for _, e := range planned {
		if e.Outcome.IsUnknown() {
			todo = append(todo, e.DropletID.ValueInt64())
		} else {
			kept = append(kept, e)
		}
	}
	var err error
	switch {
	case resume:
		// Resuming: the droplets not done, whatever the tag holds now.
		targets, err = readDroplets(ctx, r.client, todo)
	default:
		targets, err = rolloutTargets(ctx, r.client, tag, ids)
		if err == nil && tag != "" && len(planned) > 0 {
			want := slices.Clone(todo)
			slices.Sort(want)
			if changed := targetsChanged(tag, want, sortedIDs(targets)); changed != nil {
				diags.AddAttributeError(path.Root("tag_name"), "Droplets of the tag changed since the plan",
					fmt.Sprintf("Tag: %s\n\nThe droplets carrying the tag are not those the plan showed in droplets, so the rollout did not start: no request to start an action was sent.\n%s\nRun terraform plan again to review the droplets the rollout would now reach, then apply that plan.", tag, targetsChangedLines(changed)))
				return nil, nil, false
			}
			targets = orderAs(targets, todo)
		}
	}
	if err != nil {
		diags.AddError("Rollout not started", errorDetail(actionRef{Tag: tag}, err)+"\n\nNo action was started.")
		return nil, nil, false
	}
	if len(targets) == 0 && len(kept) == 0 {
		diags.AddAttributeError(path.Root("tag_name"), "Rollout not started", noTaggedDropletsDetail(tag, "rollout"))
		return nil, nil, false
	}
	return targets, kept, true
}

// orderAs orders ds as ids are.
func orderAs(ds []client.Droplet, ids []int64) []client.Droplet {
	out := make([]client.Droplet, 0, len(ds))
	for _, id := range ids {
		for _, d := range ds {
			if d.ID == id {
				out = append(out, d)
			}
		}
	}
	return out
}

// Read changes nothing: the outcomes are history, and the droplets are not the rollout's.
func (r *DropletRolloutResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dropletRolloutModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *DropletRolloutResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// A rollout cannot be undone; destroying the resource only forgets it.
}
