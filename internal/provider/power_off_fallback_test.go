package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccPowerOffFallbackInterrupted: when the timeout ends the wait for a shut-down
// droplet to turn off, the diagnostic says no power_off was sent and names the completed
// shutdown, which is in state; nothing but the shutdown reached the API.
func TestAccPowerOffFallbackInterrupted(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.IgnoreShutdown(d.ID, true)
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "r" {
  droplet_id      = %d
  type            = "shutdown"
  power_off_after = "10m"
  timeouts {
    create = "3s"
  }
}
`, d.ID)
	shutdownID := func() string {
		for _, a := range api.Actions(d.ID) {
			if a.Type == client.ActionShutdown {
				return strconv.FormatInt(a.ID, 10)
			}
		}
		return "none"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Power-off fallback did not run.*Type:\s+shutdown.*No power_off was initiated`),
			},
			{
				// The completed shutdown is in state, tainted, with no power_off recorded.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: resource.ComposeTestCheckFunc(
					func(s *terraform.State) error {
						return resource.TestCheckResourceAttr("gradient_droplet_action.r", "id", shutdownID())(s)
					},
					resource.TestCheckResourceAttr("gradient_droplet_action.r", "status", "completed"),
					resource.TestCheckNoResourceAttr("gradient_droplet_action.r", "power_off_action_id"),
					expectActions(api, d.ID, client.ActionShutdown),
				),
			},
		},
	})
}
