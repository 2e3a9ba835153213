package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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

var _ list.ListResourceWithConfigure = (*DropletPowerListResource)(nil)

// NewDropletPowerListResource returns the gradient_droplet_power list resource, which finds
// droplets for `terraform query` to adopt as gradient_droplet_power resources.
func NewDropletPowerListResource() list.ListResource { return &DropletPowerListResource{} }

// DropletPowerListResource lists the account's droplets, or a tag's, as
// gradient_droplet_power resources holding each droplet's current power state, so that
// `terraform query -generate-config-out` writes configuration that imports them with an
// empty plan.
type DropletPowerListResource struct {
	client *client.Client
}

type dropletPowerListModel struct {
	TagName   types.String `tfsdk:"tag_name"`
	NameRegex types.String `tfsdk:"name_regex"`
}

func (r *DropletPowerListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_droplet_power"
}

func (r *DropletPowerListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds droplets to keep on or off: every droplet of the account, GPU droplets included, over all pages of the API, or those carrying `tag_name`, optionally only those whose name matches `name_regex`. " +
			"Each result is a `gradient_droplet_power` identified by its droplet's ID, whose `state` is the droplet's current one (`active` reads as `on`, `off` as `off`); " +
			"`terraform query -generate-config-out` turns the results into resource and import blocks that import with no changes. " +
			"Droplets DigitalOcean is still creating (`new`) or has archived (`archive`) have no power state to keep: they are left out, with a warning saying how many.",
		Attributes: map[string]schema.Attribute{
			"tag_name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only droplets carrying this tag. " + tagNameRule,
				Validators:          []validator.String{tagNameValidator{}},
			},
			"name_regex": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Only droplets whose name matches this regular expression, in [RE2 syntax](https://github.com/google/re2/wiki/Syntax), unanchored: `^web-` matches names starting with `web-`. " +
					"A regular expression that does not compile is refused before any request.",
				Validators: []validator.String{regexValidator{}},
			},
		},
	}
}

func (r *DropletPowerListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *DropletPowerListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg dropletPowerListModel
	diags := req.Config.Get(ctx, &cfg)
	var re *regexp.Regexp
	if !diags.HasError() && cfg.NameRegex.ValueString() != "" {
		// Validated already, unless the value was unknown then.
		var err error
		if re, err = regexp.Compile(cfg.NameRegex.ValueString()); err != nil {
			diags.AddAttributeError(path.Root("name_regex"), "Invalid regular expression", regexError(path.Root("name_regex"), err))
		}
	}
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	tag := cfg.TagName.ValueString()
	stream.Results = func(push func(list.ListResult) bool) {
		var n int64
		var left leftOut
		for d, err := range r.client.Droplets(ctx, tag) {
			if err != nil {
				var diags diag.Diagnostics
				diags.AddError("Could not list droplets", errorDetail(actionRef{Tag: tag}, err))
				push(list.ListResult{Diagnostics: diags})
				return
			}
			if re != nil && !re.MatchString(d.Name) {
				continue
			}
			state, ok := powerStateOf(d.Status)
			if !ok {
				left.add(&d)
				continue
			}
			n++
			if !push(r.result(ctx, req, &d, state)) {
				return
			}
			// Stopping at the limit rather than letting Terraform drop the surplus saves
			// reading further pages, each a request from the token's rate budget. Terraform
			// reads nothing past the limit, so the warning about droplets left out would
			// not reach it either.
			if req.Limit > 0 && n >= req.Limit {
				return
			}
		}
		if !left.empty() {
			var diags diag.Diagnostics
			diags.AddWarning(left.summary(), left.detail())
			push(list.ListResult{Diagnostics: diags})
		}
	}
}

// result is one listed droplet, shaped as the gradient_droplet_power an import of it
// followed by a refresh would store: its ID, its current power state, the default
// shutdown_timeout, no last action and no timeouts.
func (r *DropletPowerListResource) result(ctx context.Context, req list.ListRequest, d *client.Droplet, state string) list.ListResult {
	res := req.NewListResult(ctx)
	res.DisplayName = fmt.Sprintf("%s (%d, %s)", d.Name, d.ID, state)
	res.Diagnostics.Append(res.Identity.Set(ctx, powerIdentityModel{DropletID: types.Int64Value(d.ID)})...)
	if !req.IncludeResource || res.Diagnostics.HasError() {
		return res
	}
	m := dropletPowerModel{
		ID:              types.StringValue(strconv.FormatInt(d.ID, 10)),
		DropletID:       newDropletID(d.ID),
		State:           types.StringValue(state),
		ShutdownTimeout: types.StringValue(defaultShutdownTimeout),
		Status:          types.StringValue(d.Status),
		LastActionID:    types.StringNull(),
	}
	// The null timeouts block still needs the block's attribute types, which only the
	// resource schema knows.
	tt, diags := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	res.Diagnostics.Append(diags...)
	ot, ok := tt.(attr.TypeWithAttributeTypes)
	if !ok {
		res.Diagnostics.AddError("Unexpected resource schema", fmt.Sprintf("timeouts has type %T, not an object; this is a bug in the provider, please report it", tt))
		return res
	}
	m.Timeouts = timeouts.Value{Object: types.ObjectNull(ot.AttributeTypes())}
	res.Diagnostics.Append(res.Resource.Set(ctx, &m)...)
	return res
}

// leftOut counts the droplets a query matched but left out, having no power state to keep.
type leftOut struct {
	byStatus map[string][]int64
}

func (l *leftOut) add(d *client.Droplet) {
	if l.byStatus == nil {
		l.byStatus = map[string][]int64{}
	}
	l.byStatus[d.Status] = append(l.byStatus[d.Status], d.ID)
}

func (l *leftOut) empty() bool { return len(l.byStatus) == 0 }

func (l *leftOut) count() int {
	n := 0
	for _, ids := range l.byStatus {
		n += len(ids)
	}
	return n
}

// maxLeftOutIDs is how many droplet IDs of each status the warning names.
const maxLeftOutIDs = 10

func (l *leftOut) summary() string {
	if n := l.count(); n != 1 {
		return fmt.Sprintf("%d droplets left out", n)
	}
	return "1 droplet left out"
}

func (l *leftOut) detail() string {
	why := map[string]string{
		client.DropletNew:     "DigitalOcean is still creating it (status new); query again once it is created",
		client.DropletArchive: "it is archived (status archive); it can be powered only after it is restored",
	}
	lines := []string{"These droplets match the query but have no power state to keep: a gradient_droplet_power keeps a droplet `on` (status active) or `off` (status off)."}
	for _, status := range slices.Sorted(maps.Keys(l.byStatus)) {
		ids := l.byStatus[status]
		shown := make([]string, 0, min(len(ids), maxLeftOutIDs))
		for _, id := range ids[:min(len(ids), maxLeftOutIDs)] {
			shown = append(shown, strconv.FormatInt(id, 10))
		}
		named := strings.Join(shown, ", ")
		if len(ids) > maxLeftOutIDs {
			named += fmt.Sprintf(" and %d more", len(ids)-maxLeftOutIDs)
		}
		reason := why[status]
		if reason == "" {
			reason = fmt.Sprintf("its status is %q", status)
		}
		noun := "droplets"
		if len(ids) == 1 {
			noun = "droplet"
		}
		lines = append(lines, fmt.Sprintf("- %d %s (%s): %s.", len(ids), noun, named, reason))
	}
	return strings.Join(lines, "\n")
}

// regexValidator refuses a value that is not a regular expression of Go's regexp package
// (RE2 syntax), naming the attribute.
type regexValidator struct{}

func (regexValidator) Description(context.Context) string {
	return "must be a regular expression in RE2 syntax"
}

func (v regexValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (regexValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid regular expression", regexError(req.Path, err))
	}
}

// regexError says why the value at p is not a regular expression.
func regexError(p path.Path, err error) string {
	return fmt.Sprintf("%s must be a regular expression in RE2 syntax (https://github.com/google/re2/wiki/Syntax): %s.", p, err)
}
