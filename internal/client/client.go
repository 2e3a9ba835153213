// Package client is a client for the DigitalOcean droplet-actions API: initiating actions,
// reading and listing them, reading droplets and waiting for actions to finish. It knows
// HTTP, JSON, retries, rate limits and waiting, and nothing of Terraform.
package client

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

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

// Level is how much a Notifier's record matters.
type Level int

const (
	// LevelInfo is news for whoever runs the client, such as a long wait on the rate budget.
	LevelInfo Level = iota
	// LevelWarn is something wrong that the client worked around.
	LevelWarn
)

// String names the level, as records handed to Logger in Notify's stead carry it.
func (l Level) String() string {
	if l == LevelWarn {
		return "warn"
	}
	return "info"
}

// Notifier receives the records worth showing without debug logging. The token is
// redacted from them as from Logger's.
type Notifier func(ctx context.Context, level Level, msg string, fields map[string]any)

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
	// MaxPendingWaits bounds how often one request waits out another action on its droplet
	// (a *BusyError) before the caller gives up: EnsureOff keeps to it, and callers that
	// decide afresh after a BusyError read it from MaxPendingWaits().
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
	// Notify, when set, receives what whoever runs the client should hear of without debug
	// logging: each wait on the rate budget longer than LongBudgetWait, with its reason and
	// end (LevelInfo), and each shared count of requests discarded because its values
	// could not be true (LevelWarn). Without it, they go to Logger.
	Notify Notifier
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
		return nil, fmt.Errorf("%q is not an absolute URL such as %s", endpoint, DefaultEndpoint)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%q uses plain http on a host that is not loopback; the access token would travel in clear, so use https", endpoint)
		}
	default:
		return nil, fmt.Errorf("%q must use https", endpoint)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the URL must not carry credentials: the access token is sent on its own")
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

// MaxPendingWaits is how often one request should wait out another action on its droplet
// (a *BusyError) before the caller gives up.
func (c *Client) MaxPendingWaits() int { return c.cfg.MaxPendingWaits }

// notify hands a record to Notify, or to Logger without one, with the token redacted
// from its string fields as debug does.
func (c *Client) notify(ctx context.Context, level Level, msg string, fields map[string]any) {
	if c.cfg.Notify == nil {
		fields["level"] = level.String()
		c.debug(ctx, msg, fields)
		return
	}
	for k, v := range fields {
		if str, ok := v.(string); ok {
			fields[k] = c.redact(str)
		}
	}
	c.cfg.Notify(ctx, level, msg, fields)
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

// sleep waits d or until ctx ends, on the client's Clock when it has one.
func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}
