package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ action.ActionWithConfigure      = (*DropletRolloutAction)(nil)
	_ action.ActionWithValidateConfig = (*DropletRolloutAction)(nil)
)

// NewDropletRolloutAction returns the gradient_droplet_rollout Terraform action.
func NewDropletRolloutAction() action.Action { return &DropletRolloutAction{} }

// DropletRolloutAction runs a rollout imperatively, with a progress message for each
// droplet's steps, health, failure and skip; nothing is kept, so there is no resume.
type DropletRolloutAction struct {
	client *client.Client
}

type dropletRolloutActionModel struct {
	rolloutConfigModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (a *DropletRolloutAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_rollout"
}

func (a *DropletRolloutAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs the same rollout as the `gradient_droplet_rollout` resource, without a resource to keep: " +
			"from `terraform apply -invoke=action.gradient_droplet_rollout.NAME`, or from an `action_trigger` in a resource's `lifecycle`. " +
			"It takes the resource's arguments but `triggers`, and sends a progress message each time a droplet starts a step, completes it, becomes healthy, fails or is skipped. " +
			"Nothing is recorded, so it cannot resume: invoked again, it acts on every droplet again, except those that `skip_matching` finds already matching. Needs Terraform 1.14 or later.",
		Attributes: rolloutAttributes(rolloutSchema[schema.Attribute]{
			Params: paramSchema[schema.Attribute]{
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
			},
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
		}),
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long the whole rollout may take, such as `90m`. Defaults to `" + defaultCreateTimeoutText + "`. When it runs out, the droplets in progress fail and the others are not started.",
			}),
		},
	}
}

func (a *DropletRolloutAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *DropletRolloutAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var cfg dropletRolloutActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.validate(ctx, &resp.Diagnostics)
	timeout, d := cfg.Timeouts.Invoke(ctx, defaultCreateTimeout)
	validateTimeout("invoke", timeout, d, &resp.Diagnostics)
}

func (a *DropletRolloutAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg dropletRolloutActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := cfg.validate(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	timeout, d := cfg.Timeouts.Invoke(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := &progress{ctx: ctx, send: resp.SendProgress}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ids, _ := cfg.dropletIDs(ctx, &resp.Diagnostics)
	tag := cfg.TagName.ValueString()
	targets, err := rolloutTargets(runCtx, a.client, tag, ids)
	switch {
	case err != nil:
		resp.Diagnostics.AddError("Rollout not started", errorDetail(actionRef{Tag: tag}, err)+"\n\nNo action was started.")
		return
	case len(targets) == 0:
		resp.Diagnostics.AddAttributeError(path.Root("tag_name"), "Rollout not started", noTaggedDropletsDetail(tag, "rollout"))
		return
	}
	p.say("rollout starting over %d droplets", len(targets))
	results := rolloutRun(runCtx, a.client, spec, entryInvoke, targets, p.say)
	switch {
	case rolloutFailed(results, spec.MaxFailures):
		resp.Diagnostics.AddError("Droplet rollout failed", rolloutTable(results, runCtx.Err(), "Nothing is recorded: invoked again, the rollout acts on every droplet again, except those skip_matching finds already matching."))
	case failedCount(results) > 0:
		resp.Diagnostics.AddWarning("Some droplets failed, within max_failures", rolloutTable(results, nil, ""))
	default:
		p.say("rollout done: %d droplets", len(results))
	}
}
