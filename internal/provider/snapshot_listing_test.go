//go:build unix

package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// snapshotHistory is a droplet whose history holds several snapshot actions, and the
// snapshot_id each of its actions should show: an image ID, or "" for null.
type snapshotHistory struct {
	api     *fakeapi.Server
	cli     *tfCLI
	droplet int64
	want    map[string]string // action ID -> image ID, "" for null
	// unidentified are the completed snapshot actions whose image cannot be told apart.
	unidentified []string
}

// newSnapshotHistory gives a droplet, at the fake, a history of five snapshot actions a
// minute apart and two reboots, then takes one more snapshot through the provider, whose
// image the fake makes. Three of the past snapshots have their image, taken during their
// run; one has two (another tool snapshotted the droplet meanwhile), which cannot be told
// apart; one has none (it was deleted). An older image belongs to no action in the list.
func newSnapshotHistory(t *testing.T) *snapshotHistory {
	t.Helper()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	h := &snapshotHistory{api: api, droplet: d.ID, want: map[string]string{}}
	api.AddSnapshot(d.ID, "", time.Now().Add(-2*time.Hour))
	past := api.SeedActions(d.ID, 5, client.ActionSnapshot)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for i, a := range past[:3] {
		sn, _ := api.AddSnapshot(d.ID, "", a.StartedAt.Add(time.Duration(5*i)*time.Second))
		h.want[id(a.ID)] = id(sn.ID)
	}
	api.AddSnapshot(d.ID, "", past[3].StartedAt)
	api.AddSnapshot(d.ID, "other-tool", past[3].StartedAt.Add(10*time.Second))
	for _, a := range past[3:] {
		h.want[id(a.ID)] = ""
		h.unidentified = append(h.unidentified, id(a.ID))
	}
	for _, a := range api.SeedActions(d.ID, 2, client.ActionReboot) {
		h.want[id(a.ID)] = ""
	}

	h.cli = newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	h.cli.writeConfig(h.config(""))
	h.cli.mustRun(0, "apply", "-no-color", "-input=false", "-auto-approve")
	snap := h.cli.state()["gradient_droplet_action.snap"]
	snapID, _ := snap.Values["id"].(string)
	image := newestSnapshotID(t, api, d.ID)
	if snapID == "" || snap.Values["snapshot_id"] != image {
		t.Fatalf("the snapshot taken through the provider: %v, want snapshot_id %s", snap.Values, image)
	}
	h.want[snapID] = image
	return h
}

// config is the provider, the snapshot resource, and more.
func (h *snapshotHistory) config(more string) string {
	return gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint      = %q
  poll_interval_min = 0.05
  poll_interval_max = 0.2
}
resource "gradient_droplet_action" "snap" {
  droplet_id = %d
  type       = "snapshot"
  name       = "fresh"
}
`, h.api.URL(), h.droplet) + more
}

// snapshotListings counts the listings of the droplet's snapshots (first pages) and of
// its actions that the fake served since its log was reset.
func (h *snapshotHistory) listings() (snapshots, actions int) {
	for _, r := range h.api.Requests() {
		if r.Method != http.MethodGet || !strings.Contains("&"+r.Query, "&page=1&") {
			continue
		}
		switch r.Path {
		case fmt.Sprintf("/v2/droplets/%d/snapshots", h.droplet):
			snapshots++
		case fmt.Sprintf("/v2/droplets/%d/actions", h.droplet):
			actions++
		}
	}
	return snapshots, actions
}

// check compares the snapshot_id of each listed action with the one wanted.
func (h *snapshotHistory) check(t *testing.T, what string, got map[string]any) {
	t.Helper()
	if len(got) != len(h.want) {
		t.Errorf("%s lists %d actions, want %d: %v", what, len(got), len(h.want), got)
	}
	for id, want := range h.want {
		v, ok := got[id]
		switch {
		case !ok:
			t.Errorf("%s does not list action %s", what, id)
		case want == "" && v != nil:
			t.Errorf("%s: action %s has snapshot_id %v, want null", what, id, v)
		case want != "" && v != want:
			t.Errorf("%s: action %s has snapshot_id %v, want the fake's image %s", what, id, v, want)
		}
	}
}

// checkOneWarning checks that a command's -json output warns once of an image not
// identified, naming one of the actions whose image cannot be told apart. (The human
// output folds warnings with one summary into one, so it cannot tell.)
func (h *snapshotHistory) checkOneWarning(t *testing.T, what, out string) {
	t.Helper()
	if n := strings.Count(out, "Warning: Snapshot image not identified"); n != 1 {
		t.Errorf("%s warns %d times of an image not identified, want once for the listing:\n%s", what, n, out)
	}
	named := false
	for _, id := range h.unidentified {
		named = named || strings.Contains(out, "Snapshot action "+id+" on droplet")
	}
	if !named || !strings.Contains(out, "only logged") {
		t.Errorf("%s: the warning names none of actions %v, or does not say the others are logged:\n%s", what, h.unidentified, out)
	}
}

// TestAccDropletActions_snapshotID reads a droplet's history through gradient_droplet_actions:
// each snapshot action's entry carries the image the fake made for it, other types and
// snapshots whose image cannot be told apart null, with one warning for the read, and
// the droplet's snapshots are listed once for the six snapshot actions.
func TestAccDropletActions_snapshotID(t *testing.T) {
	t.Parallel()
	h := newSnapshotHistory(t)
	h.cli.writeConfig(h.config(fmt.Sprintf(`
data "gradient_droplet_actions" "all" {
  droplet_id = %d
}
output "actions" {
  value = data.gradient_droplet_actions.all.actions
}
`, h.droplet)))
	h.api.ResetLog()
	out := h.cli.mustRun(0, "apply", "-no-color", "-input=false", "-auto-approve", "-json")
	snapshots, actions := h.listings()
	if actions != 1 || snapshots != 1 {
		t.Errorf("the read listed the droplet's actions %d times and its snapshots %d times, want once each", actions, snapshots)
	}
	h.checkOneWarning(t, "the data source", out)

	var entries []struct {
		ID         string  `json:"id"`
		Type       string  `json:"type"`
		SnapshotID *string `json:"snapshot_id"`
	}
	raw := h.cli.mustRun(0, "output", "-no-color", "-json", "actions")
	if err := json.Unmarshal([]byte(raw), &entries); err != nil {
		t.Fatalf("terraform output: %v\n%s", err, raw)
	}
	got := map[string]any{}
	for _, e := range entries {
		got[e.ID] = nil
		if e.SnapshotID != nil {
			got[e.ID] = *e.SnapshotID
		}
	}
	h.check(t, "gradient_droplet_actions", got)
}

// TestAccDropletActionList_snapshotID runs `terraform query` over the same history: with
// include_resource, each result's resource carries the snapshot_id an import and refresh
// would store, from one listing of the droplet's snapshots; without it, the snapshots are
// not listed at all. The configuration the query generates then plans the imports with
// no change.
func TestAccDropletActionList_snapshotID(t *testing.T) {
	skipWithoutQuery(t)
	t.Parallel()
	h := newSnapshotHistory(t)
	// The generated configuration imports every action, the provider's snapshot included.
	h.cli.mustRun(0, "state", "rm", "-no-color", "gradient_droplet_action.snap")
	h.cli.writeConfig(strings.Split(h.config(""), `resource "gradient_droplet_action" "snap"`)[0])
	query := fmt.Sprintf(`
list "gradient_droplet_action" "full" {
  provider         = gradient
  include_resource = true
  config {
    droplet_id = %[1]d
  }
}
list "gradient_droplet_action" "ids" {
  provider = gradient
  config {
    droplet_id = %[1]d
  }
}
`, h.droplet)
	if err := os.WriteFile(filepath.Join(h.cli.dir, "actions.tfquery.hcl"), []byte(query), 0o600); err != nil {
		t.Fatal(err)
	}

	h.api.ResetLog()
	out := h.cli.mustRun(0, "query", "-no-color", "-json")
	snapshots, actions := h.listings()
	if actions != 2 || snapshots != 1 {
		t.Errorf("the query listed the droplet's actions %d times and its snapshots %d times, want twice (two lists) and once", actions, snapshots)
	}
	h.checkOneWarning(t, "terraform query", out)
	got := map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		var msg struct {
			Found *struct {
				Address  string            `json:"address"`
				Identity map[string]string `json:"identity"`
				Object   map[string]any    `json:"resource_object"`
			} `json:"list_resource_found"`
		}
		if json.Unmarshal([]byte(line), &msg) != nil || msg.Found == nil || msg.Found.Address != "list.gradient_droplet_action.full" {
			continue
		}
		snapshotID, ok := msg.Found.Object["snapshot_id"]
		if !ok {
			t.Errorf("result %v carries no snapshot_id: %v", msg.Found.Identity, msg.Found.Object)
		}
		got[msg.Found.Identity["id"]] = snapshotID
	}
	h.check(t, "terraform query", got)

	// The configuration the query generates plans the imports with no change.
	if err := os.WriteFile(filepath.Join(h.cli.dir, "actions.tfquery.hcl"), []byte(strings.Split(query, `list "gradient_droplet_action" "ids"`)[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	h.cli.mustRun(0, "query", "-no-color", "-generate-config-out=generated.tf")
	plan := oneLine(h.cli.mustRun(0, "plan", "-no-color", "-input=false"))
	if want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", len(h.want)); !strings.Contains(plan, want) {
		t.Errorf("the generated configuration does not plan %q:\n%s", want, plan)
	}
}
