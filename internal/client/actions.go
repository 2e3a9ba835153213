package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Reading actions: one by ID, through the droplet's path or /v2/actions, and the pages of
// a droplet's history or of the account's.

// GetAction reads an action by ID (GET /v2/actions/{id}).
func (c *Client) GetAction(ctx context.Context, id int64) (*Action, *Response, error) {
	if id <= 0 {
		return nil, nil, &ValidationError{Param: "id", Message: "action ID must be positive"}
	}
	root := new(actionRoot)
	resp, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v2/actions/%d", id), nil, nil, root, false)
	if err != nil {
		return nil, resp, err
	}
	if root.Action == nil {
		return nil, resp, &malformedError{path: fmt.Sprintf("/v2/actions/%d", id), err: fmt.Errorf("response has no action")}
	}
	return root.Action, resp, nil
}

// ReadAction reads an action through the droplet's own path when dropletID is known,
// which the droplet:read scope allows, and through /v2/actions (actions:read) when it is
// zero, as right after an import by action ID. A 404 on the droplet's path (the droplet
// was destroyed since) is asked again of /v2/actions, which keeps the action; if that is
// refused too, the 404 stands.
func (c *Client) ReadAction(ctx context.Context, dropletID, id int64) (*Action, *Response, error) {
	if dropletID <= 0 {
		return c.GetAction(ctx, id)
	}
	a, resp, err := c.GetDropletAction(ctx, dropletID, id)
	if !IsNotFound(err) {
		return a, resp, err
	}
	if ga, gresp, gerr := c.GetAction(ctx, id); gerr == nil || IsNotFound(gerr) {
		return ga, gresp, gerr
	}
	return a, resp, err
}

// ReadActionShared reads an action as ReadAction does, through the client's watcher, so
// that reads made at about the same time share their requests with each other and with
// the client's waits: one page of GET /v2/actions?per_page=200 answers up to 200 of them
// when the token has actions:read, and every read goes through the one rate budget. It
// returns the action as the first read made after the call finds it, in whatever status:
// a page of the list, or a read of this action alone (through the droplet's path when
// dropletID is known, as ReadAction reads). An action the pages read do not show (the
// list runs to more pages than are worth reading, or the token lacks actions:read) is read
// alone; an action a recent page showed finished is returned without a request, as it can
// no longer change. Use it where many actions are read at once and none is waited for,
// such as a plan's data sources.
func (c *Client) ReadActionShared(ctx context.Context, dropletID, id int64) (*Action, error) {
	if id <= 0 {
		return nil, &ValidationError{Param: "id", Message: "action ID must be positive"}
	}
	if dropletID < 0 {
		return nil, &ValidationError{Param: "droplet_id", Message: "droplet ID must be positive, or zero when not known"}
	}
	return c.readShared(ctx, dropletID, id)
}

// GetDropletAction reads an action through its droplet (GET /v2/droplets/{d}/actions/{id}),
// which needs only the droplet:read scope.
func (c *Client) GetDropletAction(ctx context.Context, dropletID, id int64) (*Action, *Response, error) {
	if dropletID <= 0 || id <= 0 {
		return nil, nil, &ValidationError{Param: "id", Message: "droplet and action IDs must be positive"}
	}
	path := fmt.Sprintf("/v2/droplets/%d/actions/%d", dropletID, id)
	root := new(actionRoot)
	resp, err := c.do(ctx, http.MethodGet, path, nil, nil, root, false)
	if err != nil {
		return nil, resp, err
	}
	if root.Action == nil {
		return nil, resp, &malformedError{path: path, err: fmt.Errorf("response has no action")}
	}
	return root.Action, resp, nil
}

// ActionPage is one page of actions: of a droplet's history (ListActionsPage), newest
// first, or of the account's, in no documented order.
type ActionPage struct {
	Actions []Action
	// Total is the number of actions over all pages.
	Total int
	// HasNext is true when a further page exists.
	HasNext bool
}

// MaxPerPage is the API's largest page size.
const MaxPerPage = 200

// pageLinks is the links object of a paginated list.
type pageLinks struct {
	Pages struct {
		Next string `json:"next"`
		Last string `json:"last"`
	} `json:"pages"`
}

// accountActionsPath lists every action of the account, in no documented order; it needs
// the actions:read scope.
const accountActionsPath = "/v2/actions"

// dropletActionsPath lists one droplet's actions, newest first; droplet:read is enough.
func dropletActionsPath(dropletID int64) string {
	return fmt.Sprintf("/v2/droplets/%d/actions", dropletID)
}

// listActionsPage reads one page of actions from path: a droplet's history
// (dropletActionsPath) or the account's (accountActionsPath), in whatever order the API
// gives.
func (c *Client) listActionsPage(ctx context.Context, path string, page, perPage int) (*ActionPage, *Response, error) {
	q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	root := new(actionsRoot)
	resp, err := c.do(ctx, http.MethodGet, path, q, nil, root, false)
	if err != nil {
		return nil, resp, err
	}
	p := &ActionPage{Actions: root.Actions}
	if root.Meta != nil {
		p.Total = root.Meta.Total
	}
	p.HasNext = root.Links != nil && root.Links.Pages.Next != ""
	return p, resp, nil
}

// ListActionsPage reads one page of a droplet's actions. perPage is clamped to 1..200.
func (c *Client) ListActionsPage(ctx context.Context, dropletID int64, page, perPage int) (*ActionPage, *Response, error) {
	if dropletID <= 0 {
		return nil, nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	return c.listActionsPage(ctx, dropletActionsPath(dropletID), max(page, 1), min(max(perPage, 1), MaxPerPage))
}

// Actions yields every action of a droplet over all pages, newest first, reading 200 a page.
// Iteration stops at the first error, which is yielded.
func (c *Client) Actions(ctx context.Context, dropletID int64) iter.Seq2[Action, error] {
	return func(yield func(Action, error) bool) {
		for page := 1; ; page++ {
			p, _, err := c.ListActionsPage(ctx, dropletID, page, MaxPerPage)
			if err != nil {
				yield(Action{}, err)
				return
			}
			for _, a := range p.Actions {
				if !yield(a, nil) {
					return
				}
			}
			if !p.HasNext || len(p.Actions) == 0 {
				return
			}
		}
	}
}

// ListActions returns every action of a droplet over all pages, newest first.
func (c *Client) ListActions(ctx context.Context, dropletID int64) ([]Action, error) {
	var all []Action
	for a, err := range c.Actions(ctx, dropletID) {
		if err != nil {
			return nil, err
		}
		all = append(all, a)
	}
	return all, nil
}
