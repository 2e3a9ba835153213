package health

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestValidateTemplate(t *testing.T) {
	for tmpl, want := range map[string]string{
		"http://{ipv4_private}:8080/healthz":   "",
		"https://{name}.example.com/{id}":      "",
		"http://{ipv4_public}/x?d={id}":        "",
		"ftp://{ipv4_public}/x":                `the scheme must be http or https, not "ftp"`,
		"http://{ipv6}/x":                      "unknown placeholder {ipv6}",
		"not a url":                            "the scheme must be http or https",
		"http:///path":                         "names no host",
		"http://{ipv4_public}:80%zz/x":         "not a URL",
		"{ipv4_public}:8080/healthz":           "not a URL",
		"http://{ipv4_public}/{id}/{droplet}/": "unknown placeholder {droplet}",
	} {
		err := ValidateTemplate(tmpl)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v, want valid", tmpl, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want an error saying %q", tmpl, err, want)
		}
	}
}

func TestExpand(t *testing.T) {
	got := Expand("http://{ipv4_private}:8080/{id}/{name}", map[string]string{"id": "7", "name": "web-7", "ipv4_private": "10.0.0.7"})
	if want := "http://10.0.0.7:8080/7/web-7"; got != want {
		t.Fatalf("Expand = %q, want %q", got, want)
	}
}

// TestWaitFollowsNoRedirectAndSendsNoHeader: a 302 is an answer, not followed, and misses
// the deadline; no request carries Authorization or any header beyond Go's own.
func TestWaitFollowsNoRedirectAndSendsNoHeader(t *testing.T) {
	var followed atomic.Bool
	var bad atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k := range r.Header {
			if k != "User-Agent" && k != "Accept-Encoding" && k != "Connection" {
				bad.Store(k)
			}
		}
		if r.URL.Path == "/target" {
			followed.Store(true)
			w.WriteHeader(http.StatusOK)
			return
		}
		http.Redirect(w, r, "/target", http.StatusFound)
	}))
	defer srv.Close()
	c := Check{ExpectStatus: 200, Interval: 20 * time.Millisecond, Deadline: 100 * time.Millisecond}
	err := c.Wait(t.Context(), srv.URL+"/health")
	var de *DeadlineError
	if !errors.As(err, &de) || !strings.Contains(de.Last, "HTTP 302") {
		t.Fatalf("Wait = %v, want a missed deadline whose last answer is HTTP 302", err)
	}
	if followed.Load() {
		t.Fatal("the redirect was followed")
	}
	if k := bad.Load(); k != nil {
		t.Fatalf("a health request carried the header %v", k)
	}
}

// TestWaitVerifiesTLS: a server whose certificate no system root signed is never healthy.
func TestWaitVerifiesTLS(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		served.Add(1)
	}))
	defer srv.Close()
	// One request, given all the time it needs: the deadline has passed once it answers.
	c := Check{ExpectStatus: 200, Interval: time.Minute, Deadline: time.Millisecond}
	err := c.Wait(t.Context(), srv.URL)
	var de *DeadlineError
	if !errors.As(err, &de) || !strings.Contains(de.Last, "certificate") {
		t.Fatalf("Wait = %v, want a missed deadline for the certificate", err)
	}
	if served.Load() != 0 {
		t.Fatal("a request reached the handler through an unverified TLS connection")
	}
}

// TestWaitHealthyFor: an endpoint that answers 503 once, then 200, is healthy once it has
// answered 200 for healthy_for without a break.
func TestWaitHealthyFor(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := Check{ExpectStatus: 200, Interval: 10 * time.Millisecond, HealthyFor: 50 * time.Millisecond, Deadline: time.Minute}
	if err := c.Wait(t.Context(), srv.URL); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got < 3 {
		t.Fatalf("%d requests, want the 503 and at least two 200s spanning healthy_for", got)
	}
}
