// Command gradient-bench measures the action waiter against the fake DigitalOcean API
// and prints one report: many actions watched at once by one client (6); the
// completion-detection table of the default poll strategy next to a fixed 5 s poller (and
// the official DigitalOcean provider's pattern), and of the client's watcher [W]; then
// applies through the real Terraform CLI on a fake that enforces DigitalOcean's limits:
// reboots (a) = (b) = (2), (a'), (1), bulk actions (3) and (4), and two applies at once
// (5). `make bench` runs it; see BENCHMARKS.md.
//
//	gradient-bench -terraform $(scripts/terraform.sh) -provider bin/terraform-provider-gradient
//	gradient-bench -skip-cli   # the client-level runs only
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/bench"
	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gradient-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gradient-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tfPath := fs.String("terraform", "", "path of the terraform binary (required unless -skip-cli)")
	provPath := fs.String("provider", "", "path of a built terraform-provider-gradient (required unless -skip-cli)")
	skipCLI := fs.Bool("skip-cli", false, "skip every Terraform apply")
	skipTable := fs.Bool("skip-table", false, "skip the strategy columns of the detection table")
	skipWatch := fs.Bool("skip-watch", false, "skip the watcher rows [W] of the detection table")
	skipMany := fs.Bool("skip-watch1000", false, "skip the client-level run (6), many actions watched at once")
	skipReboots := fs.Bool("skip-reboots", false, "skip the applies of 100 reboots: (a) = (b) = (2), and (a')")
	skipSmall := fs.Bool("skip-small", false, "skip apply (1), 50 reboots")
	skipBulk := fs.Bool("skip-bulk", false, "skip the bulk actions (3) and (4)")
	skipNoScope := fs.Bool("skip-bulk-noscope", false, "skip the bulk action (4), the token without actions:read")
	skipTwo := fs.Bool("skip-two", false, "skip (5), two applies at once")
	actions := fs.Int("actions", 100, "actions per row of the table (and of the watcher rows)")
	seed := fs.Int64("seed", 1, "seed of the fake's duration jitter")
	jitter := fs.Float64("jitter", 0.2, "relative spread of action durations around D in the table")
	scales := fs.String("scale", "1s=1,5s=1,30s=4,120s=16", "table rows as D=S pairs: action duration D, run S times faster")
	watchMaxScale := fs.Int("watch-max-scale", 2, "largest time scale of a watcher row (the per-minute budget does not scale)")
	stagger := fs.Duration("stagger", 10*time.Millisecond, "real time between two initiations in a table row")
	cliActions := fs.Int("cli-actions", 100, "gradient_droplet_action resources in (a) = (b) = (2) and (a')")
	smallActions := fs.Int("small-actions", 50, "gradient_droplet_action resources in (1)")
	parallelism := fs.Int("parallelism", 10, "terraform apply -parallelism")
	cliD := fs.Duration("cli-duration", 5*time.Second, "action duration D of the reboot applies (a), (a'), (1), (5)")
	perMinute := fs.Int("rate-limit", 250, "requests a minute the fake enforces in every apply and watcher row")
	perHour := fs.Int("hour-limit", 5000, "requests an hour the fake enforces in every apply and watcher row")
	cliJitter := fs.Float64("cli-jitter", 0.2, "relative spread of action durations in the extra apply (a'); the others use exactly D")
	bulkDroplets := fs.Int("bulk-droplets", 500, "droplets carrying the tag of the bulk actions (3) and (4)")
	bulkD := fs.Duration("bulk-duration", 20*time.Second, "action duration D of the bulk actions (3) and (4)")
	jitterActions := fs.Int("jitter-actions", 0, "gradient_droplet_action resources in (a') (0: as many as -cli-actions)")
	noScopeDroplets := fs.Int("noscope-droplets", 0, "droplets carrying the tag of the bulk action (4) (0: as many as -bulk-droplets)")
	watchActions := fs.Int("watch-actions", 0, "actions of each watcher row [W] (0: as many as -actions)")
	overlap := fs.Bool("overlap", false, "after (6), run the other runs in lanes at once (make bench does); the report keeps its order")
	twoActions := fs.Int("two-actions", 30, "reboots in each of the two applies of (5)")
	twoD := fs.Duration("two-duration", 5*time.Second, "action duration D of (5)")
	manyActions := fs.Int("watch1000-actions", 1000, "actions watched at once in (6)")
	manyD := fs.Duration("watch1000-duration", 10*time.Second, "action duration D of (6)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	rows, err := parseScales(*scales)
	if err != nil {
		return err
	}
	if !*skipCLI && (*tfPath == "" || *provPath == "") {
		return errors.New("-terraform and -provider are required for the Terraform applies (or pass -skip-cli)")
	}
	for _, n := range []int{*actions, *cliActions, *smallActions, *parallelism, *bulkDroplets, *twoActions, *manyActions, *watchMaxScale} {
		if n <= 0 {
			return errors.New("-actions, -cli-actions, -small-actions, -parallelism, -bulk-droplets, -two-actions, -watch1000-actions and -watch-max-scale must be positive")
		}
	}
	if *jitterActions < 0 || *noScopeDroplets < 0 || *watchActions < 0 {
		return errors.New("-jitter-actions, -noscope-droplets and -watch-actions must be 0 (the default) or positive")
	}

	began := time.Now()
	fmt.Fprintf(stdout, "gradient-bench %s\n", strings.Join(os.Args[1:], " "))
	writeMachine(ctx, stdout, *tfPath, *skipCLI)
	if *overlap {
		fmt.Fprintf(stdout, "-overlap: after (6), the other runs went in %d lanes at once (each on its own fake, client or provider\n", lanes)
		fmt.Fprintf(stdout, "process); their wall times include the other lanes' use of the CPUs. The report keeps the usual order.\n\n")
	}

	var secs []section
	if !*skipMany {
		cfg := bench.ManyConfig{Actions: *manyActions, D: *manyD, Progress: stderr}
		var res bench.ManyResult
		secs = append(secs, section{name: "(6)", lane: laneAlone,
			run: func(ctx context.Context) (err error) {
				res, err = bench.RunWatchMany(ctx, cfg)
				if err != nil {
					return fmt.Errorf("run (6): %w", err)
				}
				return nil
			},
			write: func(w io.Writer, t *bench.Tally) { bench.WriteMany(w, t, cfg, res) },
		})
	}

	tcfg := bench.TableConfig{
		Rows: rows, Actions: *actions, Jitter: *jitter, Seed: *seed, Stagger: *stagger,
		Strategies: bench.Strategies(), Progress: stderr,
	}
	var tableRows []bench.RowResult
	if !*skipTable {
		secs = append(secs, section{name: "table", lane: laneTable,
			run: func(ctx context.Context) (err error) {
				tableRows, err = bench.RunTable(ctx, tcfg)
				return err
			},
			write: func(w io.Writer, t *bench.Tally) { bench.WriteTable(w, t, tcfg, tableRows) },
		})
	}
	if !*skipWatch {
		wt := tcfg
		if *watchActions > 0 {
			wt.Actions = *watchActions
		}
		wcfg := bench.WatchTableConfig{Table: wt, MaxScale: *watchMaxScale, PerMinuteLimit: *perMinute, PerHourLimit: *perHour}
		var wrows []bench.WatchRowResult
		secs = append(secs, section{name: "[W]", lane: laneWatch,
			run: func(ctx context.Context) (err error) {
				wrows, err = bench.RunWatchRows(ctx, wcfg)
				return err
			},
			// tableRows is complete by now: every run ends before the first write under
			// -overlap, and the table runs first otherwise.
			write: func(w io.Writer, t *bench.Tally) { bench.WriteWatchRows(w, t, wcfg, wrows, tableRows) },
		})
	}

	if !*skipCLI {
		secs = append(secs, applySections(appliesConfig{
			base: bench.ApplyConfig{
				Terraform: *tfPath, Provider: *provPath, Actions: *cliActions, Parallelism: *parallelism,
				D: *cliD, Seed: *seed, PerMinuteLimit: *perMinute, PerHourLimit: *perHour, Progress: stderr,
			},
			cliJitter: *cliJitter, jitterActions: *jitterActions, smallActions: *smallActions,
			bulkDroplets: *bulkDroplets, noScopeDroplets: *noScopeDroplets, bulkD: *bulkD, twoActions: *twoActions, twoD: *twoD,
			skipReboots: *skipReboots, skipSmall: *skipSmall, skipBulk: *skipBulk, skipNoScope: *skipNoScope, skipTwo: *skipTwo,
		})...)
	}

	var tally bench.Tally
	if *overlap {
		err = runOverlapped(ctx, stdout, stderr, &tally, secs)
	} else {
		err = runInTurn(ctx, stdout, &tally, secs)
	}
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Targets: %d PASS, %d MISS. gradient-bench took %.0f s; load average at the end: %s.\n",
		tally.Pass, tally.Miss, time.Since(began).Seconds(), loadAvg())
	return nil
}

// section is one part of the report: run measures (nil for a heading), write prints the
// part and counts its targets. Sections of one lane depend on nothing outside it, so that
// -overlap can run the lanes at once.
type section struct {
	name  string
	lane  int
	run   func(context.Context) error
	write func(io.Writer, *bench.Tally)
}

// The lanes of -overlap: laneAlone runs first, on its own (run (6) reports the process's
// peak RSS, which the fakes of other lanes, living in this process, would inflate); the
// others then run at once, each in report order. Their lengths at the quick sizes of `make
// bench` are close: about 90 to 105 s each.
const (
	laneAlone   = iota
	laneTable   // the detection table [A] [B] [C], then the applies (1) and (5)
	laneWatch   // the watcher rows [W]
	laneReboots // (a) = (b) = (2), then (a')
	laneBulk    // (3), then (4)
	lanes       = 4
)

// runInTurn runs each section and prints it before the next one starts.
func runInTurn(ctx context.Context, stdout io.Writer, tally *bench.Tally, secs []section) error {
	for _, s := range secs {
		if s.run != nil {
			if err := s.run(ctx); err != nil {
				return err
			}
		}
		s.write(stdout, tally)
	}
	return nil
}

// runOverlapped runs the laneAlone sections, then every other lane at once (a lane's
// sections in turn), and prints the sections in report order once all have ended. The
// first error cancels the other lanes; the sections that completed are still printed.
func runOverlapped(ctx context.Context, stdout, stderr io.Writer, tally *bench.Tally, secs []section) error {
	done := make([]bool, len(secs))
	runLane := func(ctx context.Context, lane int) error {
		began := time.Now()
		var names []string
		for i, s := range secs {
			if s.lane != lane {
				continue
			}
			if s.run != nil {
				if err := s.run(ctx); err != nil {
					return err
				}
				names = append(names, s.name)
			}
			done[i] = true
		}
		if len(names) > 0 {
			fmt.Fprintf(stderr, "lane %d (%s) done in %.0f s\n", lane, strings.Join(names, ", "), time.Since(began).Seconds())
		}
		return nil
	}

	err := runLane(ctx, laneAlone)
	if err == nil {
		lctx, cancel := context.WithCancel(ctx)
		errs := make([]error, lanes+1)
		var wg sync.WaitGroup
		for lane := laneAlone + 1; lane <= lanes; lane++ {
			wg.Go(func() {
				if errs[lane] = runLane(lctx, lane); errs[lane] != nil {
					cancel()
				}
			})
		}
		wg.Wait()
		cancel()
		err = errors.Join(errs...)
	}
	for i, s := range secs {
		if done[i] {
			s.write(stdout, tally)
		}
	}
	return err
}

type appliesConfig struct {
	base                                                   bench.ApplyConfig
	cliJitter                                              float64
	jitterActions, smallActions, twoActions                int
	bulkDroplets, noScopeDroplets                          int
	bulkD, twoD                                            time.Duration
	skipReboots, skipSmall, skipBulk, skipNoScope, skipTwo bool
}

// applySections are the applies through the Terraform CLI, in report order, after their
// heading.
func applySections(c appliesConfig) []section {
	base := c.base
	stderr := base.Progress
	secs := []section{{name: "applies", lane: laneAlone, write: func(w io.Writer, _ *bench.Tally) {
		fmt.Fprintf(w, "Terraform CLI: terraform apply -auto-approve -input=false -parallelism=%d; each provider process started\n", base.Parallelism)
		fmt.Fprintf(w, "with -debug and attached through TF_REATTACH_PROVIDERS, with a %s of its own (but (5)'s two\n", "GRADIENT_RATE_LEDGER_DIR")
		fmt.Fprintf(w, "share one); fresh fake, provider and state each; real time (no scaling). Every fake is the truthful one:\n")
		fmt.Fprintf(w, "it enforces %d requests a minute, seen only as 429 with retry-after, and %d an hour, which its ratelimit-*\n",
			base.PerMinuteLimit, base.PerHourLimit)
		fmt.Fprintf(w, "headers describe. (Runs before this version used a flattering fake: (a) and (a') had no limit at all,\n")
		fmt.Fprintf(w, "and (b)'s headers showed the per-minute window, which the real API never advertises.)\n\n")
	}}}

	// apply is the section of one RunApply, printed by write.
	apply := func(name string, lane int, cfg bench.ApplyConfig, note string, write func(io.Writer, *bench.Tally, bench.ApplyConfig, bench.ApplyResult)) section {
		var res bench.ApplyResult
		return section{name: name, lane: lane,
			run: func(ctx context.Context) (err error) {
				fmt.Fprintf(stderr, "apply %s: %s...\n", name, note)
				if res, err = bench.RunApply(ctx, cfg); err != nil {
					return fmt.Errorf("apply %s: %w", name, err)
				}
				return nil
			},
			write: func(w io.Writer, t *bench.Tally) { write(w, t, cfg, res) },
		}
	}

	if !c.skipReboots {
		a := base
		a.Label = "(a)"
		secs = append(secs, apply("(a) = (b) = (2)", laneReboots, a, fmt.Sprintf("%d reboots, %d/min", a.Actions, a.PerMinuteLimit),
			bench.WriteApply100))

		aj := base
		aj.Label = "(a')"
		aj.Jitter = c.cliJitter
		if c.jitterActions > 0 {
			aj.Actions = c.jitterActions
		}
		secs = append(secs, apply("(a')", laneReboots, aj, fmt.Sprintf("%d reboots, D ±%.0f%%", aj.Actions, aj.Jitter*100),
			func(w io.Writer, _ *bench.Tally, cfg bench.ApplyConfig, r bench.ApplyResult) {
				bench.WriteApplyJittered(w, cfg, r)
				fmt.Fprintln(w)
			}))
	}
	if !c.skipSmall {
		s := base
		s.Label = "(1)"
		s.Actions = c.smallActions
		secs = append(secs, apply("(1)", laneTable, s, fmt.Sprintf("%d reboots", s.Actions),
			func(w io.Writer, t *bench.Tally, cfg bench.ApplyConfig, r bench.ApplyResult) {
				bench.WriteApplySmall(w, t, cfg, r)
				fmt.Fprintln(w)
			}))
	}
	if !c.skipBulk {
		b := base
		b.Label = "(3)"
		b.Actions = c.bulkDroplets
		b.D = c.bulkD
		b.BulkTag = "bench-bulk"
		b.BulkType = client.ActionPowerCycle
		secs = append(secs, apply("(3)", laneBulk, b, fmt.Sprintf("bulk %s over %d droplets", b.BulkType, b.Actions),
			func(w io.Writer, t *bench.Tally, cfg bench.ApplyConfig, r bench.ApplyResult) {
				bench.WriteBulk(w, t, cfg, r, true)
				fmt.Fprintln(w)
			}))
		if !c.skipNoScope {
			n := b
			n.Label = "(4)"
			n.Scopes = []string{"droplet:read", "droplet:update"}
			if c.noScopeDroplets > 0 {
				n.Actions = c.noScopeDroplets
			}
			secs = append(secs, apply("(4)", laneBulk, n,
				fmt.Sprintf("bulk %s over %d droplets, token without actions:read (expect minutes)", n.BulkType, n.Actions),
				func(w io.Writer, t *bench.Tally, cfg bench.ApplyConfig, r bench.ApplyResult) {
					bench.WriteBulk(w, t, cfg, r, false)
					fmt.Fprintln(w)
				}))
		}
	}
	if !c.skipTwo {
		two := base
		two.Label = "(5)"
		two.Actions = c.twoActions
		two.D = c.twoD
		var res bench.TwoResult
		secs = append(secs, section{name: "(5)", lane: laneTable,
			run: func(ctx context.Context) (err error) {
				fmt.Fprintf(stderr, "(5): two applies of %d reboots at once...\n", two.Actions)
				if res, err = bench.RunTwoApplies(ctx, two); err != nil {
					return fmt.Errorf("(5): %w", err)
				}
				return nil
			},
			write: func(w io.Writer, t *bench.Tally) {
				bench.WriteTwo(w, t, two, res)
				fmt.Fprintln(w)
			},
		})
	}
	return secs
}

// parseScales reads "1s=1,5s=1,30s=4,120s=16".
func parseScales(s string) ([]bench.RowSpec, error) {
	var rows []bench.RowSpec
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		ds, ss, ok := strings.Cut(part, "=")
		if !ok {
			ss = "1"
		}
		d, err := time.ParseDuration(strings.TrimSpace(ds))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("-scale: %q is not a positive duration", ds)
		}
		scale, err := strconv.Atoi(strings.TrimSpace(ss))
		if err != nil || scale < 1 {
			return nil, fmt.Errorf("-scale: %q is not a whole factor >= 1", ss)
		}
		rows = append(rows, bench.RowSpec{D: d, Scale: scale})
	}
	if len(rows) == 0 {
		return nil, errors.New("-scale names no rows")
	}
	return rows, nil
}

// writeMachine prints what the figures were measured on.
func writeMachine(ctx context.Context, w io.Writer, tf string, skipCLI bool) {
	fmt.Fprintf(w, "machine: %d CPUs (runtime.NumCPU), %s, %s %s/%s", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if !skipCLI && tf != "" {
		fmt.Fprintf(w, ", Terraform %s", terraformVersion(ctx, tf))
	}
	fmt.Fprintf(w, "\nload average at the start: %s (other work on the machine competes for its CPUs)\n\n", loadAvg())
}

// loadAvg is the 1, 5 and 15 minute load averages from /proc/loadavg.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "CPU model unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "CPU model unknown"
}

func terraformVersion(ctx context.Context, tf string) string {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// An empty CLI config of our own, as for every terraform the benchmark runs.
	rc, err := os.CreateTemp("", "gradient-bench-*.tfrc")
	if err != nil {
		return "(version unknown)"
	}
	_ = rc.Close()
	defer os.Remove(rc.Name())
	cmd := exec.CommandContext(ctx, tf, "version", "-json") //nolint:gosec // the terraform path is the operator's own flag
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE="+rc.Name())
	out, err := cmd.Output()
	if err != nil {
		return "(version unknown)"
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if json.Unmarshal(out, &v) != nil || v.Version == "" {
		return "(version unknown)"
	}
	return v.Version
}
