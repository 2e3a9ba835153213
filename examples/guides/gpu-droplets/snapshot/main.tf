# GPU droplets guide: when a training run is over, shut the node down, snapshot
# it, and rebuild the next run's node from that image. The token comes from
# DIGITALOCEAN_ACCESS_TOKEN.

terraform {
  required_providers {
    gradient = {
      source  = "gradient-tf/gradient"
      version = "~> 0.1"
    }
  }
}

provider "gradient" {}

variable "training_droplet_id" {
  description = "ID of the GPU droplet whose training run is over."
  type        = number
}

variable "next_droplet_id" {
  description = "ID of the GPU droplet that starts the next run from the snapshot. Its disk is overwritten."
  type        = number
}

variable "run" {
  description = "Name of the run that just ended, such as llama-ft-0612: a new run takes a new snapshot."
  type        = string
}

# A graceful shutdown, so that the checkpoint files are flushed to disk; if the
# node is still on 5 minutes after it, it is powered off hard.
resource "gradient_droplet_action" "shutdown" {
  droplet_id      = var.training_droplet_id
  type            = "shutdown"
  power_off_after = "5m"

  triggers = {
    run = var.run
  }
}

resource "gradient_droplet_action" "snapshot" {
  droplet_id = var.training_droplet_id
  type       = "snapshot"
  name       = "train-${var.run}"

  # A GPU droplet's boot disk is large (720 GB on gpu-h100x1-80gb): give the
  # snapshot longer than the default 60 minutes.
  timeouts {
    create = "4h"
  }

  depends_on = [gradient_droplet_action.shutdown]
}

# snapshot_id is the image the snapshot made. The next node is rebuilt from it
# and keeps its IP addresses; the plan warns that its disk is overwritten.
resource "gradient_droplet_action" "next_node" {
  droplet_id = var.next_droplet_id
  type       = "rebuild"
  image      = gradient_droplet_action.snapshot.snapshot_id
}

output "snapshot_id" {
  value = gradient_droplet_action.snapshot.snapshot_id
}
