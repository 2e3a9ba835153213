import {
  to = gradient_droplet_power.db
  identity = {
    droplet_id = 123456789
  }
}
