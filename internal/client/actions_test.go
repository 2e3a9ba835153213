package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

func ptr[T any](v T) *T { return &v }

// fullRequests sets every parameter each type takes, with the body the API expects.
// It is written out by hand so that a wrong row in the action-type table shows.
var fullRequests = map[client.ActionType]struct {
	req  client.ActionRequest
	body string
}{
	client.ActionEnableBackups: {
		client.ActionRequest{BackupPolicy: &client.BackupPolicy{Plan: "weekly", Weekday: "SUN", Hour: ptr(20)}},
		`{"type":"enable_backups","backup_policy":{"plan":"weekly","weekday":"SUN","hour":20}}`,
	},
	client.ActionDisableBackups: {client.ActionRequest{}, `{"type":"disable_backups"}`},
	client.ActionChangeBackupPolicy: {
		client.ActionRequest{BackupPolicy: &client.BackupPolicy{Plan: "daily", Hour: ptr(0)}},
		`{"type":"change_backup_policy","backup_policy":{"plan":"daily","hour":0}}`,
	},
	client.ActionReboot:        {client.ActionRequest{}, `{"type":"reboot"}`},
	client.ActionPowerCycle:    {client.ActionRequest{}, `{"type":"power_cycle"}`},
	client.ActionShutdown:      {client.ActionRequest{}, `{"type":"shutdown"}`},
	client.ActionPowerOff:      {client.ActionRequest{}, `{"type":"power_off"}`},
	client.ActionPowerOn:       {client.ActionRequest{}, `{"type":"power_on"}`},
	client.ActionRestore:       {client.ActionRequest{Image: "12389723"}, `{"type":"restore","image":12389723}`},
	client.ActionPasswordReset: {client.ActionRequest{}, `{"type":"password_reset"}`},
	client.ActionResize: {
		client.ActionRequest{Size: "s-2vcpu-4gb", Disk: ptr(true)},
		`{"type":"resize","size":"s-2vcpu-4gb","disk":true}`,
	},
	client.ActionRebuild:      {client.ActionRequest{Image: "ubuntu-24-04-x64"}, `{"type":"rebuild","image":"ubuntu-24-04-x64"}`},
	client.ActionRename:       {client.ActionRequest{Name: "nifty-new-name"}, `{"type":"rename","name":"nifty-new-name"}`},
	client.ActionChangeKernel: {client.ActionRequest{Kernel: 991}, `{"type":"change_kernel","kernel":991}`},
	client.ActionEnableIPv6:   {client.ActionRequest{}, `{"type":"enable_ipv6"}`},
	client.ActionSnapshot:     {client.ActionRequest{Name: "nightly"}, `{"type":"snapshot","name":"nightly"}`},
}

func TestEveryActionTypeSendsExactlyItsParams(t *testing.T) {
	t.Parallel()
	types := client.ActionTypes()
	// The table is the one source of the types: every type has an expected body below,
	// and every expected body a type.
	if len(types) != len(fullRequests) {
		t.Errorf("%d action types in the table, %d expected bodies", len(types), len(fullRequests))
	}
	seen := map[client.ActionType]bool{}
	for _, info := range types {
		seen[info.Type] = true
		full, ok := fullRequests[info.Type]
		if !ok {
			t.Errorf("no expected body for action type %q", info.Type)
			continue
		}
		t.Run(string(info.Type), func(t *testing.T) {
			t.Parallel()
			req := full.req
			req.Type = info.Type
			// The request sets exactly the parameters the table says the type takes.
			var tableParams []client.Param
			for _, p := range info.Params {
				tableParams = append(tableParams, p.Name)
			}
			slices.Sort(tableParams)
			set := req.SetParams()
			slices.Sort(set)
			if !slices.Equal(set, tableParams) {
				t.Errorf("the table gives %q the params %v; the API takes %v", info.Type, tableParams, set)
			}
			s := newScript(t, step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: full.body,
				Status: 201, Resp: actionResp(1, client.StatusInProgress, info.Type)})
			c := newClient(t, s.URL())
			a, resp, err := c.Initiate(t.Context(), 4242, req)
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != 1 || a.Type != info.Type || a.Status != client.StatusInProgress || resp.StatusCode != 201 {
				t.Errorf("Initiate = %+v, %+v", a, resp)
			}
		})
	}
	for typ := range fullRequests {
		if !seen[typ] {
			t.Errorf("action type %q is missing from ActionTypes()", typ)
		}
	}
}

func TestActionTypeTable(t *testing.T) {
	t.Parallel()
	// The API's contract, written out by hand: which parameters each type requires and
	// which types may be initiated by tag.
	required := map[client.ActionType][]client.Param{
		client.ActionChangeBackupPolicy: {client.ParamBackupPolicy},
		client.ActionRestore:            {client.ParamImage},
		client.ActionResize:             {client.ParamSize},
		client.ActionRebuild:            {client.ParamImage},
		client.ActionRename:             {client.ParamName},
		client.ActionChangeKernel:       {client.ParamKernel},
	}
	bulk := []string{"disable_backups", "enable_backups", "enable_ipv6", "power_cycle", "power_off", "power_on", "shutdown", "snapshot"}
	for _, info := range client.ActionTypes() {
		var got []client.Param
		for _, p := range info.Params {
			if p.Required {
				got = append(got, p.Name)
			}
		}
		if !slices.Equal(got, required[info.Type]) {
			t.Errorf("%s requires %v, want %v", info.Type, got, required[info.Type])
		}
		if info.Summary == "" {
			t.Errorf("%s has no summary", info.Type)
		}
		if found, ok := client.LookupActionType(info.Type); !ok || found.Type != info.Type {
			t.Errorf("LookupActionType(%s) = %+v, %t", info.Type, found, ok)
		}
	}
	if got := slices.Sorted(slices.Values(client.BulkActionTypeNames())); !slices.Equal(got, bulk) {
		t.Errorf("bulk types %v, want %v", got, bulk)
	}
	if _, ok := client.LookupActionType("enable_private_networking"); ok {
		t.Error("enable_private_networking was removed from the API")
	}
}

func TestActionBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  client.ActionRequest
		body string
	}{
		{"rebuild by numeric image ID sends a number", client.ActionRequest{Type: client.ActionRebuild, Image: "1234567"}, `{"type":"rebuild","image":1234567}`},
		{"rebuild by slug sends a string", client.ActionRequest{Type: client.ActionRebuild, Image: "debian-12-x64"}, `{"type":"rebuild","image":"debian-12-x64"}`},
		{"restore sends a number", client.ActionRequest{Type: client.ActionRestore, Image: "42"}, `{"type":"restore","image":42}`},
		{"resize without disk sends disk false", client.ActionRequest{Type: client.ActionResize, Size: "s-1vcpu-2gb"}, `{"type":"resize","size":"s-1vcpu-2gb","disk":false}`},
		{"resize with disk false", client.ActionRequest{Type: client.ActionResize, Size: "s-1vcpu-2gb", Disk: ptr(false)}, `{"type":"resize","size":"s-1vcpu-2gb","disk":false}`},
		{"enable_backups without a policy", client.ActionRequest{Type: client.ActionEnableBackups}, `{"type":"enable_backups"}`},
		{"weekly policy without hour", client.ActionRequest{Type: client.ActionChangeBackupPolicy, BackupPolicy: &client.BackupPolicy{Plan: "weekly", Weekday: "MON"}}, `{"type":"change_backup_policy","backup_policy":{"plan":"weekly","weekday":"MON"}}`},
		{"snapshot without a name", client.ActionRequest{Type: client.ActionSnapshot}, `{"type":"snapshot"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScript(t, step{Method: "POST", Path: "/v2/droplets/7/actions", Body: tc.body,
				Status: 201, Resp: actionResp(1, client.StatusInProgress, tc.req.Type)})
			c := newClient(t, s.URL())
			if _, _, err := c.Initiate(t.Context(), 7, tc.req); err != nil {
				t.Fatal(err)
			}
			// MarshalJSON is the body on its own, for callers that log or diff it.
			b, err := json.Marshal(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if eq, err := jsonEqual(b, []byte(tc.body)); err != nil || !eq {
				t.Errorf("json.Marshal = %s, want %s", b, tc.body)
			}
		})
	}
}

// sampleParams gives every parameter a valid value.
func sampleParams(p client.Param, r *client.ActionRequest) {
	switch p {
	case client.ParamImage:
		r.Image = "123"
	case client.ParamSize:
		r.Size = "s-1vcpu-1gb"
	case client.ParamDisk:
		r.Disk = ptr(true)
	case client.ParamName:
		r.Name = "n"
	case client.ParamKernel:
		r.Kernel = 7
	case client.ParamBackupPolicy:
		r.BackupPolicy = &client.BackupPolicy{Plan: "daily"}
	default:
		panic("unknown param " + p)
	}
}

func wantValidationError(t *testing.T, err error, param string) {
	t.Helper()
	var ve *client.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T), want a *ValidationError", err, err)
	}
	if ve.Param != param {
		t.Errorf("ValidationError.Param = %q, want %q (%v)", ve.Param, param, ve)
	}
}

func TestValidationFailsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	type call func(c *client.Client, ctx context.Context) error
	initiate := func(r client.ActionRequest) call {
		return func(c *client.Client, ctx context.Context) error { _, _, err := c.Initiate(ctx, 4242, r); return err }
	}
	byTag := func(tag string, r client.ActionRequest) call {
		return func(c *client.Client, ctx context.Context) error {
			_, _, err := c.InitiateByTag(ctx, tag, r)
			return err
		}
	}
	cases := map[string]struct {
		call  call
		param string
	}{}
	for _, info := range client.ActionTypes() {
		for _, p := range client.AllParams {
			spec, takes := info.Param(p)
			if !takes {
				r := client.ActionRequest{Type: info.Type}
				for _, q := range info.Params {
					sampleParams(q.Name, &r)
				}
				sampleParams(p, &r)
				cases[fmt.Sprintf("%s does not take %s", info.Type, p)] = struct {
					call  call
					param string
				}{initiate(r), string(p)}
			}
			if takes && spec.Required {
				r := client.ActionRequest{Type: info.Type}
				for _, q := range info.Params {
					if q.Name != p {
						sampleParams(q.Name, &r)
					}
				}
				cases[fmt.Sprintf("%s requires %s", info.Type, p)] = struct {
					call  call
					param string
				}{initiate(r), string(p)}
			}
		}
	}
	add := func(name string, c call, param string) {
		cases[name] = struct {
			call  call
			param string
		}{c, param}
	}
	policy := func(p client.BackupPolicy) client.ActionRequest {
		return client.ActionRequest{Type: client.ActionChangeBackupPolicy, BackupPolicy: &p}
	}
	add("unknown type", initiate(client.ActionRequest{Type: "enable_private_networking"}), "type")
	add("empty type", initiate(client.ActionRequest{}), "type")
	add("restore with a slug", initiate(client.ActionRequest{Type: client.ActionRestore, Image: "ubuntu-24-04-x64"}), "image")
	add("negative kernel", initiate(client.ActionRequest{Type: client.ActionChangeKernel, Kernel: -3}), "kernel")
	add("plan empty", initiate(policy(client.BackupPolicy{})), "backup_policy.plan")
	add("plan monthly", initiate(policy(client.BackupPolicy{Plan: "monthly"})), "backup_policy.plan")
	add("plan in capitals", initiate(policy(client.BackupPolicy{Plan: "Daily"})), "backup_policy.plan")
	add("weekly without weekday", initiate(policy(client.BackupPolicy{Plan: "weekly", Hour: ptr(4)})), "backup_policy.weekday")
	add("weekly with a bad weekday", initiate(policy(client.BackupPolicy{Plan: "weekly", Weekday: "Sunday"})), "backup_policy.weekday")
	add("daily with a weekday", initiate(policy(client.BackupPolicy{Plan: "daily", Weekday: "SUN"})), "backup_policy.weekday")
	for _, h := range []int{-4, 1, 3, 5, 21, 24} {
		add(fmt.Sprintf("hour %d", h), initiate(policy(client.BackupPolicy{Plan: "daily", Hour: ptr(h)})), "backup_policy.hour")
	}
	add("enable_backups with a bad policy", initiate(client.ActionRequest{Type: client.ActionEnableBackups, BackupPolicy: &client.BackupPolicy{Plan: "weekly"}}), "backup_policy.weekday")
	add("droplet 0", func(c *client.Client, ctx context.Context) error {
		_, _, err := c.Initiate(ctx, 0, client.ActionRequest{Type: client.ActionReboot})
		return err
	}, "droplet_id")
	for _, info := range client.ActionTypes() {
		if !info.Bulk {
			r := client.ActionRequest{Type: info.Type}
			for _, q := range info.Params {
				sampleParams(q.Name, &r)
			}
			add(fmt.Sprintf("by tag %s", info.Type), byTag("web", r), "type")
		}
	}
	add("by tag with an empty tag", byTag("", client.ActionRequest{Type: client.ActionPowerOff}), "tag_name")
	add("by tag with a blank tag", byTag("  ", client.ActionRequest{Type: client.ActionPowerOff}), "tag_name")
	add("by tag with a param the type does not take", byTag("web", client.ActionRequest{Type: client.ActionPowerOff, Name: "x"}), "name")
	// The by-tag endpoint maps enable_backups to the bare action: no backup_policy there.
	add("by tag enable_backups with a policy", byTag("web", client.ActionRequest{Type: client.ActionEnableBackups, BackupPolicy: &client.BackupPolicy{Plan: "daily"}}), "backup_policy")
	add("GetAction 0", func(c *client.Client, ctx context.Context) error { _, _, err := c.GetAction(ctx, 0); return err }, "id")
	add("GetDropletAction 0", func(c *client.Client, ctx context.Context) error {
		_, _, err := c.GetDropletAction(ctx, 0, 1)
		return err
	}, "id")
	add("GetDroplet -1", func(c *client.Client, ctx context.Context) error { _, _, err := c.GetDroplet(ctx, -1); return err }, "droplet_id")
	add("ListActionsPage 0", func(c *client.Client, ctx context.Context) error {
		_, _, err := c.ListActionsPage(ctx, 0, 1, 20)
		return err
	}, "droplet_id")

	if len(cases) < 60 {
		t.Errorf("only %d cases; the table-driven part is missing", len(cases))
	}
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		tc := cases[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newScript(t) // any request fails the test
			c := newClient(t, s.URL())
			wantValidationError(t, tc.call(c, t.Context()), tc.param)
		})
	}
}

func TestValidRequestsPassValidation(t *testing.T) {
	t.Parallel()
	for typ, full := range fullRequests {
		r := full.req
		r.Type = typ
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
	for _, h := range client.BackupHours() {
		p := client.BackupPolicy{Plan: "weekly", Weekday: "SAT", Hour: ptr(h)}
		if err := p.Validate(); err != nil {
			t.Errorf("hour %d: %v", h, err)
		}
	}
	for _, d := range client.BackupWeekdays() {
		p := client.BackupPolicy{Plan: "weekly", Weekday: d}
		if err := p.Validate(); err != nil {
			t.Errorf("weekday %s: %v", d, err)
		}
	}
}

func TestInitiateByTag(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := newScript(t,
		step{Method: "POST", Path: "/v2/droplets/actions", Query: url.Values{"tag_name": {"env:web_db-1"}},
			Body: `{"type":"snapshot","name":"nightly"}`, Status: 201,
			Resp: `{"actions":[` + actionJSON(11, client.StatusInProgress, client.ActionSnapshot, now) + `,` +
				actionJSON(12, client.StatusInProgress, client.ActionSnapshot, now) + `]}`},
		step{Method: "POST", Path: "/v2/droplets/actions", Query: url.Values{"tag_name": {"web"}},
			Body: `{"type":"power_off"}`, Status: 500, Resp: `{"id":"server_error","message":"Server Error"}`},
	)
	c := newClient(t, s.URL())
	actions, resp, err := c.InitiateByTag(t.Context(), "env:web_db-1", client.ActionRequest{Type: client.ActionSnapshot, Name: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) != 2 || actions[0].ID != 11 || actions[1].ID != 12 || resp.StatusCode != 201 {
		t.Errorf("InitiateByTag = %+v, %+v", actions, resp)
	}
	// A bulk call cannot be matched against one droplet's history, so it is never repeated.
	if _, _, err := c.InitiateByTag(t.Context(), "web", client.ActionRequest{Type: client.ActionPowerOff}); err == nil {
		t.Error("a 500 on a bulk initiate succeeded")
	}
}

func TestGetAction(t *testing.T) {
	t.Parallel()
	started := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/36804636",
			Resp: `{"action":` + actionJSON(36804636, client.StatusCompleted, client.ActionResize, started) + `}`,
			Header: map[string]string{"x-request-id": "req-1", "ratelimit-limit": "5000",
				"ratelimit-remaining": "4816", "ratelimit-reset": "1444931833"}},
		step{Method: "GET", Path: "/v2/droplets/4242/actions/36804637",
			Resp: `{"action":` + actionJSON(36804637, client.StatusInProgress, client.ActionReboot, started) + `}`},
		step{Method: "GET", Path: "/v2/actions/1", Resp: `{}`},
	)
	c := newClient(t, s.URL())
	a, resp, err := c.GetAction(t.Context(), 36804636)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 36804636 || a.Status != client.StatusCompleted || a.Type != client.ActionResize ||
		a.StartedAt == nil || !a.StartedAt.Equal(started) || a.CompletedAt == nil || !a.CompletedAt.Equal(started.Add(time.Second)) ||
		a.ResourceID != 4242 || a.ResourceType != "droplet" || a.RegionSlug != "nyc3" ||
		a.Region == nil || a.Region.Slug != "nyc3" || a.Region.Name != "New York 3" || !a.Region.Available ||
		len(a.Region.Features) != 2 || len(a.Region.Sizes) != 1 {
		t.Errorf("action = %+v (region %+v)", a, a.Region)
	}
	if resp.RequestID != "req-1" || resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4816 || resp.Rate.Reset.Unix() != 1444931833 {
		t.Errorf("response = %+v", resp)
	}

	a, _, err = c.GetDropletAction(t.Context(), 4242, 36804637)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 36804637 || a.Status != client.StatusInProgress || a.CompletedAt != nil || a.Status.Done() {
		t.Errorf("droplet action = %+v", a)
	}

	if _, _, err := c.GetAction(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "no action") {
		t.Errorf("a response without an action: %v", err)
	}
}

func TestWaitForActionCompleted(t *testing.T) {
	t.Parallel()
	poll := func(status client.ActionStatus) step {
		return step{Method: "GET", Path: "/v2/actions/77", Resp: actionResp(77, status, client.ActionPowerOff)}
	}
	s := newScript(t, poll(client.StatusInProgress), poll(client.StatusInProgress), poll(client.StatusCompleted))
	c := newClient(t, s.URL())
	var seen []client.ActionStatus
	a, err := c.WaitForAction(t.Context(), 77, func(a *client.Action) { seen = append(seen, a.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 77 || a.Status != client.StatusCompleted {
		t.Errorf("action = %+v", a)
	}
	if want := []client.ActionStatus{client.StatusInProgress, client.StatusInProgress, client.StatusCompleted}; !slices.Equal(seen, want) {
		t.Errorf("onProgress saw %v, want %v", seen, want)
	}
}

func TestWaitForActionErrored(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/78", Resp: actionResp(78, client.StatusInProgress, client.ActionResize)},
		step{Method: "GET", Path: "/v2/actions/78", Resp: actionResp(78, client.StatusErrored, client.ActionResize)},
	)
	c := newClient(t, s.URL())
	a, err := c.WaitForAction(t.Context(), 78, nil)
	var failed *client.ActionFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("err = %v (%T), want *ActionFailedError", err, err)
	}
	if failed.Action == nil || failed.Action.ID != 78 || failed.Action.Status != client.StatusErrored || failed.Action.Type != client.ActionResize {
		t.Errorf("failed action = %+v", failed.Action)
	}
	if a == nil || a.ID != 78 {
		t.Errorf("returned action = %+v", a)
	}
	for _, want := range []string{"78", "resize", "errored", "4242"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestWaitForActionReadFailure(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/79", Resp: actionResp(79, client.StatusInProgress, client.ActionResize)},
		step{Method: "GET", Path: "/v2/actions/79", Status: 403, Resp: `{"id":"forbidden","message":"token lacks actions:read"}`},
	)
	c := newClient(t, s.URL())
	a, err := c.WaitForAction(t.Context(), 79, nil)
	var we *client.WaitError
	if !errors.As(err, &we) || we.ActionID != 79 || !client.IsForbidden(err) {
		t.Fatalf("err = %v, want a *WaitError wrapping the 403", err)
	}
	if we.Last == nil || we.Last.Status != client.StatusInProgress || a == nil {
		t.Errorf("Last = %+v, returned %+v; want the last status read", we.Last, a)
	}
}

func TestWaitForActionCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/90", Resp: actionResp(90, client.StatusInProgress, client.ActionSnapshot)},
		step{Method: "GET", Path: "/v2/actions/90", Handle: func(w http.ResponseWriter, _ *http.Request) {
			cancel()
			_, _ = io.WriteString(w, actionResp(90, client.StatusInProgress, client.ActionSnapshot))
		}},
	)
	c := newClient(t, s.URL())
	_, err := c.WaitForAction(ctx, 90, nil)
	if err == nil {
		t.Fatal("WaitForAction returned nil after its context was cancelled")
	}
	var we *client.WaitError
	if !errors.As(err, &we) || we.ActionID != 90 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v (%T), want a *WaitError for action 90 wrapping context.Canceled", err, err)
	}
	if !strings.Contains(err.Error(), "90") {
		t.Errorf("error %q does not name the action", err)
	}
}

func TestWaitForActionDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/91", Handle: func(_ http.ResponseWriter, r *http.Request) {
		// Hold the poll until the client gives up on it.
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}})
	c := newClient(t, s.URL())
	_, err := c.WaitForAction(ctx, 91, nil)
	var we *client.WaitError
	if !errors.As(err, &we) || we.ActionID != 91 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v (%T), want a *WaitError for action 91 wrapping DeadlineExceeded", err, err)
	}
}

func TestWaitForActionAlreadyCancelled(t *testing.T) {
	t.Parallel()
	s := newScript(t)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.Poll = func(int, time.Duration) time.Duration { return 0 } })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.WaitForAction(ctx, 92, nil)
	var we *client.WaitError
	if !errors.As(err, &we) || we.ActionID != 92 || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a *WaitError wrapping context.Canceled", err)
	}
}

func pendingEvent() step {
	return step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 422,
		Resp: `{"id":"unprocessable_entity","message":"Droplet already has a pending event.","request_id":"p-1"}`}
}

// TestInitiatePendingEventWaitsAndReports: a droplet busy with another action is waited
// for, and then reported, not sent the request again: the action waited for may have made
// it needless, and that is the caller's to decide.
func TestInitiatePendingEventWaitsAndReports(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := newScript(t,
		pendingEvent(),
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
			Resp: listResp("", 2, actionJSON(50, client.StatusInProgress, client.ActionPowerOn, now),
				actionJSON(49, client.StatusCompleted, client.ActionPowerOff, now.Add(-time.Hour)))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions/50", Resp: actionResp(50, client.StatusInProgress, client.ActionPowerOn)},
		step{Method: "GET", Path: "/v2/droplets/4242/actions/50", Resp: actionResp(50, client.StatusCompleted, client.ActionPowerOn)},
		step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201,
			Resp: actionResp(51, client.StatusInProgress, client.ActionReboot)},
	)
	c := newClient(t, s.URL())
	_, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	var busy *client.BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("err = %v, want a *client.BusyError", err)
	}
	if busy.Ran == nil || busy.Ran.ID != 50 || busy.Ran.Status != client.StatusCompleted || busy.Type != client.ActionReboot {
		t.Errorf("BusyError = %+v (ran %+v), want action 50 completed, type reboot", busy, busy.Ran)
	}
	if !client.IsPendingEvent(err) || client.RequestID(err) != "p-1" {
		t.Errorf("err = %v: want the pending-event 422 with its request ID", err)
	}
	if n := s.CountOf("POST"); n != 1 {
		t.Fatalf("%d POSTs before the caller asked again, want 1", n)
	}
	a, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 51 || a.Type != client.ActionReboot {
		t.Errorf("action = %+v", a)
	}
}

// TestInitiatePendingEventNothingRunning: the running action ended before the history was
// read: a BusyError with no action, after a pause, and still no second POST.
func TestInitiatePendingEventNothingRunning(t *testing.T) {
	t.Parallel()
	noneRunning := step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
		Resp: listResp("", 1, actionJSON(49, client.StatusCompleted, client.ActionPowerOff, time.Now()))}
	s := newScript(t, pendingEvent(), noneRunning)
	c := newClient(t, s.URL())
	_, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	var busy *client.BusyError
	if !errors.As(err, &busy) || busy.Ran != nil {
		t.Fatalf("err = %v, want a *client.BusyError with no action", err)
	}
	if client.RequestID(err) != "p-1" {
		t.Errorf("request ID %q", client.RequestID(err))
	}
}

func TestInitiatePendingEventCancelledNeverPostsAgain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newScript(t,
		pendingEvent(),
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
			Resp: listResp("", 1, actionJSON(50, client.StatusInProgress, client.ActionSnapshot, time.Now()))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions/50", Handle: func(w http.ResponseWriter, _ *http.Request) {
			cancel()
			_, _ = io.WriteString(w, actionResp(50, client.StatusInProgress, client.ActionSnapshot))
		}},
	)
	c := newClient(t, s.URL())
	_, _, err := c.Initiate(ctx, 4242, client.ActionRequest{Type: client.ActionReboot})
	if err == nil {
		t.Fatal("Initiate succeeded after its context was cancelled")
	}
	if !errors.Is(err, context.Canceled) || !client.IsPendingEvent(err) {
		t.Errorf("err = %v, want both the pending event and context.Canceled", err)
	}
	if n := s.CountOf("POST"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

func TestInitiateRetriedOn429(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"power_cycle"}`, Status: 429,
			Header: map[string]string{"retry-after": "1"}, Resp: `{"id":"too_many_requests","message":"API rate limit exceeded."}`},
		step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"power_cycle"}`, Status: 201,
			Resp: actionResp(60, client.StatusInProgress, client.ActionPowerCycle)},
	)
	c := newClient(t, s.URL())
	a, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionPowerCycle})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 60 {
		t.Errorf("action = %+v", a)
	}
}

func serverError(status int) step {
	return step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: status,
		Resp: `{"id":"server_error","message":"Server Error"}`}
}

// resetAfterReading reads the whole request, then drops the connection without
// answering: the server may have acted, the client cannot know.
func resetAfterReading(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

// truncatedCreated answers 201 with a body cut short of its Content-Length.
func truncatedCreated(w http.ResponseWriter, _ *http.Request) {
	body := actionResp(70, client.StatusInProgress, client.ActionReboot)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, body[:20])
}

func TestInitiateAmbiguousFailure(t *testing.T) {
	t.Parallel()
	post := func(h func(http.ResponseWriter, *http.Request)) step {
		return step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Handle: h}
	}
	failures := map[string]step{
		"500":                       serverError(500),
		"502":                       serverError(502),
		"503":                       serverError(503),
		"connection reset":          post(resetAfterReading),
		"truncated 201":             post(truncatedCreated),
		"201 that is not an action": {Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201, Resp: `{}`},
	}
	for name, fail := range failures {
		t.Run(name+" then the history shows the action", func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			s := newScript(t, fail,
				step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
					Resp: listResp("", 3,
						actionJSON(70, client.StatusInProgress, client.ActionReboot, now),
						actionJSON(69, client.StatusCompleted, client.ActionReboot, now.Add(-time.Hour)),
						actionJSON(68, client.StatusCompleted, client.ActionPowerOn, now.Add(-2*time.Hour)))},
			)
			c := newClient(t, s.URL())
			a, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != 70 {
				t.Errorf("adopted %+v, want action 70", a)
			}
			if n := s.CountOf("POST"); n != 1 {
				t.Errorf("%d POSTs, want 1", n)
			}
		})
		t.Run(name+" then nothing started", func(t *testing.T) {
			t.Parallel()
			now := time.Now()
			s := newScript(t, fail,
				step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
					Resp: listResp("", 2,
						// Same type but long before the request; another type just now.
						actionJSON(69, client.StatusCompleted, client.ActionReboot, now.Add(-time.Hour)),
						actionJSON(68, client.StatusInProgress, client.ActionPowerOn, now))},
				step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201,
					Resp: actionResp(71, client.StatusInProgress, client.ActionReboot)},
			)
			c := newClient(t, s.URL())
			a, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != 71 {
				t.Errorf("action = %+v, want the retried action 71", a)
			}
			if n := s.CountOf("POST"); n != 2 {
				t.Errorf("%d POSTs, want 2", n)
			}
		})
	}
}

func TestInitiateNeverAdoptsItsOwnEarlierAction(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := newScript(t,
		step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201,
			Resp: `{"action":` + actionJSON(80, client.StatusInProgress, client.ActionReboot, now) + `}`},
		serverError(500),
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history,
			Resp: listResp("", 1, actionJSON(80, client.StatusCompleted, client.ActionReboot, now))},
		step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201,
			Resp: actionResp(81, client.StatusInProgress, client.ActionReboot)},
	)
	c := newClient(t, s.URL())
	first, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != 80 || second.ID != 81 {
		t.Errorf("actions %d and %d, want 80 and 81", first.ID, second.ID)
	}
}

func TestInitiateAmbiguousWithUnreadableHistory(t *testing.T) {
	t.Parallel()
	s := newScript(t, serverError(500),
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history, Status: 403,
			Resp: `{"id":"forbidden","message":"You are not authorized to perform this operation"}`},
	)
	c := newClient(t, s.URL())
	_, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	if err == nil {
		t.Fatal("Initiate succeeded")
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Errorf("err = %v, want it to wrap the 500", err)
	}
	var uncertain *client.UncertainInitiateError
	if !errors.As(err, &uncertain) || uncertain.DropletID != 4242 || uncertain.Type != client.ActionReboot || !client.IsForbidden(uncertain.ListErr) {
		t.Errorf("err = %#v, want an UncertainInitiateError naming the droplet, the type and the 403 on the history", err)
	}
	if !strings.Contains(err.Error(), "could not be read to tell whether DigitalOcean acted") {
		t.Errorf("error %q does not say that whether the action started is unknown", err)
	}
}

func TestInitiateAmbiguousCancelledNeverPostsAgain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s := newScript(t, serverError(500),
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: history, Handle: func(w http.ResponseWriter, _ *http.Request) {
			cancel()
			_, _ = io.WriteString(w, listResp("", 0))
		}},
	)
	// A long backoff makes sure the cancellation, not the timer, ends the pause.
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = time.Minute, time.Minute })
	_, _, err := c.Initiate(ctx, 4242, client.ActionRequest{Type: client.ActionReboot})
	if err == nil {
		t.Fatal("Initiate succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled", err)
	}
	if n := s.CountOf("POST"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

func TestInitiateRetriedWhenNothingWasSent(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"reboot"}`, Status: 201,
		Resp: actionResp(85, client.StatusInProgress, client.ActionReboot)})
	var dials atomic.Int32
	c := newClient(t, s.URL(), func(cfg *client.Config) {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: refusingDialer(1, &dials)}}
	})
	a, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	// The refused connection carried nothing, so no history lookup was needed.
	if a.ID != 85 || dials.Load() != 2 {
		t.Errorf("action %+v after %d dials", a, dials.Load())
	}
}

func TestInitiateNothingSentNeverLooksAtHistory(t *testing.T) {
	t.Parallel()
	// Two refused dials exhaust the retries; a third would reach the script, which
	// expects nothing: the client must not look at the history for a request it never sent.
	s := newScript(t)
	var dials atomic.Int32
	c := newClient(t, s.URL(), func(cfg *client.Config) {
		cfg.MaxRetries = 1
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: refusingDialer(2, &dials)}}
	})
	_, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionReboot})
	var te *client.TransportError
	if !errors.As(err, &te) || te.Written {
		t.Fatalf("err = %v, want an unwritten *TransportError", err)
	}
	if strings.Contains(err.Error(), "check the droplet") {
		t.Errorf("a request that was never sent is reported as ambiguous: %v", err)
	}
	if n := dials.Load(); n != 2 {
		t.Errorf("%d dials, want 2", n)
	}
}

func TestInitiateOther422NotRetried(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "POST", Path: "/v2/droplets/4242/actions", Body: `{"type":"power_off"}`, Status: 422,
		Resp: `{"id":"unprocessable_entity","message":"Droplet is already powered off."}`})
	c := newClient(t, s.URL())
	_, _, err := c.Initiate(t.Context(), 4242, client.ActionRequest{Type: client.ActionPowerOff})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || client.IsPendingEvent(err) {
		t.Fatalf("err = %v, want a plain 422", err)
	}
}

func TestListActionsFollowsPages(t *testing.T) {
	t.Parallel()
	now := time.Now()
	base := "https://api.digitalocean.com/v2/droplets/4242/actions?per_page=200&page="
	s := newScript(t,
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(1, 200),
			Resp: listResp(base+"2", 5, actionJSON(5, client.StatusCompleted, client.ActionReboot, now),
				actionJSON(4, client.StatusCompleted, client.ActionReboot, now))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(2, 200),
			Resp: listResp(base+"3", 5, actionJSON(3, client.StatusCompleted, client.ActionReboot, now),
				actionJSON(2, client.StatusCompleted, client.ActionReboot, now))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(3, 200),
			Resp: listResp("", 5, actionJSON(1, client.StatusCompleted, client.ActionReboot, now))},
	)
	c := newClient(t, s.URL())
	all, err := c.ListActions(t.Context(), 4242)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range all {
		ids = append(ids, a.ID)
	}
	if !slices.Equal(ids, []int64{5, 4, 3, 2, 1}) {
		t.Errorf("ids %v", ids)
	}
}

func TestActionsIteratorStopsWhenTheConsumerDoes(t *testing.T) {
	t.Parallel()
	now := time.Now()
	next := "https://api.digitalocean.com/v2/droplets/4242/actions?page=2&per_page=200"
	page1 := step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(1, 200),
		Resp: listResp(next, 4, actionJSON(4, client.StatusCompleted, client.ActionReboot, now),
			actionJSON(3, client.StatusCompleted, client.ActionReboot, now))}
	page2 := step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(2, 200),
		Resp: listResp(next, 4, actionJSON(2, client.StatusCompleted, client.ActionReboot, now),
			actionJSON(1, client.StatusCompleted, client.ActionReboot, now))}

	for _, tc := range []struct {
		stopAt int64
		steps  []step
	}{
		{4, []step{page1}},
		{3, []step{page1}},
		{2, []step{page1, page2}},
	} {
		t.Run(fmt.Sprint("stop at ", tc.stopAt), func(t *testing.T) {
			t.Parallel()
			s := newScript(t, tc.steps...)
			c := newClient(t, s.URL())
			var got []int64
			for a, err := range c.Actions(t.Context(), 4242) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a.ID)
				if a.ID == tc.stopAt {
					break
				}
			}
			if got[len(got)-1] != tc.stopAt {
				t.Errorf("got %v", got)
			}
		})
	}
}

func TestListActionsError(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(1, 200),
			Resp: listResp("https://api.digitalocean.com/next", 3, actionJSON(3, client.StatusCompleted, client.ActionReboot, time.Now()))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(2, 200), Status: 404,
			Resp: `{"id":"not_found","message":"The resource you were accessing could not be found."}`},
	)
	c := newClient(t, s.URL())
	all, err := c.ListActions(t.Context(), 4242)
	if !client.IsNotFound(err) || all != nil {
		t.Fatalf("ListActions = %v, %v; want the 404 and no actions", all, err)
	}
}

func TestListActionsPageClamps(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(1, 200),
			Resp: listResp("https://api.digitalocean.com/next", 401, actionJSON(3, client.StatusCompleted, client.ActionReboot, time.Now()))},
		step{Method: "GET", Path: "/v2/droplets/4242/actions", Query: pageQuery(3, 1), Resp: listResp("", 401)},
	)
	c := newClient(t, s.URL())
	p, _, err := c.ListActionsPage(t.Context(), 4242, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasNext || p.Total != 401 || len(p.Actions) != 1 {
		t.Errorf("page = %+v", p)
	}
	p, _, err = c.ListActionsPage(t.Context(), 4242, 3, -5)
	if err != nil {
		t.Fatal(err)
	}
	if p.HasNext || len(p.Actions) != 0 {
		t.Errorf("page = %+v", p)
	}
}
