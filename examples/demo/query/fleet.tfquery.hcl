# Every droplet the fake seeded carries the tag "demo": adopt them all under
# gradient_droplet_power, each in the power state it is in now.
list "gradient_droplet_power" "demo" {
  provider = gradient

  config {
    tag_name = "demo"
  }
}
