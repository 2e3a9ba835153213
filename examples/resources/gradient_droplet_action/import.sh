# Import a droplet action by its numeric ID. Only the action is imported: write
# its droplet_id, type and parameters in the resource block first.
terraform import gradient_droplet_action.example 1234567890
