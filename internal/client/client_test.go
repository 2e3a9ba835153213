package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		endpoint string
		ok       bool
		wantErr  string
	}{
		{"https://api.digitalocean.com", true, ""},
		{"https://x", true, ""},
		{"https://api.example.com/prefix/", true, ""},
		{"http://127.0.0.1:1234", true, ""},
		{"http://localhost", true, ""},
		{"http://LOCALHOST:8080/", true, ""},
		{"http://[::1]:9000", true, ""},
		{"http://example.com", false, "not loopback"},
		{"http://10.0.0.1:8080", false, "not loopback"},
		{"ftp://example.com", false, "must use https"},
		{"api.digitalocean.com", false, "not an absolute URL"},
		{"", false, "not an absolute URL"},
		{"https://user:secret@api.example.com", false, "credentials"},
	} {
		u, err := client.ParseEndpoint(tc.endpoint)
		switch {
		case tc.ok && err != nil:
			t.Errorf("ParseEndpoint(%q): %v", tc.endpoint, err)
		case tc.ok && u.Host == "":
			t.Errorf("ParseEndpoint(%q) = %v, no host", tc.endpoint, u)
		case !tc.ok && err == nil:
			t.Errorf("ParseEndpoint(%q) = %v, want an error", tc.endpoint, u)
		case !tc.ok && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("ParseEndpoint(%q) error %q does not mention %q", tc.endpoint, err, tc.wantErr)
		}
	}
	if _, err := client.New(client.Config{Token: testToken, Endpoint: "http://example.com"}); err == nil {
		t.Error("New accepted a plain-http endpoint on a public host")
	}
}

func TestEndpointPathPrefixIsKept(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/proxy/v2/actions/7", Resp: actionResp(7, client.StatusCompleted, client.ActionReboot)})
	c := newClient(t, s.URL()+"/proxy/")
	if _, _, err := c.GetAction(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
}

func TestMissingTokenFailsWithoutRequests(t *testing.T) {
	t.Parallel()
	s := newScript(t)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.Token = "" })
	ctx := t.Context()
	calls := map[string]func() error{
		"GetAction":        func() error { _, _, err := c.GetAction(ctx, 1); return err },
		"GetDropletAction": func() error { _, _, err := c.GetDropletAction(ctx, 1, 2); return err },
		"GetDroplet":       func() error { _, _, err := c.GetDroplet(ctx, 1); return err },
		"Initiate": func() error {
			_, _, err := c.Initiate(ctx, 1, client.ActionRequest{Type: client.ActionReboot})
			return err
		},
		"InitiateByTag": func() error {
			_, _, err := c.InitiateByTag(ctx, "web", client.ActionRequest{Type: client.ActionPowerOn})
			return err
		},
		"ListActions":   func() error { _, err := c.ListActions(ctx, 1); return err },
		"WaitForAction": func() error { _, err := c.WaitForAction(ctx, 1, nil); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, client.ErrNoToken) {
			t.Errorf("%s without a token: %v, want ErrNoToken", name, err)
		}
	}
	if n := s.Count(); n != 0 {
		t.Errorf("%d requests reached the server without a token", n)
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	const ua = "terraform-provider-gradient/1.2.3 (+https://example.test)"
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/1", Resp: actionResp(1, client.StatusCompleted, client.ActionReboot),
			Want: func(t testing.TB, r *http.Request) {
				if got := r.Header.Get("User-Agent"); got != ua {
					t.Errorf("User-Agent %q, want %q", got, ua)
				}
				if got := r.Header.Get("Accept"); got != "application/json" {
					t.Errorf("Accept %q", got)
				}
				if got := r.Header.Get("Content-Type"); got != "" {
					t.Errorf("GET carries Content-Type %q", got)
				}
			}},
		step{Method: "POST", Path: "/v2/droplets/3/actions", Body: `{"type":"reboot"}`, Status: 201,
			Resp: actionResp(2, client.StatusInProgress, client.ActionReboot),
			Want: func(t testing.TB, r *http.Request) {
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("POST Content-Type %q, want application/json", got)
				}
				if got := r.Header.Get("User-Agent"); got != ua {
					t.Errorf("User-Agent %q, want %q", got, ua)
				}
			}},
	)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.UserAgent = ua })
	if _, _, err := c.GetAction(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Initiate(t.Context(), 3, client.ActionRequest{Type: client.ActionReboot}); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultUserAgent(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/1", Resp: actionResp(1, client.StatusCompleted, client.ActionReboot),
		Want: func(t testing.TB, r *http.Request) {
			if got := r.Header.Get("User-Agent"); !strings.HasPrefix(got, "terraform-provider-gradient/") {
				t.Errorf("default User-Agent %q", got)
			}
		}})
	c := newClient(t, s.URL())
	if _, _, err := c.GetAction(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
}

type logRecord struct {
	msg    string
	fields map[string]any
}

type logCapture struct {
	mu      sync.Mutex
	records []logRecord
}

func (l *logCapture) log(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, logRecord{msg, fields})
}

func (l *logCapture) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.records {
		fmt.Fprintf(&b, "%s %v\n", r.msg, r.fields)
	}
	return b.String()
}

func TestLoggerRedactsToken(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/5", Status: 502, Resp: `{"id":"bad_gateway","message":"upstream"}`},
		step{Method: "GET", Path: "/v2/actions/5", Resp: actionResp(5, client.StatusCompleted, client.ActionReboot)},
		step{Method: "POST", Path: "/v2/droplets/9/actions", Body: `{"type":"rename","name":"web-2"}`, Status: 201,
			Resp: actionResp(6, client.StatusInProgress, client.ActionRename)},
		step{Method: "GET", Path: "/v2/droplets/9", Status: 404,
			Resp: `{"id":"not_found","message":"The resource you were accessing could not be found."}`},
	)
	logs := &logCapture{}
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.Logger = logs.log })
	ctx := t.Context()
	if _, _, err := c.GetAction(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Initiate(ctx, 9, client.ActionRequest{Type: client.ActionRename, Name: "web-2"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.GetDroplet(ctx, 9)
	if err == nil {
		t.Fatal("GetDroplet of a missing droplet succeeded")
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error carries the token: %v", err)
	}
	text := logs.text()
	if strings.Contains(text, testToken) {
		t.Errorf("the logger saw the token:\n%s", text)
	}
	// The records must really carry the headers and bodies, or the check above proves nothing.
	for _, want := range []string{"Bearer [REDACTED]", `"name":"web-2"`, "/v2/actions/5", "attempt:2", `"id":"not_found"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q:\n%s", want, text)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		status        int
		header        map[string]string
		body          string
		is            string
		wantID        string
		wantMessage   string
		wantRequestID string
	}{
		{
			name: "404 with request ID in body", status: 404,
			header: map[string]string{"x-request-id": "from-header"},
			body:   `{"id":"not_found","message":"The resource you were accessing could not be found.","request_id":"from-body"}`,
			is:     "IsNotFound", wantID: "not_found",
			wantMessage: "The resource you were accessing could not be found.", wantRequestID: "from-body",
		},
		{
			name: "404 with request ID only in header", status: 404,
			header: map[string]string{"x-request-id": "0c1f-hdr"},
			body:   `{"id":"not_found","message":"The resource you were accessing could not be found."}`,
			is:     "IsNotFound", wantID: "not_found",
			wantMessage: "The resource you were accessing could not be found.", wantRequestID: "0c1f-hdr",
		},
		{
			name: "403 missing scope", status: 403,
			body: `{"id":"forbidden","message":"You are not authorized to perform this operation","request_id":"r-403"}`,
			is:   "IsForbidden", wantID: "forbidden",
			wantMessage: "You are not authorized to perform this operation", wantRequestID: "r-403",
		},
		{
			name: "401 bad token", status: 401,
			body: `{"id":"unauthorized","message":"Unable to authenticate you"}`,
			is:   "IsUnauthorized", wantID: "unauthorized", wantMessage: "Unable to authenticate you",
		},
		{
			name: "non-JSON error body", status: 404,
			body: `<html>nope</html>`,
			is:   "IsNotFound", wantMessage: "<html>nope</html>",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScript(t, step{Method: "GET", Path: "/v2/actions/31", Status: tc.status, Header: tc.header, Resp: tc.body})
			c := newClient(t, s.URL())
			a, resp, err := c.GetAction(t.Context(), 31)
			if err == nil {
				t.Fatalf("GetAction = %+v, want an error", a)
			}
			for name, is := range map[string]func(error) bool{
				"IsNotFound": client.IsNotFound, "IsForbidden": client.IsForbidden,
				"IsUnauthorized": client.IsUnauthorized, "IsRateLimited": client.IsRateLimited,
				"IsPendingEvent": client.IsPendingEvent,
			} {
				if got, want := is(err), name == tc.is; got != want {
					t.Errorf("%s(%v) = %t, want %t", name, err, got, want)
				}
			}
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("%T is not an *APIError", err)
			}
			if apiErr.StatusCode != tc.status || apiErr.ID != tc.wantID || apiErr.Message != tc.wantMessage ||
				apiErr.RequestID != tc.wantRequestID || apiErr.Method != "GET" || apiErr.Path != "/v2/actions/31" {
				t.Errorf("APIError = %+v", apiErr)
			}
			if got := client.RequestID(err); got != tc.wantRequestID {
				t.Errorf("RequestID(err) = %q, want %q", got, tc.wantRequestID)
			}
			msg := err.Error()
			for _, want := range []string{"GET", "/v2/actions/31", fmt.Sprint(tc.status), tc.wantRequestID} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Errorf("Response = %+v, want status %d", resp, tc.status)
			}
		})
	}
}

func TestReadRetriedOn5xx(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/8", Status: 500, Resp: `{"id":"server_error","message":"Server Error"}`},
		step{Method: "GET", Path: "/v2/actions/8", Status: 502},
		step{Method: "GET", Path: "/v2/actions/8", Status: 503, Resp: `{"id":"service_unavailable","message":"try later"}`},
		step{Method: "GET", Path: "/v2/actions/8", Resp: actionResp(8, client.StatusCompleted, client.ActionPowerOn)},
	)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.MaxRetries = 3 })
	a, resp, err := c.GetAction(t.Context(), 8)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 8 || resp.StatusCode != 200 {
		t.Errorf("got %+v, %+v", a, resp)
	}
}

func TestReadRetriesAreBounded(t *testing.T) {
	t.Parallel()
	fail := step{Method: "GET", Path: "/v2/droplets/4", Status: 500, Resp: `{"id":"server_error","message":"Server Error"}`}
	s := newScript(t, fail, fail, fail)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.MaxRetries = 2 })
	_, _, err := c.GetDroplet(t.Context(), 4)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("err = %v, want the last 500", err)
	}
}

func TestRead501NotRetried(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/8", Status: 501, Resp: `{"id":"not_implemented","message":"no"}`})
	c := newClient(t, s.URL())
	if _, _, err := c.GetAction(t.Context(), 8); err == nil {
		t.Fatal("501 succeeded")
	}
}

func TestRead429RetriedAfterRetryAfter(t *testing.T) {
	t.Parallel()
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/12", Status: 429,
			Header: map[string]string{"retry-after": "1", "ratelimit-limit": "250", "ratelimit-remaining": "0",
				"ratelimit-reset": fmt.Sprint(time.Now().Add(time.Second).Unix())},
			Resp: `{"id":"too_many_requests","message":"API rate limit exceeded."}`},
		step{Method: "GET", Path: "/v2/actions/12", Resp: actionResp(12, client.StatusCompleted, client.ActionReboot),
			Header: map[string]string{"ratelimit-limit": "250", "ratelimit-remaining": "249",
				"ratelimit-reset": fmt.Sprint(time.Now().Add(time.Minute).Unix())}},
	)
	c := newClient(t, s.URL())
	a, resp, err := c.GetAction(t.Context(), 12)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 12 {
		t.Errorf("action %+v", a)
	}
	if resp.Rate.Limit != 250 || resp.Rate.Remaining != 249 || resp.Rate.Reset.IsZero() {
		t.Errorf("Rate = %+v", resp.Rate)
	}
}

func TestRateLimitExhaustedFailsFast(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/12", Status: 429,
		Header: map[string]string{"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": fmt.Sprint(reset.Unix())},
		Resp:   `{"id":"too_many_requests","message":"API rate limit exceeded."}`})
	c := newClient(t, s.URL())
	// A client that waited out the hour would hit this deadline instead of reporting the 429.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, _, err := c.GetAction(ctx, 12)
	if !client.IsRateLimited(err) {
		t.Fatalf("err = %v, want a rate-limit error", err)
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && !apiErr.RateReset.Equal(reset) {
		t.Errorf("RateReset = %v, want %v", apiErr.RateReset, reset)
	}
	if want := reset.UTC().Format(time.RFC3339); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say the limit frees up at %s", err, want)
	}

	// The next call must not stall on the exhausted budget either: it fails at once,
	// without a request, naming when the budget frees up.
	_, _, err = c.GetDroplet(ctx, 3)
	if !client.IsRateLimited(err) || !strings.Contains(err.Error(), reset.UTC().Format(time.RFC3339)) {
		t.Fatalf("second call: err = %v, want an immediate rate-limit error", err)
	}
	if n := s.Count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestServiceUnavailableWithLongRetryAfterFailsFast(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/12", Status: 503,
		Header: map[string]string{"retry-after": "3600"},
		Resp:   `{"id":"service_unavailable","message":"maintenance"}`})
	c := newClient(t, s.URL())
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, _, err := c.GetAction(ctx, 12)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %v, want the 503 at once", err)
	}
}

// refusingDialer fails the first n dials the way a closed port does, then dials for real.
func refusingDialer(n int32, dials *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= n {
			return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		}
		return d.DialContext(ctx, network, addr)
	}
}

func TestReadRetriedAfterConnectionRefused(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/actions/3", Resp: actionResp(3, client.StatusCompleted, client.ActionReboot)})
	var dials atomic.Int32
	c := newClient(t, s.URL(), func(cfg *client.Config) {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: refusingDialer(2, &dials)}}
	})
	if _, _, err := c.GetAction(t.Context(), 3); err != nil {
		t.Fatal(err)
	}
	if n := dials.Load(); n != 3 {
		t.Errorf("%d dials, want 3", n)
	}
}

func TestConnectionRefusedIsTransportError(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := newClient(t, "http://"+addr, func(cfg *client.Config) { cfg.MaxRetries = 1 })
	_, _, err = c.GetAction(t.Context(), 3)
	var te *client.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want a *TransportError", err, err)
	}
	if te.Written || te.Method != "GET" || te.Path != "/v2/actions/3" {
		t.Errorf("TransportError = %+v", te)
	}
}

func TestReadRetriedAfterMalformedBody(t *testing.T) {
	t.Parallel()
	full := actionResp(21, client.StatusCompleted, client.ActionReboot)
	s := newScript(t,
		// A 200 whose JSON stops half-way, as a proxy dropping the connection leaves it.
		step{Method: "GET", Path: "/v2/actions/21", Resp: full[:len(full)/2]},
		// A body cut short of its Content-Length.
		step{Method: "GET", Path: "/v2/actions/21", Handle: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(full)))
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, full[:10])
		}},
		step{Method: "GET", Path: "/v2/actions/21", Resp: full},
	)
	c := newClient(t, s.URL())
	a, _, err := c.GetAction(t.Context(), 21)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 21 || a.Status != client.StatusCompleted || a.Region == nil {
		t.Errorf("action %+v", a)
	}
}

func TestMalformedBodyFailsAfterRetries(t *testing.T) {
	t.Parallel()
	bad := step{Method: "GET", Path: "/v2/droplets/4", Resp: `{"droplet": {"id": 4, "name": "web`}
	s := newScript(t, bad, bad, bad)
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.MaxRetries = 2 })
	_, _, err := c.GetDroplet(t.Context(), 4)
	if err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("err = %v, want a malformed-response error", err)
	}
}

func TestWrongShapeIsNotRetried(t *testing.T) {
	t.Parallel()
	// Valid JSON of the wrong shape will not get better by asking again.
	s := newScript(t,
		step{Method: "GET", Path: "/v2/actions/4", Resp: `{"action": {"id": "four"}}`},
		step{Method: "GET", Path: "/v2/droplets/4", Resp: `{"droplets": []}`},
	)
	c := newClient(t, s.URL())
	if _, _, err := c.GetAction(t.Context(), 4); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("GetAction: %v, want a malformed-response error", err)
	}
	if _, _, err := c.GetDroplet(t.Context(), 4); err == nil || !strings.Contains(err.Error(), "no droplet") {
		t.Errorf("GetDroplet: %v, want a no-droplet error", err)
	}
}

func TestGetDroplet(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/droplets/4242", Resp: `{"droplet": {
		"id": 4242, "name": "web-1", "status": "off", "locked": false, "size_slug": "s-2vcpu-4gb",
		"features": ["backups", "ipv6"], "backup_ids": [701, 702], "snapshot_ids": [9001],
		"kernel": {"id": 7515, "name": "Ubuntu", "version": "6.8"}, "tags": ["web", "prod"],
		"region": {"name": "Amsterdam 3", "slug": "ams3", "available": true, "features": ["backups"], "sizes": ["s-2vcpu-4gb"]},
		"image": {"id": 1, "slug": "ubuntu-24-04-x64"}, "unknown_field": {"ignored": true}}}`})
	c := newClient(t, s.URL())
	d, _, err := c.GetDroplet(t.Context(), 4242)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != 4242 || d.Name != "web-1" || d.Status != client.DropletOff || d.SizeSlug != "s-2vcpu-4gb" ||
		strings.Join(d.Features, ",") != "backups,ipv6" || fmt.Sprint(d.BackupIDs) != "[701 702]" ||
		fmt.Sprint(d.SnapshotIDs) != "[9001]" || d.Kernel == nil || d.Kernel.ID != 7515 ||
		strings.Join(d.Tags, ",") != "web,prod" || d.Region == nil || d.Region.Slug != "ams3" {
		t.Errorf("droplet = %+v", d)
	}
}

func TestGetDropletNullKernel(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/droplets/1", Resp: `{"droplet": {"id": 1, "name": "a", "status": "active", "kernel": null}}`})
	c := newClient(t, s.URL())
	d, _, err := c.GetDroplet(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kernel != nil || d.Status != client.DropletActive {
		t.Errorf("droplet = %+v", d)
	}
}
