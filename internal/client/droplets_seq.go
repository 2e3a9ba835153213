package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// Droplets yields the droplets ListDroplets lists (every droplet of the account, or with a
// non-empty tag those carrying it, GPU droplets included, each once), a page at a time: a
// page is read only when the droplets before it have been yielded and the caller wants
// more, so a caller that stops early, such as `terraform query` with a limit, saves the
// requests of the pages after. The order is the API's: first the plain listing (by
// tag_name with a tag), then the GPU droplets (type=gpus) it did not hold. Iteration stops
// at the first error, which is yielded; an invalid tag is one, before any request.
func (c *Client) Droplets(ctx context.Context, tag string) iter.Seq2[Droplet, error] {
	return func(yield func(Droplet, error) bool) {
		filters, what := url.Values{}, "the account's droplets"
		if tag != "" {
			if err := ValidTagName(tag); err != nil {
				yield(Droplet{}, err)
				return
			}
			filters.Set("tag_name", tag)
			what = fmt.Sprintf("the droplets tagged %q", tag)
		}
		seen := map[int64]bool{}
		for d, err := range c.dropletPages(ctx, filters, what) {
			if err != nil {
				yield(Droplet{}, err)
				return
			}
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			if !yield(d, nil) {
				return
			}
		}
		// See ListDroplets: type cannot be combined with tag_name, so the account's GPU
		// droplets are listed whatever their tags and those without the tag skipped.
		for d, err := range c.dropletPages(ctx, url.Values{"type": {"gpus"}}, "the GPU droplets") {
			if err != nil {
				yield(Droplet{}, err)
				return
			}
			if seen[d.ID] || tag != "" && !slices.Contains(d.Tags, tag) {
				continue
			}
			seen[d.ID] = true
			if !yield(d, nil) {
				return
			}
		}
	}
}

// dropletPages yields the droplets of GET /v2/droplets with filters, reading a page of
// MaxPerPage when the previous one is used up, and at most maxDropletPages pages (an API,
// or a proxy dropping the query, that never stops offering a next page); what names the
// listing in that error.
func (c *Client) dropletPages(ctx context.Context, filters url.Values, what string) iter.Seq2[Droplet, error] {
	return func(yield func(Droplet, error) bool) {
		read := 0
		for page := 1; ; page++ {
			if page > maxDropletPages {
				yield(Droplet{}, fmt.Errorf("listing %s: the API was still paging after %d pages of %d", what, maxDropletPages, MaxPerPage))
				return
			}
			var root struct {
				Droplets []Droplet  `json:"droplets"`
				Links    *pageLinks `json:"links"`
				Meta     *struct {
					Total int `json:"total"`
				} `json:"meta"`
			}
			q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}}
			for k, v := range filters {
				q[k] = v
			}
			if _, err := c.do(ctx, http.MethodGet, "/v2/droplets", q, nil, &root, false); err != nil {
				yield(Droplet{}, err)
				return
			}
			for _, d := range root.Droplets {
				if !yield(d, nil) {
					return
				}
			}
			read += len(root.Droplets)
			if root.Links == nil || root.Links.Pages.Next == "" || len(root.Droplets) == 0 ||
				(root.Meta != nil && read >= root.Meta.Total) {
				return
			}
		}
	}
}
