# The configuration `make demo` (scripts/demo.sh) generates into, once the
# demo's apply is done: it declares the provider, and fleet.tfquery.hcl finds
# the fake's droplets for `terraform query -generate-config-out=power.tf`,
# which writes a gradient_droplet_power resource and an import block for each.
# It is not part of the generated documentation.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

variable "api_endpoint" {
  description = "Base URL of the fake API, such as http://127.0.0.1:43210."
  type        = string
}

provider "gradient" {
  api_endpoint = var.api_endpoint
  access_token = "fake-token"
}
