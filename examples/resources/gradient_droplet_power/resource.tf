# Keep a fleet of staging droplets off outside office hours. A scheduled
# pipeline runs `terraform apply -var office_hours=true` in the morning and
# `-var office_hours=false` in the evening; droplets already in the wanted
# state get no request at all.
variable "office_hours" {
  type    = bool
  default = true
}

variable "staging_droplet_ids" {
  type    = set(number)
  default = []
}

resource "gradient_droplet_power" "staging" {
  for_each = var.staging_droplet_ids

  droplet_id = each.value
  state      = var.office_hours ? "on" : "off"

  # Give each droplet 3 minutes to shut down cleanly before powering it off.
  shutdown_timeout = "3m"
}

# A database kept on: if someone switches it off in the control panel, the
# next plan shows `state: "off" -> "on"` and the apply powers it back on.
variable "db_droplet_id" {
  type = number
}

resource "gradient_droplet_power" "db" {
  droplet_id = var.db_droplet_id
  state      = "on"
}

output "staging_status" {
  value = { for id, p in gradient_droplet_power.staging : id => p.status }
}
