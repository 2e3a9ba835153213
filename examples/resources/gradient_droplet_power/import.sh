# Import a droplet's power state by the droplet's ID. The next plan is empty
# when the configuration's state matches the droplet's.
terraform import gradient_droplet_power.db 123456789
