# Snapshot every droplet tagged "web" with one API call, once per release.
# Only the types DigitalOcean runs by tag are accepted (see type below).
variable "release" {
  type    = string
  default = "2024.06.1"
}

resource "gradient_droplet_bulk_action" "snapshot_web" {
  tag_name = "web"
  type     = "snapshot"
  name     = "web-${var.release}"

  triggers = {
    release = var.release
  }

  timeouts {
    create = "2h"
  }
}

# Enable IPv6 on every droplet tagged "workers" (cannot be undone).
resource "gradient_droplet_bulk_action" "ipv6_workers" {
  tag_name = "workers"
  type     = "enable_ipv6"
}

output "snapshot_actions" {
  # One entry per droplet that carried the tag: id, droplet_id, status, ...
  value = gradient_droplet_bulk_action.snapshot_web.actions
}

output "snapshot_images" {
  # Droplet ID => the image its snapshot made, to pass as `image` to a droplet.
  value = { for a in gradient_droplet_bulk_action.snapshot_web.actions : a.droplet_id => a.snapshot_id }
}
