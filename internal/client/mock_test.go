package client_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

const testToken = "dop_v1_s3cr3t-test-token-3141592653"

// step is one expected request of a script and the canned reply to it, in the
// style of hcloud-go's mockutil.Request.
type step struct {
	Method string
	// Path is the request path; Query the exact query (nil: none).
	Path  string
	Query url.Values
	// Body is the expected request body as JSON, compared by value; "" expects no body.
	Body string

	// Status defaults to 200; Header is added to the response; Resp is the raw body.
	Status int
	Header map[string]string
	Resp   string

	// Want, when set, checks more of the request (headers, say).
	Want func(t testing.TB, r *http.Request)
	// Handle, when set, replaces the canned reply once the request matched.
	Handle func(w http.ResponseWriter, r *http.Request)
}

// script is an httptest server that plays an ordered list of steps. Any request
// beyond the list, or not matching the next step, fails the test and is answered
// 400 so that the client gives up rather than retrying. Steps left unused when the
// test ends fail it too.
type script struct {
	t     testing.TB
	srv   *httptest.Server
	mu    sync.Mutex
	steps []step
	next  int
	seen  []string
}

func newScript(t testing.TB, steps ...step) *script {
	t.Helper()
	s := &script{t: t, steps: steps}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.next < len(s.steps) {
			var missing []string
			for _, st := range s.steps[s.next:] {
				missing = append(missing, st.Method+" "+st.Path)
			}
			t.Errorf("script: %d expected request(s) never came: %s (seen: %s)",
				len(missing), strings.Join(missing, ", "), strings.Join(s.seen, ", "))
		}
	})
	return s
}

func (s *script) URL() string { return s.srv.URL }

// Count is how many requests reached the server.
func (s *script) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}

// CountOf is how many requests with method reached the server.
func (s *script) CountOf(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.seen {
		if strings.HasPrefix(r, method+" ") {
			n++
		}
	}
	return n
}

func (s *script) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("script: reading request body: %v", err)
	}
	s.mu.Lock()
	s.seen = append(s.seen, r.Method+" "+r.URL.RequestURI())
	idx := s.next
	if idx >= len(s.steps) {
		s.mu.Unlock()
		s.t.Errorf("script: unexpected request #%d: %s %s %s", idx+1, r.Method, r.URL.RequestURI(), body)
		http.Error(w, `{"id":"unexpected","message":"unexpected request"}`, http.StatusBadRequest)
		return
	}
	st := s.steps[idx]
	s.next++
	s.mu.Unlock()

	if problems := st.match(r, body); len(problems) > 0 {
		s.t.Errorf("script: request #%d %s %s does not match the step %s %s:\n\t%s",
			idx+1, r.Method, r.URL.RequestURI(), st.Method, st.Path, strings.Join(problems, "\n\t"))
		http.Error(w, `{"id":"mismatch","message":"request does not match the script"}`, http.StatusBadRequest)
		return
	}
	if st.Want != nil {
		st.Want(s.t, r)
	}
	if st.Handle != nil {
		st.Handle(w, r)
		return
	}
	for k, v := range st.Header {
		w.Header().Set(k, v)
	}
	if st.Resp != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	status := st.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, st.Resp)
}

func (st step) match(r *http.Request, body []byte) []string {
	var problems []string
	if r.Method != st.Method {
		problems = append(problems, fmt.Sprintf("method %s, want %s", r.Method, st.Method))
	}
	if r.URL.Path != st.Path {
		problems = append(problems, fmt.Sprintf("path %s, want %s", r.URL.Path, st.Path))
	}
	wantQ := st.Query
	if wantQ == nil {
		wantQ = url.Values{}
	}
	if q := r.URL.Query(); !reflect.DeepEqual(q, wantQ) {
		problems = append(problems, fmt.Sprintf("query %v, want %v", q, wantQ))
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		problems = append(problems, fmt.Sprintf("Authorization %q, want the bearer test token", got))
	}
	switch {
	case st.Body == "" && len(body) > 0:
		problems = append(problems, fmt.Sprintf("body %s, want none", body))
	case st.Body != "":
		if eq, err := jsonEqual(body, []byte(st.Body)); err != nil || !eq {
			problems = append(problems, fmt.Sprintf("body %s, want %s (%v)", body, st.Body, err))
		}
	}
	return problems
}

// jsonEqual compares two JSON documents by value; numbers and strings stay distinct.
func jsonEqual(a, b []byte) (bool, error) {
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		return false, fmt.Errorf("got body is not JSON: %w", err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		return false, fmt.Errorf("want body is not JSON: %w", err)
	}
	return reflect.DeepEqual(va, vb), nil
}

// newClient returns a client for endpoint with fast retries and polls.
func newClient(t testing.TB, endpoint string, mods ...func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		Token:          testToken,
		Endpoint:       endpoint,
		MaxRetries:     3,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
		PollMin:        time.Millisecond,
		PollMax:        5 * time.Millisecond,
		RequestTimeout: 30 * time.Second,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// actionJSON renders an action object the way the API does.
func actionJSON(id int64, status client.ActionStatus, typ client.ActionType, startedAt time.Time) string {
	completed := "null"
	if status.Done() {
		completed = `"` + startedAt.Add(time.Second).UTC().Format(time.RFC3339) + `"`
	}
	return fmt.Sprintf(`{"id":%d,"status":%q,"type":%q,"started_at":%q,"completed_at":%s,`+
		`"resource_id":4242,"resource_type":"droplet",`+
		`"region":{"name":"New York 3","slug":"nyc3","available":true,"features":["backups","ipv6"],"sizes":["s-1vcpu-1gb"]},`+
		`"region_slug":"nyc3"}`,
		id, status, typ, startedAt.UTC().Format(time.RFC3339), completed)
}

func actionResp(id int64, status client.ActionStatus, typ client.ActionType) string {
	return `{"action":` + actionJSON(id, status, typ, time.Now()) + `}`
}

// listResp renders one page of actions; next, when set, is the next page's link.
func listResp(next string, total int, actions ...string) string {
	links := "{}"
	if next != "" {
		links = fmt.Sprintf(`{"pages":{"next":%q,"last":%q}}`, next, next)
	}
	return fmt.Sprintf(`{"actions":[%s],"links":%s,"meta":{"total":%d}}`, strings.Join(actions, ","), links, total)
}

func pageQuery(page, perPage int) url.Values {
	return url.Values{"page": {fmt.Sprint(page)}, "per_page": {fmt.Sprint(perPage)}}
}

// history is the query the client uses to read a droplet's recent actions.
var history = pageQuery(1, 20)
