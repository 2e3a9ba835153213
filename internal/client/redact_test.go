package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// TestAPIErrorRedactsToken answers with error responses that echo the request's
// Authorization header back, in every place an API error takes text from, and checks that
// the error the client returns holds no part of the token.
func TestAPIErrorRedactsToken(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		contentType string
		body        func(auth string) string
		header      bool   // echo the header in x-request-id too
		want        string // what the error must still say
	}{
		"html page": {
			contentType: "text/html",
			body: func(auth string) string {
				return "<html><body><pre>Authorization: " + auth + "</pre></body></html>"
			},
			want: "Authorization: Bearer REDACTED",
		},
		"json message": {
			contentType: "application/json",
			body: func(auth string) string {
				return fmt.Sprintf(`{"id":"forbidden","message":"request with Authorization: %s refused"}`, auth)
			},
			want: "(forbidden): request with Authorization: Bearer REDACTED refused",
		},
		"json id and request id": {
			contentType: "application/json",
			body: func(auth string) string {
				return fmt.Sprintf(`{"id":%q,"message":"no","request_id":%q}`, auth, auth)
			},
			want: "(Bearer REDACTED): no [request ID Bearer REDACTED]",
		},
		"request id header": {
			contentType: "text/plain",
			body:        func(string) string { return "" },
			header:      true,
			want:        "[request ID Bearer REDACTED]",
		},
		// The token straddles the 256-byte cut of a non-JSON body: redacting after the cut
		// would leave the token's first half in the message.
		"token across the truncation": {
			contentType: "text/plain",
			body: func(auth string) string {
				return strings.Repeat("x", 256-len("Bearer ")-len(testToken)/2) + auth + strings.Repeat("y", 100)
			},
			want: "Bearer REDACTED",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth := r.Header.Get("Authorization")
				if tc.header {
					w.Header().Set("x-request-id", auth)
				}
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusForbidden)
				_, _ = fmt.Fprint(w, tc.body(auth))
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL)
			_, _, err := c.GetAction(t.Context(), 9)
			if err == nil {
				t.Fatal("GetAction succeeded against a 403")
			}
			if !client.IsForbidden(err) {
				t.Errorf("error %v is not a 403 APIError", err)
			}
			msg := err.Error()
			for _, part := range []string{testToken, testToken[:len(testToken)/2], testToken[len(testToken)/2:]} {
				if strings.Contains(msg, part) {
					t.Errorf("the error holds %q: %s", part, msg)
				}
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
		})
	}
}

// TestAPIErrorWithoutTokenInBodyUnchanged checks that redaction leaves ordinary errors as
// they were.
func TestAPIErrorWithoutTokenInBodyUnchanged(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = fmt.Fprint(w, `{"id":"not_found","message":"The resource you were accessing could not be found.","request_id":"abc-123"}`)
	}))
	t.Cleanup(srv.Close)
	_, _, err := newClient(t, srv.URL).GetAction(t.Context(), 9)
	want := "GET /v2/actions/9: 404 Not Found (not_found): The resource you were accessing could not be found. [request ID abc-123]"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestDebugRecordsRedactToken: the client's own debug records (response bodies, retry
// errors) never carry the token, even when a response echoes it.
func TestDebugRecordsRedactToken(t *testing.T) {
	t.Parallel()
	const token = "dop_v1_debugrecordtokenabcdef0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Echo the Authorization header back, as a misbehaving proxy might.
		note, _ := json.Marshal(r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"action":{"id":7,"status":"completed","type":"reboot","resource_id":1,"resource_type":"droplet","note":` + string(note) + `}}`))
	}))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var records []string
	c, err := client.New(client.Config{Token: token, Endpoint: srv.URL, Logger: func(_ context.Context, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		records = append(records, fmt.Sprint(msg, fields))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetAction(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	echoed := false
	for _, r := range records {
		if strings.Contains(r, token) {
			t.Errorf("debug record holds the token: %s", r)
		}
		echoed = echoed || strings.Contains(r, "Bearer REDACTED")
	}
	if !echoed {
		t.Errorf("no debug record shows the (redacted) echoed header, so the check above proves nothing: %q", records)
	}
}

// TestDebugRecordsRedactEveryField: the token is redacted from every string field of a
// debug record, not only from the body: here a proxy echoes the Authorization header in
// x-request-id, which the "API response" record carries as request_id.
func TestDebugRecordsRedactEveryField(t *testing.T) {
	t.Parallel()
	const token = "dop_v1_everyfieldtokenabcdef0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-request-id", r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"action":{"id":7,"status":"completed","type":"reboot","resource_id":1,"resource_type":"droplet"}}`))
	}))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var fields []map[string]any
	c, err := client.New(client.Config{Token: token, Endpoint: srv.URL, Logger: func(_ context.Context, msg string, f map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		if msg == "API response" {
			fields = append(fields, f)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetAction(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fields) != 1 {
		t.Fatalf("%d API response records, want 1", len(fields))
	}
	if got := fields[0]["request_id"]; got != "Bearer REDACTED" {
		t.Errorf("request_id in the debug record = %q, want the echoed header with the token redacted", got)
	}
	for k, v := range fields[0] {
		if strings.Contains(fmt.Sprint(v), token) {
			t.Errorf("field %s holds the token: %v", k, v)
		}
	}
}
