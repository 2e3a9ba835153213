# GPU droplets guide: keep a GPU node off between runs. The token comes from
# DIGITALOCEAN_ACCESS_TOKEN.
#
# A droplet that is off is still billed, at its full hourly rate: this stops
# the work, not the bill. Only a snapshot followed by destroying the droplet
# stops the droplet's charges.

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
  description = "ID of the GPU droplet to keep off."
  type        = number
}

variable "state" {
  description = "on or off."
  type        = string
  default     = "off"
}

# Each apply reads the droplet and acts only when it is not already in state:
# switched on behind Terraform's back, it is shut down again.
resource "gradient_droplet_power" "node" {
  droplet_id = var.droplet_id
  state      = var.state

  # Give the node 5 minutes to shut down cleanly before powering it off.
  shutdown_timeout = "5m"
}

output "status" {
  value = gradient_droplet_power.node.status
}
