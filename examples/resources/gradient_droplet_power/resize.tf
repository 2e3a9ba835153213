# Power off -> resize -> power on, with the action resources. A resize needs the
# droplet off; depends_on orders the three actions, and the size in triggers
# runs the whole chain again when the size changes.
variable "droplet_id" {
  type = number
}

variable "size" {
  type    = string
  default = "s-2vcpu-4gb"
}

resource "gradient_droplet_action" "power_off" {
  droplet_id = var.droplet_id
  type       = "power_off"
  triggers   = { size = var.size }
}

resource "gradient_droplet_action" "resize" {
  droplet_id = var.droplet_id
  type       = "resize"
  size       = var.size
  depends_on = [gradient_droplet_action.power_off]
}

resource "gradient_droplet_action" "power_on" {
  droplet_id = var.droplet_id
  type       = "power_on"
  triggers   = { size = var.size }
  depends_on = [gradient_droplet_action.resize]
}

# Do not also keep this droplet "on" with gradient_droplet_power in the same
# configuration: the two would fight over its power state during the resize.
