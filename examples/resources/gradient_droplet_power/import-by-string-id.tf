import {
  to = gradient_droplet_power.db
  id = "123456789"
}
