package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Targets of the issue the benchmark reports against.
const (
	// OverheadFloor and OverheadShare: the median detection overhead must be at most
	// max(OverheadFloor, OverheadShare*D).
	OverheadFloor = 500 * time.Millisecond
	OverheadShare = 0.20
	// MaxExtraReads is how many more reads per action than the fixed poller the
	// default strategy may make.
	MaxExtraReads = 8
	// ApplySlack is how far over the ideal the unthrottled apply may run.
	ApplySlack = 0.20
)

// TieTolerance is the resolution at which "no worse than the fixed poller" is judged,
// at full scale for a row run S times faster: two waiters that read at the same grid
// instants see the same completion and differ only by scheduling and loopback noise,
// about a millisecond of real time, which scaling multiplies by S.
func TieTolerance(scale int) time.Duration {
	return time.Duration(max(scale, 1)) * time.Millisecond
}

func passMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func sec(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// WriteTable prints the detection table and its targets. The first strategy is ours,
// the second the fixed poller the targets compare with; any further are extra.
func WriteTable(w io.Writer, t *Tally, cfg TableConfig, rows []RowResult) {
	fmt.Fprintf(w, "Completion-detection overhead (waiter returned - action completed at the fake) and status reads per action\n")
	fmt.Fprintf(w, "%d actions per row, one per droplet, on the fake API over loopback (127.0.0.1); each action lasts D ±%.0f%%\n",
		cfg.Actions, cfg.Jitter*100)
	fmt.Fprintf(w, "(uniform, drawn by the fake with seed %d+row). Every strategy watches the same actions: each action is\n", cfg.Seed)
	fmt.Fprintf(w, "initiated once and one WaitForAction per strategy waits for it concurrently.\n")
	fmt.Fprintf(w, "S = time scale: the row ran S times faster (durations and poll intervals divided by S), measured overheads\n")
	fmt.Fprintf(w, "multiplied by S; D, overheads and reads are at full scale. real = wall time the row took.\n\n")
	letters := "ABCDEFGH"
	for j, s := range cfg.Strategies {
		fmt.Fprintf(w, "  [%c] %s\n", letters[j%len(letters)], s.Name)
	}
	fmt.Fprintln(w)

	const group = 23 // width of "  median     p95  reads" plus separators
	var b strings.Builder
	fmt.Fprintf(&b, "%7s %3s %7s ", "", "", "")
	for j := range cfg.Strategies {
		title := fmt.Sprintf(" [%c] ", letters[j%len(letters)])
		pad := group - len(title)
		fmt.Fprintf(&b, "|%s%s%s", strings.Repeat("-", pad/2), title, strings.Repeat("-", pad-pad/2))
	}
	b.WriteString("|\n")
	fmt.Fprintf(&b, "%7s %3s %7s ", "D", "S", "actions")
	for range cfg.Strategies {
		fmt.Fprintf(&b, "| %7s %7s %5s ", "median", "p95", "reads")
	}
	fmt.Fprintf(&b, "| %6s\n", "real")
	for _, r := range rows {
		fmt.Fprintf(&b, "%7s %3d %7d ", FormatD(r.D), r.Scale, r.Actions)
		for _, s := range r.Results {
			fmt.Fprintf(&b, "| %7s %7s %5.1f ", sec(s.Median()), sec(s.P95()), s.MeanReads())
		}
		fmt.Fprintf(&b, "| %4.1f s\n", r.Real.Seconds())
	}
	fmt.Fprint(w, b.String())
	fmt.Fprintf(w, "(median and p95 of the detection overhead; reads = mean status reads per action)\n\n")

	if len(cfg.Strategies) < 2 {
		return
	}
	fmt.Fprintf(w, "Targets, [A] against [B] (ties within %s x S of measurement noise count as no worse):\n", TieTolerance(1))
	for _, r := range rows {
		ours, fixed := r.Results[0], r.Results[1]
		limit := max(OverheadFloor, time.Duration(OverheadShare*float64(r.D)))
		target(w, t, fmt.Sprintf("D=%-5s median overhead %s <= max(0.5 s, 20%% of D) = %s", FormatD(r.D), sec(ours.Median()), sec(limit)),
			ours.Median() <= limit)
		target(w, t, fmt.Sprintf("D=%-5s median overhead %s <= fixed poller's %s", FormatD(r.D), sec(ours.Median()), sec(fixed.Median())),
			ours.Median() <= fixed.Median()+TieTolerance(r.Scale))
		extra := ours.MeanReads() - fixed.MeanReads()
		target(w, t, fmt.Sprintf("D=%-5s reads/action %.1f - fixed poller's %.1f = %+.1f <= %d", FormatD(r.D),
			ours.MeanReads(), fixed.MeanReads(), extra, MaxExtraReads), extra <= MaxExtraReads)
	}
	fmt.Fprintln(w)
}

// Tally counts the targets met and missed.
type Tally struct{ Pass, Miss int }

// target prints one target line with PASS or MISS in a column, and counts it.
func target(w io.Writer, t *Tally, text string, ok bool) {
	fmt.Fprintf(w, "  %-72s %s\n", text, passMiss(ok))
	if t == nil {
		return
	}
	if ok {
		t.Pass++
	} else {
		t.Miss++
	}
}

// IdealApply is the ideal wall time of an apply: rounds of parallelism actions, each
// lasting D.
func IdealApply(actions, parallelism int, d time.Duration) time.Duration {
	rounds := (actions + parallelism - 1) / max(parallelism, 1)
	return time.Duration(rounds) * d
}

// WriteApplyA prints the unthrottled apply and its target.
func WriteApplyA(w io.Writer, t *Tally, cfg ApplyConfig, r ApplyResult) {
	ideal := IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)
	fmt.Fprintf(w, "(a) no rate limit on the fake:\n")
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal %d rounds x %s = %s; %+.1f%%)\n",
		sec(r.Wall), (cfg.Actions+cfg.Parallelism-1)/cfg.Parallelism, FormatD(cfg.D), sec(ideal),
		100*(r.Wall.Seconds()/ideal.Seconds()-1))
	writeTimeline(w, r)
	writeRequests(w, r)
	writeUsage(w, r.Usage)
	limit := time.Duration(float64(ideal) * (1 + ApplySlack))
	writeOutcome(w, t, "(a)", cfg, r)
	target(w, t, fmt.Sprintf("  (a) wall %s within 20%% of ideal (<= %s)", sec(r.Wall), sec(limit)), r.Wall <= limit)
}

// WriteApplyJittered prints an unthrottled apply whose durations were jittered, against
// its own ideal: the makespan of the durations the fake drew. It has no target.
func WriteApplyJittered(w io.Writer, cfg ApplyConfig, r ApplyResult) {
	ideal := r.Timeline.Makespan
	fmt.Fprintf(w, "(a') as (a), durations D ±%.0f%% (seed %d); no target, for comparison:\n", cfg.Jitter*100, cfg.Seed)
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal for the drawn durations %s; %+.1f%%; 10 rounds x D = %s: %+.1f%%)\n",
		sec(r.Wall), sec(ideal), 100*(r.Wall.Seconds()/ideal.Seconds()-1),
		sec(IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)), 100*(r.Wall.Seconds()/IdealApply(cfg.Actions, cfg.Parallelism, cfg.D).Seconds()-1))
	writeTimeline(w, r)
	writeRequests(w, r)
	writeUsage(w, r.Usage)
	writeOutcome(w, nil, "(a')", cfg, r)
}

// WriteApplyB prints the rate-limited apply and its target.
func WriteApplyB(w io.Writer, t *Tally, cfg ApplyConfig, r ApplyResult, a *ApplyResult) {
	ideal := IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)
	fmt.Fprintf(w, "(b) the fake enforcing %d requests a minute (PerMinuteLimit: %d):\n", cfg.PerMinuteLimit, cfg.PerMinuteLimit)
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal without a limit %s", sec(r.Wall), sec(ideal))
	if a != nil {
		fmt.Fprintf(w, "; apply (a) took %s", sec(a.Wall))
	}
	fmt.Fprintf(w, ")\n")
	writeTimeline(w, r)
	writeRequests(w, r)
	if n := r.Stats.Total; n > cfg.PerMinuteLimit && cfg.PerMinuteLimit > 0 {
		floor := time.Duration((n-1)/cfg.PerMinuteLimit) * time.Minute
		fmt.Fprintf(w, "    budget floor for %d requests at %d/min: request k+%d may not come before request k + 60 s, so >= %s\n",
			n, cfg.PerMinuteLimit, cfg.PerMinuteLimit, sec(floor))
	}
	writeUsage(w, r.Usage)
	writeOutcome(w, t, "(b)", cfg, r)
	target(w, t, fmt.Sprintf("  (b) zero 429s served: %d", r.Stats.Served429), r.Stats.Served429 == 0)
}

// writeOutcome prints whether the apply did its work, as a target.
func writeOutcome(w io.Writer, t *Tally, label string, cfg ApplyConfig, r ApplyResult) {
	target(w, t, fmt.Sprintf("  %s apply succeeded, %d of %d actions completed", label, r.Completed, cfg.Actions),
		r.Failure == "" && r.Completed == cfg.Actions)
	if r.Failure != "" {
		fmt.Fprintf(w, "    the apply failed; the end of Terraform's output:\n")
		for line := range strings.SplitSeq(strings.TrimSpace(r.Failure), "\n") {
			fmt.Fprintf(w, "      | %s\n", line)
		}
	}
}

func writeTimeline(w io.Writer, r ApplyResult) {
	tl := r.Timeline
	fmt.Fprintf(w, "    of which                      %s before the first API request (plan, provider configuration),\n", sec(tl.FirstRequest))
	fmt.Fprintf(w, "                                  %s from the first to the last request, %s after it;\n",
		sec(tl.LastRequest-tl.FirstRequest), sec(r.Wall-tl.LastRequest))
	fmt.Fprintf(w, "                                  mean detection overhead per action %s (last status read - completion)\n", sec(tl.MeanDetect))
}

func writeRequests(w io.Writer, r ApplyResult) {
	fmt.Fprintf(w, "    requests to the fake          %d (POST %d, GET %d), 429s served %d, actions completed %d\n",
		r.Stats.Total, r.Stats.ByMethod["POST"], r.Stats.ByMethod["GET"], r.Stats.Served429, r.Completed)
}

func writeUsage(w io.Writer, u Usage) {
	if !u.Valid {
		fmt.Fprintf(w, "    provider process              (no rusage on this platform)\n")
		return
	}
	fmt.Fprintf(w, "    provider process              peak RSS %.1f MiB, CPU time %s (user %s + system %s)\n",
		float64(u.MaxRSSBytes)/(1<<20), sec(u.User+u.Sys), sec(u.User), sec(u.Sys))
}
