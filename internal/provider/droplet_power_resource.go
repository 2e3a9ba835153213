package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ resource.ResourceWithConfigure      = (*DropletPowerResource)(nil)
	_ resource.ResourceWithImportState    = (*DropletPowerResource)(nil)
	_ resource.ResourceWithValidateConfig = (*DropletPowerResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*DropletPowerResource)(nil)
	_ resource.ResourceWithIdentity       = (*DropletPowerResource)(nil)
)

// NewDropletPowerResource returns the gradient_droplet_power resource.
func NewDropletPowerResource() resource.Resource { return &DropletPowerResource{} }

// DropletPowerResource keeps a droplet on or off: power as desired state, built from the
// same power actions the action resources run, through the same path.
type DropletPowerResource struct {
	client *client.Client
}

func (r *DropletPowerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_power"
}

func (r *DropletPowerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Keeps a DigitalOcean droplet powered on or off. " +
			"Each apply reads the droplet and, when it is not in the desired state, runs `power_on`, or a graceful `shutdown` followed by `power_off` if the droplet does not turn off in time; a droplet already in that state gets no request at all. " +
			"A droplet switched on or off behind Terraform's back shows up in the next plan, and that apply puts it back. " +
			"Destroying the resource makes no API call: the droplet keeps its power state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The droplet's ID, as a string.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"droplet_id": schema.Int64Attribute{
				CustomType:          dropletIDType{},
				Required:            true,
				MarkdownDescription: "ID of the droplet whose power state to keep. Changing it forces a new resource (and makes no API call for the old droplet).",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"state": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The power state to keep: `on` or `off`. DigitalOcean's status `active` reads as `on`, `off` as `off`.",
				Validators:          []validator.String{stringvalidator.OneOf(powerOn, powerOff)},
			},
			"shutdown_timeout": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(defaultShutdownTimeout),
				MarkdownDescription: "When turning the droplet off: how long, once the graceful `shutdown` action has completed, to give the droplet to reach `off` before a `power_off` is sent, as a duration such as `90s`. " +
					"`0s` sends `power_off` at once, with no shutdown. A shutdown that DigitalOcean reports failed is followed by `power_off` at once, with a warning. Defaults to `" + defaultShutdownTimeout + "`. Changing it updates the state only.",
			},
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The droplet's status as DigitalOcean last reported it: `new` (still being created), `active` or `off`. An `archive`d droplet is an error instead.",
			},
			"last_action_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "ID of the last action this resource ran on the droplet (for `off`, the fallback's `power_off` when one was needed, else the `shutdown`). " +
					"Null when no action has been needed since the resource was created; an apply that needs none keeps the previous value.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create:            true,
				Update:            true,
				CreateDescription: "How long an apply may take to bring the droplet to its state, including queueing behind other actions on it and the shutdown's grace, such as `30m`. Defaults to `" + defaultCreateTimeoutText + "`.",
				UpdateDescription: "The same for an update. Defaults to `" + defaultCreateTimeoutText + "`.",
			}),
		},
	}
}

func (r *DropletPowerResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"droplet_id": identityschema.Int64Attribute{
				RequiredForImport: true,
				Description:       "The droplet's ID.",
			},
		},
	}
}

func (r *DropletPowerResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *DropletPowerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg dropletPowerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := parseShutdownTimeout(cfg.ShutdownTimeout); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("shutdown_timeout"), "Invalid duration", err.Error())
	}
	create, d := cfg.Timeouts.Create(ctx, defaultCreateTimeout)
	validateTimeout("create", create, d, &resp.Diagnostics)
	update, d := cfg.Timeouts.Update(ctx, defaultCreateTimeout)
	validateTimeout("update", update, d, &resp.Diagnostics)
}

// parseShutdownTimeout reads shutdown_timeout; null and unknown read as the default.
func parseShutdownTimeout(v types.String) (time.Duration, error) {
	s := defaultShutdownTimeout
	if !v.IsNull() && !v.IsUnknown() {
		s = v.ValueString()
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("shutdown_timeout must be a duration of zero or more, such as \"90s\", \"2m\" or \"0s\" (power_off at once), not %q", s)
	}
	return d, nil
}

// ModifyPlan keeps status and last_action_id when the desired state does not change:
// only shutdown_timeout or timeouts changed, and the apply calls nothing.
func (r *DropletPowerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, prior dropletPowerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !plan.State.Equal(prior.State) || !plan.DropletID.Equal(prior.DropletID) {
		return
	}
	plan.Status = prior.Status
	plan.LastActionID = prior.LastActionID
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *DropletPowerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dropletPowerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(strconv.FormatInt(plan.DropletID.ValueInt64(), 10))
	plan.LastActionID = types.StringNull()
	if r.apply(ctx, plan.Timeouts.Create, &plan, nil, &resp.State, &resp.Diagnostics) && resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(plan.DropletID.ValueInt64())})...)
	}
}

func (r *DropletPowerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior dropletPowerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Terraform before 1.12 sends no identity to carry over.
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(plan.DropletID.ValueInt64())})...)
	}
	if plan.State.Equal(prior.State) {
		// Only shutdown_timeout or timeouts changed: nothing to run.
		plan.Status, plan.LastActionID = prior.Status, prior.LastActionID
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	plan.LastActionID = prior.LastActionID
	r.apply(ctx, plan.Timeouts.Update, &plan, &prior, &resp.State, &resp.Diagnostics)
}

// apply brings the droplet to plan.State through the one path that runs actions, reading
// it first and sending nothing when it is already there, and writes the state, reporting
// whether it did. prior is the state before an update (nil on create): when the apply
// fails before any action started, an update keeps it and a create leaves no resource;
// when it fails after, an update records the prior power state, not the one it did not
// reach, so the next plan tries again.
func (r *DropletPowerResource) apply(ctx context.Context, timeout timeoutOf, plan, prior *dropletPowerModel, state *tfsdk.State, diags *diag.Diagnostics) bool {
	grace, err := parseShutdownTimeout(plan.ShutdownTimeout)
	if err != nil {
		diags.AddAttributeError(path.Root("shutdown_timeout"), "Invalid duration", err.Error())
		return false
	}
	spec := runSpec{DropletID: plan.DropletID.ValueInt64(), SkipDone: true, ForceOff: true, Entry: entryPower}
	switch {
	case plan.State.ValueString() == powerOn:
		spec.Request.Type = client.ActionPowerOn
	case grace == 0:
		spec.Request.Type = client.ActionPowerOff
	default:
		spec.Request.Type, spec.PowerOffAfter = client.ActionShutdown, grace
	}

	kept := false
	runEntry(ctx, r.client, timeout, spec, runHooks{
		// The ID goes into the state before the wait, so that a failed or interrupted
		// wait leaves the action on record.
		Initiated: func(acts []client.Action) {
			plan.LastActionID = types.StringValue(strconv.FormatInt(acts[0].ID, 10))
		},
		Read: progressLogger(ctx),
		PowerOffInitiated: func(a *client.Action) {
			plan.LastActionID = types.StringValue(strconv.FormatInt(a.ID, 10))
		},
	}, diags, func(o *runOutcome) {
		switch {
		case o.ok() && len(o.Actions) > 0:
			// The action completed, so DigitalOcean now reports the status it reaches.
			plan.Status = types.StringValue(reaches(spec.Request.Type))
		case len(o.Droplets) > 0:
			plan.Status = types.StringValue(o.Droplets[0].Status)
		default:
			plan.Status = types.StringNull()
		}
		switch {
		case !diags.HasError():
			diags.Append(state.Set(ctx, plan)...)
		case len(o.Actions) > 0:
			if prior != nil {
				plan.State = prior.State
			}
			diags.Append(state.Set(ctx, plan)...)
		case prior != nil:
			diags.Append(state.Set(ctx, prior)...)
		default:
			return
		}
		kept = true
	})
	return kept
}

func (r *DropletPowerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dropletPowerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.DropletID.ValueInt64()
	// Terraform before 1.12 sends no identity: set it on every path, even the removal.
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(id)})...)
	}
	d, _, err := r.client.GetDroplet(ctx, id)
	switch {
	case client.IsNotFound(err):
		// Unlike an action, a power state is a setting of something that is gone.
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Could not read droplet", errorDetail(actionRef{DropletID: id}, err))
		return
	}
	if s, ok := powerStateOf(d.Status); ok {
		state.State = types.StringValue(s)
	} else if d.Status == client.DropletArchive {
		resp.Diagnostics.AddAttributeError(path.Root("droplet_id"), "Droplet is archived", (&errArchived{DropletID: id}).Error()+
			". Its power state cannot be kept: remove the resource from the configuration, or `terraform state rm` it.")
		return
	}
	// A droplet still being created ("new") keeps the state it had: the next apply waits
	// for it to finish, then acts only if it must.
	state.Status = types.StringValue(d.Status)
	state.ID = types.StringValue(strconv.FormatInt(id, 10))
	if state.ShutdownTimeout.IsNull() {
		state.ShutdownTimeout = types.StringValue(defaultShutdownTimeout)
	}
	if state.Timeouts.Object.IsNull() {
		state.Timeouts = timeouts.Value{Object: types.ObjectNull(state.Timeouts.AttributeTypes(ctx))}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(id)})...)
	}
}

func (r *DropletPowerResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
	// The droplet keeps its power state: destroying the resource only stops keeping it.
}

func (r *DropletPowerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var id int64
	if req.ID != "" {
		n, err := strconv.ParseInt(req.ID, 10, 64)
		if err != nil || n <= 0 {
			resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import a droplet's power state by the droplet's numeric ID, such as 123456789; got %q.", req.ID))
			return
		}
		id = n
	} else if req.Identity != nil {
		var ident powerIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		id = ident.DropletID.ValueInt64()
		if !resp.Diagnostics.HasError() && id <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("droplet_id"), "Invalid import identity", fmt.Sprintf("droplet_id must be a positive droplet ID, got %d.", id))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("droplet_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), strconv.FormatInt(id, 10))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("shutdown_timeout"), defaultShutdownTimeout)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(id)})...)
	}
}
