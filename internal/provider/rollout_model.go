package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/health"
)

// This file holds what the gradient_droplet_rollout resource and Terraform action share:
// their configuration (schema, model, plan-time validation, defaults), the droplets they
// act on, and the computed droplets list.

// Outcomes of one droplet of a rollout.
const (
	outcomeDone       = "done"
	outcomeSkipped    = "skipped"
	outcomeFailed     = "failed"
	outcomeNotStarted = "not_started"
)

// rolloutSpec is what a rollout does to each droplet, and how many at once.
type rolloutSpec struct {
	Steps        []client.ActionRequest
	MaxParallel  int
	Canary       int
	Pause        time.Duration
	MaxFailures  int
	SkipMatching bool
	// HealthURL, when not empty, is the health check's URL template; Health its gate.
	HealthURL string
	Health    health.Check
}

// rolloutResult is what became of one droplet.
type rolloutResult struct {
	DropletID  int64
	Name       string
	Outcome    string
	ActionIDs  []int64
	SnapshotID string
	StartedAt  time.Time
	FinishedAt time.Time
	Message    string
}

// maxRolloutSteps is the most steps a rollout takes.
const maxRolloutSteps = 10

// Defaults of a rollout's optional arguments.
const (
	defaultRolloutPause    = "0s"
	defaultHealthStatus    = 200
	defaultHealthInterval  = "5s"
	defaultHealthFor       = "10s"
	defaultHealthDeadline  = "5m"
	defaultRolloutParallel = 1
)

// rolloutConfigModel is the configuration both the resource and the action take.
type rolloutConfigModel struct {
	TagName      types.String `tfsdk:"tag_name"`
	DropletIDs   types.List   `tfsdk:"droplet_ids"`
	MaxParallel  types.Int64  `tfsdk:"max_parallel"`
	Canary       types.Int64  `tfsdk:"canary"`
	Pause        types.String `tfsdk:"pause"`
	MaxFailures  types.Int64  `tfsdk:"max_failures"`
	Steps        types.List   `tfsdk:"steps"`
	HealthCheck  types.Object `tfsdk:"health_check"`
	SkipMatching types.Bool   `tfsdk:"skip_matching"`
}

type rolloutStepModel struct {
	Type types.String `tfsdk:"type"`
	actionParams
}

type rolloutHealthModel struct {
	URL          types.String `tfsdk:"url"`
	ExpectStatus types.Int64  `tfsdk:"expect_status"`
	Interval     types.String `tfsdk:"interval"`
	HealthyFor   types.String `tfsdk:"healthy_for"`
	Deadline     types.String `tfsdk:"deadline"`
}

// rolloutDropletModel is one entry of the computed droplets list.
type rolloutDropletModel struct {
	DropletID  types.Int64  `tfsdk:"droplet_id"`
	Name       types.String `tfsdk:"name"`
	Outcome    types.String `tfsdk:"outcome"`
	ActionIDs  types.List   `tfsdk:"action_ids"`
	SnapshotID types.String `tfsdk:"snapshot_id"`
	StartedAt  types.String `tfsdk:"started_at"`
	FinishedAt types.String `tfsdk:"finished_at"`
	Message    types.String `tfsdk:"message"`
}

var rolloutDropletAttrTypes = map[string]attr.Type{
	"droplet_id":  types.Int64Type,
	"name":        types.StringType,
	"outcome":     types.StringType,
	"action_ids":  types.ListType{ElemType: types.Int64Type},
	"snapshot_id": types.StringType,
	"started_at":  types.StringType,
	"finished_at": types.StringType,
	"message":     types.StringType,
}

var rolloutDropletType = types.ObjectType{AttrTypes: rolloutDropletAttrTypes}

// rolloutSchema makes the attributes of one schema flavour (the resource's, the
// action's), as paramSchema does for the request parameters.
type rolloutSchema[A any] struct {
	Params    paramSchema[A]
	String    func(desc string, required bool, vs ...validator.String) A
	Int64     func(desc string) A
	Bool      func(desc string) A
	Int64List func(desc string) A
	Steps     func(desc string, attrs map[string]A) A
	Object    func(desc string, attrs map[string]A) A
}

// Descriptions shared by the resource's and the action's pages.
const (
	descRolloutTagName     = "Roll out over the droplets carrying this tag, in ascending order of ID. Set exactly one of `tag_name` and `droplet_ids`. "
	descRolloutDropletIDs  = "Roll out over these droplets, in this order. Set exactly one of `tag_name` and `droplet_ids`; no ID may appear twice."
	descRolloutMaxParallel = "The most droplets in progress at once, at least 1; defaults to 1. It is a window, not batches: when a droplet finishes (its steps completed and, with a health check, healthy), the next one starts."
	descRolloutCanary      = "The first `canary` droplets run alone, one at a time, before any other starts. Defaults to 0. At least as many as the targets is a plan-time warning."
	descRolloutPause       = "How long a slot waits after its droplet finishes before it starts the next one, such as `30s` (Nomad's `stagger`). Defaults to `0s`. A skipped droplet is not waited after."
	descRolloutMaxFailures = "How many droplets may fail (an errored action, a refused request, a missed health deadline) before the rollout stops starting new ones; droplets in progress still finish. Defaults to 0. A rollout with more failures, or with droplets never started, fails."
	descRolloutSkip        = "Skip a droplet that already is what the steps would make it, and a power step whose state the droplet already has. Only `power_on`, `power_off`, `shutdown` and `resize` (to the droplet's size, without `disk`) can match; a rollout with any other step type never skips a droplet. Defaults to `true`."
	descRolloutSteps       = "1 to 10 steps, run in order on each droplet: a step starts once the previous one has completed. Each is a `type` and the same optional parameters as `gradient_droplet_action`, validated per type at plan time."
	descRolloutHealth      = "Optional. After a droplet's steps complete, it counts as done only once `url` has answered `expect_status` for `healthy_for` without a break, within `deadline`. " +
		"The request is the provider's own plain GET: it carries no DigitalOcean token and none of the provider's headers, follows no redirect (a 3xx is an answer like any other), uses no proxy, and verifies TLS. " +
		"Without a health check, a droplet is done when its steps completed and its status is `active` (or `off`, when its last power step turns it off)."
	descHealthURL = "The URL to request, `http` or `https` only, with the placeholders `{id}`, `{name}`, `{ipv4_public}` and `{ipv4_private}` taken from the droplet as read before its steps, such as `http://{ipv4_private}:8080/healthz`. Anything else in braces is refused at plan time."
)

// rolloutAttributes builds the attributes both flavours share.
func rolloutAttributes[A any](s rolloutSchema[A]) map[string]A {
	stepAttrs := paramAttributes(s.Params)
	stepAttrs["type"] = s.String(typeDescription(false), true)
	return map[string]A{
		"tag_name":      s.String(descRolloutTagName+tagNameRule, false, tagNameValidator{}),
		"droplet_ids":   s.Int64List(descRolloutDropletIDs),
		"max_parallel":  s.Int64(descRolloutMaxParallel),
		"canary":        s.Int64(descRolloutCanary),
		"pause":         s.String(descRolloutPause, false),
		"max_failures":  s.Int64(descRolloutMaxFailures),
		"skip_matching": s.Bool(descRolloutSkip),
		"steps":         s.Steps(descRolloutSteps, stepAttrs),
		"health_check": s.Object(descRolloutHealth, map[string]A{
			"url":           s.String(descHealthURL, true),
			"expect_status": s.Int64("The HTTP status that means healthy. Defaults to 200."),
			"interval":      s.String("Time between two requests, and each request's own time limit, such as `5s`. Defaults to `5s`.", false),
			"healthy_for":   s.String("How long `url` must answer `expect_status` without a break, such as `10s`. Defaults to `10s`.", false),
			"deadline":      s.String("How long after its steps complete a droplet has to become healthy, such as `5m`; past it, the droplet failed. Defaults to `5m`.", false),
		}),
	}
}

// parseRolloutDuration parses a duration argument, or its default when null. Unknown:
// ok false.
func parseRolloutDuration(v types.String, def string, at path.Path, diags *diag.Diagnostics) (time.Duration, bool) {
	if v.IsUnknown() {
		return 0, false
	}
	s := def
	if !v.IsNull() {
		s = v.ValueString()
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		diags.AddAttributeError(at, "Invalid duration", fmt.Sprintf("%q is not a duration, such as \"30s\" or \"5m\": %v.", s, err))
		return 0, false
	case d < 0:
		diags.AddAttributeError(at, "Invalid duration", fmt.Sprintf("%q is negative: a duration here is 0 or more.", s))
		return 0, false
	}
	return d, true
}

// intOr is v, or def when null; ok false when unknown.
func intOr(v types.Int64, def int64) (int64, bool) {
	if v.IsUnknown() {
		return 0, false
	}
	if v.IsNull() {
		return def, true
	}
	return v.ValueInt64(), true
}

// validate refuses, at plan time and with no request, every bad input; unknown values
// are judged once known. It returns the spec when everything is known and valid.
func (m *rolloutConfigModel) validate(ctx context.Context, diags *diag.Diagnostics) (rolloutSpec, bool) {
	var spec rolloutSpec
	known := true
	switch {
	case m.TagName.IsNull() && m.DropletIDs.IsNull():
		diags.AddAttributeError(path.Root("tag_name"), "Missing targets", "Set exactly one of tag_name and droplet_ids: the droplets to roll out over.")
	case !m.TagName.IsNull() && !m.DropletIDs.IsNull():
		diags.AddAttributeError(path.Root("droplet_ids"), "Conflicting arguments", "Set exactly one of tag_name and droplet_ids, not both.")
	}
	ids, idsKnown := m.dropletIDs(ctx, diags)
	seen := map[int64]bool{}
	for i, id := range ids {
		if id < 1 {
			diags.AddAttributeError(path.Root("droplet_ids").AtListIndex(i), "Invalid droplet ID", fmt.Sprintf("%d is not a droplet ID: IDs are 1 or more.", id))
		}
		if seen[id] {
			diags.AddAttributeError(path.Root("droplet_ids").AtListIndex(i), "Duplicate droplet ID", fmt.Sprintf("droplet %d appears more than once in droplet_ids: a rollout acts on each droplet once.", id))
		}
		seen[id] = true
	}
	if !m.DropletIDs.IsNull() && idsKnown && len(ids) == 0 {
		diags.AddAttributeError(path.Root("droplet_ids"), "No droplets", "droplet_ids is empty: name at least one droplet.")
	}
	intArg := func(v types.Int64, def, least int64, name string) int {
		n, ok := intOr(v, def)
		if !ok {
			known = false
			return 0
		}
		if n < least {
			diags.AddAttributeError(path.Root(name), "Value out of range", fmt.Sprintf("%s must be at least %d, got %d.", name, least, n))
		}
		return int(n)
	}
	spec.MaxParallel = intArg(m.MaxParallel, defaultRolloutParallel, 1, "max_parallel")
	spec.Canary = intArg(m.Canary, 0, 0, "canary")
	spec.MaxFailures = intArg(m.MaxFailures, 0, 0, "max_failures")
	var ok bool
	if spec.Pause, ok = parseRolloutDuration(m.Pause, defaultRolloutPause, path.Root("pause"), diags); !ok {
		known = false
	}
	spec.SkipMatching = m.SkipMatching.IsNull() || m.SkipMatching.ValueBool()
	known = known && !m.SkipMatching.IsUnknown()
	steps, stepsKnown := m.steps(ctx, diags)
	spec.Steps = steps
	known = known && stepsKnown && m.health(ctx, &spec, diags) && idsKnown
	if idsKnown && !m.DropletIDs.IsNull() && spec.Canary > 0 && spec.Canary >= len(ids) && !m.Canary.IsUnknown() {
		diags.AddAttributeWarning(path.Root("canary"), "Every droplet is a canary", canaryWarning(spec.Canary, len(ids)))
	}
	return spec, known && !diags.HasError()
}

func canaryWarning(canary, targets int) string {
	return fmt.Sprintf("canary = %d and the rollout has %d droplets: every droplet runs alone, one at a time, and max_parallel never applies.", canary, targets)
}

// dropletIDs returns droplet_ids as configured; known false when unknown.
func (m *rolloutConfigModel) dropletIDs(ctx context.Context, diags *diag.Diagnostics) ([]int64, bool) {
	if m.DropletIDs.IsNull() {
		return nil, true
	}
	if m.DropletIDs.IsUnknown() {
		return nil, false
	}
	var vs []types.Int64
	diags.Append(m.DropletIDs.ElementsAs(ctx, &vs, false)...)
	ids := make([]int64, 0, len(vs))
	for _, v := range vs {
		if v.IsUnknown() || v.IsNull() {
			return nil, false
		}
		ids = append(ids, v.ValueInt64())
	}
	return ids, true
}

// steps validates the steps by the action-type table and returns their requests.
func (m *rolloutConfigModel) steps(ctx context.Context, diags *diag.Diagnostics) ([]client.ActionRequest, bool) {
	if m.Steps.IsUnknown() {
		return nil, false
	}
	var steps []rolloutStepModel
	diags.Append(m.Steps.ElementsAs(ctx, &steps, false)...)
	if diags.HasError() {
		return nil, false
	}
	if len(steps) == 0 || len(steps) > maxRolloutSteps {
		diags.AddAttributeError(path.Root("steps"), "Wrong number of steps", fmt.Sprintf("steps holds %d steps: a rollout takes 1 to %d.", len(steps), maxRolloutSteps))
		return nil, false
	}
	known := true
	reqs := make([]client.ActionRequest, len(steps))
	for i := range steps {
		st := &steps[i]
		at := path.Root("steps").AtListIndex(i)
		if st.Type.IsUnknown() {
			known = false
			continue
		}
		typ := st.Type.ValueString()
		if _, ok := client.LookupActionType(client.ActionType(typ)); !ok {
			diags.AddAttributeError(at.AtName("type"), "Unknown action type", fmt.Sprintf("%q is not a droplet action type. Action types: %s.", typ, strings.Join(client.ActionTypeNames(), ", ")))
			continue
		}
		// The parameters' own rules, with their errors moved under this step.
		var own diag.Diagnostics
		st.validate(ctx, st.Type, &own)
		for _, d := range own {
			detail := fmt.Sprintf("steps[%d]: %s", i, d.Detail())
			if d.Severity() == diag.SeverityError {
				diags.AddAttributeError(at, d.Summary(), detail)
			} else {
				diags.AddAttributeWarning(at, d.Summary(), detail)
			}
		}
		if own.HasError() {
			continue
		}
		req, k, d := st.request(ctx, client.ActionType(typ))
		diags.Append(d...)
		known = known && k
		reqs[i] = req
	}
	return reqs, known
}

// health validates the health check into spec; false when something is unknown.
func (m *rolloutConfigModel) health(ctx context.Context, spec *rolloutSpec, diags *diag.Diagnostics) bool {
	if m.HealthCheck.IsNull() {
		return true
	}
	if m.HealthCheck.IsUnknown() {
		return false
	}
	var h rolloutHealthModel
	diags.Append(m.HealthCheck.As(ctx, &h, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return false
	}
	at := path.Root("health_check")
	known := true
	if h.URL.IsUnknown() {
		known = false
	} else if err := health.ValidateTemplate(h.URL.ValueString()); err != nil {
		diags.AddAttributeError(at.AtName("url"), "Invalid health check URL", fmt.Sprintf("%q: %v.", h.URL.ValueString(), err))
	}
	spec.HealthURL = h.URL.ValueString()
	status, ok := intOr(h.ExpectStatus, defaultHealthStatus)
	known = known && ok
	if ok && (status < 100 || status > 599) {
		diags.AddAttributeError(at.AtName("expect_status"), "Invalid HTTP status", fmt.Sprintf("%d is not an HTTP status: 100 to 599.", status))
	}
	spec.Health.ExpectStatus = int(status)
	var k1, k2, k3 bool
	spec.Health.Interval, k1 = parseRolloutDuration(h.Interval, defaultHealthInterval, at.AtName("interval"), diags)
	spec.Health.HealthyFor, k2 = parseRolloutDuration(h.HealthyFor, defaultHealthFor, at.AtName("healthy_for"), diags)
	spec.Health.Deadline, k3 = parseRolloutDuration(h.Deadline, defaultHealthDeadline, at.AtName("deadline"), diags)
	if k1 && spec.Health.Interval == 0 {
		diags.AddAttributeError(at.AtName("interval"), "Invalid duration", "interval must be more than 0s.")
	}
	return known && k1 && k2 && k3
}

// rolloutTargets reads the droplets to roll out over, in rollout order: the tag's, in
// ascending order of ID, or droplet_ids', in their order.
func rolloutTargets(ctx context.Context, c *client.Client, tag string, ids []int64) ([]client.Droplet, error) {
	if tag != "" {
		ds, err := c.DropletsByTag(ctx, tag)
		if err != nil {
			return nil, fmt.Errorf("listing the droplets tagged %q: %w", tag, err)
		}
		return ds, nil
	}
	return readDroplets(ctx, c, ids)
}

// readDroplets reads each droplet, in order.
func readDroplets(ctx context.Context, c *client.Client, ids []int64) ([]client.Droplet, error) {
	ds := make([]client.Droplet, 0, len(ids))
	for _, id := range ids {
		d, _, err := c.GetDroplet(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading droplet %d: %w", id, err)
		}
		ds = append(ds, *d)
	}
	return ds, nil
}

// plannedDroplet is a target as a plan shows it: its ID and name, the rest unknown until
// the apply.
func plannedDroplet(id int64, name string) attr.Value {
	return types.ObjectValueMust(rolloutDropletAttrTypes, map[string]attr.Value{
		"droplet_id":  types.Int64Value(id),
		"name":        types.StringValue(name),
		"outcome":     types.StringUnknown(),
		"action_ids":  types.ListUnknown(types.Int64Type),
		"snapshot_id": types.StringUnknown(),
		"started_at":  types.StringUnknown(),
		"finished_at": types.StringUnknown(),
		"message":     types.StringUnknown(),
	})
}

// resultValue is a droplet's result as the state keeps it.
func resultValue(r rolloutResult) attr.Value {
	ids := make([]attr.Value, len(r.ActionIDs))
	for i, id := range r.ActionIDs {
		ids[i] = types.Int64Value(id)
	}
	str := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	at := func(t time.Time) types.String {
		if t.IsZero() {
			return types.StringNull()
		}
		return types.StringValue(t.UTC().Format(time.RFC3339))
	}
	return types.ObjectValueMust(rolloutDropletAttrTypes, map[string]attr.Value{
		"droplet_id":  types.Int64Value(r.DropletID),
		"name":        types.StringValue(r.Name),
		"outcome":     types.StringValue(r.Outcome),
		"action_ids":  types.ListValueMust(types.Int64Type, ids),
		"snapshot_id": str(r.SnapshotID),
		"started_at":  at(r.StartedAt),
		"finished_at": at(r.FinishedAt),
		"message":     str(r.Message),
	})
}

// finished reports whether an outcome needs nothing more: a resumed rollout leaves it.
func finished(outcome string) bool {
	return outcome == outcomeDone || outcome == outcomeSkipped
}

// rolloutEntries reads the droplets list.
func rolloutEntries(ctx context.Context, l types.List) ([]rolloutDropletModel, diag.Diagnostics) {
	var out []rolloutDropletModel
	if l.IsNull() || l.IsUnknown() {
		return nil, nil
	}
	diags := l.ElementsAs(ctx, &out, false)
	return out, diags
}

// sortedIDs returns the droplets' IDs, sorted.
func sortedIDs(ds []client.Droplet) []int64 {
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	slices.Sort(ids)
	return ids
}
