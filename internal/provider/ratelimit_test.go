package provider

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// The provider counts every request it sends in its per-minute ledger, under the cap the
// configuration gives: after an apply, the ledger holds exactly the requests the API saw.
func TestAccRequestsPerMinuteCountsEveryRequest(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	droplets := []int64{api.AddDroplet(fakeapi.Droplet{}).ID, api.AddDroplet(fakeapi.Droplet{}).ID}
	cfg := fmt.Sprintf(`
provider "gradient" {
  access_token        = %q
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  requests_per_minute = 200
}

resource "gradient_droplet_action" "a" {
  droplet_id = %d
  type       = "reboot"
}

resource "gradient_droplet_action" "b" {
  droplet_id = %d
  type       = "power_cycle"
}
`, testToken, api.URL(), droplets[0], droplets[1])
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				governorsMu.Lock()
				g := governors[accountKey(testToken, api.URL())+"/200"]
				governorsMu.Unlock()
				if g == nil {
					return fmt.Errorf("no governor with a cap of 200 for this token and endpoint")
				}
				if err := g.LedgerError(); err != nil {
					return fmt.Errorf("the ledger file could not be used: %w", err)
				}
				if got, want := g.MinuteStats(time.Now()).InWindow, api.Stats().Total; got != want {
					return fmt.Errorf("the ledger counts %d requests in the last minute, the API saw %d", got, want)
				}
				return nil
			},
		}},
	})
}

// A token with only the droplet scopes may not list actions: the bulk action's wait is
// refused the list once and reads each action through its droplet instead, and the apply
// succeeds.
func TestAccDropletBulkAction_withoutActionsRead(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t, func(o *fakeapi.Options) {
		o.Scopes = []string{"droplet:read", "droplet:update"}
		o.DefaultDuration = 300 * time.Millisecond
	})
	web := tagged(api, "web", 4)
	cfg := providerConfig(api) + `
resource "gradient_droplet_bulk_action" "cycle" {
  tag_name = "web"
  type     = "power_cycle"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(*terraform.State) error {
				var refused, listed, single int
				for _, r := range api.Requests() {
					switch {
					case r.Status == http.StatusForbidden && r.Path == "/v2/actions":
						refused++
					case r.Status == http.StatusForbidden:
						return fmt.Errorf("%s %s refused: a path outside the droplet scopes", r.Method, r.Path)
					case r.Path == "/v2/actions":
						listed++
					case r.Method == http.MethodGet && isActionRead(r.Path):
						single++
					}
				}
				if refused != 1 || listed != 0 {
					return fmt.Errorf("/v2/actions refused %d times and answered %d, want refused once and never asked again", refused, listed)
				}
				if single < len(web) {
					return fmt.Errorf("%d reads through the droplets for %d actions, want at least one each", single, len(web))
				}
				for _, d := range web {
					if acts := api.Actions(d.ID); len(acts) != 1 || acts[0].Status != fakeapi.ActionCompleted {
						return fmt.Errorf("droplet %d: %+v, want one completed power_cycle", d.ID, acts)
					}
				}
				return nil
			},
		}},
	})
}

// A droplet busy with an action started elsewhere answers 422 "pending event"; waiting that
// action out needs only the droplet scopes the docs name: it is read through the droplet's
// path, and no request is refused.
func TestAccPendingEventWaitWithDropletScopesOnly(t *testing.T) {
	t.Parallel()
	// The other tool's action lasts ten minutes on a clock moved by hand once Terraform has
	// met it, so the apply certainly meets it however slow the machine is.
	var skew atomic.Int64
	api := newTestAPI(t, func(o *fakeapi.Options) {
		o.Scopes = []string{"droplet:read", "droplet:update"}
		o.DefaultDuration = 300 * time.Millisecond
		o.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + faultRebootConfig(d.ID, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				// Another tool's action, still running when Terraform initiates.
				api.SetDuration(client.ActionPowerCycle, 10*time.Minute)
				go func() {
					deadline := time.Now().Add(2 * time.Minute)
					for api.Stats().Pending422 == 0 && time.Now().Before(deadline) && t.Context().Err() == nil {
						time.Sleep(20 * time.Millisecond) // polling the fake for a condition, bounded
					}
					skew.Add(int64(11 * time.Minute))
				}()
				c, err := client.New(client.Config{Token: testToken, Endpoint: api.URL()})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := c.Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionPowerCycle}); err != nil {
					t.Fatal(err)
				}
			},
			Config: cfg,
			Check: func(*terraform.State) error {
				var pending int
				for _, r := range api.Requests() {
					if r.Status == http.StatusForbidden {
						return fmt.Errorf("%s %s refused: the wait used a path the droplet scopes do not allow", r.Method, r.Path)
					}
					if r.Status == http.StatusUnprocessableEntity {
						pending++
					}
				}
				if pending == 0 {
					return fmt.Errorf("no 422 was served: the test did not exercise the wait for the running action")
				}
				acts := api.Actions(d.ID)
				if len(acts) != 2 || acts[0].Type != client.ActionReboot || acts[0].Status != fakeapi.ActionCompleted {
					return fmt.Errorf("droplet %d: %+v, want the reboot completed after the power_cycle", d.ID, acts)
				}
				return nil
			},
		}},
	})
}

// Every action type runs and is waited for with the scopes the docs name and no more:
// droplet:read and droplet:update, plus the type's own extra scope (the action-type
// table's Scope). A request needing anything else would be refused with 403; the one
// exception is the watcher's optional page of /v2/actions, refused once and not asked again.
func TestAccEveryTypeWithDocumentedScopes(t *testing.T) {
	t.Parallel()
	cases := typeCases()
	byScope := map[string][]client.ActionTypeInfo{}
	for _, info := range client.ActionTypes() {
		byScope[info.Scope] = append(byScope[info.Scope], info)
	}
	for scope, infos := range byScope {
		t.Run("extra scope "+cmp.Or(scope, "none"), func(t *testing.T) {
			t.Parallel()
			scopes := []string{"droplet:read", "droplet:update"}
			if scope != "" {
				scopes = append(scopes, scope)
			}
			api := newTestAPI(t, func(o *fakeapi.Options) { o.Scopes = scopes })
			var cfg strings.Builder
			cfg.WriteString(providerConfig(api))
			for _, info := range infos {
				d := api.AddDroplet(cases[info.Type].droplet)
				fmt.Fprintf(&cfg, "resource \"gradient_droplet_action\" %q {\n  droplet_id = %d\n  type = %q\n  %s\n}\n", info.Type, d.ID, info.Type, cases[info.Type].hcl)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testProviderFactories,
				Steps: []resource.TestStep{{
					Config: cfg.String(),
					Check: func(*terraform.State) error {
						// The watcher may ask for the list of actions (actions:read, optional)
						// once, and then reads through the droplets.
						listRefused := 0
						for _, r := range api.Requests() {
							switch {
							case r.Status == http.StatusForbidden && r.Path == "/v2/actions":
								listRefused++
							case r.Status == http.StatusForbidden:
								return fmt.Errorf("%s %s refused with scopes %v", r.Method, r.Path, scopes)
							}
						}
						if listRefused > 1 {
							return fmt.Errorf("GET /v2/actions refused %d times: the watcher asked again after a 403", listRefused)
						}
						if accepted, _ := initiates(api); accepted != len(infos) {
							return fmt.Errorf("%d actions started, want %d", accepted, len(infos))
						}
						return nil
					},
				}},
			})
		})
	}
}
