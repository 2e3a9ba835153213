package fakeapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

type actionsPage struct {
	Actions []apiAction
	Links   struct {
		Pages map[string]string
	}
	Meta struct{ Total int }
}

// TestListAllActionsOrder: GET /v2/actions lists every action of every
// droplet, oldest first by ID, so the newest is last.
func TestListAllActionsOrder(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	a := s.AddDroplet(fakeapi.Droplet{})
	b := s.AddDroplet(fakeapi.Droplet{})
	var want []int64
	for _, x := range s.SeedActions(a.ID, 3, client.ActionReboot) {
		want = append(want, x.ID)
	}
	for _, x := range s.SeedActions(b.ID, 2, client.ActionPowerOn) {
		want = append(want, x.ID)
	}
	want = append(want, initiate(t, s, b.ID, `{"type":"reboot"}`).ID)
	want = append(want, initiate(t, s, a.ID, `{"type":"power_off"}`).ID)
	// Replacing a droplet keeps its actions, and so does the list.
	s.AddDroplet(fakeapi.Droplet{ID: a.ID, Name: "replaced"})

	var p actionsPage
	call(t, s, "GET", "/v2/actions", "").want(t, 200).decode(t, &p)
	var got []int64
	for _, x := range p.Actions {
		got = append(got, x.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed %v, want %v (oldest first)", got, want)
	}
	if p.Meta.Total != len(want) || len(p.Links.Pages) != 0 {
		t.Errorf("total %d, links %v", p.Meta.Total, p.Links.Pages)
	}
	last := p.Actions[len(p.Actions)-1]
	if last.ResourceID != a.ID || last.Type != "power_off" || last.Status != fakeapi.ActionInProgress {
		t.Errorf("newest action %+v", last)
	}
	// Progress is as current as on the other routes.
	clock.Advance(time.Second)
	call(t, s, "GET", "/v2/actions", "").want(t, 200).decode(t, &p)
	if st := p.Actions[len(p.Actions)-1].Status; st != fakeapi.ActionCompleted {
		t.Errorf("newest action %q after its duration", st)
	}

	// Only GET.
	r := call(t, s, "POST", "/v2/actions", `{"type":"reboot"}`)
	r.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed", "POST")
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

// TestListAllActionsPaging: per_page=200 pages through 450 actions with
// links and meta pointing at /v2/actions; the newest are on the last page.
func TestListAllActionsPaging(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	a := s.AddDroplet(fakeapi.Droplet{})
	b := s.AddDroplet(fakeapi.Droplet{})
	s.SeedActions(a.ID, 250, client.ActionReboot)
	s.SeedActions(b.ID, 199, client.ActionPowerOn)
	newest := initiate(t, s, a.ID, `{"type":"reboot"}`)
	const total = 450

	base := s.URL() + "/v2/actions"
	link := func(p, per int) string { return fmt.Sprintf("%s?page=%d&per_page=%d", base, p, per) }
	cases := []struct {
		query string
		n     int
		links map[string]string
	}{
		{"?per_page=200", 200, map[string]string{"next": link(2, 200), "last": link(3, 200)}},
		{"?page=2&per_page=200", 200, map[string]string{"first": link(1, 200), "prev": link(1, 200), "next": link(3, 200), "last": link(3, 200)}},
		{"?page=3&per_page=200", 50, map[string]string{"first": link(1, 200), "prev": link(2, 200)}},
		// Defaults and clamping as on the other lists; a stray filter is not
		// carried into the links of this unfiltered list.
		{"", 20, map[string]string{"next": link(2, 20), "last": link(23, 20)}},
		{"?per_page=500&tag_name=web", 200, map[string]string{"next": link(2, 200), "last": link(3, 200)}},
	}
	var all []int64
	for _, c := range cases {
		var p actionsPage
		call(t, s, "GET", "/v2/actions"+c.query, "").want(t, 200).decode(t, &p)
		if len(p.Actions) != c.n || p.Meta.Total != total {
			t.Errorf("%q: %d actions, total %d", c.query, len(p.Actions), p.Meta.Total)
		}
		if len(p.Links.Pages) != len(c.links) {
			t.Errorf("%q: links %v, want %v", c.query, p.Links.Pages, c.links)
		}
		for k, v := range c.links {
			if p.Links.Pages[k] != v {
				t.Errorf("%q: link %s = %q, want %q", c.query, k, p.Links.Pages[k], v)
			}
		}
		if strings.HasSuffix(c.query, "per_page=200") {
			for _, x := range p.Actions {
				all = append(all, x.ID)
			}
		}
	}
	if len(all) != total || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != total {
		t.Fatalf("three pages of 200 gave %d actions, sorted %v", len(all), slices.IsSorted(all))
	}
	if all[total-1] != newest.ID {
		t.Errorf("last listed %d, newest %d", all[total-1], newest.ID)
	}
	for _, q := range []string{"per_page=0", "page=abc"} {
		call(t, s, "GET", "/v2/actions?"+q, "").wantError(t, 422, "unprocessable_entity", "positive integer")
	}
}

// TestListAllActionsScope: a custom-scoped token needs actions:read for the
// list, as for any /v2/actions path.
func TestListAllActionsScope(t *testing.T) {
	t.Parallel()
	without := start(t, fakeapi.Options{Scopes: []string{"droplet:read", "droplet:update"}})
	d := without.AddDroplet(fakeapi.Droplet{})
	seeded := without.SeedActions(d.ID, 2, client.ActionReboot)
	for _, path := range []string{"/v2/actions", "/v2/actions?page=1&per_page=200", fmt.Sprintf("/v2/actions/%d", seeded[0].ID)} {
		call(t, without, "GET", path, "").wantError(t, http.StatusForbidden, "forbidden", "actions:read")
	}
	call(t, without, "GET", fmt.Sprintf("/v2/droplets/%d/actions", d.ID), "").want(t, 200)

	with := start(t, fakeapi.Options{Scopes: []string{"actions:read"}})
	d = with.AddDroplet(fakeapi.Droplet{})
	with.SeedActions(d.ID, 2, client.ActionReboot)
	var p actionsPage
	call(t, with, "GET", "/v2/actions", "").want(t, 200).decode(t, &p)
	if p.Meta.Total != 2 {
		t.Errorf("total %d with actions:read", p.Meta.Total)
	}
	call(t, with, "GET", fmt.Sprintf("/v2/droplets/%d", d.ID), "").wantError(t, http.StatusForbidden, "forbidden", "droplet:read")
}
