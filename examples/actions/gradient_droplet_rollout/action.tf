# Reboot the droplets tagged "web" one at a time, each one done once it answers on its
# health endpoint again:
#   terraform apply -invoke=action.gradient_droplet_rollout.reboot_web
action "gradient_droplet_rollout" "reboot_web" {
  config {
    tag_name = "web"
    steps    = [{ type = "reboot" }]

    health_check = {
      url         = "http://{ipv4_private}:8080/healthz"
      healthy_for = "10s"
      deadline    = "5m"
    }
  }
}
