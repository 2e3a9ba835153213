# The droplet usually comes from the official provider, for example
# digitalocean_droplet.web.id; here it is a variable.
variable "droplet_id" {
  type = number
}

variable "size" {
  type    = string
  default = "s-2vcpu-4gb"
}

# --- Power: shut down, resize, power on ---------------------------------------
#
# A resize needs the droplet off. depends_on orders the three actions; the
# provider also serializes actions on one droplet and waits out the API's
# "pending event" answer, but only depends_on guarantees the order.
# The size in triggers makes the whole chain run again when the size changes.

resource "gradient_droplet_action" "shutdown" {
  droplet_id = var.droplet_id
  type       = "shutdown"

  # A shutdown only asks the OS to stop. If the droplet is not off 2 minutes
  # after the shutdown completed, power it off hard.
  power_off_after = "2m"

  triggers = {
    size = var.size
  }
}

resource "gradient_droplet_action" "resize" {
  droplet_id = var.droplet_id
  type       = "resize"
  size       = var.size
  disk       = false # true is permanent: the droplet can never shrink again

  timeouts {
    create = "90m"
  }

  depends_on = [gradient_droplet_action.shutdown]
}

resource "gradient_droplet_action" "power_on" {
  droplet_id = var.droplet_id
  type       = "power_on"

  triggers = {
    size = var.size
  }

  depends_on = [gradient_droplet_action.resize]
}

# --- Backups: weekly, Sundays from 04:00 UTC ------------------------------------

resource "gradient_droplet_action" "backups" {
  droplet_id = var.droplet_id
  type       = "enable_backups"

  backup_policy = {
    plan    = "weekly"
    weekday = "SUN"
    hour    = 4
  }
}

# --- Image: a snapshot per release, and a rebuild from a public image ------------

variable "release" {
  type    = string
  default = "2024.06.1"
}

resource "gradient_droplet_action" "snapshot" {
  droplet_id = var.droplet_id
  type       = "snapshot"
  name       = "web-before-${var.release}"

  # A new release takes a new snapshot; the old snapshot stays at DigitalOcean.
  triggers = {
    release = var.release
  }

  depends_on = [gradient_droplet_action.power_on]
}

# snapshot_id is the image the snapshot made: a new droplet, here from the
# official DigitalOcean provider (digitalocean/digitalocean), starts from it.
resource "digitalocean_droplet" "canary" {
  name   = "web-canary-${replace(var.release, ".", "-")}"
  region = "nyc3"
  size   = "s-1vcpu-1gb"
  image  = gradient_droplet_action.snapshot.snapshot_id
}

output "release_snapshot_image" {
  value = gradient_droplet_action.snapshot.snapshot_id
}

variable "scratch_droplet_id" {
  type = number
}

# Overwrites the droplet's disk: the plan shows a warning.
resource "gradient_droplet_action" "rebuild" {
  droplet_id = var.scratch_droplet_id
  type       = "rebuild"
  image      = "ubuntu-24-04-x64"
}

# --- Configuration: rename ------------------------------------------------------

resource "gradient_droplet_action" "rename" {
  droplet_id = var.scratch_droplet_id
  type       = "rename"
  name       = "scratch-ubuntu-24-04"

  depends_on = [gradient_droplet_action.rebuild]
}

output "resize_action" {
  value = {
    id           = gradient_droplet_action.resize.id
    status       = gradient_droplet_action.resize.status
    completed_at = gradient_droplet_action.resize.completed_at
  }
}

output "shutdown_needed_power_off" {
  value = gradient_droplet_action.shutdown.power_off_fallback
}
