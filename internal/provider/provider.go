// Package provider implements the gradient Terraform provider: droplet actions as a
// resource, data sources, a list resource and a Terraform action. It knows Terraform and
// nothing of HTTP: every API call goes through internal/client.
package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

var (
	_ provider.Provider                   = (*GradientProvider)(nil)
	_ provider.ProviderWithActions        = (*GradientProvider)(nil)
	_ provider.ProviderWithListResources  = (*GradientProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*GradientProvider)(nil)
)

// Provider defaults, documented in the schema.
const (
	defaultRetryMax     = client.DefaultMaxRetries
	defaultRetryWaitMin = 0.5
	defaultRetryWaitMax = 30.0
	defaultHTTPTimeout  = 60.0
	defaultPollMin      = 0.6
	defaultPollMax      = 5.0
)

// New returns a constructor for the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &GradientProvider{version: version} }
}

// GradientProvider is the gradient provider.
type GradientProvider struct {
	version string
}

type providerModel struct {
	AccessToken      types.String  `tfsdk:"access_token"`
	APIEndpoint      types.String  `tfsdk:"api_endpoint"`
	HTTPRetryMax     types.Int64   `tfsdk:"http_retry_max"`
	HTTPRetryWaitMin types.Float64 `tfsdk:"http_retry_wait_min"`
	HTTPRetryWaitMax types.Float64 `tfsdk:"http_retry_wait_max"`
	RequestTimeout   types.Float64 `tfsdk:"http_request_timeout"`
	PollIntervalMin  types.Float64 `tfsdk:"poll_interval_min"`
	PollIntervalMax  types.Float64 `tfsdk:"poll_interval_max"`
	RequestsPerMin   types.Int64   `tfsdk:"requests_per_minute"`
}

func (p *GradientProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gradient"
	resp.Version = p.version
}

func (p *GradientProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs DigitalOcean droplet actions (power, resize, rebuild, restore, snapshot, rename, backups, IPv6, kernel, password reset) from Terraform, and waits for them to finish.",
		Attributes: map[string]schema.Attribute{
			"access_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "DigitalOcean API token. When it is not set (null), the provider uses `DIGITALOCEAN_ACCESS_TOKEN`, then `DIGITALOCEAN_TOKEN`. An empty string is refused rather than taken as not set: it usually comes from a variable nobody set, and acting with whatever token the environment holds might act on another account. A missing token is reported at the first API call, so `terraform validate` works without one.",
			},
			"api_endpoint": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Base URL of the API. Falls back to `GRADIENT_BASE_URL`, then `DIGITALOCEAN_API_URL`; defaults to `" + client.DefaultEndpoint + "`. Plain `http://` is refused except on loopback, since the token would travel in clear. A trailing `/v2`, as in URLs copied from DigitalOcean's API reference, is removed with a warning: the provider adds it to every request.",
			},
			"http_retry_max": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How often one request is retried after a 429, a 5xx or a connection error, from `0` to `20`. Defaults to `%d`. An initiate is retried only when DigitalOcean certainly did not act on it.", defaultRetryMax),
			},
			"http_retry_wait_min": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Shortest wait between retries, in seconds: positive, and no greater than `http_retry_wait_max`. Defaults to `%g`.", defaultRetryWaitMin),
			},
			"http_retry_wait_max": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Longest wait between retries, in seconds: positive. Defaults to `%g`. A `retry-after` from the API is honoured whatever this says.", defaultRetryWaitMax),
			},
			"http_request_timeout": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Longest time one HTTP request may take, in seconds (positive), before it is abandoned and retried like a connection error. Defaults to `%g`. An initiate that timed out is repeated only after the droplet's action history shows that DigitalOcean did not act on it.", defaultHTTPTimeout),
			},
			"poll_interval_min": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("When the first status read comes while waiting for an action, in seconds: positive, and no greater than `poll_interval_max`. Defaults to `%g`. Further reads follow a ramp from there, each interval a fifth longer, alongside the `poll_interval_max` grid.", defaultPollMin),
			},
			"requests_per_minute": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Most requests the provider sends in any 60 seconds, from `1` to `%[1]d`. Defaults to `%[1]d`, DigitalOcean's per-token burst limit, which no response header shows: the provider keeps its own count, shared through a small lock-protected file in the user's cache directory by every provider process on the machine that uses the same token (parallel pipeline jobs, aliased provider blocks, two applies at once). Set it lower to leave room for other tools that share the token. "+
					"A burst of up to half of it goes out at once and a steady demand within it is never slowed; beyond that, requests are paced evenly. A `429` with `retry-after` pauses every request of the machine's provider processes until then.", client.MaxRequestsPerMinute),
			},
			"poll_interval_max": schema.Float64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Spacing of the grid of status reads a long wait settles on, in seconds (positive): reads come at every multiple of it after the wait began. Defaults to `%g`.", defaultPollMax),
			},
		},
	}
}

// ValidateConfig refuses access_token = "": see emptyAccessTokenDetail. A value not yet
// known is judged once it is.
func (p *GradientProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var token types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("access_token"), &token)...)
	if !token.IsNull() && !token.IsUnknown() && token.ValueString() == "" {
		resp.Diagnostics.AddAttributeError(path.Root("access_token"), "Empty access_token", emptyAccessTokenDetail)
	}
}

// emptyAccessTokenDetail explains why access_token = "" is refused instead of falling back
// to the environment like a null one.
const emptyAccessTokenDetail = "access_token is set to the empty string. That usually comes from a variable nobody set, " +
	"and falling back to DIGITALOCEAN_ACCESS_TOKEN or DIGITALOCEAN_TOKEN then would act with whatever token the environment holds, perhaps another account's. " +
	"Set access_token to a token, or remove the argument (or set it to null) to use those environment variables."

// fromEnv returns the first of the environment variables names that is set and not
// empty, with a description of where the value came from for diagnostics.
func fromEnv(names ...string) (value, source string) {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v, "the environment variable " + n
		}
	}
	return "", ""
}

func (p *GradientProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"access_token": cfg.AccessToken, "api_endpoint": cfg.APIEndpoint,
	} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider configuration",
				fmt.Sprintf("%s is not known until apply; the provider needs it to plan. Set it from a value known at plan time.", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	token := firstNonEmpty(cfg.AccessToken.ValueString(), os.Getenv("DIGITALOCEAN_ACCESS_TOKEN"), os.Getenv("DIGITALOCEAN_TOKEN"))
	// Diagnostics about the endpoint name where it came from: the argument, or the
	// environment variable read in its place.
	endpoint, endpointFrom := cfg.APIEndpoint.ValueString(), "api_endpoint"
	if endpoint == "" {
		endpoint, endpointFrom = fromEnv("GRADIENT_BASE_URL", "DIGITALOCEAN_API_URL")
		if endpoint == "" {
			endpoint, endpointFrom = client.DefaultEndpoint, "the default"
		} else {
			endpointFrom += " (api_endpoint is not set)"
		}
	}
	if base, trimmed := client.TrimVersionPath(endpoint); trimmed {
		resp.Diagnostics.AddAttributeWarning(path.Root("api_endpoint"), "API endpoint ends in /v2",
			fmt.Sprintf("The API endpoint %q, from %s, ends in /v2, as URLs in DigitalOcean's API reference do; the provider adds /v2 to every request itself, so it uses %q.", endpoint, endpointFrom, base))
		endpoint = base
	}

	seconds := func(v types.Float64, def float64, name string) time.Duration {
		f := def
		if !v.IsNull() {
			f = v.ValueFloat64()
		}
		if f <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Invalid provider configuration", name+" must be a positive number of seconds.")
		}
		return time.Duration(f * float64(time.Second))
	}
	retryMax := int64(defaultRetryMax)
	if !cfg.HTTPRetryMax.IsNull() {
		retryMax = cfg.HTTPRetryMax.ValueInt64()
		if retryMax < 0 || retryMax > 20 {
			resp.Diagnostics.AddAttributeError(path.Root("http_retry_max"), "Invalid provider configuration", "http_retry_max must be between 0 and 20.")
		}
	}
	rpm := int64(client.MaxRequestsPerMinute)
	if !cfg.RequestsPerMin.IsNull() {
		rpm = cfg.RequestsPerMin.ValueInt64()
		if rpm < 1 || rpm > client.MaxRequestsPerMinute {
			resp.Diagnostics.AddAttributeError(path.Root("requests_per_minute"), "Invalid provider configuration",
				fmt.Sprintf("requests_per_minute must be between 1 and %d (DigitalOcean's per-minute limit), got %d.", client.MaxRequestsPerMinute, rpm))
		}
	}
	ccfg := client.Config{
		Token:        token,
		Endpoint:     endpoint,
		UserAgent:    "terraform-provider-gradient/" + p.version,
		MaxRetries:   int(retryMax),
		RetryWaitMin: seconds(cfg.HTTPRetryWaitMin, defaultRetryWaitMin, "http_retry_wait_min"),
		RetryWaitMax: seconds(cfg.HTTPRetryWaitMax, defaultRetryWaitMax, "http_retry_wait_max"),
		PollMin:      seconds(cfg.PollIntervalMin, defaultPollMin, "poll_interval_min"),
		PollMax:      seconds(cfg.PollIntervalMax, defaultPollMax, "poll_interval_max"),
		Governor:     governorFor(ctx, token, endpoint, int(rpm)),
		Logger:       apiLogger(token),
		Notify:       apiNotifier(token),
	}
	ccfg.RequestTimeout = seconds(cfg.RequestTimeout, defaultHTTPTimeout, "http_request_timeout")
	for _, pair := range []struct {
		min, max         time.Duration
		minName, maxName string
	}{
		{ccfg.PollMin, ccfg.PollMax, "poll_interval_min", "poll_interval_max"},
		{ccfg.RetryWaitMin, ccfg.RetryWaitMax, "http_retry_wait_min", "http_retry_wait_max"},
	} {
		if pair.min > 0 && pair.max > 0 && pair.min > pair.max {
			resp.Diagnostics.AddAttributeError(path.Root(pair.minName), "Invalid provider configuration",
				fmt.Sprintf("%s (%g s) must not be greater than %s (%g s).", pair.minName, pair.min.Seconds(), pair.maxName, pair.max.Seconds()))
		}
	}
	if retryMax == 0 {
		// Zero in client.Config means "default"; a negative count disables retries there.
		ccfg.MaxRetries = -1
	}
	if resp.Diagnostics.HasError() {
		return
	}
	c, err := client.New(ccfg)
	if err != nil {
		detail := fmt.Sprintf("The API endpoint from %s is invalid: %v.", endpointFrom, err)
		if endpointFrom == "api_endpoint" {
			resp.Diagnostics.AddAttributeError(path.Root("api_endpoint"), "Invalid API endpoint", detail)
		} else {
			resp.Diagnostics.AddError("Invalid API endpoint", detail)
		}
		return
	}
	data := &providerData{client: c}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

func (p *GradientProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewDropletActionResource, NewDropletBulkActionResource, NewDropletPowerResource, NewDropletRolloutResource}
}

func (p *GradientProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewDropletActionDataSource, NewDropletActionsDataSource}
}

func (p *GradientProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{NewDropletActionAction, NewDropletRolloutAction}
}

func (p *GradientProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewDropletActionListResource, NewDropletPowerListResource}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// governors holds one rate governor per token and endpoint for the whole provider process:
// every resource, data source and action it serves draws on the one rate budget the API
// keeps per token, even when the process is configured more than once (as a debug or
// reattached provider is). Terraform runs each aliased provider block in a process of its
// own, so aliases pace themselves apart.
var (
	governorsMu sync.Mutex
	governors   = map[string]*client.Governor{}
)

// governorFor returns the process's governor for token, endpoint and per-minute cap. Its
// per-minute count lives in the ledger file of ledgerDir, shared with the machine's other
// provider processes that use the same token and endpoint.
func governorFor(ctx context.Context, token, endpoint string, perMinute int) *client.Governor {
	key := fmt.Sprintf("%s/%d", accountKey(token, endpoint), perMinute)
	governorsMu.Lock()
	defer governorsMu.Unlock()
	if g, ok := governors[key]; ok {
		return g
	}
	opts := client.GovernorOptions{RequestsPerMinute: perMinute}
	if dir := ledgerDir(); dir != "" {
		opts.LedgerPath = client.LedgerPath(dir, token, endpoint)
	}
	g := client.NewGovernorWith(opts)
	if err := g.LedgerError(); err != nil {
		tflog.Warn(ctx, "the per-minute request count cannot be shared with other provider processes on this machine; it is kept in this process only", map[string]any{"error": err.Error()})
	}
	governors[key] = g
	return g
}

// ledgerDirEnv names the directory of the per-minute ledgers; "off" keeps each process's
// count to itself.
const ledgerDirEnv = "GRADIENT_RATE_LEDGER_DIR"

// ledgerDir is where the per-minute ledgers live: $GRADIENT_RATE_LEDGER_DIR, else
// terraform-provider-gradient/ratelimit in the user's cache directory; "" for none.
func ledgerDir() string {
	switch v := os.Getenv(ledgerDirEnv); v {
	case "off":
		return ""
	case "":
	default:
		return v
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "terraform-provider-gradient", "ratelimit")
}

// accountKey keys per-token state without keeping the token itself in memory maps.
func accountKey(token, endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint + "\x00" + token))
	return hex.EncodeToString(sum[:])
}

// apiLogger sends the client's request records to the provider's "api" log subsystem,
// masking the token wherever it might appear.
func apiLogger(token string) client.Logger {
	return func(ctx context.Context, msg string, fields map[string]any) {
		ctx = tflog.NewSubsystem(ctx, "api")
		if token != "" {
			ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, "api", token)
			ctx = tflog.SubsystemMaskMessageStrings(ctx, "api", token)
		}
		tflog.SubsystemDebug(ctx, "api", msg, fields)
	}
}

// apiNotifier sends what the client says without debug logging (long waits on the rate
// budget, a shared request count discarded as implausible) to the provider's log at INFO
// or WARN, masking the token.
func apiNotifier(token string) client.Notifier {
	return func(ctx context.Context, level client.Level, msg string, fields map[string]any) {
		if token != "" {
			ctx = tflog.MaskAllFieldValuesStrings(ctx, token)
			ctx = tflog.MaskMessageStrings(ctx, token)
		}
		if level == client.LevelWarn {
			tflog.Warn(ctx, msg, fields)
			return
		}
		tflog.Info(ctx, msg, fields)
	}
}
