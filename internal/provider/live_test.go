package provider

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestLiveDropletActions reads a real droplet's actions from DigitalOcean. It changes
// nothing, and runs only with TF_ACC_LIVE=1, DIGITALOCEAN_ACCESS_TOKEN and
// GRADIENT_LIVE_DROPLET_ID set.
func TestLiveDropletActions(t *testing.T) {
	droplet := os.Getenv("GRADIENT_LIVE_DROPLET_ID")
	if os.Getenv("TF_ACC_LIVE") != "1" || os.Getenv("DIGITALOCEAN_ACCESS_TOKEN") == "" || droplet == "" {
		t.Skip("live test: set TF_ACC_LIVE=1, DIGITALOCEAN_ACCESS_TOKEN and GRADIENT_LIVE_DROPLET_ID to run it")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf("data \"gradient_droplet_actions\" \"live\" {\n  droplet_id = %s\n}\n", droplet),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.gradient_droplet_actions.live", tfjsonpath.New("actions"), knownvalue.NotNull()),
			},
		}},
	})
}
