package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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

// progressEvery is how often a long wait reports that it is still going.
const progressEvery = 10 * time.Second

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
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a DigitalOcean droplet action and waits for it, without a resource to keep: " +
			"from `terraform apply -invoke=action.gradient_droplet_action.NAME`, or from an `action_trigger` in a resource's `lifecycle`. " +
			"With `tag_name` instead of `droplet_id`, it acts on every droplet carrying the tag (bulk-eligible types only) and waits for every resulting action. Needs Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"droplet_id": schema.Int64Attribute{
				CustomType:          dropletIDType{},
				Optional:            true,
				MarkdownDescription: "ID of the droplet to act on. Set exactly one of `droplet_id` and `tag_name`.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"tag_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Act on every droplet carrying this tag. Only the bulk-eligible types take it: " + strings.Join(quoteAll(client.BulkActionTypeNames()), ", ") + ".",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: typeDescription(false),
				Validators:          []validator.String{stringvalidator.OneOf(client.ActionTypeNames()...)},
			},
			"image":  schema.StringAttribute{Optional: true, MarkdownDescription: paramDescription(client.ParamImage)},
			"size":   schema.StringAttribute{Optional: true, MarkdownDescription: paramDescription(client.ParamSize)},
			"disk":   schema.BoolAttribute{Optional: true, MarkdownDescription: paramDescription(client.ParamDisk) + " Defaults to `false`."},
			"name":   schema.StringAttribute{Optional: true, MarkdownDescription: paramDescription(client.ParamName)},
			"kernel": schema.Int64Attribute{Optional: true, MarkdownDescription: paramDescription(client.ParamKernel)},
			"backup_policy": schema.SingleNestedAttribute{
				Optional:            true,
				MarkdownDescription: paramDescription(client.ParamBackupPolicy),
				Attributes: map[string]schema.Attribute{
					"plan":    schema.StringAttribute{Required: true, MarkdownDescription: descBackupPlan},
					"weekday": schema.StringAttribute{Optional: true, MarkdownDescription: descBackupWeekday},
					"hour":    schema.Int64Attribute{Optional: true, MarkdownDescription: descBackupHour},
				},
			},
			"power_off_after": schema.StringAttribute{Optional: true, MarkdownDescription: powerOffAfterDescription},
		},
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
	if !cfg.TagName.IsNull() && !cfg.Type.IsUnknown() {
		if info, ok := client.LookupActionType(client.ActionType(cfg.Type.ValueString())); ok && !info.Bulk {
			resp.Diagnostics.AddAttributeError(path.Root("tag_name"), "Action type cannot run by tag",
				fmt.Sprintf("type %q cannot be initiated by tag. Bulk-eligible types are: %s.", info.Type, strings.Join(client.BulkActionTypeNames(), ", ")))
		}
	}
	if !cfg.TagName.IsNull() {
		// The by-tag endpoint takes the bare action but for the parameters the table marks
		// ByTag (a snapshot's name).
		info, _ := client.LookupActionType(client.ActionType(cfg.Type.ValueString()))
		for _, p := range client.AllParams {
			if cfg.paramIsSet(p) && !info.TakesByTag(p) {
				resp.Diagnostics.AddAttributeError(path.Root(string(p)), "Argument not taken by tag",
					fmt.Sprintf("%s cannot be sent with tag_name: the by-tag endpoint takes no parameters except a snapshot's name.", p))
			}
		}
	}
	if !cfg.TagName.IsNull() && !cfg.PowerOffAfter.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("power_off_after"), "Conflicting arguments", "power_off_after works with droplet_id only.")
	}
}

func (a *DropletActionAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// progress sends progress messages, never after ctx is done, and serializes concurrent
// senders (bulk waits report from several goroutines).
type progress struct {
	ctx  context.Context
	mu   sync.Mutex
	send func(action.InvokeProgressEvent)
}

func (p *progress) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.send == nil || p.ctx.Err() != nil {
		return
	}
	p.send(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
}

func (a *DropletActionAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg dropletActionActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := cfg.Timeouts.Invoke(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p := &progress{ctx: ctx, send: resp.SendProgress}

	typ := client.ActionType(cfg.Type.ValueString())
	areq, _, d := cfg.request(ctx, typ)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !cfg.TagName.IsNull() {
		a.invokeByTag(ctx, cfg.TagName.ValueString(), areq, p, resp)
		return
	}

	ref := actionRef{Type: string(typ), DropletID: cfg.DropletID.ValueInt64()}
	unlock, err := a.client.LockDroplet(ctx, ref.DropletID)
	if err != nil {
		resp.Diagnostics.AddError("Droplet action not started", errorDetail(ref, err))
		return
	}
	defer unlock()
	act, _, err := a.client.Initiate(ctx, ref.DropletID, areq)
	if err != nil {
		resp.Diagnostics.AddError(initiateFailureSummary(err), errorDetail(ref, err))
		return
	}
	ref.ActionID = act.ID
	p.say("%s initiated on droplet %d: action %d", typ, ref.DropletID, act.ID)
	start := time.Now()
	if _, err := a.client.WaitForDropletAction(ctx, ref.DropletID, act.ID, stillRunning(p, act, start)); err != nil {
		resp.Diagnostics.AddError(waitFailureSummary(err), errorDetail(ref, err))
		return
	}
	p.say("%s on droplet %d completed in %s (action %d)", typ, ref.DropletID, seconds(time.Since(start)), act.ID)

	grace, _ := parsePowerOffAfter(cfg.PowerOffAfter)
	if typ != client.ActionShutdown || grace == 0 {
		return
	}
	pa, err := a.client.EnsureOff(ctx, ref.DropletID, grace, func(pa *client.Action) {
		p.say("droplet %d still on %s after the shutdown: power_off initiated, action %d", ref.DropletID, grace, pa.ID)
	})
	if err != nil {
		resp.Diagnostics.AddError(fallbackSummary(err), errorDetail(fallbackRef(ref, pa, err), err))
		return
	}
	if pa != nil {
		p.say("droplet %d powered off by the fallback (action %d)", ref.DropletID, pa.ID)
	}
}

// stillRunning reports a long wait every progressEvery.
func stillRunning(p *progress, act *client.Action, start time.Time) func(*client.Action) {
	next := start.Add(progressEvery)
	return func(cur *client.Action) {
		if cur.Status == client.StatusInProgress && time.Now().After(next) {
			p.say("%s on droplet %d still in progress after %s (action %d)", act.Type, act.ResourceID, seconds(time.Since(start)), act.ID)
			next = time.Now().Add(progressEvery)
		}
	}
}

// bulkStillRunning reports, every progressEvery, how many of a bulk action's actions are
// still in progress. It is called from several waits at once.
func bulkStillRunning(p *progress, total int, start time.Time) func(*client.Action) {
	var mu sync.Mutex
	running := make(map[int64]bool, total)
	next := start.Add(progressEvery)
	return func(cur *client.Action) {
		mu.Lock()
		defer mu.Unlock()
		running[cur.ID] = cur.Status == client.StatusInProgress
		if time.Now().Before(next) {
			return
		}
		n := 0
		for _, r := range running {
			if r {
				n++
			}
		}
		// Actions not read yet are still running as far as anyone knows.
		n += total - len(running)
		if n > 0 {
			p.say("%d of %d %s actions still in progress after %s", n, total, cur.Type, seconds(time.Since(start)))
			next = time.Now().Add(progressEvery)
		}
	}
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

func (a *DropletActionAction) invokeByTag(ctx context.Context, tag string, areq client.ActionRequest, p *progress, resp *action.InvokeResponse) {
	ref := actionRef{Type: string(areq.Type), Tag: tag}
	unlock, err := lockTagged(ctx, a.client, tag)
	if errors.Is(err, errNoTaggedDroplets) {
		resp.Diagnostics.AddAttributeError(path.Root("tag_name"), "Bulk droplet action not started", noTaggedDropletsDetail(tag, string(areq.Type)))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Bulk droplet action not started", errorDetail(ref, err))
		return
	}
	defer unlock()
	acts, _, err := a.client.InitiateByTag(ctx, tag, areq)
	if err != nil {
		resp.Diagnostics.AddError("Bulk droplet action not started", errorDetail(ref, err))
		return
	}
	ids := make([]string, len(acts))
	for i, act := range acts {
		ids[i] = strconv.FormatInt(act.ID, 10)
	}
	p.say("%s initiated on %d droplets tagged %q: actions %s", areq.Type, len(acts), tag, strings.Join(ids, ", "))
	start := time.Now()
	errs := a.client.WaitForActions(ctx, acts, maxConcurrentBulkWaits, bulkStillRunning(p, len(acts), start))
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, fmt.Sprintf("action %d on droplet %d: %v", acts[i].ID, acts[i].ResourceID, err))
		}
	}
	if len(failed) > 0 {
		resp.Diagnostics.AddError("Bulk droplet action failed",
			fmt.Sprintf("%d of %d actions of type %s for tag %q did not complete:\n  %s", len(failed), len(acts), areq.Type, tag, strings.Join(failed, "\n  ")))
		return
	}
	p.say("%s completed on %d droplets tagged %q in %s", areq.Type, len(acts), tag, seconds(time.Since(start)))
}
