package client

import (
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
	if strings.TrimSpace(tag) == "" {
		return nil, &ValidationError{Param: "tag_name", Message: "tag_name must not be empty"}
	}
	var ids []int64
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
		for _, d := range root.Droplets {
			ids = append(ids, d.ID)
		}
		if root.Links == nil || root.Links.Pages.Next == "" || len(root.Droplets) == 0 ||
			(root.Meta != nil && len(ids) >= root.Meta.Total) {
			break
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
