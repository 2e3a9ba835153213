# A web tier of droplets tagged "web" behind a DigitalOcean load balancer, resized to a
# larger plan one droplet at a time, so that the others keep serving. Run with
#   terraform apply -var size=s-2vcpu-4gb -var release=2026-12-resize
terraform {
  required_providers {
    gradient = {
      source = "gradient-tf/gradient"
    }
  }
}

provider "gradient" {}

variable "size" {
  type        = string
  description = "The plan every web droplet ends on."
}

variable "release" {
  type        = string
  description = "Change it to run the rollout again over every web droplet."
}

variable "health_port" {
  type    = number
  default = 8080
}

resource "gradient_droplet_rollout" "web_resize" {
  tag_name = "web"

  # One droplet out of the load balancer's pool at a time; the first one alone, as a
  # canary, and a minute after each droplet for the load balancer's own checks to see it
  # healthy again before the next one goes down.
  max_parallel = 1
  canary       = 1
  pause        = "60s"
  max_failures = 0

  steps = [
    { type = "power_off" },
    { type = "resize", size = var.size },
    { type = "power_on" },
  ]

  # The same endpoint the load balancer checks, on the droplet's private address.
  health_check = {
    url         = "http://{ipv4_private}:${var.health_port}/healthz"
    interval    = "5s"
    healthy_for = "30s"
    deadline    = "10m"
  }

  triggers = {
    release = var.release
  }

  timeouts {
    create = "3h"
    update = "3h"
  }
}

output "web_resize" {
  value = [for d in gradient_droplet_rollout.web_resize.droplets : "${d.droplet_id} ${d.name}: ${d.outcome}"]
}
