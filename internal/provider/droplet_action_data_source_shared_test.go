//go:build unix

package provider

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccManyActionDataSourcesShareAPage: a plan of 50 gradient_droplet_action data
// sources read by ID, all at once (-parallelism=50), reads them through one page of
// /v2/actions, not one request each; each still gets its own action.
func TestAccManyActionDataSourcesShareAPage(t *testing.T) {
	t.Parallel()
	const n = 50
	api := newTestAPI(t)
	var acts []fakeapi.Action
	for range n / 2 {
		d := api.AddDroplet(fakeapi.Droplet{})
		acts = append(acts, api.SeedActions(d.ID, 2, client.ActionReboot)...)
	}
	var cfg strings.Builder
	cfg.WriteString(gradientTerraformBlock + providerConfig(api))
	for i, a := range acts {
		fmt.Fprintf(&cfg, "data \"gradient_droplet_action\" \"a%d\" {\n  id = \"%d\"\n}\n", i, a.ID)
	}
	// Every data source's own droplet, as the plan shows it: each read got its action.
	fmt.Fprintf(&cfg, "output \"droplets\" {\n  value = join(\",\", [%s])\n}\n", func() string {
		refs := make([]string, len(acts))
		for i := range acts {
			refs[i] = fmt.Sprintf("data.gradient_droplet_action.a%d.droplet_id", i)
		}
		return strings.Join(refs, ", ")
	}())
	cli := newTFCLI(t, nil)
	cli.writeConfig(cfg.String())
	api.ResetLog()
	out := cli.mustRun(0, "plan", "-input=false", "-no-color", "-parallelism=50")

	want := make([]string, len(acts))
	for i, a := range acts {
		want[i] = fmt.Sprint(a.ResourceID)
	}
	if !strings.Contains(out, strings.Join(want, ",")) {
		t.Errorf("the plan does not show every data source's droplet (%s):\n%s", strings.Join(want, ","), lastLines(out, 20))
	}
	var pages, others int
	var routes []string
	for _, r := range api.Requests() {
		if r.Method == http.MethodGet && r.Path == "/v2/actions" {
			pages++
			continue
		}
		others++
		routes = append(routes, r.Method+" "+r.Path)
	}
	t.Logf("%d data sources: %d pages of /v2/actions, %d other requests", n, pages, others)
	if pages > 1 {
		t.Errorf("%d pages of /v2/actions read for %d data sources whose actions all fit on the first, want at most one", pages, n)
	}
	if total := pages + others; total >= n {
		t.Errorf("%d requests for %d data sources, want fewer than one each; besides pages of /v2/actions: %s", total, n, strings.Join(routes, ", "))
	}
}
