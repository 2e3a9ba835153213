# The short rollout `make demo` applies (scripts/demo.sh) after the main configuration:
# reboot droplets 1001 and 1002 of the fake API one at a time, each one done once its
# health endpoint (the fake's, on 127.0.0.1) has answered 200 for 2 s.
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

variable "health_port" {
  description = "Port of the fake's droplet health endpoint."
  type        = number
}

provider "gradient" {
  api_endpoint = var.api_endpoint
  access_token = "fake-token"
}

resource "gradient_droplet_rollout" "reboot" {
  droplet_ids  = [1001, 1002]
  max_parallel = 1
  steps        = [{ type = "reboot" }]

  health_check = {
    url         = "http://{ipv4_public}:${var.health_port}/health/{id}"
    interval    = "500ms"
    healthy_for = "2s"
    deadline    = "1m"
  }
}

output "rollout" {
  description = "Each droplet of the rollout, in order, with its outcome and actions."
  value = [
    for d in gradient_droplet_rollout.reboot.droplets :
    "droplet ${d.droplet_id} (${d.name}): ${d.outcome}, actions ${join(",", d.action_ids)}, ${d.started_at} to ${d.finished_at}"
  ]
}
