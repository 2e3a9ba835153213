package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// The gradient_droplet_power resource's model, shared by the resource and by the list
// resource that finds droplets to adopt as such resources.

// Power states, as the resource's state attribute spells them.
const (
	powerOn  = "on"
	powerOff = "off"
)

const defaultShutdownTimeout = "2m"

type dropletPowerModel struct {
	ID              types.String   `tfsdk:"id"`
	DropletID       dropletIDValue `tfsdk:"droplet_id"`
	State           types.String   `tfsdk:"state"`
	ShutdownTimeout types.String   `tfsdk:"shutdown_timeout"`
	Status          types.String   `tfsdk:"status"`
	LastActionID    types.String   `tfsdk:"last_action_id"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

type powerIdentityModel struct {
	DropletID types.Int64 `tfsdk:"droplet_id"`
}

// powerStateOf is the power state a droplet's status reads as: `active` is on and `off` is
// off. A droplet DigitalOcean is still creating (`new`) or has archived has none: ok is
// false.
func powerStateOf(status string) (state string, ok bool) {
	switch status {
	case client.DropletActive:
		return powerOn, true
	case client.DropletOff:
		return powerOff, true
	}
	return "", false
}
