# GPU droplets guide: power-cycle an inference fleet behind a load balancer in
# two halves, tagged inference-a and inference-b: the second half starts only
# once DigitalOcean reports every droplet of the first half powered back on.
# The token comes from DIGITALOCEAN_ACCESS_TOKEN.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

provider "gradient" {}

variable "cycle" {
  description = "Any value, such as today's date: a new value power-cycles the fleet again."
  type        = string
}

variable "first_half_tag" {
  type    = string
  default = "inference-a"
}

variable "second_half_tag" {
  type    = string
  default = "inference-b"
}

# Every droplet carrying the tag is power-cycled at once, with one API call.
resource "gradient_droplet_bulk_action" "first_half" {
  tag_name = var.first_half_tag
  type     = "power_cycle"

  triggers = {
    cycle = var.cycle
  }
}

resource "gradient_droplet_bulk_action" "second_half" {
  tag_name = var.second_half_tag
  type     = "power_cycle"

  triggers = {
    cycle = var.cycle
  }

  depends_on = [gradient_droplet_bulk_action.first_half]
}

output "power_cycled" {
  # Droplet ID => when DigitalOcean reported its power cycle completed.
  value = merge(
    { for a in gradient_droplet_bulk_action.first_half.actions : a.droplet_id => a.completed_at },
    { for a in gradient_droplet_bulk_action.second_half.actions : a.droplet_id => a.completed_at },
  )
}
