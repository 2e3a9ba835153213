# The configuration `make demo` applies (scripts/demo.sh), against the fake
# DigitalOcean API on 127.0.0.1 seeded with droplets 1001, 1002 and 1003.
# It is not part of the generated documentation.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

variable "api_endpoint" {
  description = "Base URL of the fake API, such as http://127.0.0.1:43210."
  type        = string
}

provider "gradient" {
  api_endpoint = var.api_endpoint
  access_token = "fake-token"
}

# Droplet 1001: shut down, resize, power on again, in that order.
resource "gradient_droplet_action" "shutdown" {
  droplet_id      = 1001
  type            = "shutdown"
  power_off_after = "30s"
}

resource "gradient_droplet_action" "resize" {
  droplet_id = 1001
  type       = "resize"
  size       = "s-2vcpu-4gb"

  depends_on = [gradient_droplet_action.shutdown]
}

resource "gradient_droplet_action" "power_on" {
  droplet_id = 1001
  type       = "power_on"

  depends_on = [gradient_droplet_action.resize]
}

# Droplets 1002 and 1003, at the same time as the chain above.
resource "gradient_droplet_action" "snapshot" {
  droplet_id = 1002
  type       = "snapshot"
  name       = "demo-2-snapshot"
}

resource "gradient_droplet_action" "rename" {
  droplet_id = 1003
  type       = "rename"
  name       = "demo-3-renamed"
}

# Power as desired state: keep 1003 off once it is renamed (a shutdown, with a
# power_off if it does not turn off within 30 s), and 1002 on. 1002 is already
# on, so nothing is sent for it.
resource "gradient_droplet_power" "droplet_1003" {
  droplet_id       = 1003
  state            = "off"
  shutdown_timeout = "30s"

  depends_on = [gradient_droplet_action.rename]
}

resource "gradient_droplet_power" "droplet_1002" {
  droplet_id = 1002
  state      = "on"

  depends_on = [gradient_droplet_action.snapshot]
}

# Droplet 1001's history as DigitalOcean (here, the fake) reports it, read
# once the chain is done.
data "gradient_droplet_actions" "droplet_1001" {
  droplet_id = 1001

  depends_on = [gradient_droplet_action.power_on]
}

locals {
  demo_actions = {
    shutdown = gradient_droplet_action.shutdown
    resize   = gradient_droplet_action.resize
    power_on = gradient_droplet_action.power_on
    snapshot = gradient_droplet_action.snapshot
    rename   = gradient_droplet_action.rename
  }
}

output "actions" {
  description = "Each action this configuration ran."
  value = {
    for name, a in local.demo_actions : name => {
      id           = a.id
      droplet_id   = a.droplet_id
      type         = a.type
      status       = a.status
      started_at   = a.started_at
      completed_at = a.completed_at
    }
  }
}

output "shutdown_needed_power_off" {
  description = "Whether the shutdown left droplet 1001 on, so that power_off_after powered it off."
  value       = gradient_droplet_action.shutdown.power_off_fallback
}

output "droplet_1001_history" {
  description = "Droplet 1001's actions, newest first."
  value       = [for a in data.gradient_droplet_actions.droplet_1001.actions : "${a.id} ${a.type} ${a.status}"]
}

output "snapshot_image" {
  description = "The image droplet 1002's snapshot made, to pass as image to a new droplet."
  value       = gradient_droplet_action.snapshot.snapshot_id
}

output "power" {
  description = "Each kept power state: the droplet's status and the last action it needed (null: none)."
  value = {
    for p in [gradient_droplet_power.droplet_1002, gradient_droplet_power.droplet_1003] :
    p.droplet_id => { state = p.state, status = p.status, last_action_id = p.last_action_id }
  }
}
