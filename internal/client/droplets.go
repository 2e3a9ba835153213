package client

import (
	"context"
	"fmt"
	"net/http"
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
