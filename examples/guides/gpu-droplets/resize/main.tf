# GPU droplets guide: move a training node to a larger plan for a big run,
# power_off -> resize -> power_on. The token comes from DIGITALOCEAN_ACCESS_TOKEN.
#
# DigitalOcean refuses to resize an 8-GPU droplet to a single-GPU size: going
# from gpu-h100x1-80gb to gpu-h100x8-640gb is one way. Between single-GPU
# sizes (gpu-h100x1-80gb, gpu-h200x1-141gb, ...) the node can go and come back.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

provider "gradient" {}

variable "droplet_id" {
  description = "ID of the GPU droplet to resize."
  type        = number
}

variable "size" {
  description = "The size slug to move the droplet to."
  type        = string
  default     = "gpu-h100x8-640gb"
}

# A resize needs the droplet off. The size in triggers runs the whole chain
# again when the size changes; depends_on orders the three actions.
resource "gradient_droplet_action" "shutdown" {
  droplet_id      = var.droplet_id
  type            = "shutdown"
  power_off_after = "5m"

  triggers = {
    size = var.size
  }
}

resource "gradient_droplet_action" "resize" {
  droplet_id = var.droplet_id
  type       = "resize"
  size       = var.size

  # CPU, memory and GPUs only: the disk keeps its size, so the droplet can
  # come back to a size with a smaller disk. true grows the disk for good.
  disk = false

  timeouts {
    create = "90m"
  }

  depends_on = [gradient_droplet_action.shutdown]
}

resource "gradient_droplet_action" "power_on" {
  droplet_id = var.droplet_id
  type       = "power_on"

  triggers = {
    size = var.size
  }

  depends_on = [gradient_droplet_action.resize]
}

output "resized_to" {
  value = gradient_droplet_action.resize.size
}
