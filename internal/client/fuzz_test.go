package client_test

// Fuzz targets for what the client decodes (action, list and error bodies) and for
// the validation of action requests. Each target drives the real client through its
// exported calls: responses come from an in-process http.RoundTripper (no sockets, so
// inputs stay cheap), and requests go to the fake API's HTTP handler, whose request
// validation is its own. The seed corpus is under testdata/fuzz; plain `go test` runs it,
// `make fuzz` fuzzes every target for a bounded time.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// fzToken is the client's token in every fuzz target; it must never surface in an
// error, even when a response echoes it.
const fzToken = "dop_v1_fuzz0123456789abcdef0123456789abcdef0123456789abcdef012345"

// fzTransport answers every request in process.
type fzTransport func(*http.Request) (*http.Response, error)

func (f fzTransport) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func fzResponse(r *http.Request, status int, h http.Header, body []byte) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
		Request: r,
	}
}

// fzClient returns a client that makes exactly one attempt per call and never sleeps:
// the fuzz targets are about what one response turns into, not about retrying.
func fzClient(t testing.TB, rt http.RoundTripper) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		Token:            fzToken,
		Endpoint:         "http://127.0.0.1:1",
		HTTPClient:       &http.Client{Transport: rt},
		MaxRetries:       -1,
		RetryWaitMin:     time.Nanosecond,
		RetryWaitMax:     time.Nanosecond,
		MaxRateLimitWait: time.Nanosecond,
		RequestTimeout:   10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fzIsMalformed reports whether err is (or wraps) the client's malformed-response error.
// The type is unexported; its name is the contract checked here.
func fzIsMalformed(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if fmt.Sprintf("%T", e) == "*client.malformedError" {
			return true
		}
	}
	return false
}

func fzSameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	_, ao := a.Zone()
	_, bo := b.Zone()
	return a.Equal(*b) && ao == bo
}

// fzSameAction compares actions by value; times by instant and UTC offset, since a
// decoded time may carry time.Local or an equivalent fixed zone.
func fzSameAction(a, b client.Action) bool {
	if !fzSameTime(a.StartedAt, b.StartedAt) || !fzSameTime(a.CompletedAt, b.CompletedAt) {
		return false
	}
	a.StartedAt, a.CompletedAt, b.StartedAt, b.CompletedAt = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}

// fzRoundTrip checks that an action the client decoded survives encoding and decoding.
func fzRoundTrip(t *testing.T, a client.Action) {
	t.Helper()
	enc, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("a decoded action does not encode: %v (%#v)", err, a)
	}
	var back client.Action
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatalf("an encoded action does not decode: %v (%s)", err, enc)
	}
	if !fzSameAction(a, back) {
		t.Fatalf("action changed over encode/decode:\n before %#v\n after  %#v\n json   %s", a, back, enc)
	}
	enc2, err := json.Marshal(back)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not stable: %s then %s (%v)", enc, enc2, err)
	}
}

// fzMember returns the member name of a JSON object, as encoding/json would match it to
// a struct field. ambiguous is true when a member differing from name only in case is
// present too (encoding/json then picks by position, which a map cannot tell), or when
// raw is not an object.
func fzMember(raw json.RawMessage, name string) (val json.RawMessage, present, ambiguous bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false, true
	}
	for k, v := range m {
		switch {
		case k == name:
			val, present = v, true
		case strings.EqualFold(k, name):
			ambiguous = true
		}
	}
	if present && string(bytes.TrimSpace(val)) == "null" {
		return nil, false, ambiguous
	}
	return val, present, ambiguous
}

// FuzzDecodeAction feeds arbitrary bytes to GetAction as a 200 response body.
//
// Properties: no panic; exactly one of action and error; an error is the client's
// malformed-response kind naming the path; a body that is not JSON, or a JSON object
// without an "action" member, is an error; a decoded action round-trips through JSON.
func FuzzDecodeAction(f *testing.F) {
	for _, s := range []string{
		`{"action":{"id":36804636,"status":"completed","type":"resize","started_at":"2025-03-04T05:06:07Z","completed_at":"2025-03-04T05:06:08Z","resource_id":3164494,"resource_type":"droplet","region":{"name":"New York 3","slug":"nyc3","available":true,"features":["private_networking","backups","ipv6"],"sizes":["s-1vcpu-1gb","s-2vcpu-4gb"]},"region_slug":"nyc3"}}`,
		`{"action":{"id":1000001,"status":"in-progress","type":"reboot","started_at":"2025-03-04T05:06:07.123456789+05:30","completed_at":null,"resource_id":1001,"resource_type":"droplet","region":null,"region_slug":"nyc3"}}`,
		`{"action":null}`,
		`{}`,
		`{"action":{"id":"36804636"}}`,
		`{"action":{"id":3680`,
		`{"action":{"id":1e400}}`,
		`{"action":{"id":9223372036854775808}}`,
		`{"action":{"type":"r\u00e9boot\ud800","status":"✓ ok","region":{"features":[],"sizes":null}}}`,
		`{"ACTION":{"ID":5},"action":{"id":6}}`,
		`{"action":{"started_at":"yesterday"}}`,
		`<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>`,
		`null`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fzClient(t, fzTransport(func(r *http.Request) (*http.Response, error) {
			return fzResponse(r, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body), nil
		}))
		a, resp, err := c.GetAction(t.Context(), 42)
		if (a == nil) == (err == nil) {
			t.Fatalf("GetAction returned action %v and error %v", a, err)
		}
		if resp == nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("response = %+v, want status 200", resp)
		}
		if err != nil {
			if !fzIsMalformed(err) {
				t.Fatalf("error is %T %v, want the malformed-response kind", err, err)
			}
			if !strings.Contains(err.Error(), "/v2/actions/42") {
				t.Fatalf("error does not name the path: %v", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("a body that is not JSON decoded to %#v", a)
		}
		if _, present, ambiguous := fzMember(body, "action"); !present && !ambiguous {
			t.Fatalf("a body without an action decoded to %#v", a)
		}
		fzRoundTrip(t, *a)
	})
}

// fzListOracle is what a list body says, read member by member; ok is false when the
// body is ambiguous to such a reading (see fzMember).
type fzListOracle struct {
	count   int
	total   int
	hasNext bool
	ok      bool
}

func fzReadList(body []byte) fzListOracle {
	o := fzListOracle{ok: true}
	actions, present, amb := fzMember(body, "actions")
	if amb {
		return fzListOracle{}
	}
	if present {
		var items []json.RawMessage
		if json.Unmarshal(actions, &items) != nil {
			return fzListOracle{}
		}
		o.count = len(items)
	}
	meta, present, amb := fzMember(body, "meta")
	if amb {
		return fzListOracle{}
	}
	if present {
		total, present, amb := fzMember(meta, "total")
		if amb {
			return fzListOracle{}
		}
		if present && json.Unmarshal(total, &o.total) != nil {
			return fzListOracle{}
		}
	}
	links, present, amb := fzMember(body, "links")
	if amb {
		return fzListOracle{}
	}
	if present {
		pages, present, amb := fzMember(links, "pages")
		if amb {
			return fzListOracle{}
		}
		if present {
			next, present, amb := fzMember(pages, "next")
			if amb {
				return fzListOracle{}
			}
			var s string
			if present && json.Unmarshal(next, &s) != nil {
				return fzListOracle{}
			}
			o.hasNext = s != ""
		}
	}
	return o
}

const fzLastPage = `{"actions":[],"links":{},"meta":{"total":0}}`

// FuzzDecodeActionList feeds arbitrary bytes to the list calls as a 200 response body.
//
// Properties of one page (ListActionsPage): no panic; the request asks for the clamped
// page and per_page; an error is the malformed-response kind, and a body that is not JSON
// is one; a decoded page has as many actions, the total and the next link its body says;
// each action round-trips.
//
// Properties of paging (Actions, ListActions), when the same body is served for pages
// 1..k and a last page without a next link after that: pages are asked for in order
// 1, 2, 3... with per_page 200, never again and never past the last page; paging stops
// at a page without a next link or without actions; the actions yielded are exactly
// those of the pages read; a bad first page yields one error and nothing else.
func FuzzDecodeActionList(f *testing.F) {
	action := func(id int) string {
		return fmt.Sprintf(`{"id":%d,"status":"completed","type":"power_cycle","started_at":"2025-03-04T05:06:07Z","completed_at":"2025-03-04T05:06:09Z","resource_id":3164494,"resource_type":"droplet","region":{"name":"New York 3","slug":"nyc3","available":true,"features":["backups"],"sizes":["s-1vcpu-1gb"]},"region_slug":"nyc3"}`, id)
	}
	next := `"links":{"pages":{"first":"https://api.digitalocean.com/v2/droplets/3164494/actions?page=1&per_page=2","next":"https://api.digitalocean.com/v2/droplets/3164494/actions?page=3&per_page=2","last":"https://api.digitalocean.com/v2/droplets/3164494/actions?page=9&per_page=2"}}`
	for _, s := range []struct {
		body          string
		pages         uint8
		page, perPage int
	}{
		{`{"actions":[` + action(11) + `,` + action(10) + `],` + next + `,"meta":{"total":18}}`, 2, 2, 2},
		{`{"actions":[` + action(1) + `],"links":{},"meta":{"total":1}}`, 0, 1, 20},
		{`{"actions":[],"links":{"pages":{"next":"https://api.digitalocean.com/v2/droplets/1/actions?page=2"}},"meta":{"total":0}}`, 3, 0, 0},
		{`{"actions":null,"links":null,"meta":null}`, 1, -7, 100000},
		{`{"actions":[{"id":1},{"id":"2"}],"meta":{"total":2}}`, 1, 1, 200},
		{`{"actions":[` + action(1) + `],` + next + `,"meta":{"total":1e400}}`, 1, 1, 1},
		{`{"actions":[` + action(1) + `],` + next + `,"meta":{"total":-5}}`, 3, 2147483647, -1},
		{`{"actions":[` + action(1) + `],"links":{"pages":{"next":7}},"meta":{"total":3}}`, 1, 1, 1},
		{`{"actions":[` + action(1) + `],"LINKS":{"pages":{"next":"x"}},"links":{},"meta":{"total":3}}`, 1, 1, 1},
		{`{"actions":[` + action(1) + `,`, 1, 1, 1},
		{`<!DOCTYPE html><html><body><h1>504 Gateway Time-out</h1></body></html>`, 1, 1, 1},
		{``, 0, 1, 1},
	} {
		f.Add([]byte(s.body), s.pages, s.page, s.perPage)
	}
	f.Fuzz(func(t *testing.T, body []byte, pages uint8, page, perPage int) {
		ctx := t.Context()
		serve := func(r *http.Request) (*http.Response, error) {
			return fzResponse(r, http.StatusOK, nil, body), nil
		}

		// One page.
		var query string
		c := fzClient(t, fzTransport(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path != "/v2/droplets/7/actions" {
				t.Errorf("request to %s", r.URL.Path)
			}
			query = r.URL.RawQuery
			return serve(r)
		}))
		p, resp, err := c.ListActionsPage(ctx, 7, page, perPage)
		wantQuery := fmt.Sprintf("page=%d&per_page=%d", max(page, 1), min(max(perPage, 1), client.MaxPerPage))
		if query != wantQuery {
			t.Fatalf("ListActionsPage(page %d, per_page %d) asked %q, want %q", page, perPage, query, wantQuery)
		}
		if resp == nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("response = %+v, want status 200", resp)
		}
		if (p == nil) == (err == nil) {
			t.Fatalf("ListActionsPage returned page %v and error %v", p, err)
		}
		if err != nil {
			if !fzIsMalformed(err) {
				t.Fatalf("error is %T %v, want the malformed-response kind", err, err)
			}
		} else {
			if !json.Valid(body) {
				t.Fatalf("a body that is not JSON decoded to %+v", p)
			}
			if o := fzReadList(body); o.ok {
				if len(p.Actions) != o.count || p.Total != o.total || p.HasNext != o.hasNext {
					t.Fatalf("page has %d actions, total %d, next %v; the body says %d, %d, %v",
						len(p.Actions), p.Total, p.HasNext, o.count, o.total, o.hasNext)
				}
			}
			for _, a := range p.Actions {
				fzRoundTrip(t, a)
			}
		}

		// Paging: pages 1..k carry the body, page k+1 is the last.
		k := 1 + int(pages%4)
		var asked []string
		pager := fzTransport(func(r *http.Request) (*http.Response, error) {
			asked = append(asked, r.URL.RawQuery)
			if len(asked) > k+2 {
				return nil, errors.New("fuzz: paging did not stop")
			}
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			if n >= 1 && n <= k {
				return serve(r)
			}
			return fzResponse(r, http.StatusOK, nil, []byte(fzLastPage)), nil
		})
		var got []client.Action
		var errs []error
		for a, err := range fzClient(t, pager).Actions(ctx, 7) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, a)
		}
		wantPages, wantActions := 1, 0
		switch {
		case err != nil:
			if len(errs) != 1 || len(got) != 0 || !fzIsMalformed(errs[0]) {
				t.Fatalf("a bad first page yielded %d actions and errors %v, want its one error", len(got), errs)
			}
		case !p.HasNext || len(p.Actions) == 0:
			wantActions = len(p.Actions)
		default:
			wantPages, wantActions = k+1, k*len(p.Actions)
		}
		if err == nil && len(errs) != 0 {
			t.Fatalf("paging failed: %v (pages asked: %q)", errs, asked)
		}
		if len(asked) != wantPages {
			t.Fatalf("asked for %d pages (%q), want %d", len(asked), asked, wantPages)
		}
		for i, q := range asked {
			if want := fmt.Sprintf("page=%d&per_page=%d", i+1, client.MaxPerPage); q != want {
				t.Fatalf("request %d asked %q, want %q (all: %q)", i+1, q, want, asked)
			}
		}
		if len(got) != wantActions {
			t.Fatalf("Actions yielded %d actions, want %d", len(got), wantActions)
		}
		for i := range got {
			if !fzSameAction(got[i], p.Actions[i%max(len(p.Actions), 1)]) {
				t.Fatalf("action %d is %#v, want %#v", i, got[i], p.Actions[i%len(p.Actions)])
			}
		}

		// ListActions reads the same pages to the same result.
		asked = nil
		all, lerr := fzClient(t, pager).ListActions(ctx, 7)
		if (lerr == nil) != (err == nil) || len(all) != len(got) || len(asked) != wantPages {
			t.Fatalf("ListActions: %d actions, error %v, %d pages; Actions gave %d actions, %d pages, first-page error %v",
				len(all), lerr, len(asked), len(got), wantPages, err)
		}
	})
}

func fzHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return -1
		}
		return r
	}, s)
}

// FuzzDecodeError feeds an error status (400..599), body and headers (x-request-id,
// retry-after, ratelimit-*) to GetAction.
//
// Properties: no panic; the error is an *APIError with the status, method and path, and
// Error() starts with them; the Is* helpers agree with the status; the request ID is
// carried (the body's when it has one, else the header's) and shown; the Response has
// the status and the header's request ID; a body that is not a JSON error object becomes
// a message; every text taken from the response (ID, message, request ID) is valid UTF-8
// and at most 256 bytes plus "…", exactly the response's text when that is clean and
// short, and never holds the client's token, even when the response echoes it; Error() is
// valid UTF-8 and at most 2 KiB; a 429's RetryAfter is the retry-after header's seconds,
// capped at a day, never negative or wrapped around.
func FuzzDecodeError(f *testing.F) {
	for _, s := range []struct {
		status                                      int
		body                                        string
		requestID, retryAfter, limit, remain, reset string
	}{
		{404, `{"id":"not_found","message":"The resource you were accessing could not be found.","request_id":"a1b2c3"}`, "a1b2c3", "", "5000", "4999", "1741064767"},
		{422, `{"id":"unprocessable_entity","message":"Droplet already has a pending event."}`, "rid-422", "", "", "", ""},
		{429, `{"id":"too_many_requests","message":"API rate limit exceeded."}`, "rid-429", "17", "250", "0", "1741064767"},
		{429, `{"id":"too_many_requests","message":"API rate limit exceeded."}`, "", "Wed, 21 Oct 2015 07:28:00 GMT", "", "", ""},
		{429, `{}`, "", "9223372037", "", "", ""},
		{429, `{"id":"too_many_requests"}`, "", "18446744074", "250", "0", "1"},
		{401, `{"id":"unauthorized","message":"Unable to authenticate you","request_id":"` + fzToken + `"}`, "", "", "", "", ""},
		{403, `{"id":"forbidden","message":"token ` + fzToken + ` lacks scope droplet:admin"}`, "", "", "", "", ""},
		{502, `<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>`, "", "", "", "", ""},
		{503, "\xff\xfe\xfd service unavailable \xc3", "x-rid", "3", "", "", ""},
		{500, "x" + strings.Repeat("é", 300), "", "", "", "", ""},
		{400, `{"id":"bad_request","message":"` + strings.Repeat("x", 5000) + `"}`, "", "", "", "", ""},
		{422, `{"id":5,"message":null}`, "h-rid", "", "", "", ""},
		{599, ``, "", "-1", "abc", "-3", "-100"},
	} {
		f.Add(s.status, []byte(s.body), s.requestID, s.retryAfter, s.limit, s.remain, s.reset)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, requestID, retryAfter, limit, remain, reset string) {
		status = 400 + int(uint(status)%200)
		requestID, retryAfter = fzHeaderValue(requestID), fzHeaderValue(retryAfter)
		h := http.Header{}
		for k, v := range map[string]string{
			"X-Request-Id": requestID, "Retry-After": retryAfter, "Ratelimit-Limit": fzHeaderValue(limit),
			"Ratelimit-Remaining": fzHeaderValue(remain), "Ratelimit-Reset": fzHeaderValue(reset),
		} {
			if v != "" {
				h.Set(k, v)
			}
		}
		c := fzClient(t, fzTransport(func(r *http.Request) (*http.Response, error) {
			return fzResponse(r, status, h.Clone(), body), nil
		}))
		a, resp, err := c.GetAction(t.Context(), 42)
		var apiErr *client.APIError
		if a != nil || !errors.As(err, &apiErr) {
			t.Fatalf("GetAction = %v, %v; want an *APIError", a, err)
		}
		if apiErr.StatusCode != status || apiErr.Method != http.MethodGet || apiErr.Path != "/v2/actions/42" {
			t.Fatalf("APIError = %+v, want GET /v2/actions/42 %d", apiErr, status)
		}
		if resp == nil || resp.StatusCode != status || resp.RequestID != h.Get("X-Request-Id") {
			t.Fatalf("response = %+v, want status %d and request ID %q", resp, status, h.Get("X-Request-Id"))
		}
		msg := err.Error()
		if prefix := fmt.Sprintf("GET /v2/actions/42: %d ", status); !strings.HasPrefix(msg, prefix) {
			t.Fatalf("Error() = %q, want it to start with %q", msg, prefix)
		}
		for name, is := range map[int]func(error) bool{
			http.StatusNotFound: client.IsNotFound, http.StatusForbidden: client.IsForbidden,
			http.StatusUnauthorized: client.IsUnauthorized, http.StatusTooManyRequests: client.IsRateLimited,
		} {
			if is(err) != (status == name) {
				t.Fatalf("the Is* helper for %d says %v for status %d", name, is(err), status)
			}
		}
		if client.IsPendingEvent(err) && status != http.StatusUnprocessableEntity {
			t.Fatalf("IsPendingEvent for status %d", status)
		}

		// What the body says, when it is a JSON error object. A value that carries the
		// token must come out without it (redacted); any other comes out as it was.
		var eb struct {
			ID        string `json:"id"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		}
		isJSON := json.Unmarshal(body, &eb) == nil
		// same checks one text the error took from the response: valid UTF-8, at most 256
		// bytes plus a "…" marking a cut, never the token; and, when the response's text
		// is clean (valid, short, no token), exactly that text, else a cut of it.
		same := func(what, got, raw string) {
			t.Helper()
			if !utf8.ValidString(got) {
				t.Fatalf("%s = %q is not valid UTF-8", what, got)
			}
			cut, wasCut := strings.CutSuffix(got, "…")
			if len(cut) > 256 {
				t.Fatalf("%s is %d bytes long", what, len(got))
			}
			switch {
			case strings.Contains(raw, fzToken):
				if strings.Contains(got, fzToken) || got == "" {
					t.Fatalf("%s = %q, want %q without the token", what, got, raw)
				}
			case utf8.ValidString(raw) && len(raw) <= 256:
				if got != raw {
					t.Fatalf("%s = %q, want %q", what, got, raw)
				}
			case utf8.ValidString(raw):
				if !wasCut || !strings.HasPrefix(raw, cut) || len(cut) < 256-utf8.UTFMax {
					t.Fatalf("%s = %q, want the start of %q cut near 256 bytes", what, got, raw)
				}
			}
		}
		rawRID := h.Get("X-Request-Id")
		if isJSON && eb.RequestID != "" {
			rawRID = eb.RequestID
		}
		same("request ID", apiErr.RequestID, rawRID)
		if client.RequestID(err) != apiErr.RequestID {
			t.Fatalf("RequestID() = %q, APIError.RequestID %q", client.RequestID(err), apiErr.RequestID)
		}
		if apiErr.RequestID != "" && !strings.Contains(msg, "[request ID "+apiErr.RequestID+"]") {
			t.Fatalf("Error() = %q does not show the request ID %q", msg, apiErr.RequestID)
		}
		if isJSON {
			same("APIError.ID", apiErr.ID, eb.ID)
			same("APIError.Message", apiErr.Message, eb.Message)
		} else {
			same("message of a non-JSON body", apiErr.Message, string(bytes.TrimSpace(body)))
		}

		if status == http.StatusTooManyRequests {
			// Seconds are taken as they are up to a day and capped there, so that no value
			// overflows into a negative or tiny wait.
			if sec, perr := strconv.Atoi(h.Get("Retry-After")); perr == nil && sec >= 0 && apiErr.RetryAfter != time.Duration(min(sec, 86400))*time.Second {
				t.Fatalf("RetryAfter = %v for retry-after %q", apiErr.RetryAfter, h.Get("Retry-After"))
			}
			if apiErr.RetryAfter < 0 {
				t.Fatalf("RetryAfter = %v < 0 for retry-after %q", apiErr.RetryAfter, h.Get("Retry-After"))
			}
		} else if apiErr.RetryAfter != 0 || !apiErr.RateReset.IsZero() {
			t.Fatalf("status %d carries RetryAfter %v, RateReset %v", status, apiErr.RetryAfter, apiErr.RateReset)
		}

		if strings.Contains(msg, fzToken) {
			t.Fatalf("Error() shows the token: %q", msg)
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("Error() is not valid UTF-8: %q", msg)
		}
		if len(msg) > 2048 {
			t.Fatalf("Error() is %d bytes long", len(msg))
		}
	})
}

// fzFake is a fake API reused for a bounded number of inputs, so that a long fuzz run
// does not grow its state without end.
type fzFake struct {
	srv  *fakeapi.Server
	uses int
}

func (f *fzFake) get() *fakeapi.Server {
	if f.srv == nil || f.uses >= 500 {
		f.close()
		f.srv = fakeapi.New(fakeapi.Options{Token: fzToken})
		f.uses = 0
	}
	f.uses++
	f.srv.ResetLog()
	return f.srv
}

func (f *fzFake) close() {
	if f.srv != nil {
		f.srv.Close()
	}
}

// fzHandler serves the fake API's handler in process.
func fzHandler(h http.Handler) http.RoundTripper {
	return fzTransport(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return rec.Result(), nil
	})
}

// FuzzActionRequestValidate builds an ActionRequest from arbitrary values (disk: 0 unset,
// 1 false, 2 true; policy bit 0: a backup policy, bit 1: with an hour) and sends it with
// Initiate and InitiateByTag to the fake API, whose request validation is written
// independently of the client's action-type table.
//
// Properties: Validate and ValidateValues never panic and fail only with a
// *ValidationError; Validate accepting implies ValidateValues accepting and a JSON body
// of the type and only parameters it takes; a request the client rejects never reaches
// the API, and one it accepts the fake accepts too (201, an action of that type on that
// droplet), for one droplet and by tag. The fake refusing is therefore always a client
// rejection.
func FuzzActionRequestValidate(f *testing.F) {
	for _, s := range []struct {
		typ, image, size string
		disk             uint8
		name             string
		kernel           int64
		policy           uint8
		plan, weekday    string
		hour             int
	}{
		{"reboot", "", "", 0, "", 0, 0, "", "", 0},
		{"resize", "", "s-2vcpu-4gb", 2, "", 0, 0, "", "", 0},
		{"resize", "", "", 1, "", 0, 0, "", "", 0},
		{"restore", "12345678", "", 0, "", 0, 0, "", "", 0},
		{"restore", "-5", "", 0, "", 0, 0, "", "", 0},
		{"restore", "ubuntu-24-04-x64", "", 0, "", 0, 0, "", "", 0},
		{"rebuild", "ubuntu-24-04-x64", "", 0, "", 0, 0, "", "", 0},
		{"rebuild", "0", "", 0, "", 0, 0, "", "", 0},
		{"rename", "", "", 0, "web-01 ✓", 0, 0, "", "", 0},
		{"change_kernel", "", "", 0, "", 7515, 0, "", "", 0},
		{"change_kernel", "", "", 0, "", -1, 0, "", "", 0},
		{"enable_backups", "", "", 0, "", 0, 3, "weekly", "SUN", 20},
		{"change_backup_policy", "", "", 0, "", 0, 3, "daily", "", 3},
		{"snapshot", "", "", 0, "nightly-2025-03-04", 0, 0, "", "", 0},
		{"power_off", "", "", 1, "", 0, 0, "", "", 0},
		{"enable_private_networking", "", "", 0, "", 0, 0, "", "", 0},
	} {
		f.Add(s.typ, s.image, s.size, s.disk, s.name, s.kernel, s.policy, s.plan, s.weekday, s.hour)
	}
	fake := &fzFake{}
	f.Cleanup(fake.close)
	var seq int
	f.Fuzz(func(t *testing.T, typ, image, size string, disk uint8, name string, kernel int64, policy uint8, plan, weekday string, hour int) {
		req := client.ActionRequest{Type: client.ActionType(typ), Image: image, Size: size, Name: name, Kernel: kernel}
		if d := disk % 3; d != 0 {
			b := d == 2
			req.Disk = &b
		}
		if policy&1 != 0 {
			req.BackupPolicy = &client.BackupPolicy{Plan: plan, Weekday: weekday}
			if policy&2 != 0 {
				req.BackupPolicy.Hour = &hour
			}
		}

		verr := req.Validate()
		vverr := req.ValidateValues()
		for _, e := range []error{verr, vverr} {
			var ve *client.ValidationError
			if e != nil && (!errors.As(e, &ve) || ve.Message == "") {
				t.Fatalf("validation failed with %T %v, want a *ValidationError with a message", e, e)
			}
		}
		if verr == nil && vverr != nil {
			t.Fatalf("Validate accepts what ValidateValues rejects: %v", vverr)
		}
		if verr == nil {
			body, err := json.Marshal(req)
			if err != nil {
				t.Fatalf("an accepted request does not marshal: %v", err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			var gotType string
			if json.Unmarshal(m["type"], &gotType) != nil || gotType != typ {
				t.Fatalf("body %s does not carry type %q", body, typ)
			}
			info, _ := client.LookupActionType(req.Type)
			for k := range m {
				if _, takes := info.Param(client.Param(k)); k != "type" && !takes {
					t.Fatalf("body %s carries %q, which %s does not take", body, k, typ)
				}
			}
		}

		srv := fake.get()
		seq++
		// Off, so that resize is possible; but on for the types that turn it off, which the
		// API refuses on a droplet already off. Validation is under test, not power state.
		d := fakeapi.Droplet{Status: fakeapi.StatusOff, Region: "fz1", BackupsEnabled: true}
		if info, ok := client.LookupActionType(req.Type); ok && info.Reaches == client.DropletOff {
			d.Status = fakeapi.StatusActive
		}
		if id, err := strconv.ParseInt(image, 10, 64); err == nil && id > 0 {
			d.BackupIDs = []int64{id}
		}
		single := srv.AddDroplet(d)
		tag := fmt.Sprintf("fz-%d", seq)
		d.Tags = []string{tag}
		tagged := srv.AddDroplet(d)
		c := fzClient(t, fzHandler(srv.Handler()))

		a, _, err := c.Initiate(t.Context(), single.ID, req)
		sent := len(srv.Requests())
		switch {
		case verr != nil:
			if err == nil || err.Error() != verr.Error() || sent != 0 {
				t.Fatalf("Initiate of a request Validate rejects (%v): error %v, %d request(s) sent", verr, err, sent)
			}
		case err != nil:
			t.Fatalf("the client accepts %+v but the API refuses it: %v", req, err)
		case a.Type != req.Type || a.ResourceID != single.ID || sent != 1:
			t.Fatalf("Initiate = %+v after %d request(s), want one %s action on droplet %d", a, sent, typ, single.ID)
		}

		srv.ResetLog()
		as, _, err := c.InitiateByTag(t.Context(), tag, req)
		sent = len(srv.Requests())
		var ve *client.ValidationError
		switch {
		case errors.As(err, &ve):
			if sent != 0 {
				t.Fatalf("InitiateByTag rejected the request (%v) but sent %d request(s)", err, sent)
			}
			if verr != nil && err.Error() != verr.Error() {
				t.Fatalf("InitiateByTag: %v; Validate: %v", err, verr)
			}
		case verr != nil:
			t.Fatalf("InitiateByTag of a request Validate rejects (%v): %v", verr, err)
		case err != nil:
			t.Fatalf("the client accepts %+v by tag but the API refuses it: %v", req, err)
		case len(as) != 1 || as[0].Type != req.Type || as[0].ResourceID != tagged.ID || sent != 1:
			t.Fatalf("InitiateByTag = %+v after %d request(s), want one %s action on droplet %d", as, sent, typ, tagged.ID)
		}
	})
}
