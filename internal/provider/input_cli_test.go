//go:build unix

package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// oneLine joins Terraform's output into one line, so that texts it wrapped match.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// rebootConfig is a configuration that needs the provider configured to plan.
func rebootConfig(providerBlock string, dropletID int64) string {
	return gradientTerraformBlock + providerBlock + fmt.Sprintf(`
resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "reboot"
}
`, dropletID)
}

// An API endpoint the provider cannot use is reported with where it came from: the
// api_endpoint argument, or the environment variable read in its place. So is the /v2 an
// endpoint copied from DigitalOcean's API reference ends in.
func TestCLIEndpointErrorsNameTheirSource(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	// After the parallel subtests.
	t.Cleanup(func() {
		if n := api.Stats().ByMethod["POST"]; n != 0 {
			t.Errorf("%d POSTs from plans, want none", n)
		}
	})
	for name, tc := range map[string]struct {
		env      map[string]string
		block    string
		exit     int
		want     []string
		mustLack []string
	}{
		"GRADIENT_BASE_URL": {
			env:      map[string]string{"GRADIENT_BASE_URL": "garbage"},
			block:    "provider \"gradient\" {}\n",
			exit:     1,
			want:     []string{"Invalid API endpoint", `The API endpoint from the environment variable GRADIENT_BASE_URL (api_endpoint is not set) is invalid: "garbage" is not an absolute URL`},
			mustLack: []string{`api_endpoint "garbage"`},
		},
		"DIGITALOCEAN_API_URL": {
			env:   map[string]string{"DIGITALOCEAN_API_URL": "http://api.example.com"},
			block: "provider \"gradient\" {}\n",
			exit:  1,
			want:  []string{`The API endpoint from the environment variable DIGITALOCEAN_API_URL (api_endpoint is not set) is invalid: "http://api.example.com" uses plain http`},
		},
		"argument over the environment": {
			env:      map[string]string{"GRADIENT_BASE_URL": api.URL()},
			block:    "provider \"gradient\" {\n  api_endpoint = \"garbage\"\n}\n",
			exit:     1,
			want:     []string{`The API endpoint from api_endpoint is invalid: "garbage" is not an absolute URL`},
			mustLack: []string{"GRADIENT_BASE_URL"},
		},
		"GRADIENT_BASE_URL ending in /v2": {
			env:   map[string]string{"GRADIENT_BASE_URL": api.URL() + "/v2"},
			block: "provider \"gradient\" {}\n",
			exit:  0,
			want:  []string{fmt.Sprintf("The API endpoint %q, from the environment variable GRADIENT_BASE_URL (api_endpoint is not set), ends in /v2", api.URL()+"/v2")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken}
			for k, v := range tc.env {
				env[k] = v
			}
			cli := newTFCLI(t, env)
			cli.writeConfig(rebootConfig(tc.block, d.ID))
			out := oneLine(cli.mustRun(tc.exit, "plan", "-input=false", "-no-color"))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("plan output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.mustLack {
				if strings.Contains(out, w) {
					t.Errorf("plan output has %q:\n%s", w, out)
				}
			}
		})
	}
}

// access_token = "" is refused, naming the argument and how to use the environment
// instead, rather than quietly acting with the token in the environment (it usually comes
// from a variable nobody set). A value not known at validate time is not refused then.
func TestCLIEmptyAccessTokenRefused(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	refusal := []string{"Empty access_token", "access_token is set to the empty string", "remove the argument (or set it to null) to use those environment variables"}
	expect := func(out string) {
		t.Helper()
		for _, w := range refusal {
			if !strings.Contains(oneLine(out), w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	}

	cli.writeConfig(rebootConfig(fmt.Sprintf("variable \"token\" {\n  default = \"\"\n}\nprovider \"gradient\" {\n  access_token = var.token\n  api_endpoint = %q\n}\n", api.URL()), d.ID))
	// terraform validate knows no variable's value: nothing to refuse yet.
	cli.mustRun(0, "validate", "-no-color")
	expect(cli.mustRun(1, "plan", "-input=false", "-no-color"))

	cli.writeConfig(rebootConfig(fmt.Sprintf("provider \"gradient\" {\n  access_token = \"\"\n  api_endpoint = %q\n}\n", api.URL()), d.ID))
	expect(cli.mustRun(1, "validate", "-no-color"))
	expect(cli.mustRun(1, "apply", "-auto-approve", "-input=false", "-no-color"))

	if n := api.Stats().Total; n != 0 {
		t.Errorf("%d requests with access_token = \"\", want none", n)
	}
}

// An imported snapshot action whose image cannot be told apart without its name (two
// snapshots in its run) keeps snapshot_id null; the apply that adopts name from the
// configuration looks again with it and records the one image of that name, without
// running anything. A later plan has nothing to do and no warning to repeat.
func TestCLIImportedSnapshotFindsItsImageOnceNamed(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	act := api.SeedActions(d.ID, 1, client.ActionSnapshot)[0]
	at := act.StartedAt.Add(5 * time.Second)
	nightly, _ := api.AddSnapshot(d.ID, "nightly", at)
	api.AddSnapshot(d.ID, "hourly", at)

	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	config := func(name string) string {
		return gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint = %q
}

resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "snapshot"
%s}
`, api.URL(), d.ID, name)
	}
	snapshotID := func() any {
		t.Helper()
		r, ok := cli.state()["gradient_droplet_action.r"]
		if !ok {
			t.Fatal("gradient_droplet_action.r is not in the state")
		}
		return r.Values["snapshot_id"]
	}

	cli.writeConfig(config(""))
	out := cli.mustRun(0, "import", "-input=false", "-no-color", "gradient_droplet_action.r", strconv.FormatInt(act.ID, 10))
	if !strings.Contains(out, "Snapshot image not identified") {
		t.Errorf("import does not warn that the image is ambiguous:\n%s", out)
	}
	if id := snapshotID(); id != nil {
		t.Fatalf("snapshot_id = %v after importing an ambiguous snapshot, want null", id)
	}

	cli.writeConfig(config("  name       = \"nightly\"\n"))
	cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	if id, want := snapshotID(), strconv.FormatInt(nightly.ID, 10); id != want {
		t.Errorf("snapshot_id = %v after the apply that names the snapshot, want %s", id, want)
	}
	out = cli.mustRun(0, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	if strings.Contains(out, "Snapshot image not identified") {
		t.Errorf("a later plan warns again:\n%s", out)
	}
	if n := api.Stats().ByMethod["POST"]; n != 0 {
		t.Errorf("%d POSTs, want none: import and adoption run nothing", n)
	}
}
