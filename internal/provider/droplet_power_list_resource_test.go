//go:build unix

package provider

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// asGPU makes d a GPU droplet, which DigitalOcean lists only with type=gpus.
func asGPU(d fakeapi.Droplet) fakeapi.Droplet {
	d.SizeSlug, d.Region = "gpu-h100x1-80gb", "nyc2"
	return d
}

// powerList is a list block of gradient_droplet_power with config and the block's other
// arguments (extra).
func powerList(name, config, extra string) string {
	return fmt.Sprintf("list \"gradient_droplet_power\" %q {\n  provider = gradient\n  %s\n  config {\n    %s\n  }\n}\n", name, extra, config)
}

// TestAccDropletPowerList_query runs `terraform query` over an account with droplets on
// and off, a GPU droplet, droplets being created or archived, and more than a page of
// droplets of one tag. It checks what tag_name, name_regex and both together find, that
// droplets new or archived are left out, that every page is read, the limit, the display
// name and identity, and the resource object an import would store.
func TestAccDropletPowerList_query(t *testing.T) {
	skipWithoutQuery(t)
	t.Parallel()
	api := newTestAPI(t)
	web := []string{"web"}
	web1 := api.AddDroplet(fakeapi.Droplet{Name: "web-1", Tags: web})
	web2 := api.AddDroplet(fakeapi.Droplet{Name: "web-2", Status: fakeapi.StatusOff, Tags: web})
	webGPU := api.AddDroplet(asGPU(fakeapi.Droplet{Name: "web-gpu", Tags: web}))
	api.AddDroplet(fakeapi.Droplet{Name: "web-new", Status: fakeapi.StatusNew, Tags: web})
	api.AddDroplet(fakeapi.Droplet{Name: "web-old", Status: fakeapi.StatusArchive, Tags: web})
	api.AddDroplet(fakeapi.Droplet{Name: "db-1", Tags: []string{"db"}})
	api.AddDroplet(fakeapi.Droplet{Name: "db-2", Status: fakeapi.StatusOff})
	const many = client.MaxPerPage + 5
	for i := range many {
		api.AddDroplet(fakeapi.Droplet{Name: fmt.Sprintf("batch-%d", i), Tags: []string{"batch"}})
	}

	query := powerList("all", "", "limit = 1000") +
		powerList("web", `tag_name = "web"`, "") +
		powerList("web_names", `name_regex = "^web-"`, "") +
		powerList("web_2", "tag_name = \"web\"\n    name_regex = \"-2$\"", "") +
		powerList("batch", `tag_name = "batch"`, "limit = 1000") +
		powerList("limited", `tag_name = "batch"`, "limit = 3") +
		powerList("full", `tag_name = "web"`, "include_resource = true")

	id := func(d fakeapi.Droplet) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"droplet_id": knownvalue.Int64Exact(d.ID)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Query:  true,
				Config: providerConfig(api) + query,
				QueryResultChecks: []querycheck.QueryResultCheck{
					// Five droplets with a power state (web-new and web-old have none) and
					// the batch's two pages.
					querycheck.ExpectLength("gradient_droplet_power.all", 5+many),
					querycheck.ExpectLength("gradient_droplet_power.web", 3),
					querycheck.ExpectIdentity("gradient_droplet_power.web", id(webGPU)),
					querycheck.ExpectLength("gradient_droplet_power.web_names", 3),
					querycheck.ExpectLength("gradient_droplet_power.web_2", 1),
					querycheck.ExpectIdentity("gradient_droplet_power.web_2", id(web2)),
					querycheck.ExpectLength("gradient_droplet_power.batch", many),
					querycheck.ExpectLength("gradient_droplet_power.limited", 3),
					querycheck.ExpectResourceDisplayName("gradient_droplet_power.web", queryfilter.ByResourceIdentity(id(web2)),
						knownvalue.StringExact(fmt.Sprintf("web-2 (%d, off)", web2.ID))),
					querycheck.ExpectResourceKnownValues("gradient_droplet_power.full", queryfilter.ByResourceIdentity(id(web2)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(strconv.FormatInt(web2.ID, 10))},
						{Path: tfjsonpath.New("droplet_id"), KnownValue: knownvalue.Int64Exact(web2.ID)},
						{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("off")},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("off")},
						{Path: tfjsonpath.New("shutdown_timeout"), KnownValue: knownvalue.StringExact(defaultShutdownTimeout)},
						{Path: tfjsonpath.New("last_action_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues("gradient_droplet_power.full", queryfilter.ByResourceIdentity(id(web1)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("on")},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
					}),
				},
			},
		},
	})
}

// TestAccDropletPowerList_generateConfig brings a fleet of 20 droplets, some on and some
// off, two of them GPU droplets, under gradient_droplet_power as the documentation says:
// `terraform query -generate-config-out` writes a resource and an import block for each,
// with its current state; the plan then imports all 20 and changes nothing, and neither
// does the apply or the plan after it. Two more droplets, one being created and one
// archived, are left out with a warning saying so.
func TestAccDropletPowerList_generateConfig(t *testing.T) {
	skipWithoutQuery(t)
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)
	want := map[int64]string{} // droplet ID -> state
	for i := range 20 {
		d := fakeapi.Droplet{Name: fmt.Sprintf("fleet-%02d", i)}
		if i%3 == 0 {
			d.Status = fakeapi.StatusOff
		}
		if i == 7 || i == 12 {
			d = asGPU(d)
		}
		d = api.AddDroplet(d)
		want[d.ID], _ = powerStateOf(d.Status)
	}
	creating := api.AddDroplet(fakeapi.Droplet{Name: "creating", Status: fakeapi.StatusNew})
	archived := api.AddDroplet(fakeapi.Droplet{Name: "archived", Status: fakeapi.StatusArchive})

	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf("provider \"gradient\" {\n  api_endpoint = %q\n}\n", api.URL()))
	if err := os.WriteFile(filepath.Join(cli.dir, "power.tfquery.hcl"), []byte("list \"gradient_droplet_power\" \"fleet\" {\n  provider = gradient\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	api.ResetLog()
	out := oneLine(cli.mustRun(0, "query", "-no-color", "-generate-config-out=power.tf"))
	for _, w := range []string{
		"Warning: 2 droplets left out",
		fmt.Sprintf("1 droplet (%d): DigitalOcean is still creating it", creating.ID),
		fmt.Sprintf("1 droplet (%d): it is archived", archived.ID),
	} {
		if !strings.Contains(out, w) {
			t.Errorf("terraform query does not say %q:\n%s", w, out)
		}
	}
	// One request per page: the plain listing and the GPU listing, a page each.
	var lists []string
	for _, r := range api.Requests() {
		lists = append(lists, r.Method+" "+r.Path+"?"+r.Query)
		if r.Method != http.MethodGet || r.Path != "/v2/droplets" {
			t.Errorf("terraform query sent %s %s", r.Method, r.Path)
		}
	}
	if len(lists) != 2 {
		t.Errorf("terraform query sent %d requests, want 2 (a page of droplets, a page of GPU droplets): %v", len(lists), lists)
	}

	generated, err := os.ReadFile(filepath.Join(cli.dir, "power.tf"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`(?s)resource "gradient_droplet_power" "(\w+)" \{(.*?)\n\}`).FindAllStringSubmatch(string(generated), -1)
	got := map[int64]string{}
	attr := func(body, name string) string {
		m := regexp.MustCompile(`\n\s*` + name + `\s*=\s*"?([^"\n]*)"?`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for _, b := range blocks {
		id, err := strconv.ParseInt(attr(b[2], "droplet_id"), 10, 64)
		if err != nil {
			t.Fatalf("resource %s has no droplet_id:\n%s", b[1], generated)
		}
		got[id] = attr(b[2], "state")
		if !regexp.MustCompile(`(?s)import \{\s*to\s*= gradient_droplet_power\.` + b[1] + `\b.*?identity = \{\s*droplet_id = ` + strconv.FormatInt(id, 10) + `\s*\}`).Match(generated) {
			t.Errorf("no import block for %s by identity droplet_id = %d:\n%s", b[1], id, generated)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the generated configuration keeps %v, want the droplets' states %v:\n%s", got, want, generated)
	}

	if out := oneLine(cli.mustRun(0, "plan", "-no-color", "-input=false")); !strings.Contains(out, "Plan: 20 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the plan does not import the 20 droplets with no changes:\n%s", out)
	}
	cli.mustRun(0, "apply", "-no-color", "-input=false", "-auto-approve")
	cli.mustRun(0, "plan", "-no-color", "-input=false", "-detailed-exitcode")
	state := cli.state()
	if len(state) != 20 {
		t.Errorf("%d resources in the state, want 20", len(state))
	}
	for addr, r := range state {
		id, _ := r.Values["droplet_id"].(float64)
		if w := want[int64(id)]; r.Values["state"] != w {
			t.Errorf("%s: droplet %v imported as %v, want %q", addr, r.Values["droplet_id"], r.Values["state"], w)
		}
	}
	if accepted, attempts := initiates(api); attempts != 0 {
		t.Errorf("%d actions sent (%d accepted): adopting a fleet must run none", attempts, accepted)
	}
}

// TestAccDropletPowerList_pagesAndRefusals: a limit stops reading at the page it is reached
// in, with no limit every page is read once, and an invalid name_regex or tag_name is an
// error naming the attribute before any request.
func TestAccDropletPowerList_pagesAndRefusals(t *testing.T) {
	skipWithoutQuery(t)
	t.Parallel()
	terraformPath(t)
	api := newTestAPI(t)
	for range client.MaxPerPage + 5 {
		api.AddDroplet(fakeapi.Droplet{})
	}
	cli := newTFCLI(t, map[string]string{"DIGITALOCEAN_ACCESS_TOKEN": testToken})
	cli.writeConfig(gradientTerraformBlock + fmt.Sprintf("provider \"gradient\" {\n  api_endpoint = %q\n}\n", api.URL()))
	query := func(list string) (string, int) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cli.dir, "power.tfquery.hcl"), []byte(list), 0o600); err != nil {
			t.Fatal(err)
		}
		api.ResetLog()
		out, code := cli.run("query", "-no-color")
		return oneLine(out), code
	}
	gets := func() (n int) {
		for _, r := range api.Requests() {
			if r.Method == http.MethodGet && r.Path == "/v2/droplets" {
				n++
			}
		}
		return n
	}

	for _, c := range []struct {
		limit    int
		results  int
		requests int
	}{
		{5, 5, 1}, // within the first page
		{client.MaxPerPage, client.MaxPerPage, 1},         // at its end
		{1000, client.MaxPerPage + 5, 3},                  // both pages, then the GPU listing
		{client.MaxPerPage + 1, client.MaxPerPage + 1, 2}, // into the second page
		{client.MaxPerPage + 5, client.MaxPerPage + 5, 2}, // the last one, found on the second page
		{client.MaxPerPage + 6, client.MaxPerPage + 5, 3}, // one more than there are
	} {
		out, code := query(powerList("all", "", fmt.Sprintf("limit = %d", c.limit)))
		if code != 0 {
			t.Fatalf("limit %d: terraform query exited %d:\n%s", c.limit, code, out)
		}
		if n := strings.Count(out, "list.gradient_droplet_power.all "); n != c.results {
			t.Errorf("limit %d: %d results, want %d", c.limit, n, c.results)
		}
		if n := gets(); n != c.requests {
			t.Errorf("limit %d: %d requests, want %d", c.limit, n, c.requests)
		}
	}

	for attr, value := range map[string]string{"name_regex": "web-(1", "tag_name": "two words"} {
		out, code := query(powerList("bad", fmt.Sprintf("%s = %q", attr, value), ""))
		if code != 1 || !strings.Contains(out, attr+" must") {
			t.Errorf("%s = %q: exit %d, want 1 with an error naming %s:\n%s", attr, value, code, attr, out)
		}
		if n := len(api.Requests()); n != 0 {
			t.Errorf("%s = %q: %d requests sent, want none", attr, value, n)
		}
		// Refused by validation, which configures no provider, not only by the listing.
		out, code = cli.run("validate", "-query", "-no-color")
		if out = oneLine(out); code != 1 || !strings.Contains(out, attr+" must") {
			t.Errorf("%s = %q: terraform validate -query exited %d, want 1 with an error naming %s:\n%s", attr, value, code, attr, out)
		}
	}
}
