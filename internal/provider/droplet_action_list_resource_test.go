package provider

import (
	"fmt"
	"regexp"
	"strconv"
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

// TestAccDropletActionList_query runs `terraform query` over a droplet with a history of
// reboots and power-offs, one errored reboot started through the resource, and a second
// droplet's reboots. It checks the type and status filters and the count they give, the
// limit, the display name and identity of one reboot, and the resource object an import
// of it would store.
func TestAccDropletActionList_query(t *testing.T) {
	skipWithoutQuery(t)
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	other := api.AddDroplet(fakeapi.Droplet{})
	reboots := api.SeedActions(d.ID, 3, client.ActionReboot)
	api.SeedActions(d.ID, 2, client.ActionPowerOff)
	api.SeedActions(other.ID, 4, client.ActionReboot)
	api.SetActionOutcome(d.ID, client.ActionReboot, true)
	// More than one page of the API's largest page size, to be read through.
	many := api.AddDroplet(fakeapi.Droplet{})
	api.SeedActions(many.ID, client.MaxPerPage+5, client.ActionPowerOn)

	first := reboots[0]
	firstID := strconv.FormatInt(first.ID, 10)
	list := func(name, config string, extra string) string {
		return fmt.Sprintf("list \"gradient_droplet_action\" %q {\n  provider = gradient\n  %s\n  config {\n    %s\n  }\n}\n", name, extra, config)
	}
	query := list("reboots", fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"", d.ID), "") +
		list("completed_reboots", fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"\n    status = \"completed\"", d.ID), "") +
		list("errored", fmt.Sprintf("droplet_id = %d\n    status = \"errored\"", d.ID), "") +
		list("all", fmt.Sprintf("droplet_id = %d", d.ID), "") +
		list("limited", fmt.Sprintf("droplet_id = %d", d.ID), "limit = 2") +
		list("many", fmt.Sprintf("droplet_id = %d", many.ID), "limit = 1000") +
		list("full", fmt.Sprintf("droplet_id = %d\n    type = \"reboot\"", d.ID), "include_resource = true")

	const addr = "gradient_droplet_action.reboots"
	byID := queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(firstID)})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				// An errored reboot joins the seeded history, through the managed resource.
				Config:      providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"reboot\"\n}\n", d.ID),
				ExpectError: regexp.MustCompile(`Droplet action failed`),
			},
			{
				Query:  true,
				Config: query,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(addr, 4),
					querycheck.ExpectLength("gradient_droplet_action.completed_reboots", 3),
					querycheck.ExpectLength("gradient_droplet_action.errored", 1),
					querycheck.ExpectLength("gradient_droplet_action.all", 6),
					querycheck.ExpectLength("gradient_droplet_action.limited", 2),
					querycheck.ExpectLength("gradient_droplet_action.many", client.MaxPerPage+5),
					querycheck.ExpectIdentity(addr, map[string]knownvalue.Check{"id": knownvalue.StringExact(firstID)}),
					querycheck.ExpectResourceDisplayName(addr, byID, knownvalue.StringExact(fmt.Sprintf("reboot #%d (completed)", first.ID))),
					querycheck.ExpectResourceDisplayName("gradient_droplet_action.errored", nil,
						knownvalue.StringRegexp(regexp.MustCompile(`^reboot #\d+ \(errored\)$`))),
					querycheck.ExpectResourceKnownValues("gradient_droplet_action.full", byID, []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(firstID)},
						{Path: tfjsonpath.New("droplet_id"), KnownValue: knownvalue.Int64Exact(d.ID)},
						{Path: tfjsonpath.New("type"), KnownValue: knownvalue.StringExact("reboot")},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("completed")},
						{Path: tfjsonpath.New("completed_at"), KnownValue: knownvalue.NotNull()},
						{Path: tfjsonpath.New("region_slug"), KnownValue: knownvalue.StringExact("nyc3")},
						{Path: tfjsonpath.New("wait"), KnownValue: knownvalue.Bool(true)},
						{Path: tfjsonpath.New("disk"), KnownValue: knownvalue.Bool(false)},
						{Path: tfjsonpath.New("size"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
					}),
				},
			},
		},
	})
}
