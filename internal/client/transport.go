package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// The transport: one logical request through the rate governor and retryablehttp's
// retries, its attempts logged, its answer decoded or turned into an error.

type ctxKey int

const (
	attemptKey ctxKey = iota
	// sentAtKey holds an *atomic.Int64 that each attempt stamps (UnixNano, this machine's
	// clock) as it goes out, after any wait at the governor.
	sentAtKey
	// budgetWaitHookKey holds the hook WithBudgetWaitHook sets.
	budgetWaitHookKey
)

// attemptState follows one logical request across its attempts.
type attemptState struct {
	initiate bool
	// admitted is set while the current attempt counts as in flight at the governor.
	admitted atomic.Bool
	// wrote is set once the current attempt's request was fully written to the connection:
	// from then on the server may have acted on it.
	wrote atomic.Bool
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any, initiate bool) (*Response, error) {
	if c.cfg.Token == "" {
		return nil, ErrNoToken
	}
	// An exhausted budget is reported at once, like the 429 that exhausted it, instead of
	// stalling in the governor until the window frees up.
	if reset, wait := c.gov.exhaustedFor(time.Now()); wait > c.cfg.MaxRateLimitWait {
		return nil, &APIError{Method: method, Path: path, StatusCode: http.StatusTooManyRequests, ID: "too_many_requests",
			Message: "the API rate limit is exhausted (as the API's rate-limit headers or a 429 with retry-after said); the request was not sent", RateReset: reset}
	}
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = query.Encode()

	// A read whose response body was cut short or is not JSON is asked again: the body is
	// usually lost in transit, and a GET may be repeated. An initiate never is: the
	// ambiguity goes back to Initiate.
	for attempt := 0; ; attempt++ {
		resp, lost, err := c.doOnce(ctx, method, path, u.String(), body, out, initiate)
		if !lost || initiate || attempt >= c.cfg.MaxRetries {
			return resp, err
		}
		c.debug(ctx, "retrying a read whose response was lost or malformed", map[string]any{"method": method, "path": path, "error": err.Error()})
		if c.sleep(ctx, c.retryWait(attempt, nil)) != nil {
			return resp, err
		}
	}
}

// doOnce makes one request, with retryablehttp's retries. lost reports a response whose
// body could not be read or was not JSON.
func (c *Client) doOnce(ctx context.Context, method, path, rawURL string, body []byte, out any, initiate bool) (_ *Response, lost bool, _ error) {
	st := &attemptState{initiate: initiate}
	ctx = context.WithValue(ctx, attemptKey, st)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				st.wrote.Store(true)
			}
		},
	})
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, raw)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	hresp, err := c.rc.Do(req)
	if err != nil {
		if hresp != nil {
			_ = hresp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, false, fmt.Errorf("%s %s: %w", method, path, ctxErr)
		}
		return nil, false, &TransportError{Method: method, Path: path, Written: st.wrote.Load(), Err: err}
	}
	defer hresp.Body.Close()
	resp := &Response{StatusCode: hresp.StatusCode, RequestID: hresp.Header.Get("x-request-id"), Rate: rateFromHeader(hresp.Header)}
	if d, err := http.ParseTime(hresp.Header.Get("Date")); err == nil {
		resp.Date = d
	}

	data, err := io.ReadAll(io.LimitReader(hresp.Body, 16<<20))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return resp, false, fmt.Errorf("%s %s: %w", method, path, ctxErr)
		}
		return resp, true, &TransportError{Method: method, Path: path, Written: true, Err: err}
	}
	c.debug(ctx, "API response", map[string]any{"method": method, "path": path, "status": hresp.StatusCode, "request_id": resp.RequestID, "body": shorten(c.redact(string(bytes.TrimSpace(data))), 4096)})

	if hresp.StatusCode >= 400 {
		return resp, false, c.apiError(method, path, hresp, data)
	}
	if out != nil {
		// Decode into a fresh value so that a failed attempt leaves nothing behind in out.
		fresh := reflect.New(reflect.TypeOf(out).Elem())
		if err := json.Unmarshal(data, fresh.Interface()); err != nil {
			var syntax *json.SyntaxError
			return resp, errors.As(err, &syntax), &malformedError{path: path, err: err}
		}
		reflect.ValueOf(out).Elem().Set(fresh.Elem())
	}
	return resp, false, nil
}

func (c *Client) apiError(method, path string, hresp *http.Response, data []byte) error {
	e := &APIError{Method: method, Path: path, StatusCode: hresp.StatusCode}
	var body struct {
		ID        string `json:"id"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	}
	// An error response may echo the request's headers (a proxy's error page, a debugging
	// endpoint). The error ends up in diagnostics, so the token never goes into it; the raw
	// body is redacted before it is cut short, so no piece of the token survives either.
	// Whatever the server sent, each text is valid UTF-8 and at most errorTextMax bytes.
	clean := func(s string) string { return shorten(c.redact(s), errorTextMax) }
	if json.Unmarshal(data, &body) == nil {
		e.ID, e.Message, e.RequestID = clean(body.ID), clean(body.Message), clean(body.RequestID)
	} else if len(data) > 0 {
		e.Message = clean(string(bytes.TrimSpace(data)))
	}
	if e.RequestID == "" {
		e.RequestID = clean(hresp.Header.Get("x-request-id"))
	}
	if hresp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter, _ = retryAfter(hresp.Header)
		if r := rateFromHeader(hresp.Header); !r.Reset.IsZero() {
			e.RateReset = r.Reset
		}
	}
	return e
}

// checkRetry decides per attempt. Reads are retried on 429, 5xx and connection errors.
// Initiates are retried here only when the server certainly did not act: a 429, or a
// connection error before the request was written. Ambiguous initiate failures go back to
// Initiate, which looks at the droplet's history before deciding.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st, _ := ctx.Value(attemptKey).(*attemptState)
	if resp == nil && st != nil && st.admitted.CompareAndSwap(true, false) {
		// No response will be observed for this attempt: the governor must not count it
		// as in flight any longer.
		c.gov.Release()
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	initiate := st != nil && st.initiate
	if err != nil {
		if initiate && st.wrote.Load() {
			return false, err
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if wait := rateLimitWait(resp.Header, time.Now()); wait > c.cfg.MaxRateLimitWait {
			return false, nil
		}
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		if resp.StatusCode == http.StatusServiceUnavailable && rateLimitWait(resp.Header, time.Now()) > c.cfg.MaxRateLimitWait {
			return false, nil
		}
		return !initiate, nil
	}
	return false, nil
}

func (c *Client) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	d := c.retryWait(attempt, resp)
	if resp != nil && resp.StatusCode == http.StatusTooManyRequests && resp.Request != nil {
		reason := reasonPaused
		if _, ok := retryAfter(resp.Header); !ok {
			reason = reason429
			if r := rateFromHeader(resp.Header); r.Remaining == 0 && !r.Reset.IsZero() {
				reason = reasonHourSpent
			}
		}
		c.budgetWait(resp.Request.Context())(BudgetWait{Reason: reason, Wait: d, Until: time.Now().Add(d)})
	}
	return d
}

// budgetWait returns what tells of a wait on the rate budget of a request made with ctx
// when it lasts longer than LongBudgetWait: a record at LevelInfo, and ctx's hook (see
// WithBudgetWaitHook).
func (c *Client) budgetWait(ctx context.Context) func(BudgetWait) {
	return func(w BudgetWait) {
		if w.Wait <= LongBudgetWait {
			return
		}
		c.notify(ctx, LevelInfo, "waiting for the API rate budget", map[string]any{
			"reason": w.Reason, "wait": w.Wait.Round(time.Second).String(), "until": w.Until.UTC().Format(time.RFC3339)})
		if hook := budgetWaitHook(ctx); hook != nil {
			hook(w)
		}
	}
}

// retryWait is the API's own word when it gave one (retry-after, or the rate-limit reset
// when no request is left), else jittered exponential backoff.
func (c *Client) retryWait(attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait := rateLimitWait(resp.Header, time.Now()); wait > 0 {
			return wait
		}
	}
	d := c.cfg.RetryWaitMin << min(attempt, 16)
	if d <= 0 || d > c.cfg.RetryWaitMax {
		d = c.cfg.RetryWaitMax
	}
	// Jitter over the upper half keeps retries from many resources apart.
	return d/2 + rand.N(d/2+1) //nolint:gosec // jitter needs no cryptographic randomness
}

func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	ctx := req.Context()
	if st, ok := ctx.Value(attemptKey).(*attemptState); ok {
		st.wrote.Store(false)
	}
	// The governor's wait ends early when ctx ends; the attempt then fails with ctx's error.
	err := c.gov.wait(ctx, c.budgetWait(ctx))
	for _, why := range c.gov.takeNotes() {
		c.notify(ctx, LevelWarn, "discarded the shared count of requests, which cannot be true; counting afresh", map[string]any{"reason": why})
	}
	if err == nil {
		if st, ok := ctx.Value(attemptKey).(*attemptState); ok {
			st.admitted.Store(true)
		}
	}
	if sent, ok := ctx.Value(sentAtKey).(*atomic.Int64); ok {
		sent.Store(c.now().UnixNano())
	}
	if c.cfg.Logger == nil {
		return
	}
	fields := map[string]any{"method": req.Method, "url": req.URL.String(), "attempt": attempt + 1, "headers": redactedHeaders(req.Header)}
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 4096))
			_ = rc.Close()
			fields["body"] = string(b)
		}
	}
	c.cfg.Logger(ctx, "API request", fields)
}

func (c *Client) afterAttempt(_ retryablehttp.Logger, resp *http.Response) {
	if resp.Request != nil {
		if st, ok := resp.Request.Context().Value(attemptKey).(*attemptState); ok {
			st.admitted.Store(false)
		}
	}
	c.gov.Observe(resp.StatusCode, resp.Header, time.Now())
}

func redactedHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if strings.EqualFold(k, "Authorization") {
			out[k] = "Bearer [REDACTED]"
			continue
		}
		out[k] = strings.Join(v, ", ")
	}
	return out
}
