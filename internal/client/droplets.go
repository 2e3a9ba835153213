package client

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Droplet is the part of a droplet that actions read or change.
type Droplet struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Status      string   `json:"status"`
	SizeSlug    string   `json:"size_slug"`
	Features    []string `json:"features"`
	BackupIDs   []int64  `json:"backup_ids"`
	SnapshotIDs []int64  `json:"snapshot_ids"`
	Tags        []string `json:"tags"`
	Kernel      *struct {
		ID int64 `json:"id"`
	} `json:"kernel"`
	Region *Region `json:"region"`
}

// Droplet statuses.
const (
	DropletNew     = "new"
	DropletActive  = "active"
	DropletOff     = "off"
	DropletArchive = "archive"
)

// GetDroplet reads a droplet.
func (c *Client) GetDroplet(ctx context.Context, id int64) (*Droplet, *Response, error) {
	if id <= 0 {
		return nil, nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	path := fmt.Sprintf("/v2/droplets/%d", id)
	var root struct {
		Droplet *Droplet `json:"droplet"`
	}
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil, &root, false)
	if err != nil {
		return nil, resp, err
	}
	if root.Droplet == nil {
		return nil, resp, &malformedError{path: path, err: fmt.Errorf("response has no droplet")}
	}
	return root.Droplet, resp, nil
}

// maxDropletPages bounds DropletIDsByTag against an API (or a proxy dropping the query)
// that never stops offering a next page: 1,000 pages of 200 is far beyond any account.
const maxDropletPages = 1000

// DropletIDsByTag lists the IDs of the droplets carrying tag, in ascending order, over all
// pages (GET /v2/droplets?tag_name=, which needs droplet:read).
func (c *Client) DropletIDsByTag(ctx context.Context, tag string) ([]int64, error) {
	ds, err := c.DropletsByTag(ctx, tag)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids, nil
}

// DropletsByTag lists the droplets carrying tag, in ascending order of ID and each once,
// over all pages (GET /v2/droplets?tag_name=, which needs droplet:read).
func (c *Client) DropletsByTag(ctx context.Context, tag string) ([]Droplet, error) {
	if strings.TrimSpace(tag) == "" {
		return nil, &ValidationError{Param: "tag_name", Message: "tag_name must not be empty"}
	}
	var ds []Droplet
	for page := 1; ; page++ {
		if page > maxDropletPages {
			return nil, fmt.Errorf("listing the droplets tagged %q: the API was still paging after %d pages of %d", tag, maxDropletPages, MaxPerPage)
		}
		var root struct {
			Droplets []Droplet  `json:"droplets"`
			Links    *pageLinks `json:"links"`
			Meta     *struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		q := url.Values{"tag_name": {tag}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}}
		if _, err := c.do(ctx, http.MethodGet, "/v2/droplets", q, nil, &root, false); err != nil {
			return nil, err
		}
		ds = append(ds, root.Droplets...)
		if root.Links == nil || root.Links.Pages.Next == "" || len(root.Droplets) == 0 ||
			(root.Meta != nil && len(ds) >= root.Meta.Total) {
			break
		}
	}
	slices.SortFunc(ds, func(a, b Droplet) int { return cmp.Compare(a.ID, b.ID) })
	return slices.CompactFunc(ds, func(a, b Droplet) bool { return a.ID == b.ID }), nil
}

// WaitWhileNew reads the droplet until DigitalOcean has finished creating it (its status
// is no longer "new"), on the same ramp as an action wait, and returns it as last read.
func (c *Client) WaitWhileNew(ctx context.Context, id int64) (*Droplet, error) {
	start := c.now()
	for reads := 0; ; reads++ {
		d, _, err := c.GetDroplet(ctx, id)
		if err != nil || d.Status != DropletNew {
			return d, err
		}
		if err := c.sleep(ctx, c.pollDelay(reads, c.now().Sub(start), true)); err != nil {
			return d, fmt.Errorf("waiting for droplet %d to finish being created: %w", id, err)
		}
	}
}
