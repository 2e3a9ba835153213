variable "droplet_id" {
  type = number
}

# Every action of the droplet, newest first, over all pages.
data "gradient_droplet_actions" "all" {
  droplet_id = var.droplet_id
}

# Only the power-offs that went wrong.
data "gradient_droplet_actions" "failed_power_offs" {
  droplet_id = var.droplet_id
  type       = "power_off"
  status     = "errored"
}

output "history" {
  value = [for a in data.gradient_droplet_actions.all.actions : "${a.started_at} ${a.type} ${a.status}"]
}

output "failed_power_off_ids" {
  value = data.gradient_droplet_actions.failed_power_offs.actions[*].id
}
