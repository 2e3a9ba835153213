// Command gradient-bench measures the action waiter against the fake DigitalOcean API
// and prints one report: the completion-detection table of the default poll strategy
// next to a fixed 5 s poller (and the official DigitalOcean provider's pattern), then
// two applies of 100 droplet actions through the real Terraform CLI, without and with
// a rate limit on the fake. `make bench` runs it; see BENCHMARKS.md.
//
//	gradient-bench -terraform $(scripts/terraform.sh) -provider bin/terraform-provider-gradient
//	gradient-bench -skip-cli   # the table only
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
	"syscall"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/bench"
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
	skipCLI := fs.Bool("skip-cli", false, "print only the detection table, without the Terraform applies")
	skipTable := fs.Bool("skip-table", false, "run only the Terraform applies")
	actions := fs.Int("actions", 100, "actions per row of the table")
	seed := fs.Int64("seed", 1, "seed of the fake's duration jitter")
	jitter := fs.Float64("jitter", 0.2, "relative spread of action durations around D")
	scales := fs.String("scale", "1s=1,5s=1,30s=4,120s=16", "table rows as D=S pairs: action duration D, run S times faster")
	stagger := fs.Duration("stagger", 10*time.Millisecond, "real time between two initiations in a table row")
	cliActions := fs.Int("cli-actions", 100, "gradient_droplet_action resources in each apply")
	parallelism := fs.Int("parallelism", 10, "terraform apply -parallelism")
	cliD := fs.Duration("cli-duration", 5*time.Second, "action duration D of the applies")
	perMinute := fs.Int("rate-limit", 250, "requests a minute the fake enforces in apply (b)")
	cliJitter := fs.Float64("cli-jitter", 0.2, "relative spread of action durations in the extra apply (a'); (a) and (b) use exactly D")
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
	if *actions <= 0 || *cliActions <= 0 || *parallelism <= 0 {
		return errors.New("-actions, -cli-actions and -parallelism must be positive")
	}

	began := time.Now()
	fmt.Fprintf(stdout, "gradient-bench %s\n", strings.Join(os.Args[1:], " "))
	writeMachine(ctx, stdout, *tfPath, *skipCLI)
	var tally bench.Tally

	if !*skipTable {
		cfg := bench.TableConfig{
			Rows: rows, Actions: *actions, Jitter: *jitter, Seed: *seed, Stagger: *stagger,
			Strategies: bench.Strategies(), Progress: stderr,
		}
		res, err := bench.RunTable(ctx, cfg)
		if err != nil {
			return err
		}
		bench.WriteTable(stdout, &tally, cfg, res)
	}

	if !*skipCLI {
		base := bench.ApplyConfig{
			Terraform: *tfPath, Provider: *provPath, Actions: *cliActions, Parallelism: *parallelism,
			D: *cliD, Seed: *seed, Progress: stderr,
		}
		fmt.Fprintf(stdout, "Terraform CLI: terraform apply -auto-approve -input=false -parallelism=%d, %d gradient_droplet_action\n",
			*parallelism, *cliActions)
		fmt.Fprintf(stdout, "resources (type reboot) on %d droplets, every action lasting D = %s, real time (no scaling); one provider\n",
			*cliActions, bench.FormatD(*cliD))
		fmt.Fprintf(stdout, "process started with -debug and attached through TF_REATTACH_PROVIDERS; fresh fake, provider and state each.\n\n")

		a := base
		a.Label = "(a)"
		fmt.Fprintf(stderr, "apply (a): %d actions, no rate limit...\n", a.Actions)
		resA, err := bench.RunApply(ctx, a)
		if err != nil {
			return fmt.Errorf("apply (a): %w", err)
		}
		bench.WriteApplyA(stdout, &tally, a, resA)

		aj := base
		aj.Label = "(a')"
		aj.Jitter = *cliJitter
		fmt.Fprintf(stderr, "apply (a'): %d actions, D ±%.0f%%, no rate limit...\n", aj.Actions, aj.Jitter*100)
		resAJ, err := bench.RunApply(ctx, aj)
		if err != nil {
			return fmt.Errorf("apply (a'): %w", err)
		}
		bench.WriteApplyJittered(stdout, aj, resAJ)

		b := base
		b.Label = "(b)"
		b.PerMinuteLimit = *perMinute
		fmt.Fprintf(stderr, "apply (b): %d actions, %d requests a minute (expect a few minutes)...\n", b.Actions, b.PerMinuteLimit)
		resB, err := bench.RunApply(ctx, b)
		if err != nil {
			return fmt.Errorf("apply (b): %w", err)
		}
		bench.WriteApplyB(stdout, &tally, b, resB, &resA)
		fmt.Fprintln(stdout)
	}

	fmt.Fprintf(stdout, "Targets: %d PASS, %d MISS. gradient-bench took %.0f s; load average at the end: %s.\n",
		tally.Pass, tally.Miss, time.Since(began).Seconds(), loadAvg())
	return nil
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
