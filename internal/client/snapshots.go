package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DropletSnapshot is a snapshot of a droplet as GET /v2/droplets/{id}/snapshots lists it.
type DropletSnapshot struct {
	// ID is the snapshot's image ID. The API's example for this list sends it as a JSON
	// number and its snapshot model declares a string; both are read, as the text sent.
	ID        string
	Name      string
	CreatedAt time.Time
}

// snapshotID is an ID that the API may send as a JSON number or as a string.
type snapshotID string

func (s *snapshotID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil // as absent: the caller reports a snapshot without an ID
	case len(b) > 0 && b[0] == '"':
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*s = snapshotID(str)
		return nil
	}
	// A number must be a whole one: an image ID written 6.37e6 or 6372321.0 is not one
	// this client should pass on as an ID.
	if _, err := strconv.ParseInt(string(b), 10, 64); err != nil {
		return fmt.Errorf("snapshot id %s is neither a string nor an integer", b)
	}
	*s = snapshotID(b)
	return nil
}

type snapshotJSON struct {
	ID        snapshotID `json:"id"`
	Name      string     `json:"name"`
	CreatedAt *time.Time `json:"created_at"`
}

// maxSnapshotPages bounds ListDropletSnapshots against an API (or a proxy dropping the
// query) that never stops offering a next page: 1,000 pages of 200 is far beyond any
// droplet.
const maxSnapshotPages = 1000

// ListDropletSnapshots lists every snapshot of a droplet over all pages, 200 a page, in
// the order the API sends them, which DigitalOcean does not document (the project's fake
// sends the oldest first). It needs the droplet:read scope. A snapshot listed twice, as
// when one is taken while the pages are read, is kept once.
func (c *Client) ListDropletSnapshots(ctx context.Context, dropletID int64) ([]DropletSnapshot, error) {
	if dropletID <= 0 {
		return nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	path := fmt.Sprintf("/v2/droplets/%d/snapshots", dropletID)
	var all []DropletSnapshot
	seen := map[string]bool{}
	read := 0
	for page := 1; ; page++ {
		if page > maxSnapshotPages {
			return nil, fmt.Errorf("listing the snapshots of droplet %d: the API was still paging after %d pages of %d", dropletID, maxSnapshotPages, MaxPerPage)
		}
		var root struct {
			Snapshots []snapshotJSON `json:"snapshots"`
			Links     *pageLinks     `json:"links"`
			Meta      *struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}}
		if _, err := c.do(ctx, http.MethodGet, path, q, nil, &root, false); err != nil {
			return nil, err
		}
		for i, s := range root.Snapshots {
			// Without either, a snapshot can be neither named nor placed in time.
			if s.ID == "" || s.CreatedAt == nil {
				return nil, &malformedError{path: path, err: fmt.Errorf("snapshot %d of page %d has no id or no created_at", i+1, page)}
			}
			if seen[string(s.ID)] {
				continue
			}
			seen[string(s.ID)] = true
			all = append(all, DropletSnapshot{ID: string(s.ID), Name: s.Name, CreatedAt: *s.CreatedAt})
		}
		read += len(root.Snapshots)
		if root.Links == nil || root.Links.Pages.Next == "" || len(root.Snapshots) == 0 ||
			(root.Meta != nil && read >= root.Meta.Total) {
			return all, nil
		}
	}
}

// SnapshotMatch is what FindSnapshot made of a snapshot action.
type SnapshotMatch struct {
	// ID is the image ID of the snapshot the action made, or "" when that snapshot cannot
	// be told apart from the droplet's others (or is not there).
	ID string
	// Reason says in one sentence how the snapshot was told apart, or why it could not
	// be, for logs and diagnostics. It is set in both cases: test ID, not Reason.
	Reason string
}

// snapshotSlack widens the window in which FindSnapshot looks for a snapshot by a second
// on either side. started_at, completed_at and created_at are all whole seconds, stamped
// by different parts of the API that may round rather than truncate and whose clocks
// need not agree to the millisecond, so a snapshot made within the run may carry a
// created_at a second outside the run's whole-second bounds.
const snapshotSlack = time.Second

// maxListedIDs bounds the IDs an ambiguity reason names.
const maxListedIDs = 5

// FindSnapshot finds the snapshot that the completed snapshot action a made on droplet
// a.ResourceID. The API does not link a snapshot to the action that made it, so it is
// told apart by time: the candidates are the droplet's snapshots whose created_at lies
// between a's started_at truncated to the second and its completed_at rounded up to the
// second, each widened by snapshotSlack; when name is not empty, only those of that
// name. Exactly one candidate is the match. None or several give no ID, never a guess,
// and a Reason saying which. It lists every page of the droplet's snapshots (droplet:read);
// to match many actions of one droplet against one listing, use NewSnapshotMatcher.
//
// An action that is not a completed snapshot action is an error, as is a failure to
// list the snapshots.
func (c *Client) FindSnapshot(ctx context.Context, a Action, name string) (SnapshotMatch, error) {
	if err := checkSnapshotAction(a); err != nil {
		return SnapshotMatch{}, err
	}
	m, err := c.NewSnapshotMatcher(ctx, a.ResourceID)
	if err != nil {
		return SnapshotMatch{}, fmt.Errorf("finding the snapshot that action %d made: %w", a.ID, err)
	}
	return m.Match(a, name)
}

// SnapshotMatcher matches snapshot actions of one droplet against one listing of its
// snapshots, by FindSnapshot's rules: however many actions it is asked about, the
// droplet's snapshots are listed once.
type SnapshotMatcher struct {
	dropletID int64
	snaps     []DropletSnapshot
}

// NewSnapshotMatcher lists the droplet's snapshots (every page, droplet:read) for Match.
// A snapshot taken after this listing is not seen by the matcher.
func (c *Client) NewSnapshotMatcher(ctx context.Context, dropletID int64) (*SnapshotMatcher, error) {
	snaps, err := c.ListDropletSnapshots(ctx, dropletID)
	if err != nil {
		return nil, err
	}
	return &SnapshotMatcher{dropletID: dropletID, snaps: snaps}, nil
}

// Match finds the snapshot that the completed snapshot action a made, as FindSnapshot
// does, among the snapshots listed when m was made; it sends no request. An action that
// is not a completed snapshot action of m's droplet is an error.
func (m *SnapshotMatcher) Match(a Action, name string) (SnapshotMatch, error) {
	if err := checkSnapshotAction(a); err != nil {
		return SnapshotMatch{}, err
	}
	if a.ResourceID != m.dropletID {
		return SnapshotMatch{}, fmt.Errorf("snapshot action %d ran on droplet %d, not on droplet %d whose snapshots were listed", a.ID, a.ResourceID, m.dropletID)
	}
	return matchSnapshot(a, name, m.snaps), nil
}

// checkSnapshotAction refuses an action that cannot have made a snapshot to find.
func checkSnapshotAction(a Action) error {
	switch {
	case a.Type != ActionSnapshot:
		return fmt.Errorf("action %d is a %s action, not a snapshot: it made no snapshot to find", a.ID, a.Type)
	case a.Status != StatusCompleted:
		return fmt.Errorf("snapshot action %d is %s, not completed: only a completed snapshot action has made its snapshot", a.ID, a.Status)
	case a.StartedAt == nil || a.CompletedAt == nil:
		return fmt.Errorf("snapshot action %d has no started_at or completed_at, so its snapshot cannot be placed in time", a.ID)
	case a.ResourceID <= 0:
		return &ValidationError{Param: "resource_id", Message: fmt.Sprintf("snapshot action %d names no droplet", a.ID)}
	}
	return nil
}

// matchSnapshot is FindSnapshot's rule, applied to snaps, the droplet's snapshots; a has
// passed checkSnapshotAction.
func matchSnapshot(a Action, name string, snaps []DropletSnapshot) SnapshotMatch {
	from := a.StartedAt.UTC().Truncate(time.Second).Add(-snapshotSlack)
	to := a.CompletedAt.UTC()
	if t := to.Truncate(time.Second); t.Before(to) {
		to = t.Add(time.Second)
	}
	to = to.Add(snapshotSlack)

	var inWindow, candidates []DropletSnapshot
	for _, s := range snaps {
		if s.CreatedAt.Before(from) || s.CreatedAt.After(to) {
			continue
		}
		inWindow = append(inWindow, s)
		if name == "" || s.Name == name {
			candidates = append(candidates, s)
		}
	}

	what := fmt.Sprintf("droplet %d", a.ResourceID)
	if name != "" {
		what += fmt.Sprintf(" named %q", name)
	}
	when := fmt.Sprintf("between %s, the run of snapshot action %d give or take a second", window(from, to), a.ID)
	switch {
	case len(candidates) == 1:
		id := candidates[0].ID
		return SnapshotMatch{ID: id, Reason: fmt.Sprintf("snapshot %s is the only snapshot of %s created %s", id, what, when)}
	case len(candidates) > 1:
		return SnapshotMatch{Reason: fmt.Sprintf("%d snapshots of %s were created %s (%s), so which one it made cannot be told",
			len(candidates), what, when, listIDs(candidates))}
	case len(inWindow) == 1:
		return SnapshotMatch{Reason: fmt.Sprintf("no snapshot of %s was created %s, though one with another name (%s) was",
			what, when, listIDs(inWindow))}
	case len(inWindow) > 1:
		return SnapshotMatch{Reason: fmt.Sprintf("no snapshot of %s was created %s, though %d with other names (%s) were",
			what, when, len(inWindow), listIDs(inWindow))}
	default:
		return SnapshotMatch{Reason: fmt.Sprintf("no snapshot of %s was created %s (the droplet has %d in all)", what, when, len(snaps))}
	}
}

// window writes a time range for a reason, the date once when both ends share it.
func window(from, to time.Time) string {
	if from.Format(time.DateOnly) == to.Format(time.DateOnly) {
		return fmt.Sprintf("%s and %s UTC on %s", from.Format(time.TimeOnly), to.Format(time.TimeOnly), from.Format(time.DateOnly))
	}
	return fmt.Sprintf("%s and %s UTC", from.Format(time.DateTime), to.Format(time.DateTime))
}

// listIDs names the snapshots' IDs for a reason, the first few of many.
func listIDs(snaps []DropletSnapshot) string {
	ids := make([]string, 0, min(len(snaps), maxListedIDs))
	for _, s := range snaps[:min(len(snaps), maxListedIDs)] {
		ids = append(ids, s.ID)
	}
	list := "ID"
	if len(snaps) > 1 {
		list += "s"
	}
	list += " " + strings.Join(ids, ", ")
	if len(snaps) > maxListedIDs {
		list += ", …"
	}
	return list
}
