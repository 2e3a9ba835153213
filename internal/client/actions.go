package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ActionStatus is the state of an action.
type ActionStatus string

const (
	StatusInProgress ActionStatus = "in-progress"
	StatusCompleted  ActionStatus = "completed"
	StatusErrored    ActionStatus = "errored"
)

// Done reports whether the status is final.
func (s ActionStatus) Done() bool { return s == StatusCompleted || s == StatusErrored }

// Region is the region an action ran in.
type Region struct {
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Available bool     `json:"available"`
	Features  []string `json:"features"`
	Sizes     []string `json:"sizes"`
}

// Action is a droplet action as the API reports it.
type Action struct {
	ID           int64        `json:"id"`
	Status       ActionStatus `json:"status"`
	Type         ActionType   `json:"type"`
	StartedAt    *time.Time   `json:"started_at"`
	CompletedAt  *time.Time   `json:"completed_at"`
	ResourceID   int64        `json:"resource_id"`
	ResourceType string       `json:"resource_type"`
	Region       *Region      `json:"region"`
	RegionSlug   string       `json:"region_slug"`
}

// BackupPolicy is when backups run.
type BackupPolicy struct {
	// Plan is "daily" or "weekly".
	Plan string `json:"plan,omitempty"`
	// Weekday is SUN..SAT; weekly plans only.
	Weekday string `json:"weekday,omitempty"`
	// Hour is the UTC hour the backup window starts: 0, 4, 8, 12, 16 or 20.
	Hour *int `json:"hour,omitempty"`
}

var (
	backupPlans    = []string{"daily", "weekly"}
	backupWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	backupHours    = []int{0, 4, 8, 12, 16, 20}
)

// BackupPlans, BackupWeekdays and BackupHours list the values a backup policy accepts.
func BackupPlans() []string    { return slices.Clone(backupPlans) }
func BackupWeekdays() []string { return slices.Clone(backupWeekdays) }
func BackupHours() []int       { return slices.Clone(backupHours) }

// ActionRequest is a request to initiate one action. Only the parameters the type takes
// are serialized; setting one the type does not take is a validation error.
type ActionRequest struct {
	Type ActionType
	// Image is a backup image ID (restore), or an image ID or slug (rebuild).
	Image string
	Size  string
	// Disk is for resize; nil means false.
	Disk         *bool
	Name         string
	Kernel       int64
	BackupPolicy *BackupPolicy
}

// SetParams lists the parameters that carry a value.
func (r *ActionRequest) SetParams() []Param {
	var set []Param
	if r.Image != "" {
		set = append(set, ParamImage)
	}
	if r.Size != "" {
		set = append(set, ParamSize)
	}
	if r.Disk != nil {
		set = append(set, ParamDisk)
	}
	if r.Name != "" {
		set = append(set, ParamName)
	}
	if r.Kernel != 0 {
		set = append(set, ParamKernel)
	}
	if r.BackupPolicy != nil {
		set = append(set, ParamBackupPolicy)
	}
	return set
}

// Validate checks the request against the action-type table and the API's rules.
func (r *ActionRequest) Validate() error {
	info, ok := LookupActionType(r.Type)
	if !ok {
		return &ValidationError{Param: "type", Message: fmt.Sprintf("unknown action type %q; expected one of %s", r.Type, strings.Join(ActionTypeNames(), ", "))}
	}
	set := r.SetParams()
	for _, p := range set {
		if _, takes := info.Param(p); !takes {
			return &ValidationError{Param: string(p), Message: fmt.Sprintf("action type %q does not take %s", r.Type, p)}
		}
	}
	for _, spec := range info.Params {
		if spec.Required && !slices.Contains(set, spec.Name) {
			return &ValidationError{Param: string(spec.Name), Message: fmt.Sprintf("action type %q requires %s", r.Type, spec.Name)}
		}
	}
	return r.ValidateValues()
}

// ValidateValues checks the values of the parameters that are set, without asking whether
// the type takes or requires them.
func (r *ActionRequest) ValidateValues() error {
	if r.Image != "" {
		id, err := strconv.ParseInt(r.Image, 10, 64)
		switch {
		case r.Type == ActionRestore && err != nil:
			return &ValidationError{Param: string(ParamImage), Message: fmt.Sprintf("restore takes the numeric ID of a backup image of this droplet, not %q", r.Image)}
		case err == nil && id <= 0:
			// A number is sent as an image ID, and image IDs are positive.
			return &ValidationError{Param: string(ParamImage), Message: fmt.Sprintf("image must be a positive image ID or an image slug, not %q", r.Image)}
		}
	}
	if r.Kernel < 0 {
		return &ValidationError{Param: string(ParamKernel), Message: "kernel must be a positive kernel ID"}
	}
	if r.Type == ActionRename && r.Name != "" {
		if err := ValidDropletName(r.Name); err != nil {
			return err
		}
	}
	if r.BackupPolicy != nil {
		if err := r.BackupPolicy.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a backup policy.
func (p *BackupPolicy) Validate() error {
	if !slices.Contains(backupPlans, p.Plan) {
		return &ValidationError{Param: "backup_policy.plan", Message: fmt.Sprintf("plan must be daily or weekly, not %q", p.Plan)}
	}
	switch {
	case p.Plan == "weekly" && p.Weekday == "":
		return &ValidationError{Param: "backup_policy.weekday", Message: "a weekly plan requires weekday (SUN..SAT)"}
	case p.Plan == "daily" && p.Weekday != "":
		return &ValidationError{Param: "backup_policy.weekday", Message: "weekday applies only to a weekly plan"}
	case p.Weekday != "" && !slices.Contains(backupWeekdays, p.Weekday):
		return &ValidationError{Param: "backup_policy.weekday", Message: fmt.Sprintf("weekday must be one of %s, not %q", strings.Join(backupWeekdays, ", "), p.Weekday)}
	}
	if p.Hour != nil && !slices.Contains(backupHours, *p.Hour) {
		return &ValidationError{Param: "backup_policy.hour", Message: fmt.Sprintf("hour must be one of 0, 4, 8, 12, 16, 20 (the start of a 4-hour UTC window), not %d", *p.Hour)}
	}
	return nil
}

// MarshalJSON writes the body the API expects: the type and exactly that type's parameters.
func (r ActionRequest) MarshalJSON() ([]byte, error) {
	body := map[string]any{"type": r.Type}
	info, ok := LookupActionType(r.Type)
	if !ok {
		return nil, fmt.Errorf("unknown action type %q", r.Type)
	}
	for _, spec := range info.Params {
		switch spec.Name {
		case ParamImage:
			if r.Image == "" {
				continue
			}
			// The API takes image IDs as numbers and slugs as strings.
			if id, err := strconv.ParseInt(r.Image, 10, 64); err == nil {
				body["image"] = id
			} else {
				body["image"] = r.Image
			}
		case ParamSize:
			if r.Size != "" {
				body["size"] = r.Size
			}
		case ParamDisk:
			body["disk"] = r.Disk != nil && *r.Disk
		case ParamName:
			if r.Name != "" {
				body["name"] = r.Name
			}
		case ParamKernel:
			if r.Kernel != 0 {
				body["kernel"] = r.Kernel
			}
		case ParamBackupPolicy:
			if r.BackupPolicy != nil {
				body["backup_policy"] = r.BackupPolicy
			}
		}
	}
	return json.Marshal(body)
}

type actionRoot struct {
	Action *Action `json:"action"`
}

// pageLinks is the links object of a paginated list.
type pageLinks struct {
	Pages struct {
		Next string `json:"next"`
		Last string `json:"last"`
	} `json:"pages"`
}

type actionsRoot struct {
	Actions []Action   `json:"actions"`
	Links   *pageLinks `json:"links"`
	Meta    *struct {
		Total int `json:"total"`
	} `json:"meta"`
}

// Initiate starts an action on a droplet.
//
// A request that may have reached DigitalOcean is never blindly repeated: a second reboot or
// snapshot is real harm. It is repeated only when the API certainly did not act: a 429, a
// connection that failed before the request was written, or an ambiguous failure (5xx, a
// lost response) after the droplet's action history shows no action of this type begun
// since the request was sent. When the history does show one, that action is adopted and
// returned.
//
// A droplet runs one action at a time. When it answers that another is in progress (a 422
// "pending event"), Initiate waits for that action to end and returns a *BusyError without
// sending the request again: the action it waited for may have changed the droplet (an
// outside power_off leaves nothing for a shutdown to do, and DigitalOcean refuses one), so
// the caller reads the droplet again and decides afresh before it calls Initiate again.
func (c *Client) Initiate(ctx context.Context, dropletID int64, req ActionRequest) (*Action, *Response, error) {
	if dropletID <= 0 {
		return nil, nil, &ValidationError{Param: "droplet_id", Message: "droplet_id must be a positive droplet ID"}
	}
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	path := fmt.Sprintf("/v2/droplets/%d/actions", dropletID)

	var ambiguousRetries int
	for {
		// When the last attempt went out: retries and waits inside do come before it, and an
		// action someone else began meanwhile must not pass for ours.
		var sent atomic.Int64
		sent.Store(c.now().UnixNano())
		root := new(actionRoot)
		resp, err := c.do(context.WithValue(ctx, sentAtKey, &sent), http.MethodPost, path, nil, body, root, true)
		sentAt := time.Unix(0, sent.Load())
		if err == nil {
			if root.Action == nil {
				err = &malformedError{path: path, err: fmt.Errorf("response has no action")}
			} else {
				c.initiated.Store(root.Action.ID, struct{}{})
				return root.Action, resp, nil
			}
		}
		switch {
		case IsPendingEvent(err):
			ran, werr := c.awaitRunningAction(ctx, dropletID)
			if werr != nil {
				return nil, resp, fmt.Errorf("%w (while waiting for the droplet's running action: %w)", err, werr)
			}
			return nil, resp, &BusyError{DropletID: dropletID, Type: req.Type, Ran: ran, Err: err}
		case isAmbiguous(err) && ambiguousRetries < c.cfg.MaxRetries:
			ambiguousRetries++
			adopted, lerr := c.findStartedAction(ctx, dropletID, req.Type, sentAt)
			if lerr != nil {
				return nil, resp, &UncertainInitiateError{DropletID: dropletID, Type: req.Type, Err: err, ListErr: lerr}
			}
			if adopted != nil {
				c.debug(ctx, "adopted action found after an ambiguous initiate", map[string]any{"action_id": adopted.ID, "droplet_id": dropletID, "error": err.Error()})
				return adopted, resp, nil
			}
			if werr := c.sleep(ctx, c.retryWait(ambiguousRetries, nil)); werr != nil {
				return nil, resp, fmt.Errorf("%w (stopped before retrying: %w)", err, werr)
			}
		default:
			return nil, resp, err
		}
	}
}

// awaitRunningAction waits for the droplet's in-progress action, if there is one, and
// returns it as last read; nil when it had finished before the droplet's history was read.
func (c *Client) awaitRunningAction(ctx context.Context, dropletID int64) (*Action, error) {
	page, _, err := c.listActionsPage(ctx, dropletID, 1, 20)
	if err != nil {
		return nil, err
	}
	for _, a := range page.Actions {
		if a.Status == StatusInProgress {
			// Through the droplet's path: droplet:read is enough, as for every other wait.
			final, err := c.WaitForDropletAction(ctx, dropletID, a.ID, nil)
			if final == nil {
				final = &a
			}
			if errors.As(err, new(*ActionFailedError)) {
				return final, nil // the droplet is free again either way
			}
			return final, err
		}
	}
	// The running action finished between the 422 and the list: give the API a moment
	// before the caller asks again.
	return nil, c.sleep(ctx, c.cfg.PollMin)
}

// AwaitIdle waits until none of the droplets has an action in progress, as their
// histories show now, and returns the actions it waited for, as last read. An action that
// ends errored is waited for like any other: its droplet is free again either way. It costs
// one history page per droplet, and the waits go through the watcher together.
func (c *Client) AwaitIdle(ctx context.Context, dropletIDs []int64) ([]Action, error) {
	var running []Action
	for _, id := range dropletIDs {
		page, _, err := c.listActionsPage(ctx, id, 1, 20)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Actions {
			if a.Status == StatusInProgress {
				running = append(running, a)
			}
		}
	}
	for _, err := range c.WaitForActions(ctx, running, 0, nil) {
		if err != nil && !errors.As(err, new(*ActionFailedError)) {
			return running, err
		}
	}
	return running, nil
}

// dateAllowance is how much earlier than the request, by the API's Date header, an action
// may be stamped as begun and still be taken for the request's own.
const dateAllowance = time.Second

// findStartedAction looks for an action of type t on the droplet that the request sent
// at since (this machine's clock) may have started.
//
// The API's clock decides: the list's Date header, less the time since the request was
// sent, is when the API received it, give or take the header's whole second; an action
// begun more than dateAllowance before that second belongs to someone else, such as an
// earlier apply. Without a Date header, ClockSkew is allowed instead.
func (c *Client) findStartedAction(ctx context.Context, dropletID int64, t ActionType, since time.Time) (*Action, error) {
	page, resp, err := c.listActionsPage(ctx, dropletID, 1, 20)
	if err != nil {
		return nil, err
	}
	cutoff := since.Add(-c.cfg.ClockSkew)
	if resp != nil && !resp.Date.IsZero() {
		// A second's allowance covers a Date and a started_at stamped by different servers.
		cutoff = resp.Date.Add(-c.now().Sub(since)).Truncate(time.Second).Add(-dateAllowance)
	}
	for i := range page.Actions {
		a := &page.Actions[i]
		if _, ours := c.initiated.Load(a.ID); ours {
			continue
		}
		if a.Type == t && a.StartedAt != nil && !a.StartedAt.Before(cutoff) {
			c.initiated.Store(a.ID, struct{}{})
			return a, nil
		}
	}
	return nil, nil
}

// InitiateByTag starts an action on every droplet that carries tag. Only bulk-eligible
// types are accepted. It is not repeated after an ambiguous failure, since the set of
// droplets it acted on cannot be told from one history.
func (c *Client) InitiateByTag(ctx context.Context, tag string, req ActionRequest) ([]Action, *Response, error) {
	if err := ValidTagName(tag); err != nil {
		return nil, nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	info, _ := LookupActionType(req.Type)
	if !info.Bulk {
		return nil, nil, &ValidationError{Param: "type", Message: fmt.Sprintf("action type %q cannot be initiated by tag; bulk types are %s", req.Type, strings.Join(BulkActionTypeNames(), ", "))}
	}
	// The by-tag endpoint takes the bare action but for the parameters the table marks
	// ByTag (a snapshot's name): a backup_policy sent there would not apply.
	for _, p := range req.SetParams() {
		if !info.TakesByTag(p) {
			return nil, nil, &ValidationError{Param: string(p), Message: fmt.Sprintf("action type %q takes no %s when initiated by tag", req.Type, p)}
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, nil, err
	}
	root := new(actionsRoot)
	resp, err := c.do(ctx, http.MethodPost, "/v2/droplets/actions", url.Values{"tag_name": {tag}}, body, root, true)
	if err != nil {
		return nil, resp, err
	}
	return root.Actions, resp, nil
}

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

// ActionPage is one page of a droplet's actions, newest first.
type ActionPage struct {
	Actions []Action
	// Total is the number of actions over all pages.
	Total int
	// HasNext is true when a further page exists.
	HasNext bool
}

// MaxPerPage is the API's largest page size.
const MaxPerPage = 200

func (c *Client) listActionsPage(ctx context.Context, dropletID int64, page, perPage int) (*ActionPage, *Response, error) {
	q := url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
	root := new(actionsRoot)
	resp, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/v2/droplets/%d/actions", dropletID), q, nil, root, false)
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
	return c.listActionsPage(ctx, dropletID, max(page, 1), min(max(perPage, 1), MaxPerPage))
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
