# The configuration of the "Your first apply" guide: reboots one droplet and
# reads the action back. The token comes from DIGITALOCEAN_ACCESS_TOKEN.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

provider "gradient" {}

variable "droplet_id" {
  description = "ID of the droplet to reboot."
  type        = number
}

resource "gradient_droplet_action" "reboot" {
  droplet_id = var.droplet_id
  type       = "reboot"
}

# The droplet's newest reboot, read back from DigitalOcean's history of the
# droplet: the one the resource ran.
data "gradient_droplet_action" "last_reboot" {
  droplet_id = var.droplet_id
  type       = "reboot"

  depends_on = [gradient_droplet_action.reboot]
}

output "reboot" {
  value = {
    id           = gradient_droplet_action.reboot.id
    status       = gradient_droplet_action.reboot.status
    started_at   = gradient_droplet_action.reboot.started_at
    completed_at = gradient_droplet_action.reboot.completed_at
    region       = gradient_droplet_action.reboot.region_slug
  }
}

output "newest_reboot_in_history" {
  value = data.gradient_droplet_action.last_reboot.id
}
