import {
  to = gradient_droplet_action.example
  identity = {
    id = "1234567890"
  }
}

resource "gradient_droplet_action" "example" {
  droplet_id = 123456789
  type       = "snapshot"
  name       = "web-before-2024.06.1"
}
