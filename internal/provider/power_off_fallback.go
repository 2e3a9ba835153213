package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

const powerOffAfterDescription = "Only with `type = \"shutdown\"`: how long to give the droplet to reach `off` after the shutdown action completes, as a duration such as `90s` or `2m`. " +
	"If it is still not off then, a `power_off` action is initiated and waited for, as DigitalOcean advises (a shutdown only issues the command). " +
	"Unset means no fallback."

// validatePowerOffAfter checks power_off_after at plan time; unknown values wait.
func validatePowerOffAfter(typ, after types.String, wait types.Bool, diags *diag.Diagnostics) {
	if after.IsNull() || after.IsUnknown() {
		return
	}
	if !typ.IsUnknown() && typ.ValueString() != string(client.ActionShutdown) {
		diags.AddAttributeError(path.Root("power_off_after"), "Argument not taken by this action type",
			fmt.Sprintf("power_off_after is a fallback for type \"shutdown\" only, not %q.", typ.ValueString()))
		return
	}
	if !wait.IsNull() && !wait.IsUnknown() && !wait.ValueBool() {
		diags.AddAttributeError(path.Root("power_off_after"), "Conflicting arguments",
			"power_off_after needs wait = true: the fallback can only run once the shutdown is seen to complete.")
		return
	}
	if _, err := parsePowerOffAfter(after); err != nil {
		diags.AddAttributeError(path.Root("power_off_after"), "Invalid duration", err.Error())
	}
}

func parsePowerOffAfter(v types.String) (time.Duration, error) {
	if v.IsNull() || v.IsUnknown() {
		return 0, nil
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("power_off_after must be a positive duration such as \"90s\" or \"2m\", not %q", v.ValueString())
	}
	return d, nil
}
