// Package client is a client for the DigitalOcean droplet-actions API: initiating actions,
// reading and listing them, reading droplets and waiting for actions to finish. It knows
// HTTP, JSON, retries, rate limits and waiting, and nothing of Terraform.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultEndpoint is the DigitalOcean API.
const DefaultEndpoint = "https://api.digitalocean.com"

// Defaults for Config fields left zero.
const (
	DefaultMaxRetries       = 5
	DefaultRetryWaitMin     = 500 * time.Millisecond
	DefaultRetryWaitMax     = 30 * time.Second
	DefaultMaxRateLimitWait = 2 * time.Minute
	DefaultRequestTimeout   = 60 * time.Second
	DefaultPollMin          = 600 * time.Millisecond
	DefaultPollMax          = 5 * time.Second
	DefaultMaxPendingWaits  = 10
	DefaultClockSkew        = 10 * time.Second
)

// Logger receives debug records of requests and responses. Authorization is redacted.
type Logger func(ctx context.Context, msg string, fields map[string]any)

// Config configures a Client. Zero fields take the defaults above.
type Config struct {
	Token    string
	Endpoint string
	// UserAgent is sent as the User-Agent header, such as "terraform-provider-gradient/1.2.3".
	UserAgent  string
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one request.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the jittered exponential backoff between retries.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRateLimitWait is the longest the client waits out a 429 before failing; an
	// exhausted hourly budget is reported at once rather than stalling a pipeline.
	MaxRateLimitWait time.Duration
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// PollMin and PollMax shape the default poll schedule (see RampGridPoll): the first
	// read comes PollMin after the action started, and long waits read every PollMax.
	PollMin, PollMax time.Duration
	// Poll, when set, replaces the default schedule, e.g. with FixedPoll for a comparison.
	Poll PollStrategy
	// Clock, when set, replaces the wall clock for the waiter (tests and benchmarks run
	// long waits on virtual time with it).
	Clock Clock
	// MaxPendingWaits bounds how often an initiate waits out a 422 pending event.
	MaxPendingWaits int
	// ClockSkew is the allowance when matching actions by start time after an ambiguous
	// failure, used only when the API sends no Date header to read its clock from.
	ClockSkew time.Duration
	// WatchHold and WatchFill time the watcher's batch reads (see watcher): a batch comes
	// at most WatchHold per page after the previous read, and while the budget is ample
	// and one page answers for every watched action, at least every WatchFill.
	WatchHold, WatchFill time.Duration
	// Governor paces requests by the API's rate-limit headers and its own per-minute
	// count; share one per token.
	Governor *Governor
	Logger   Logger
}

// Client calls the DigitalOcean API. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	rc   *retryablehttp.Client
	gov  *Governor

	// initiated holds the IDs of actions this client started or adopted, so that a later
	// ambiguous failure never adopts one of them as its own.
	initiated sync.Map
	locks     dropletLocks
	watcher   *watcher
}

// Response carries what every API response says besides its body.
type Response struct {
	StatusCode int
	RequestID  string
	Rate       Rate
	// Date is the API's own clock when it answered (whole seconds), zero if not sent.
	Date time.Time
}

// Rate is the rate-limit state the API reported.
type Rate struct {
	Limit     int
	Remaining int
	// Reset is when the oldest request in the window leaves it.
	Reset time.Time
}

// New returns a client. It refuses plain-http endpoints other than loopback, since the
// token would travel in clear.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	base, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	setDefault(&cfg.MaxRetries, DefaultMaxRetries)
	setDefault(&cfg.RetryWaitMin, DefaultRetryWaitMin)
	setDefault(&cfg.RetryWaitMax, DefaultRetryWaitMax)
	setDefault(&cfg.MaxRateLimitWait, DefaultMaxRateLimitWait)
	setDefault(&cfg.RequestTimeout, DefaultRequestTimeout)
	setDefault(&cfg.PollMin, DefaultPollMin)
	setDefault(&cfg.PollMax, DefaultPollMax)
	setDefault(&cfg.MaxPendingWaits, DefaultMaxPendingWaits)
	setDefault(&cfg.ClockSkew, DefaultClockSkew)
	setDefault(&cfg.WatchHold, DefaultWatchHold)
	setDefault(&cfg.WatchFill, DefaultWatchFill)
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-gradient/dev"
	}
	if cfg.PollMax < cfg.PollMin {
		cfg.PollMax = cfg.PollMin
	}
	if cfg.Poll == nil {
		cfg.Poll = RampGridPoll(cfg.PollMin, cfg.PollMax)
	}
	if cfg.Governor == nil {
		cfg.Governor = NewGovernor()
	}
	hc := cfg.HTTPClient
	if hc == nil {
		// cleanhttp's transport honours HTTPS_PROXY and NO_PROXY from the environment.
		hc = cleanhttp.DefaultPooledClient()
	}
	hcCopy := *hc
	hcCopy.Timeout = cfg.RequestTimeout

	c := &Client{cfg: cfg, base: base, gov: cfg.Governor}
	c.watcher = newWatcher(c)
	c.rc = &retryablehttp.Client{
		HTTPClient:      &hcCopy,
		RetryMax:        cfg.MaxRetries,
		RetryWaitMin:    cfg.RetryWaitMin,
		RetryWaitMax:    cfg.RetryWaitMax,
		CheckRetry:      c.checkRetry,
		Backoff:         c.backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  c.beforeAttempt,
		ResponseLogHook: c.afterAttempt,
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// TrimVersionPath removes a trailing "/v2" (or "/v2/") from endpoint, as in a URL copied
// from DigitalOcean's API reference: the client adds /v2 to every path itself. It reports
// whether it removed one.
func TrimVersionPath(endpoint string) (string, bool) {
	trimmed := strings.TrimRight(endpoint, "/")
	if base, ok := strings.CutSuffix(trimmed, "/v2"); ok {
		return base, true
	}
	return endpoint, false
}

// ParseEndpoint checks an API endpoint: https anywhere, plain http only on loopback.
func ParseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("api_endpoint %q is not an absolute URL such as %s", endpoint, DefaultEndpoint)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("api_endpoint %q uses plain http on a host that is not loopback; the access token would travel in clear, so use https", endpoint)
		}
	default:
		return nil, fmt.Errorf("api_endpoint %q must use https", endpoint)
	}
	if u.User != nil {
		return nil, fmt.Errorf("api_endpoint must not carry credentials; use access_token")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Governor returns the rate governor the client paces itself with.
func (c *Client) Governor() *Governor { return c.gov }

// Clock is the time source of the waiter.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, returning ctx.Err() in that case.
	Sleep(ctx context.Context, d time.Duration) error
}

func (c *Client) now() time.Time {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Now()
	}
	return time.Now()
}

type ctxKey int

const (
	attemptKey ctxKey = iota
	// sentAtKey holds an *atomic.Int64 that each attempt stamps (UnixNano, this machine's
	// clock) as it goes out, after any wait at the governor.
	sentAtKey
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

// TransportError is a request that got no HTTP response.
type TransportError struct {
	Method, Path string
	// Written is true when the request was written before the failure, so the server may
	// have acted on it.
	Written bool
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

type malformedError struct {
	path string
	err  error
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("%s: malformed response from the API: %v", e.path, e.err)
}

func (e *malformedError) Unwrap() error { return e.err }

// isAmbiguous reports whether a failed initiate may or may not have been acted on.
func isAmbiguous(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Written
	}
	var me *malformedError
	if errors.As(err, &me) {
		return true
	}
	e, ok := asAPIError(err)
	return ok && e.StatusCode >= 500
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any, initiate bool) (*Response, error) {
	if c.cfg.Token == "" {
		return nil, ErrNoToken
	}
	// An exhausted budget is reported at once, like the 429 that exhausted it, instead of
	// stalling in the governor until the window frees up.
	if reset, wait := c.gov.exhaustedFor(time.Now()); wait > c.cfg.MaxRateLimitWait {
		return nil, &APIError{Method: method, Path: path, StatusCode: http.StatusTooManyRequests, ID: "too_many_requests",
			Message: "the API rate limit is exhausted (as the API's rate-limit headers said); the request was not sent", RateReset: reset}
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
	return c.retryWait(attempt, resp)
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

func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("retry-after")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return retryAfterSeconds(s), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// retryAfterSeconds converts a retry-after in seconds, capping absurd values at a day so
// that they cannot overflow a Duration into a negative or tiny wait.
func retryAfterSeconds(s int) time.Duration {
	return time.Duration(min(s, 86400)) * time.Second
}

// rateLimitWait is how long a 429 asks the caller to wait: retry-after when present,
// else until the window frees a request.
func rateLimitWait(h http.Header, now time.Time) time.Duration {
	if d, ok := retryAfter(h); ok {
		return d
	}
	r := rateFromHeader(h)
	if r.Remaining == 0 && !r.Reset.IsZero() {
		return max(r.Reset.Sub(now), 0)
	}
	return 0
}

func rateFromHeader(h http.Header) Rate {
	var r Rate
	r.Limit, _ = strconv.Atoi(h.Get("ratelimit-limit"))
	if v := h.Get("ratelimit-remaining"); v != "" {
		r.Remaining, _ = strconv.Atoi(v)
	} else {
		r.Remaining = -1
	}
	if s, err := strconv.ParseInt(h.Get("ratelimit-reset"), 10, 64); err == nil && s > 0 {
		r.Reset = time.Unix(s, 0)
	}
	return r
}

func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	ctx := req.Context()
	if st, ok := ctx.Value(attemptKey).(*attemptState); ok {
		st.wrote.Store(false)
	}
	// The governor's wait ends early when ctx ends; the attempt then fails with ctx's error.
	if c.gov.Wait(ctx) == nil {
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

// debug hands a record to the Logger with the token replaced in every string field, so
// that no body or error echoing it reaches a log.
func (c *Client) debug(ctx context.Context, msg string, fields map[string]any) {
	if c.cfg.Logger == nil {
		return
	}
	for k, v := range fields {
		if str, ok := v.(string); ok {
			fields[k] = c.redact(str)
		}
	}
	c.cfg.Logger(ctx, msg, fields)
}

// redact replaces the client's token in s.
func (c *Client) redact(s string) string {
	if c.cfg.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Token, "REDACTED")
}

// errorTextMax bounds each text an APIError takes from a response.
const errorTextMax = 256

// shorten makes s valid UTF-8 and cuts it to at most n bytes at a character boundary,
// marking a cut with "…".
func shorten(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// sleep waits d or until ctx ends, on the client's Clock when it has one.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}
