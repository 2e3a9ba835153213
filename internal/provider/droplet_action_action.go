package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ action.ActionWithConfigure        = (*DropletActionAction)(nil)
	_ action.ActionWithValidateConfig   = (*DropletActionAction)(nil)
	_ action.ActionWithConfigValidators = (*DropletActionAction)(nil)
)

// NewDropletActionAction returns the gradient_droplet_action Terraform action.
func NewDropletActionAction() action.Action { return &DropletActionAction{} }

// DropletActionAction runs a droplet action imperatively: `terraform apply -invoke`, or an
// action_trigger in a resource's lifecycle.
type DropletActionAction struct {
	client *client.Client
}

type dropletActionActionModel struct {
	DropletID dropletIDValue `tfsdk:"droplet_id"`
	TagName   types.String   `tfsdk:"tag_name"`
	Type      types.String   `tfsdk:"type"`
	actionParams
	PowerOffAfter types.String   `tfsdk:"power_off_after"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (a *DropletActionAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_action"
}

func (a *DropletActionAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	attrs := actionParamAttributes()
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a DigitalOcean droplet action and waits for it, without a resource to keep: " +
			"from `terraform apply -invoke=action.gradient_droplet_action.NAME`, or from an `action_trigger` in a resource's `lifecycle`. " +
			"With `tag_name` instead of `droplet_id`, it acts on every droplet carrying the tag (bulk-eligible types only) and waits for every resulting action. Needs Terraform 1.14 or later.",
		Attributes: mergeAttributes(attrs, map[string]schema.Attribute{
			"droplet_id": schema.Int64Attribute{
				CustomType:          dropletIDType{},
				Optional:            true,
				MarkdownDescription: "ID of the droplet to act on. Set exactly one of `droplet_id` and `tag_name`.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"tag_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Act on every droplet carrying this tag. Only the bulk-eligible types take it: " + strings.Join(quoteAll(client.BulkActionTypeNames()), ", ") + ". " + tagNameRule,
				Validators:          []validator.String{tagNameValidator{}},
			},
			"type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: typeDescription(false),
				Validators:          []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
			},
			"power_off_after": schema.StringAttribute{Optional: true, MarkdownDescription: powerOffAfterDescription},
		}),
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long to wait for the action, such as `30m`. Defaults to `" + defaultCreateTimeoutText + "`. When it runs out, the action goes on at DigitalOcean.",
			}),
		},
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return out
}

func (a *DropletActionAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{
		actionvalidator.ExactlyOneOf(path.MatchRoot("droplet_id"), path.MatchRoot("tag_name")),
	}
}

func (a *DropletActionAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var cfg dropletActionActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.validate(ctx, cfg.Type, &resp.Diagnostics)
	validatePowerOffAfter(cfg.Type, cfg.PowerOffAfter, types.BoolValue(true), &resp.Diagnostics)
	timeout, d := cfg.Timeouts.Invoke(ctx, defaultCreateTimeout)
	validateTimeout("invoke", timeout, d, &resp.Diagnostics)
	if !cfg.TagName.IsNull() {
		validateByTag(path.Root("tag_name"), cfg.Type, cfg.paramIsSet, &resp.Diagnostics)
	}
	if !cfg.TagName.IsNull() && !cfg.PowerOffAfter.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("power_off_after"), "Conflicting arguments", "power_off_after works with droplet_id only.")
	}
}

func (a *DropletActionAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *DropletActionAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg dropletActionActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := &progress{ctx: ctx, send: resp.SendProgress}
	// A long wait on the API's rate budget shows as it begins. The hook runs before the
	// wait; say sends nothing once ctx has ended, so it never outlives Invoke.
	ctx = client.WithBudgetWaitHook(ctx, func(w client.BudgetWait) {
		p.say("waiting %s for the API request budget (%s); resuming at %s", seconds(w.Wait), w.Reason, w.Until.UTC().Format("15:04:05 MST"))
	})

	typ := client.ActionType(cfg.Type.ValueString())
	areq, _, d := cfg.request(ctx, typ)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	grace, _ := parsePowerOffAfter(cfg.PowerOffAfter)
	spec := runSpec{DropletID: cfg.DropletID.ValueInt64(), Tag: cfg.TagName.ValueString(), Request: areq, PowerOffAfter: grace, SkipDone: true, Entry: entryInvoke}
	where := fmt.Sprintf("droplet %d", spec.DropletID)
	if spec.Tag != "" {
		where = fmt.Sprintf("droplets tagged %q", spec.Tag)
	}

	var start time.Time
	var started []client.Action
	o := runEntry(ctx, a.client, cfg.Timeouts.Invoke, spec, runHooks{
		Initiated: func(acts []client.Action) {
			start, started = time.Now(), acts
			if spec.Tag == "" {
				p.say("%s initiated on droplet %d: action %d", typ, spec.DropletID, acts[0].ID)
				return
			}
			p.say("%s initiated on %d %s: actions %s", typ, len(acts), where, joinActionIDs(acts, ", "))
		},
		Read: stillRunning(p, &start, func() int { return len(started) }),
		PowerOffInitiated: func(pa *client.Action) {
			p.say("droplet %d still on %s after the shutdown: power_off initiated, action %d", spec.DropletID, grace, pa.ID)
		},
		Skipped: func(d client.Droplet) {
			p.say("droplet %d is already %s: no %s sent", d.ID, d.Status, typ)
		},
	}, &resp.Diagnostics, nil)
	if o == nil || !o.ok() || len(o.Actions) == 0 {
		return
	}
	switch {
	case spec.Tag != "":
		p.say("%s completed on %d %s in %s", typ, len(o.Actions), where, seconds(time.Since(start)))
	default:
		p.say("%s on droplet %d completed in %s (action %d)", typ, spec.DropletID, seconds(time.Since(start)), o.Actions[0].ID)
	}
	if o.PowerOff != nil {
		p.say("droplet %d powered off by the fallback (action %d)", spec.DropletID, o.PowerOff.ID)
	}
}

// actionParamAttributes are the parameters as action attributes.
func actionParamAttributes() map[string]schema.Attribute {
	return paramAttributes(paramSchema[schema.Attribute]{
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
	})
}
