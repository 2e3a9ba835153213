package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// ApplyConfig configures one terraform apply against a fresh fake API and a fresh
// provider process.
type ApplyConfig struct {
	// Label names the run in progress lines, such as "(a)".
	Label string
	// Terraform is the path of the terraform binary; Provider that of a built
	// terraform-provider-gradient.
	Terraform, Provider string
	// Actions is the number of gradient_droplet_action resources, one per droplet; with
	// BulkTag, the number of droplets carrying the tag.
	Actions     int
	Parallelism int
	// BulkTag, when set, makes the configuration one gradient_droplet_bulk_action of
	// BulkType over the droplets carrying that tag instead of one reboot per droplet.
	BulkTag  string
	BulkType client.ActionType
	// D, Jitter and Seed shape the fake's action durations.
	D      time.Duration
	Jitter float64
	Seed   int64
	// PerMinuteLimit and PerHourLimit, when positive, make the fake enforce that many
	// requests a minute (seen only as 429 with retry-after) and an hour (shown in the
	// ratelimit-* headers); see fakeapi.Options.
	PerMinuteLimit, PerHourLimit int
	// Scopes, when not nil, are the only scopes of the fake's token.
	Scopes []string
	// Timeout bounds the whole run (init, apply and shutdown).
	Timeout time.Duration
	// Progress, when set, receives progress lines while the apply runs.
	Progress io.Writer
	// ProgressEvery is the interval of progress lines (default 15 s).
	ProgressEvery time.Duration
}

// actionType is the type of the actions the configuration starts.
func (cfg ApplyConfig) actionType() client.ActionType {
	if cfg.BulkTag != "" {
		return cfg.BulkType
	}
	return client.ActionReboot
}

// ApplyResult is what one apply measured.
type ApplyResult struct {
	// Wall is the wall time of `terraform apply` (plan and apply), init excluded.
	Wall time.Duration
	// Stats are the fake's counters for init and apply together.
	Stats fakeapi.Stats
	// Completed counts the actions the fake completed.
	Completed int
	// Usage is the provider process's resource usage; Valid is false where the
	// platform does not report it.
	Usage Usage
	// Failure is the end of Terraform's output when the apply failed, else empty.
	Failure  string
	Timeline Timeline
	// Routes counts the fake's requests by route, busiest first.
	Routes []RouteCount
	// PeakMinute is the most requests the fake received in any 60 s.
	PeakMinute int
	// Crowding describes the first 429, if any, against the per-minute limit.
	Crowding Crowding
	// Began is when terraform apply started.
	Began time.Time
}

// Timeline splits an apply's wall time, from the fake's request log.
type Timeline struct {
	// FirstRequest and LastRequest are when the fake received the first and the last
	// request, from the start of terraform apply.
	FirstRequest, LastRequest time.Duration
	// MeanDetect is the mean over the actions of the first status read after their
	// completion that answered for them (their own read, or a page of GET /v2/actions
	// holding them) minus their completion: the detection overhead inside the apply.
	MeanDetect time.Duration
	// Makespan is the ideal wall time for the durations the fake actually drew: the
	// actions, in the order they started, each given to the first of Parallelism
	// slots to come free, with no overhead at all. With no jitter it is rounds x D.
	Makespan time.Duration
}

// makespan list-schedules durations, in order, onto slots parallel workers.
func makespan(durations []time.Duration, slots int) time.Duration {
	free := make([]time.Duration, max(slots, 1))
	for _, d := range durations {
		first := slices.Index(free, slices.Min(free))
		free[first] += d
	}
	return slices.Max(free)
}

// actionRead reports the action a successful status read was for: GET
// /v2/actions/{id} or /v2/droplets/{droplet}/actions/{id}.
func actionRead(r fakeapi.Request) (int64, bool) {
	if r.Method != "GET" || r.Status != 200 {
		return 0, false
	}
	seg := strings.Split(strings.Trim(r.Path, "/"), "/")
	if n := len(seg); n < 3 || seg[n-2] != "actions" || (n != 3 && n != 5) {
		return 0, false
	}
	id, err := strconv.ParseInt(seg[len(seg)-1], 10, 64)
	return id, err == nil
}

// timeline reads the fake's log for the actions on droplets (all of the fake's actions).
func timeline(srv *fakeapi.Server, droplets []int64, began time.Time, parallelism int) Timeline {
	var tl Timeline
	reqs := srv.Requests()
	for i, r := range reqs {
		at := r.Time.Sub(began)
		if i == 0 || at < tl.FirstRequest {
			tl.FirstRequest = at
		}
		tl.LastRequest = max(tl.LastRequest, at)
	}
	var all, done []fakeapi.Action
	for _, id := range droplets {
		for _, a := range srv.Actions(id) {
			all = append(all, a)
			if a.CompletedAt != nil {
				done = append(done, a)
			}
		}
	}
	var sum time.Duration
	n := 0
	seen := detections(reqs, all)
	for _, a := range done {
		if at, ok := seen[a.ID]; ok {
			sum += at.Sub(*a.CompletedAt)
			n++
		}
	}
	if n > 0 {
		tl.MeanDetect = sum / time.Duration(n)
	}
	slices.SortFunc(done, func(a, b fakeapi.Action) int { return a.StartedAt.Compare(b.StartedAt) })
	durations := make([]time.Duration, len(done))
	for i, a := range done {
		durations[i] = a.CompletedAt.Sub(a.StartedAt)
	}
	tl.Makespan = makespan(durations, parallelism)
	return tl
}

// Usage is a process's peak resident set and CPU time.
type Usage struct {
	Valid       bool
	MaxRSSBytes int64
	User, Sys   time.Duration
}

const providerAddress = "registry.terraform.io/gradient-tf/gradient"

// newApplyFake starts the fake of an apply and adds n droplets, carrying tag when set.
func newApplyFake(cfg ApplyConfig, n int, tag string) (*fakeapi.Server, []int64) {
	srv := fakeapi.New(fakeapi.Options{
		Token:           Token,
		DefaultDuration: cfg.D,
		Jitter:          cfg.Jitter,
		Seed:            cfg.Seed,
		PerMinuteLimit:  cfg.PerMinuteLimit,
		PerHourLimit:    cfg.PerHourLimit,
		Scopes:          cfg.Scopes,
	})
	droplets := make([]int64, n)
	for i := range droplets {
		d := fakeapi.Droplet{}
		if tag != "" {
			d.Tags = []string{tag}
		}
		droplets[i] = srv.AddDroplet(d).ID
	}
	return srv, droplets
}

// workspace is one working directory with its provider process, initialized.
type workspace struct {
	dir, work string
	env       []string
	prov      *provider
}

// openWorkspace writes hcl into a fresh working directory, starts a provider process
// whose per-minute ledger lives in ledgerDir, and runs terraform init.
func openWorkspace(ctx context.Context, cfg ApplyConfig, hcl, ledgerDir string) (_ *workspace, err error) {
	dir, err := os.MkdirTemp("", "gradient-bench-*")
	if err != nil {
		return nil, err
	}
	ws := &workspace{dir: dir, work: filepath.Join(dir, "work")}
	defer func() {
		if err != nil {
			ws.close()
		}
	}()
	tfrc := filepath.Join(dir, "empty.tfrc")
	if err := os.WriteFile(tfrc, nil, 0o600); err != nil {
		return nil, err
	}
	if err := os.Mkdir(ws.work, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(ws.work, "main.tf"), []byte(hcl), 0o600); err != nil {
		return nil, err
	}
	if ledgerDir == "" {
		ledgerDir = filepath.Join(dir, "ledger")
	}
	if ws.prov, err = startProvider(ctx, cfg.Provider, filepath.Join(dir, "provider.log"), ledgerDir); err != nil {
		return nil, err
	}
	ws.env = terraformEnv(tfrc, ws.prov.reattach)
	if out, err := runTerraform(ctx, cfg.Terraform, ws.work, ws.env, "init", "-input=false", "-no-color"); err != nil {
		return nil, fmt.Errorf("terraform init: %w\n%s", err, tail(out, 4000))
	}
	return ws, nil
}

// apply runs terraform apply and returns its wall time, and the end of its output when
// it failed.
func (ws *workspace) apply(ctx context.Context, cfg ApplyConfig) (time.Duration, string) {
	began := time.Now()
	out, err := runTerraform(ctx, cfg.Terraform, ws.work, ws.env, "apply", "-auto-approve", "-input=false", "-no-color",
		fmt.Sprintf("-parallelism=%d", cfg.Parallelism))
	wall := time.Since(began)
	if err != nil {
		return wall, fmt.Sprintf("terraform apply: %v\n%s", err, tail(out, 3000))
	}
	return wall, ""
}

// close stops the provider, if started, and removes the directory; it returns the
// provider's resource usage.
func (ws *workspace) close() Usage {
	var u Usage
	if ws.prov != nil {
		u = ws.prov.stop()
		ws.prov = nil
	}
	_ = os.RemoveAll(ws.dir)
	return u
}

// applyContext checks that cfg names both binaries and bounds a run by cfg.Timeout (30
// minutes unless set).
func applyContext(ctx context.Context, cfg ApplyConfig) (context.Context, context.CancelFunc, error) {
	if cfg.Terraform == "" || cfg.Provider == "" {
		return nil, nil, errors.New("both the terraform and the provider binary are needed")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, nil
}

// RunApply starts a fake API and the provider in debug mode, points Terraform at the
// running provider with TF_REATTACH_PROVIDERS (so that the whole apply runs in one
// provider process the benchmark owns), and applies a configuration of cfg.Actions
// reboots, one per droplet, or of one bulk action over cfg.Actions tagged droplets. The
// provider keeps its per-minute ledger in a directory of its own.
func RunApply(ctx context.Context, cfg ApplyConfig) (res ApplyResult, err error) {
	ctx, cancel, err := applyContext(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer cancel()

	srv, droplets := newApplyFake(cfg, cfg.Actions, cfg.BulkTag)
	defer srv.Close()
	hcl := configHCL(srv.URL(), droplets)
	if cfg.BulkTag != "" {
		hcl = bulkHCL(srv.URL(), cfg.BulkTag, cfg.BulkType)
	}
	ws, err := openWorkspace(ctx, cfg, hcl, "")
	if err != nil {
		return res, err
	}
	// Stopped on every path; on success the usage is read from it below.
	defer func() { res.Usage = ws.close() }()

	stopProgress := progress(cfg, srv, droplets)
	began := time.Now()
	res.Wall, res.Failure = ws.apply(ctx, cfg)
	stopProgress()
	res.Stats = srv.Stats()
	res.Completed = completed(srv, droplets, cfg.actionType())
	res.Timeline = timeline(srv, droplets, began, cfg.Parallelism)
	reqs := srv.Requests()
	res.Routes = routeCounts(reqs)
	res.PeakMinute = maxInMinute(requestTimes(reqs))
	res.Crowding = firstCrowding(reqs, cfg.PerMinuteLimit)
	res.Began = began
	// A failed apply is a result to report, not a reason to stop the benchmark.
	return res, nil
}

// providerHead is the terraform and provider blocks of every generated configuration.
func providerHead(endpoint string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    gradient = {
      source = "gradient-tf/gradient"
    }
  }
}

provider "gradient" {
  api_endpoint = %q
  access_token = %q
}
`, endpoint, Token)
}

func configHCL(endpoint string, droplets []int64) string {
	var b strings.Builder
	b.WriteString(providerHead(endpoint))
	b.WriteString(`
locals {
  droplets = [`)
	for i, id := range droplets {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", id)
	}
	b.WriteString(`]
}

resource "gradient_droplet_action" "reboot" {
  count      = length(local.droplets)
  droplet_id = local.droplets[count.index]
  type       = "reboot"
}
`)
	return b.String()
}

// bulkHCL is one gradient_droplet_bulk_action of typ over the droplets carrying tag.
func bulkHCL(endpoint, tag string, typ client.ActionType) string {
	return providerHead(endpoint) + fmt.Sprintf(`
resource "gradient_droplet_bulk_action" "bulk" {
  tag_name = %q
  type     = %q
}
`, tag, typ)
}

// terraformEnv is the environment minus anything that could point the provider or
// Terraform elsewhere, plus the CLI config, the reattach line and no telemetry.
func terraformEnv(tfrc, reattach string) []string {
	env := filteredEnv()
	return append(env,
		"TF_CLI_CONFIG_FILE="+tfrc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_REATTACH_PROVIDERS="+reattach,
	)
}

func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "TF_"), strings.HasPrefix(k, "DIGITALOCEAN_"), strings.HasPrefix(k, "GRADIENT_"),
			k == "CHECKPOINT_DISABLE":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func runTerraform(ctx context.Context, tf, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, tf, append([]string{"-chdir=" + dir}, args...)...) //nolint:gosec // the terraform path is the operator's own flag
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// provider is a running provider process in debug mode.
type provider struct {
	cmd      *exec.Cmd
	reattach string
	done     chan struct{} // closed when stdout is drained
	log      *os.File
}

// ledgerDirEnv names the directory of the provider's per-minute ledgers.
const ledgerDirEnv = "GRADIENT_RATE_LEDGER_DIR"

// startProvider runs the provider with -debug and reads the TF_REATTACH_PROVIDERS
// value it prints to stdout; its per-minute ledger lives in ledgerDir.
func startProvider(ctx context.Context, path, logPath, ledgerDir string) (*provider, error) {
	logf, err := os.Create(logPath) //nolint:gosec // a file in the benchmark's own temporary directory
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the process is stopped with SIGINT in stop, which the
	// provider's debug server treats as its stop signal.
	cmd := exec.Command(path, "-debug") //nolint:gosec,noctx // the provider path is the operator's own flag; stopped in stop
	// Its own per-minute ledger directory (shared only by the processes meant to share it),
	// never the user's cache directory.
	cmd.Env = append(filteredEnv(), ledgerDirEnv+"="+ledgerDir)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		_ = logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, err
	}
	p := &provider{cmd: cmd, done: make(chan struct{}), log: logf}
	found := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			if v, ok := parseReattach(sc.Text()); ok && !sent {
				found <- v
				sent = true
			}
		}
		// Keep reading whatever remains so the provider never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case p.reattach = <-found:
		return p, nil
	case <-p.done:
		p.stop()
		return nil, fmt.Errorf("the provider exited without printing %s (its log: %s)", "TF_REATTACH_PROVIDERS", logPath)
	case <-t.C:
		p.stop()
		return nil, errors.New("the provider did not print TF_REATTACH_PROVIDERS within 30 s")
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// parseReattach extracts the JSON from the provider's line
// `TF_REATTACH_PROVIDERS='{...}'`, checking that it names this provider.
func parseReattach(line string) (string, bool) {
	const key = "TF_REATTACH_PROVIDERS='"
	i := strings.Index(line, key)
	if i < 0 {
		return "", false
	}
	v := strings.TrimSpace(line[i+len(key):])
	v, ok := strings.CutSuffix(v, "'")
	if !ok {
		return "", false
	}
	// The shell quoting of a single quote inside the value.
	v = strings.ReplaceAll(v, `'"'"'`, `'`)
	if !strings.Contains(v, `"`+providerAddress+`"`) {
		return "", false
	}
	return v, true
}

// stop interrupts the provider (its debug server's stop signal), waits for it, and
// returns its resource usage. After 15 s it is killed.
func (p *provider) stop() Usage {
	defer p.log.Close()
	_ = p.cmd.Process.Signal(os.Interrupt)
	t := time.NewTimer(15 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	// Stdout is drained, so Wait may close it. A provider stopped by SIGINT may report
	// a non-zero status; only the usage matters.
	_ = p.cmd.Wait()
	return usageOf(p.cmd.ProcessState)
}

// progress prints a line every cfg.ProgressEvery until the returned function is called.
func progress(cfg ApplyConfig, srv *fakeapi.Server, droplets []int64) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	every := cfg.ProgressEvery
	if every <= 0 {
		every = 15 * time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	began := time.Now()
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				st := srv.Stats()
				fmt.Fprintf(cfg.Progress, "apply %s: %3.0f s: %d/%d actions completed, %d requests, %d answered 429\n",
					cfg.Label, time.Since(began).Seconds(), completed(srv, droplets, cfg.actionType()), len(droplets), st.Total, st.Served429)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// completed counts the actions of type typ the fake completed on droplets.
func completed(srv *fakeapi.Server, droplets []int64, typ client.ActionType) int {
	n := 0
	for _, id := range droplets {
		for _, a := range srv.Actions(id) {
			if a.Type == typ && a.Status == fakeapi.ActionCompleted {
				n++
			}
		}
	}
	return n
}
