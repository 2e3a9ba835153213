// Package health checks that a droplet's application answers over HTTP: a rollout's
// health gate. It knows nothing of Terraform nor of the DigitalOcean API: its requests
// carry no token and none of the API client's headers, follow no redirect, and verify TLS.
package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Placeholders are the names a URL template may use, each written {name}.
var Placeholders = []string{"id", "name", "ipv4_public", "ipv4_private"}

var placeholderRE = regexp.MustCompile(`\{([^{}]*)\}`)

// ValidateTemplate refuses a URL template that names an unknown placeholder, is not an
// absolute URL once its placeholders are filled in, or uses a scheme other than http and
// https.
func ValidateTemplate(tmpl string) error {
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		known := false
		for _, p := range Placeholders {
			known = known || m[1] == p
		}
		if !known {
			return fmt.Errorf("unknown placeholder {%s}: the placeholders are {%s}", m[1], strings.Join(Placeholders, "}, {"))
		}
	}
	sample := Expand(tmpl, map[string]string{"id": "1", "name": "web-1", "ipv4_public": "192.0.2.1", "ipv4_private": "10.0.0.1"})
	u, err := url.Parse(sample)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("the scheme must be http or https, not %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("the URL names no host")
	}
	return nil
}

// Expand fills in a template's placeholders from vars.
func Expand(tmpl string, vars map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// Check is one health gate.
type Check struct {
	// ExpectStatus is the HTTP status that means healthy.
	ExpectStatus int
	// Interval is the time between two requests, and each request's own time limit.
	Interval time.Duration
	// HealthyFor is how long the URL must answer ExpectStatus without a break.
	HealthyFor time.Duration
	// Deadline bounds the whole wait.
	Deadline time.Duration
}

// DeadlineError is a URL that was not healthy for HealthyFor within the deadline.
type DeadlineError struct {
	URL      string
	Deadline time.Duration
	// Last is what the last request got: a status or an error.
	Last string
}

func (e *DeadlineError) Error() string {
	return fmt.Sprintf("the health check %s was not healthy within its deadline of %s (last answer: %s)", e.URL, e.Deadline, e.Last)
}

// newHTTPClient is a client of its own, never the API's: no proxy, no redirect followed,
// the default TLS verification, no header added.
func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, TLSHandshakeTimeout: timeout},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Wait requests u every Interval until it has answered ExpectStatus for HealthyFor
// without a break (nil), or the deadline passes (a *DeadlineError), or ctx ends. The
// loop is bounded by the deadline.
func (c Check) Wait(ctx context.Context, u string) error {
	interval := c.Interval
	if interval <= 0 {
		interval = time.Second
	}
	hc := newHTTPClient(interval)
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(c.Deadline)
	var since time.Time
	var last string // what the last request got, for the deadline's error
	for {
		status, err := get(ctx, hc, u)
		now := time.Now()
		switch {
		case err != nil:
			last, since = err.Error(), time.Time{}
		case status == c.ExpectStatus:
			last = fmt.Sprintf("HTTP %d", status)
			if since.IsZero() {
				since = now
			}
			if now.Sub(since) >= c.HealthyFor {
				return nil
			}
		default:
			last, since = fmt.Sprintf("HTTP %d", status), time.Time{}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := interval
		if !since.IsZero() && c.HealthyFor-now.Sub(since) < wait {
			wait = c.HealthyFor - now.Sub(since) // check again as soon as it would count
		}
		if !now.Before(deadline) {
			return &DeadlineError{URL: u, Deadline: c.Deadline, Last: last}
		}
		if left := deadline.Sub(now); left < wait {
			wait = left // one last request at the deadline
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func get(ctx context.Context, hc *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, ue.Err
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
