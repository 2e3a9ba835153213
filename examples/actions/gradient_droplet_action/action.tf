variable "droplet_id" {
  type = number
}

# Run it by hand, without any resource to keep:
#
#   terraform apply -invoke=action.gradient_droplet_action.reboot
action "gradient_droplet_action" "reboot" {
  config {
    droplet_id = var.droplet_id
    type       = "reboot"
  }
}

# Or from a resource's lifecycle: reboot the droplet after its configuration
# changed. terraform_data holds the configuration; a change of input is an
# in-place update, which triggers the reboot once the update is applied.
variable "app_config" {
  type    = string
  default = "workers = 4"
}

resource "terraform_data" "app_config" {
  input = {
    droplet_id = var.droplet_id
    config     = var.app_config
  }

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.gradient_droplet_action.reboot]
    }
  }
}

# By tag: power-cycle every droplet tagged "workers", and wait for all of them.
#
#   terraform apply -invoke=action.gradient_droplet_action.power_cycle_workers
action "gradient_droplet_action" "power_cycle_workers" {
  config {
    tag_name = "workers"
    type     = "power_cycle"
  }
}

# A shutdown with a fallback, and a longer limit on the wait.
action "gradient_droplet_action" "stop" {
  config {
    droplet_id      = var.droplet_id
    type            = "shutdown"
    power_off_after = "90s"

    timeouts {
      invoke = "10m"
    }
  }
}
