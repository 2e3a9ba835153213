package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// Bits of the nulls and unknowns masks of FuzzProviderParamsValidate.
const (
	fzType = 1 << iota
	fzImage
	fzSize
	fzDisk
	fzName
	fzKernel
	fzPolicy
	fzPlan
	fzWeekday
	fzHour
)

// fzConfig is one fuzzed configuration: values, and which of them are null or unknown.
type fzConfig struct {
	typ, image, size string
	disk             bool
	name             string
	kernel           int64
	plan, weekday    string
	hour             int64
	nulls, unknowns  uint16
	typeValue        types.String
	params           actionParams
}

func (c *fzConfig) build() {
	str := func(bit uint16, s string) types.String {
		switch {
		case c.unknowns&bit != 0:
			return types.StringUnknown()
		case c.nulls&bit != 0:
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	i64 := func(bit uint16, n int64) types.Int64 {
		switch {
		case c.unknowns&bit != 0:
			return types.Int64Unknown()
		case c.nulls&bit != 0:
			return types.Int64Null()
		}
		return types.Int64Value(n)
	}
	c.typeValue = str(fzType, c.typ)
	c.params = actionParams{
		Image: str(fzImage, c.image), Size: str(fzSize, c.size), Name: str(fzName, c.name),
		Kernel: i64(fzKernel, c.kernel), Disk: types.BoolValue(c.disk),
	}
	switch {
	case c.unknowns&fzDisk != 0:
		c.params.Disk = types.BoolUnknown()
	case c.nulls&fzDisk != 0:
		c.params.Disk = types.BoolNull()
	}
	switch {
	case c.unknowns&fzPolicy != 0:
		c.params.BackupPolicy = types.ObjectUnknown(backupPolicyAttrTypes)
	case c.nulls&fzPolicy != 0:
		c.params.BackupPolicy = types.ObjectNull(backupPolicyAttrTypes)
	default:
		c.params.BackupPolicy = types.ObjectValueMust(backupPolicyAttrTypes, map[string]attr.Value{
			"plan": str(fzPlan, c.plan), "weekday": str(fzWeekday, c.weekday), "hour": i64(fzHour, c.hour),
		})
	}
}

func (c *fzConfig) validate(t *testing.T) diag.Diagnostics {
	t.Helper()
	var diags diag.Diagnostics
	c.params.validate(t.Context(), c.typeValue, &diags)
	return diags
}

// paramNull tells whether the fully known configuration leaves p null.
func (c *fzConfig) paramNull(p client.Param) bool {
	bit := map[client.Param]uint16{
		client.ParamImage: fzImage, client.ParamSize: fzSize, client.ParamDisk: fzDisk,
		client.ParamName: fzName, client.ParamKernel: fzKernel, client.ParamBackupPolicy: fzPolicy,
	}[p]
	return c.nulls&bit != 0
}

// clientRequest is the request the client would be asked for by a fully known
// configuration, built independently of the provider's request(): every non-null
// parameter, except disk = false on a type that does not take disk (the provider's
// documented default). emptyNotTaken is true when a parameter the type does not take is
// set to a value the client counts as unset ("" or 0); emptyRequired when a required one is.
func (c *fzConfig) clientRequest(info client.ActionTypeInfo) (req client.ActionRequest, emptyNotTaken, emptyRequired bool) {
	req = client.ActionRequest{Type: info.Type}
	for _, p := range client.AllParams {
		if c.paramNull(p) {
			continue
		}
		spec, takes := info.Param(p)
		var empty bool
		switch p {
		case client.ParamImage:
			req.Image, empty = c.image, c.image == ""
		case client.ParamSize:
			req.Size, empty = c.size, c.size == ""
		case client.ParamName:
			req.Name, empty = c.name, c.name == ""
		case client.ParamKernel:
			req.Kernel, empty = c.kernel, c.kernel == 0
		case client.ParamDisk:
			if !takes && !c.disk {
				continue
			}
			disk := c.disk
			req.Disk = &disk
		case client.ParamBackupPolicy:
			bp := &client.BackupPolicy{}
			if c.nulls&fzPlan == 0 {
				bp.Plan = c.plan
			}
			if c.nulls&fzWeekday == 0 {
				bp.Weekday = c.weekday
			}
			if c.nulls&fzHour == 0 {
				h := int(c.hour)
				bp.Hour = &h
			}
			req.BackupPolicy = bp
		}
		emptyNotTaken = emptyNotTaken || (!takes && empty)
		emptyRequired = emptyRequired || (takes && spec.Required && empty)
	}
	return req, emptyNotTaken, emptyRequired
}

var fzAttributes = []string{"type", "image", "size", "disk", "name", "kernel", "backup_policy"}

// FuzzProviderParamsValidate checks the plan-time validation of action parameters
// (actionParams.validate) against the client's own validation.
//
// Properties: no panic; an unknown or null type draws no diagnostics; errors sit on the
// type or a parameter attribute; a fully known configuration is accepted exactly when the
// client accepts the request it stands for (clientRequest), a type no action has draws
// nothing more than the schema's own validator does, a parameter the type does
// not take is refused even when empty, and a required one set to "" or 0 is refused as the
// client would; unknown values never draw an error that their known values would not.
func FuzzProviderParamsValidate(f *testing.F) {
	const allParams = fzImage | fzSize | fzDisk | fzName | fzKernel | fzPolicy
	for _, s := range []fzConfig{
		{typ: "reboot", nulls: allParams},
		{typ: "reboot", disk: false, nulls: allParams &^ fzDisk},
		{typ: "reboot", disk: true, nulls: allParams &^ fzDisk},
		{typ: "reboot", name: "", nulls: allParams &^ fzName},
		{typ: "resize", size: "s-2vcpu-4gb", disk: true, nulls: allParams &^ (fzSize | fzDisk)},
		{typ: "resize", size: "s-2vcpu-4gb", nulls: allParams &^ fzSize, unknowns: fzDisk},
		{typ: "power_off", nulls: allParams, unknowns: fzDisk},
		{typ: "restore", image: "12345678", nulls: allParams &^ fzImage},
		{typ: "restore", image: "ubuntu-24-04-x64", nulls: allParams &^ fzImage},
		{typ: "rebuild", image: "ubuntu-24-04-x64", nulls: allParams &^ fzImage},
		{typ: "rename", name: "", nulls: allParams &^ fzName},
		{typ: "rename", name: "web-01", nulls: allParams &^ fzName, unknowns: fzName},
		{typ: "change_kernel", kernel: -3, nulls: allParams &^ fzKernel},
		{typ: "change_kernel", kernel: 0, nulls: allParams &^ fzKernel},
		{typ: "enable_backups", plan: "weekly", weekday: "SUN", hour: 20, nulls: allParams &^ fzPolicy},
		{typ: "change_backup_policy", plan: "daily", weekday: "MON", nulls: allParams&^fzPolicy | fzHour},
		{typ: "change_backup_policy", plan: "weekly", hour: 3, nulls: allParams &^ fzPolicy, unknowns: fzWeekday},
		{typ: "snapshot", name: "", nulls: allParams &^ fzName},
		{typ: "enable_private_networking", nulls: allParams},
		{typ: "reboot", unknowns: fzType},
	} {
		f.Add(s.typ, s.image, s.size, s.disk, s.name, s.kernel, s.plan, s.weekday, s.hour, s.nulls, s.unknowns)
	}
	f.Fuzz(func(t *testing.T, typ, image, size string, disk bool, name string, kernel int64, plan, weekday string, hour int64, nulls, unknowns uint16) {
		// Terraform strings are always valid UTF-8.
		valid := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
		cfg := fzConfig{typ: valid(typ), image: valid(image), size: valid(size), disk: disk, name: valid(name),
			kernel: kernel, plan: valid(plan), weekday: valid(weekday), hour: hour, nulls: nulls, unknowns: unknowns}
		cfg.build()
		diags := cfg.validate(t)
		for _, d := range diags.Errors() {
			if dp, ok := d.(diag.DiagnosticWithPath); ok {
				if steps := dp.Path().Steps(); len(steps) == 0 || !slices.Contains(fzAttributes, steps[0].String()) {
					t.Fatalf("error on %s: %s", dp.Path(), d.Detail())
				}
			}
		}
		if cfg.typeValue.IsNull() || cfg.typeValue.IsUnknown() {
			if len(diags) != 0 {
				t.Fatalf("a null or unknown type drew diagnostics: %v", diags)
			}
			return
		}

		// The fully known configuration: unknown values take their fuzzed (non-null) values.
		known := cfg
		known.nulls &^= known.unknowns
		known.unknowns = 0
		known.build()
		kdiags := known.validate(t)
		if diags.HasError() && !kdiags.HasError() {
			t.Fatalf("unknown values drew errors their known values do not: %v", diags.Errors())
		}

		info, ok := client.LookupActionType(client.ActionType(known.typ))
		if !ok {
			// The schema's OneOf validator on type refuses it, listing the valid types:
			// validate adds nothing, so that one mistake draws one error.
			if kdiags.HasError() {
				t.Fatalf("type %q, which no action has, drew errors beyond the schema's: %v", known.typ, kdiags.Errors())
			}
			return
		}
		req, emptyNotTaken, _ := known.clientRequest(info)
		cerr := req.Validate()
		want := cerr == nil && !emptyNotTaken
		switch got := !kdiags.HasError(); {
		case got && !want:
			t.Fatalf("plan-time validation accepts %+v, which the client rejects: %v (empty not-taken param: %v)", req, cerr, emptyNotTaken)
		case !got && want:
			t.Fatalf("plan-time validation rejects %+v, which the client accepts: %v", req, kdiags.Errors())
		}
	})
}
