package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccDropletActionDataSources reads actions by ID, by droplet with filters, and lists
// more than two pages' worth of them.
func TestAccDropletActionDataSources(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	// 250 reboots, then 3 snapshots: more than one page of 200, and the newest first.
	api.SeedActions(d.ID, 250, client.ActionReboot)
	snaps := api.SeedActions(d.ID, 3, client.ActionSnapshot)
	newestSnap := snaps[len(snaps)-1]
	all := api.Actions(d.ID) // newest first
	oldReboot := all[len(all)-1]
	cfg := providerConfig(api) + fmt.Sprintf(`
data "gradient_droplet_action" "by_id" {
  id = "%[2]d"
}
data "gradient_droplet_action" "newest_snapshot" {
  droplet_id = %[1]d
  type       = "snapshot"
  status     = "completed"
}
data "gradient_droplet_actions" "all" {
  droplet_id = %[1]d
}
data "gradient_droplet_actions" "reboots" {
  droplet_id = %[1]d
  type       = "reboot"
}
data "gradient_droplet_actions" "errored" {
  droplet_id = %[1]d
  status     = "errored"
}
`, d.ID, oldReboot.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.gradient_droplet_action.by_id", tfjsonpath.New("type"), knownvalue.StringExact("reboot")),
					statecheck.ExpectKnownValue("data.gradient_droplet_action.by_id", tfjsonpath.New("droplet_id"), knownvalue.Int64Exact(d.ID)),
					statecheck.ExpectKnownValue("data.gradient_droplet_action.newest_snapshot", tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(newestSnap.ID, 10))),
					statecheck.ExpectKnownValue("data.gradient_droplet_actions.all", tfjsonpath.New("actions"), knownvalue.ListSizeExact(253)),
					statecheck.ExpectKnownValue("data.gradient_droplet_actions.all", tfjsonpath.New("actions").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(strconv.FormatInt(newestSnap.ID, 10))),
					statecheck.ExpectKnownValue("data.gradient_droplet_actions.reboots", tfjsonpath.New("actions"), knownvalue.ListSizeExact(250)),
					statecheck.ExpectKnownValue("data.gradient_droplet_actions.errored", tfjsonpath.New("actions"), knownvalue.ListSizeExact(0)),
				},
			},
			{
				Config:      providerConfig(api) + fmt.Sprintf("data \"gradient_droplet_action\" \"none\" {\n  droplet_id = %d\n  type = \"rebuild\"\n}\n", d.ID),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`Droplet %d has no action matching type rebuild`, d.ID)),
			},
			{
				Config:      providerConfig(api) + "data \"gradient_droplet_action\" \"neither\" {\n  type = \"reboot\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)At least one of these attributes must be configured: \[id,droplet_id\]`),
			},
			{
				Config:      providerConfig(api) + "data \"gradient_droplet_action\" \"missing\" {\n  id = \"999999999\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)Could not read droplet action.*Action ID: +999999999.*404`),
			},
		},
	})
}
