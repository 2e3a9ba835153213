terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

# The token comes from DIGITALOCEAN_ACCESS_TOKEN (or DIGITALOCEAN_TOKEN) when
# access_token is not set, which keeps it out of the configuration.
provider "gradient" {}

# A second configuration for a run of long actions (snapshots of large
# droplets): fewer status reads, more patience with a busy API.
provider "gradient" {
  alias        = "patient"
  access_token = var.do_token

  http_retry_max      = 8
  http_retry_wait_max = 60

  poll_interval_min = 2
  poll_interval_max = 30
}

variable "do_token" {
  description = "DigitalOcean API token (droplet:update scope, plus the scopes some action types need)."
  type        = string
  sensitive   = true
}
