variable "droplet_id" {
  type = number
}

# One action by ID, such as one recorded by a gradient_droplet_action resource.
data "gradient_droplet_action" "by_id" {
  id = "1234567890"
}

# The droplet's newest completed snapshot action, whoever started it.
data "gradient_droplet_action" "last_snapshot" {
  droplet_id = var.droplet_id
  type       = "snapshot"
  status     = "completed"
}

output "last_snapshot_at" {
  value = data.gradient_droplet_action.last_snapshot.completed_at
}
