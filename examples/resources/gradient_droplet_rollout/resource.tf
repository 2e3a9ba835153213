# Resize the droplets tagged "web" two at a time, one canary first, each one done only
# once its health endpoint has answered 200 for 10 seconds. Changing var.release runs the
# rollout again over every droplet, in place.
variable "release" {
  type    = string
  default = "2026.12.1"
}

resource "gradient_droplet_rollout" "resize_web" {
  tag_name     = "web"
  max_parallel = 2
  canary       = 1
  pause        = "30s"
  max_failures = 0

  steps = [
    { type = "power_off" },
    { type = "resize", size = "s-2vcpu-4gb" },
    { type = "power_on" },
  ]

  health_check = {
    url           = "http://{ipv4_private}:8080/healthz"
    expect_status = 200
    interval      = "5s"
    healthy_for   = "10s"
    deadline      = "5m"
  }

  triggers = {
    release = var.release
  }

  timeouts {
    create = "2h"
    update = "2h"
  }
}
