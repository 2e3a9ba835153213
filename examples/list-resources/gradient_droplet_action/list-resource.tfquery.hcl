# In a file ending in .tfquery.hcl, next to the configuration that declares
# the gradient provider. Then:
#
#   terraform query                                  # list the actions
#   terraform query -generate-config-out=actions.tf  # write import and resource blocks

variable "droplet_id" {
  type = number
}

# The droplet's completed snapshots, newest first.
list "gradient_droplet_action" "snapshots" {
  provider = gradient
  limit    = 20

  config {
    droplet_id = var.droplet_id
    type       = "snapshot"
    status     = "completed"
  }
}

# Everything the droplet went through, with the full resource of each action.
list "gradient_droplet_action" "all" {
  provider         = gradient
  include_resource = true

  config {
    droplet_id = var.droplet_id
  }
}
