# In a file ending in .tfquery.hcl, next to the configuration that declares
# the gradient provider. Then:
#
#   terraform query                                # list the droplets and their state
#   terraform query -generate-config-out=power.tf  # write import and resource blocks
#   terraform plan                                 # N to import, 0 to add, 0 to change

# Every droplet of the account, GPU droplets included. Terraform stops at 100
# results unless limit says otherwise: set it above the size of the fleet.
list "gradient_droplet_power" "all" {
  provider = gradient
  limit    = 1000
}

# The web servers: droplets tagged "production" whose name starts with "web-".
list "gradient_droplet_power" "web" {
  provider = gradient

  config {
    tag_name   = "production"
    name_regex = "^web-"
  }
}
