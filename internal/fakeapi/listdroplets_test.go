package fakeapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

type dropletsPage struct {
	Droplets []struct {
		ID       int64
		Name     string
		SizeSlug string `json:"size_slug"`
	}
	Links struct {
		Pages map[string]string
	}
	Meta struct{ Total int }
}

func listDroplets(t *testing.T, s *fakeapi.Server, query string) dropletsPage {
	t.Helper()
	var p dropletsPage
	call(t, s, "GET", "/v2/droplets"+query, "").want(t, 200).decode(t, &p)
	return p
}

func (p dropletsPage) ids() []int64 {
	var out []int64
	for _, d := range p.Droplets {
		out = append(out, d.ID)
	}
	return out
}

// TestListDroplets: GET /v2/droplets without tag_name lists every non-GPU
// droplet of the account by ID, paginated as the other lists are; GPU
// droplets only with type=gpus, as DigitalOcean documents.
func TestListDroplets(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	var all, web, gpus []int64
	for i := range 45 {
		var tags []string
		if i%10 == 0 {
			tags = []string{"web"}
		}
		d := s.AddDroplet(fakeapi.Droplet{Tags: tags})
		all = append(all, d.ID)
		if tags != nil {
			web = append(web, d.ID)
		}
	}
	for _, slug := range []string{"gpu-h100x1-80gb", "gpu-h100x8-640gb", "gpu-l40sx1-48gb"} {
		gpus = append(gpus, s.AddDroplet(fakeapi.Droplet{SizeSlug: slug, Region: "tor1", Tags: []string{"web"}}).ID)
	}

	base := s.URL() + "/v2/droplets"
	link := func(p, per int) string { return fmt.Sprintf("%s?page=%d&per_page=%d", base, p, per) }
	cases := []struct {
		query string
		ids   []int64
		links map[string]string
	}{
		{"", all[:20], map[string]string{"next": link(2, 20), "last": link(3, 20)}},
		{"?page=2", all[20:40], map[string]string{"first": link(1, 20), "prev": link(1, 20), "next": link(3, 20), "last": link(3, 20)}},
		{"?page=3", all[40:], map[string]string{"first": link(1, 20), "prev": link(2, 20)}},
		{"?per_page=200", all, nil},
		{"?per_page=500", all, nil}, // clamped to 200, not refused
		{"?per_page=10&page=5", all[40:], map[string]string{"first": link(1, 10), "prev": link(4, 10)}},
		{"?page=4", nil, map[string]string{"first": link(1, 20), "prev": link(3, 20)}},
		{"?type=droplets&per_page=200", all, nil},
		{"?tag_name=web", web, nil},
		{"?name=DROPLET-1002", all[1:2], nil},
	}
	for _, c := range cases {
		p := listDroplets(t, s, c.query)
		if !slices.Equal(p.ids(), c.ids) || p.Meta.Total != totalFor(c.query, len(all), len(web)) {
			t.Errorf("%q: ids %v total %d, want %v", c.query, p.ids(), p.Meta.Total, c.ids)
		}
		if len(p.Links.Pages) != len(c.links) {
			t.Errorf("%q: links %v, want %v", c.query, p.Links.Pages, c.links)
		}
		for k, v := range c.links {
			if p.Links.Pages[k] != v {
				t.Errorf("%q: link %s = %q, want %q", c.query, k, p.Links.Pages[k], v)
			}
		}
	}

	// Following next from page 1 walks the whole list once.
	var walked []int64
	for url := base + "?per_page=7"; url != ""; {
		p := listDroplets(t, s, strings.TrimPrefix(url, base))
		walked = append(walked, p.ids()...)
		url = p.Links.Pages["next"]
	}
	if !slices.Equal(walked, all) {
		t.Errorf("walking next links listed %v, want %v", walked, all)
	}

	// GPU droplets, only with type=gpus; links keep the filter.
	p := listDroplets(t, s, "?type=gpus&per_page=2")
	if !slices.Equal(p.ids(), gpus[:2]) || p.Meta.Total != 3 || p.Links.Pages["next"] != base+"?page=2&per_page=2&type=gpus" {
		t.Errorf("type=gpus: ids %v total %d links %v", p.ids(), p.Meta.Total, p.Links.Pages)
	}
	if p := listDroplets(t, s, "?name=droplet-1047&type=gpus"); !slices.Equal(p.ids(), gpus[1:2]) {
		t.Errorf("name with type=gpus: %v", p.ids())
	}

	for _, q := range []string{"?tag_name=web&type=gpus", "?tag_name=web&name=droplet-1001", "?type=all"} {
		call(t, s, "GET", "/v2/droplets"+q, "").wantError(t, 422, "unprocessable_entity", "")
	}
	for _, q := range []string{"?per_page=0", "?page=x"} {
		call(t, s, "GET", "/v2/droplets"+q, "").wantError(t, 422, "unprocessable_entity", "positive integer")
	}
}

func totalFor(query string, all, web int) int {
	switch {
	case strings.Contains(query, "tag_name"):
		return web
	case strings.Contains(query, "name="):
		return 1
	}
	return all
}
