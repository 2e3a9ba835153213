package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// actionParams are the type parameters shared by the resource and the Terraform action.
// Which of them a type takes, and which it requires, comes from the client's action-type
// table; value rules come from client.ActionRequest.ValidateValues.
type actionParams struct {
	Image        types.String `tfsdk:"image"`
	Size         types.String `tfsdk:"size"`
	Disk         types.Bool   `tfsdk:"disk"`
	Name         types.String `tfsdk:"name"`
	Kernel       types.Int64  `tfsdk:"kernel"`
	BackupPolicy types.Object `tfsdk:"backup_policy"`
}

// Descriptions of backup_policy's attributes, for the resource's and the action's schemas.
const (
	descBackupPlan    = "`daily` or `weekly`."
	descBackupWeekday = "Day of a weekly backup: `SUN`, `MON`, `TUE`, `WED`, `THU`, `FRI` or `SAT`. Required with a weekly plan; not taken by a daily one." //nolint:gosec // G101 misreads documentation text as a credential
	descBackupHour    = "UTC hour the 4-hour backup window starts: `0`, `4`, `8`, `12`, `16` or `20`."
)

type backupPolicyModel struct {
	Plan    types.String `tfsdk:"plan"`
	Weekday types.String `tfsdk:"weekday"`
	Hour    types.Int64  `tfsdk:"hour"`
}

var backupPolicyAttrTypes = map[string]attr.Type{
	"plan":    types.StringType,
	"weekday": types.StringType,
	"hour":    types.Int64Type,
}

// value returns the attribute value of parameter p.
func (m *actionParams) value(p client.Param) attr.Value {
	switch p {
	case client.ParamImage:
		return m.Image
	case client.ParamSize:
		return m.Size
	case client.ParamDisk:
		return m.Disk
	case client.ParamName:
		return m.Name
	case client.ParamKernel:
		return m.Kernel
	case client.ParamBackupPolicy:
		return m.BackupPolicy
	}
	panic(fmt.Sprintf("unknown parameter %q", p))
}

// paramIsSet tells whether a config sets p. disk=false is the default and so not a setting
// that a type which does not take disk would object to.
func (m *actionParams) paramIsSet(p client.Param) bool {
	v := m.value(p)
	if v.IsNull() {
		return false
	}
	if p == client.ParamDisk {
		// Unknown is judged once known, like every other value.
		return !v.IsUnknown() && m.Disk.ValueBool()
	}
	return true
}

// isEmpty tells whether a known value is empty: "" or 0, which the API takes as absent.
func isEmpty(v attr.Value) bool {
	if v.IsNull() || v.IsUnknown() {
		return false
	}
	switch v := v.(type) {
	case types.String:
		return v.ValueString() == ""
	case types.Int64:
		return v.ValueInt64() == 0
	}
	return false
}

// validate checks a configuration at plan time. Unknown values are not judged until known.
// Errors name the attribute.
func (m *actionParams) validate(ctx context.Context, typ types.String, diags *diag.Diagnostics) {
	if typ.IsNull() || typ.IsUnknown() {
		return
	}
	info, ok := client.LookupActionType(client.ActionType(typ.ValueString()))
	if !ok {
		// The schema's OneOf validator on type reports it, listing the valid types: one
		// mistake, one error.
		return
	}
	for _, p := range client.AllParams {
		spec, takes := info.Param(p)
		switch {
		case !takes && m.paramIsSet(p):
			diags.AddAttributeError(path.Root(string(p)), "Argument not taken by this action type",
				fmt.Sprintf("%s is not an argument of type %q. %s", p, info.Type, takenBy(p)))
		case takes && spec.Required && m.value(p).IsNull():
			diags.AddAttributeError(path.Root(string(p)), "Missing required argument",
				fmt.Sprintf("type %q requires %s: %s", info.Type, p, spec.Doc))
		case takes && spec.Required && isEmpty(m.value(p)):
			diags.AddAttributeError(path.Root(string(p)), "Empty required argument",
				fmt.Sprintf("type %q requires a non-empty %s: %s", info.Type, p, spec.Doc))
		}
	}
	if diags.HasError() {
		return
	}
	req, known, d := m.request(ctx, info.Type)
	diags.Append(d...)
	if !known || diags.HasError() {
		return
	}
	if err := req.ValidateValues(); err != nil {
		addValidationError(diags, err)
	}
}

// takenBy says which types take p, for error messages.
func takenBy(p client.Param) string {
	var types []string
	for _, t := range client.ActionTypes() {
		if _, ok := t.Param(p); ok {
			types = append(types, fmt.Sprintf("%q", t.Type))
		}
	}
	return fmt.Sprintf("It is taken by %s.", strings.Join(types, ", "))
}

// addValidationError turns a client validation error into an attribute diagnostic.
func addValidationError(diags *diag.Diagnostics, err error) {
	var ve *client.ValidationError
	if !errors.As(err, &ve) || ve.Param == "" {
		diags.AddError("Invalid droplet action", err.Error())
		return
	}
	parts := strings.Split(ve.Param, ".")
	p := path.Root(parts[0])
	for _, name := range parts[1:] {
		p = p.AtName(name)
	}
	diags.AddAttributeError(p, "Invalid droplet action argument", ve.Message)
}

// request builds the API request for type t from the parameters the type takes. known is
// false when some of them are not yet known.
func (m *actionParams) request(ctx context.Context, t client.ActionType) (client.ActionRequest, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	req := client.ActionRequest{Type: t}
	info, _ := client.LookupActionType(t)
	known := true
	for _, spec := range info.Params {
		v := m.value(spec.Name)
		if v.IsUnknown() {
			known = false
			continue
		}
		if v.IsNull() {
			continue
		}
		switch spec.Name {
		case client.ParamImage:
			req.Image = m.Image.ValueString()
		case client.ParamSize:
			req.Size = m.Size.ValueString()
		case client.ParamDisk:
			disk := m.Disk.ValueBool()
			req.Disk = &disk
		case client.ParamName:
			req.Name = m.Name.ValueString()
		case client.ParamKernel:
			req.Kernel = m.Kernel.ValueInt64()
		case client.ParamBackupPolicy:
			var bp backupPolicyModel
			diags.Append(m.BackupPolicy.As(ctx, &bp, basetypes.ObjectAsOptions{UnhandledUnknownAsEmpty: false})...)
			if diags.HasError() {
				return req, false, diags
			}
			if bp.Plan.IsUnknown() || bp.Weekday.IsUnknown() || bp.Hour.IsUnknown() {
				known = false
				continue
			}
			policy := &client.BackupPolicy{Plan: bp.Plan.ValueString(), Weekday: bp.Weekday.ValueString()}
			if !bp.Hour.IsNull() {
				h := int(bp.Hour.ValueInt64())
				policy.Hour = &h
			}
			req.BackupPolicy = policy
		}
	}
	return req, known, diags
}

// warnings returns what a plan should warn about for this configuration, if anything.
func (m *actionParams) warnings(typ types.String) []string {
	if typ.IsNull() || typ.IsUnknown() {
		return nil
	}
	info, ok := client.LookupActionType(client.ActionType(typ.ValueString()))
	if !ok {
		return nil
	}
	var out []string
	if info.Warning != "" {
		out = append(out, info.Warning)
	}
	if _, takes := info.Param(client.ParamDisk); takes && !m.Disk.IsUnknown() && m.Disk.ValueBool() {
		out = append(out, "disk = true resizes the disk permanently: the droplet can never be resized down again.")
	}
	return out
}

// paramDescription documents parameter p from the action-type table.
func paramDescription(p client.Param) string {
	var uses []string
	for _, t := range client.ActionTypes() {
		spec, ok := t.Param(p)
		if !ok {
			continue
		}
		req := "optional"
		if spec.Required {
			req = "required"
		}
		uses = append(uses, fmt.Sprintf("`%s` (%s): %s", t.Type, req, spec.Doc))
	}
	return "Taken by " + strings.Join(uses, " ") + " Any other type rejects it at plan time."
}

// typeDescription documents the type attribute from the action-type table.
func typeDescription(bulkOnly bool) string {
	var b strings.Builder
	b.WriteString("The action type, one of:\n")
	for _, t := range client.ActionTypes() {
		if bulkOnly && !t.Bulk {
			continue
		}
		fmt.Fprintf(&b, "  - `%s`: %s", t.Type, t.Summary)
		if t.Scope != "" {
			fmt.Fprintf(&b, " Needs the `%s` token scope.", t.Scope)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// validateByTag refuses what the by-tag endpoint would: a type DigitalOcean does not run on
// a tag's droplets (reported on at: the attribute that asks for it), and a parameter the
// table does not mark ByTag (it takes the bare action but for a snapshot's name). isSet
// says which parameters the configuration sets. Unknown and unknown-yet types pass: their
// own validation reports them.
func validateByTag(at path.Path, typ types.String, isSet func(client.Param) bool, diags *diag.Diagnostics) {
	if typ.IsNull() || typ.IsUnknown() {
		return
	}
	info, ok := client.LookupActionType(client.ActionType(typ.ValueString()))
	if !ok {
		return
	}
	if !info.Bulk {
		diags.AddAttributeError(at, "Action type cannot run by tag",
			fmt.Sprintf("type %q cannot be initiated by tag: DigitalOcean does not run %q on the droplets of a tag. Action types that run by tag: %s. "+
				"To run %q on several droplets, use gradient_droplet_action with for_each over their IDs.",
				info.Type, info.Type, strings.Join(client.BulkActionTypeNames(), ", "), info.Type))
		return
	}
	for _, p := range client.AllParams {
		if isSet(p) && !info.TakesByTag(p) {
			diags.AddAttributeError(path.Root(string(p)), "Argument not taken by this action type when run by tag",
				fmt.Sprintf("%s is not an argument of type %q when run by tag: %s cannot be sent with tag_name, since the by-tag endpoint takes no parameters except a snapshot's name.", p, info.Type, p))
		}
	}
}

// paramSchema makes the attributes of one schema flavour (a resource's, an action's); the
// parameters of the action-type table are built from it once, by paramAttributes.
type paramSchema[A any] struct {
	String func(desc string, required bool) A
	// Bool is for disk, which defaults to false.
	Bool   func(desc string) A
	Int64  func(desc string, required bool) A
	Object func(desc string, attrs map[string]A) A
}

// paramAttributes builds one optional attribute per request parameter of the action-type
// table (client.AllParams), described from the table. disk is a bool, kernel a number,
// backup_policy an object, and any other parameter a string.
func paramAttributes[A any](s paramSchema[A]) map[string]A {
	attrs := make(map[string]A, len(client.AllParams))
	for _, p := range client.AllParams {
		desc := paramDescription(p)
		switch p {
		case client.ParamDisk:
			attrs[string(p)] = s.Bool(desc + " Defaults to `false`.")
		case client.ParamKernel:
			attrs[string(p)] = s.Int64(desc, false)
		case client.ParamBackupPolicy:
			attrs[string(p)] = s.Object(desc, map[string]A{
				"plan":    s.String(descBackupPlan, true),
				"weekday": s.String(descBackupWeekday, false),
				"hour":    s.Int64(descBackupHour, false),
			})
		default:
			attrs[string(p)] = s.String(desc, false)
		}
	}
	return attrs
}

// mergeAttributes returns into with every attribute of from added.
func mergeAttributes[A any](from, into map[string]A) map[string]A {
	maps.Copy(into, from)
	return into
}
