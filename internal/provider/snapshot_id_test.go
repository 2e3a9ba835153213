package provider

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// newestSnapshotID is the ID of the droplet's newest snapshot at the fake.
func newestSnapshotID(t *testing.T, api *fakeapi.Server, dropletID int64) string {
	t.Helper()
	snaps := api.Snapshots(dropletID)
	if len(snaps) == 0 {
		t.Fatalf("droplet %d has no snapshot at the fake", dropletID)
	}
	return strconv.FormatInt(snaps[len(snaps)-1].ID, 10)
}

// TestAccSnapshotID records the image each snapshot made: on the resource (named), on
// each entry of the bulk resource (unnamed: the API picks the names), and on the data
// source reading the resource's action. Older snapshots of the droplets, taken before the
// apply, are not mistaken for the new ones. Other types record null.
func TestAccSnapshotID(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	web := []fakeapi.Droplet{
		api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}}),
		api.AddDroplet(fakeapi.Droplet{Tags: []string{"web"}}),
	}
	// History: a snapshot with the same name an hour ago, and unnamed ones on the tag.
	api.AddSnapshot(d.ID, "nightly", time.Now().Add(-time.Hour))
	for _, w := range web {
		api.AddSnapshot(w.ID, "", time.Now().Add(-time.Hour))
	}
	cfg := providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "snap" {
  droplet_id = %[1]d
  type       = "snapshot"
  name       = "nightly"
}
resource "gradient_droplet_action" "reboot" {
  droplet_id = %[1]d
  type       = "reboot"
  depends_on = [gradient_droplet_action.snap]
}
resource "gradient_droplet_bulk_action" "web" {
  tag_name = "web"
  type     = "snapshot"
}
data "gradient_droplet_action" "snap" {
  id = gradient_droplet_action.snap.id
}
`, d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("gradient_droplet_action.reboot", tfjsonpath.New("snapshot_id"), knownvalue.Null()),
				statecheck.CompareValuePairs("gradient_droplet_action.snap", tfjsonpath.New("snapshot_id"),
					"data.gradient_droplet_action.snap", tfjsonpath.New("snapshot_id"), compare.ValuesSame()),
			},
			Check: func(s *terraform.State) error {
				checks := []resource.TestCheckFunc{
					resource.TestCheckResourceAttr("gradient_droplet_action.snap", "snapshot_id", newestSnapshotID(t, api, d.ID)),
					resource.TestCheckResourceAttr("data.gradient_droplet_action.snap", "snapshot_id", newestSnapshotID(t, api, d.ID)),
				}
				for i, w := range web {
					checks = append(checks,
						resource.TestCheckResourceAttr("gradient_droplet_bulk_action.web", fmt.Sprintf("actions.%d.droplet_id", i), strconv.FormatInt(w.ID, 10)),
						resource.TestCheckResourceAttr("gradient_droplet_bulk_action.web", fmt.Sprintf("actions.%d.snapshot_id", i), newestSnapshotID(t, api, w.ID)))
				}
				return resource.ComposeTestCheckFunc(checks...)(s)
			},
		}},
	})
}

// TestAccSnapshotID_ambiguous gives the droplet a second snapshot with the same name while
// the action runs: the provider cannot tell which image the action made, so snapshot_id
// stays null (with a warning) rather than a guess.
func TestAccSnapshotID_ambiguous(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	api.SetDuration(client.ActionSnapshot, 2*time.Second)
	d := api.AddDroplet(fakeapi.Droplet{})
	rival := make(chan error, 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				go func() { rival <- addSnapshotWhileRunning(api, d.ID, "nightly") }()
			},
			Config: providerConfig(api) + fmt.Sprintf(`
resource "gradient_droplet_action" "snap" {
  droplet_id = %d
  type       = "snapshot"
  name       = "nightly"
}
`, d.ID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("gradient_droplet_action.snap", tfjsonpath.New("status"), knownvalue.StringExact("completed")),
				statecheck.ExpectKnownValue("gradient_droplet_action.snap", tfjsonpath.New("snapshot_id"), knownvalue.Null()),
			},
			Check: func(*terraform.State) error {
				if err := <-rival; err != nil {
					return err
				}
				if n := len(api.Snapshots(d.ID)); n != 2 {
					return fmt.Errorf("droplet has %d snapshots, want 2 (the action's and the rival)", n)
				}
				return nil
			},
		}},
	})
}

// addSnapshotWhileRunning waits (boundedly) for a snapshot action to be in progress on the
// droplet, then adds a snapshot with the same name, as another tool might.
func addSnapshotWhileRunning(api *fakeapi.Server, dropletID int64, name string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, a := range api.Actions(dropletID) {
			if a.Type == client.ActionSnapshot && a.Status == fakeapi.ActionInProgress {
				api.AddSnapshot(dropletID, name, time.Now())
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no snapshot action ran on droplet %d within a minute", dropletID)
}
