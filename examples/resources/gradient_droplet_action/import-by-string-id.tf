import {
  to = gradient_droplet_action.example
  id = "1234567890"
}

# droplet_id and type must match the action; the first plan adopts the other
# arguments from here instead of running the action again.
resource "gradient_droplet_action" "example" {
  droplet_id = 123456789
  type       = "snapshot"
  name       = "web-before-2024.06.1"
}
