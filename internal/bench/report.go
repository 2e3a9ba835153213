package bench

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
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
	// ApplySlack is how far over the ideal apply (a) may run.
	ApplySlack = 0.20
	// RunSlack is how far over their ideal runs (1) and (2) may run; TwoSlack run (5).
	RunSlack = 0.15
	TwoSlack = 0.30
	// BulkExtra is how far over D the bulk action (3) may run, and BulkMaxRequests how
	// many requests it may send in all.
	BulkExtra       = 10 * time.Second
	BulkMaxRequests = 40
	// NoScopeSlack is how far over its floor (NoScopeFloor) the bulk action without
	// actions:read (4) may run.
	NoScopeSlack = 0.10
	// MaxPagesPerPoll bounds the list pages of one batch poll over 1,000 actions.
	MaxPagesPerPoll = 6
	// WatchMedianMax bounds the watcher rows' median detection overhead.
	WatchMedianMax = time.Second
)

// BudgetTime is how long n requests take at perMinute a minute: n x 60 s / perMinute
// (0 when there is no limit).
func BudgetTime(n, perMinute int) time.Duration {
	if perMinute <= 0 {
		return 0
	}
	return time.Duration(n) * time.Minute / time.Duration(perMinute)
}

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
	fmt.Fprintf(w, "multiplied by S; D, overheads and reads are at full scale. real = wall time the row took.\n")
	fmt.Fprintf(w, "These columns measure schedules, not rate limits: their fake enforces no per-minute limit (its headers show\n")
	fmt.Fprintf(w, "an hourly window too large to matter), and every client's governor has RequestsPerMinute -1, so that no\n")
	fmt.Fprintf(w, "client's own per-minute count holds its reads back. The watcher rows after the targets run on limits.\n\n")
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

// WriteApply100 prints the apply of 100 reboots on the truthful fake, which is apply (a),
// apply (b) and run (2) at once, and their targets.
func WriteApply100(w io.Writer, t *Tally, cfg ApplyConfig, r ApplyResult) {
	ideal := IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)
	fmt.Fprintf(w, "(a) = (b) = (2): %d reboots on %d droplets, D = %s exact, the fake enforcing %d requests a minute and %d an hour.\n",
		cfg.Actions, cfg.Actions, FormatD(cfg.D), cfg.PerMinuteLimit, cfg.PerHourLimit)
	fmt.Fprintf(w, "    On the truthful fake (a), \"no rate limit\", and (b), \"250 a minute\", are the same apply: it ran once and all\n")
	fmt.Fprintf(w, "    their targets are judged on it.\n")
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal %d rounds x %s = %s; %+.1f%%)\n",
		sec(r.Wall), (cfg.Actions+cfg.Parallelism-1)/cfg.Parallelism, FormatD(cfg.D), sec(ideal),
		100*(r.Wall.Seconds()/ideal.Seconds()-1))
	writeTimeline(w, r)
	writeRequests(w, cfg, r)
	writeBudgetFloor(w, r.Stats.Total, cfg.PerMinuteLimit)
	writeUsage(w, r.Usage)
	limit := time.Duration(float64(ideal) * (1 + ApplySlack))
	writeOutcome(w, t, "(a)", cfg, r)
	target(w, t, fmt.Sprintf("  (a) wall %s within 20%% of ideal (<= %s)", sec(r.Wall), sec(limit)), r.Wall <= limit)
	writeOutcome(w, t, "(b)", cfg, r)
	target(w, t, fmt.Sprintf("  (b) zero 429s served: %d", r.Stats.Served429), r.Stats.Served429 == 0)
	floor := BudgetTime(r.Stats.Total, cfg.PerMinuteLimit)
	lim2 := time.Duration(float64(max(ideal, floor)) * (1 + RunSlack))
	target(w, t, fmt.Sprintf("  (2) wall %s <= 1.15 x max(%s, %d req x 60 s / %d = %s) = %s", sec(r.Wall), FormatD(ideal),
		r.Stats.Total, cfg.PerMinuteLimit, sec(floor), sec(lim2)), r.Wall <= lim2)
}

// WriteApplySmall prints run (1), the apply of 50 reboots, and its targets.
func WriteApplySmall(w io.Writer, t *Tally, cfg ApplyConfig, r ApplyResult) {
	ideal := IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)
	fmt.Fprintf(w, "%s %d reboots on %d droplets, D = %s exact, %d/min and %d/h enforced:\n",
		cfg.Label, cfg.Actions, cfg.Actions, FormatD(cfg.D), cfg.PerMinuteLimit, cfg.PerHourLimit)
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal %d rounds x %s = %s; %+.1f%%)\n",
		sec(r.Wall), (cfg.Actions+cfg.Parallelism-1)/cfg.Parallelism, FormatD(cfg.D), sec(ideal),
		100*(r.Wall.Seconds()/ideal.Seconds()-1))
	writeTimeline(w, r)
	writeRequests(w, cfg, r)
	writeUsage(w, r.Usage)
	writeOutcome(w, t, cfg.Label, cfg, r)
	limit := time.Duration(float64(ideal) * (1 + RunSlack))
	target(w, t, fmt.Sprintf("  %s wall %s <= 1.15 x %s = %s", cfg.Label, sec(r.Wall), FormatD(ideal), sec(limit)), r.Wall <= limit)
	target(w, t, fmt.Sprintf("  %s zero 429s served: %d", cfg.Label, r.Stats.Served429), r.Stats.Served429 == 0)
}

// WriteBulk prints a bulk action run, (3) or (4). With listed set, (3) with a token that
// may list actions, its wall and request targets are judged; otherwise (4)'s, the wall
// against NoScopeFloor.
func WriteBulk(w io.Writer, t *Tally, cfg ApplyConfig, r ApplyResult, listed bool) {
	scopes := "a full-access token"
	if cfg.Scopes != nil {
		scopes = "a token with only " + strings.Join(cfg.Scopes, ", ") + " (no actions:read)"
	}
	fmt.Fprintf(w, "%s one gradient_droplet_bulk_action %s over the tag carried by %d droplets, D = %s exact,\n",
		cfg.Label, cfg.BulkType, cfg.Actions, FormatD(cfg.D))
	fmt.Fprintf(w, "    %s, %d/min and %d/h enforced:\n", scopes, cfg.PerMinuteLimit, cfg.PerHourLimit)
	fmt.Fprintf(w, "    wall time of terraform apply  %s (D = %s)\n", sec(r.Wall), FormatD(cfg.D))
	writeTimeline(w, r)
	writeRequests(w, cfg, r)
	fmt.Fprintf(w, "    by route                      %s\n", formatRoutes(r.Routes))
	fmt.Fprintf(w, "    most requests in any 60 s     %d\n", r.PeakMinute)
	writeUsage(w, r.Usage)
	writeOutcome(w, t, cfg.Label, cfg, r)
	target(w, t, fmt.Sprintf("  %s zero 429s served: %d", cfg.Label, r.Stats.Served429), r.Stats.Served429 == 0)
	if !listed {
		floor := NoScopeFloor(cfg.Actions, cfg.PerMinuteLimit, cfg.D)
		limit := time.Duration(float64(floor) * (1 + NoScopeSlack))
		fmt.Fprintf(w, "    floor                         %s: %d actions read one by one at %d a minute (or D, if longer); wall / floor = %.3f\n",
			sec(floor), cfg.Actions, cfg.PerMinuteLimit, r.Wall.Seconds()/floor.Seconds())
		target(w, t, fmt.Sprintf("  %s wall %s <= %.2f x floor %s = %s", cfg.Label, sec(r.Wall), 1+NoScopeSlack, sec(floor), sec(limit)), r.Wall <= limit)
		return
	}
	limit := cfg.D + BulkExtra
	target(w, t, fmt.Sprintf("  %s wall %s <= D + %s = %s", cfg.Label, sec(r.Wall), FormatD(BulkExtra), sec(limit)), r.Wall <= limit)
	target(w, t, fmt.Sprintf("  %s requests in all (init + apply) %d <= %d", cfg.Label, r.Stats.Total, BulkMaxRequests),
		r.Stats.Total <= BulkMaxRequests)
}

// NoScopeFloor is the least time a bulk action of n droplets can take without actions:read,
// as issue 21 states it: each action is read alone, at least once, at perMinute reads a
// minute; and none can be seen finished before D.
func NoScopeFloor(n, perMinute int, d time.Duration) time.Duration {
	if perMinute <= 0 {
		return d
	}
	return max(time.Duration(n)*time.Minute/time.Duration(perMinute), d)
}

// WriteTwo prints run (5), two applies at once, and its targets.
func WriteTwo(w io.Writer, t *Tally, cfg ApplyConfig, r TwoResult) {
	ideal := IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)
	fmt.Fprintf(w, "%s two applies at once, same token and fake, %d reboots each on droplets of their own, D = %s exact,\n",
		cfg.Label, cfg.Actions, FormatD(cfg.D))
	fmt.Fprintf(w, "    %d/min and %d/h enforced; two working directories and provider processes, sharing one\n",
		cfg.PerMinuteLimit, cfg.PerHourLimit)
	fmt.Fprintf(w, "    %s (the applies started %s apart):\n", ledgerDirEnv, sec(r.Skew))
	for i, run := range r.Runs {
		fmt.Fprintf(w, "    apply %d wall time             %s (ideal %s), %d of %d actions completed\n",
			i+1, sec(run.Wall), sec(ideal), run.Completed, cfg.Actions)
		writeUsage(w, run.Usage)
	}
	fmt.Fprintf(w, "    requests to the fake          %d (POST %d, GET %d), 429s served %d, most in any 60 s %d\n",
		r.Stats.Total, r.Stats.ByMethod["POST"], r.Stats.ByMethod["GET"], r.Stats.Served429, r.PeakMinute)
	fmt.Fprintf(w, "    by route                      %s\n", formatRoutes(r.Routes))
	writeCrowding(w, r.Crowding, r.Began, cfg.PerMinuteLimit)
	limit := time.Duration(float64(ideal) * (1 + TwoSlack))
	for i, run := range r.Runs {
		label := fmt.Sprintf("%s #%d", cfg.Label, i+1)
		writeOutcome(w, t, label, cfg, run)
		target(w, t, fmt.Sprintf("  %s wall %s <= 1.3 x %s = %s", label, sec(run.Wall), FormatD(ideal), sec(limit)), run.Wall <= limit)
	}
	target(w, t, fmt.Sprintf("  %s zero 429s served in all: %d", cfg.Label, r.Stats.Served429), r.Stats.Served429 == 0)
}

// WriteApplyJittered prints an unthrottled apply whose durations were jittered, against
// its own ideal: the makespan of the durations the fake drew. It has no target.
func WriteApplyJittered(w io.Writer, cfg ApplyConfig, r ApplyResult) {
	ideal := r.Timeline.Makespan
	rounds := (cfg.Actions + cfg.Parallelism - 1) / max(cfg.Parallelism, 1)
	fmt.Fprintf(w, "(a') as (a) with %d reboots on %d droplets, durations D ±%.0f%% (seed %d), %d/min and %d/h enforced; no target:\n",
		cfg.Actions, cfg.Actions, cfg.Jitter*100, cfg.Seed, cfg.PerMinuteLimit, cfg.PerHourLimit)
	fmt.Fprintf(w, "    wall time of terraform apply  %s (ideal for the drawn durations %s; %+.1f%%; %d rounds x D = %s: %+.1f%%)\n",
		sec(r.Wall), sec(ideal), 100*(r.Wall.Seconds()/ideal.Seconds()-1), rounds,
		sec(IdealApply(cfg.Actions, cfg.Parallelism, cfg.D)), 100*(r.Wall.Seconds()/IdealApply(cfg.Actions, cfg.Parallelism, cfg.D).Seconds()-1))
	writeTimeline(w, r)
	writeRequests(w, cfg, r)
	writeUsage(w, r.Usage)
	writeOutcome(w, nil, "(a')", cfg, r)
}

// writeBudgetFloor prints the least time n requests take under perMinute a minute.
func writeBudgetFloor(w io.Writer, n, perMinute int) {
	if perMinute <= 0 || n <= perMinute {
		return
	}
	floor := time.Duration((n-1)/perMinute) * time.Minute
	fmt.Fprintf(w, "    budget floor for %d requests at %d/min: request k+%d may not come before request k + 60 s, so >= %s\n",
		n, perMinute, perMinute, sec(floor))
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
	fmt.Fprintf(w, "                                  mean detection overhead per action %s (first read answering for it\n", sec(tl.MeanDetect))
	fmt.Fprintf(w, "                                  after it completed, single or list page, - completion)\n")
}

func writeRequests(w io.Writer, cfg ApplyConfig, r ApplyResult) {
	fmt.Fprintf(w, "    requests to the fake          %d (POST %d, GET %d), 429s served %d, actions completed %d\n",
		r.Stats.Total, r.Stats.ByMethod["POST"], r.Stats.ByMethod["GET"], r.Stats.Served429, r.Completed)
	writeCrowding(w, r.Crowding, r.Began, cfg.PerMinuteLimit)
}

func writeUsage(w io.Writer, u Usage) {
	if !u.Valid {
		fmt.Fprintf(w, "    provider process              (no rusage on this platform)\n")
		return
	}
	fmt.Fprintf(w, "    provider process              peak RSS %.1f MiB, CPU time %s (user %s + system %s)\n",
		float64(u.MaxRSSBytes)/(1<<20), sec(u.User+u.Sys), sec(u.User), sec(u.Sys))
}

// WriteWatchRows prints the watcher rows and their targets, against the default
// strategy's column [A] of the table rows with the same D (when measured).
func WriteWatchRows(w io.Writer, t *Tally, cfg WatchTableConfig, rows []WatchRowResult, table []RowResult) {
	tc := cfg.Table
	fmt.Fprintf(w, "[W] watcher: %d actions watched together by one client.Client, which initiates them %s apart and waits for\n",
		tc.Actions, tc.Stagger)
	fmt.Fprintf(w, "each with WaitForDropletAction (one goroutine per action); its watcher reads them in batches of GET\n")
	fmt.Fprintf(w, "/v2/actions?per_page=200. Durations D ±%.0f%% (seed %d+row, as the table). The fake enforces %d requests a\n",
		tc.Jitter*100, tc.Seed, cfg.PerMinuteLimit)
	fmt.Fprintf(w, "minute (429 only) and %d an hour (headers); the client has the default governor, %d requests a minute, not\n",
		cfg.PerHourLimit, client.MaxRequestsPerMinute)
	fmt.Fprintf(w, "scaled. Poll (Scaled RampGridPoll), PollMin, PollMax, WatchHold and WatchFill are divided by S. S is the\n")
	fmt.Fprintf(w, "table's, capped at %d: the watcher's reads come every WatchFill/S, S times as often in real time, while the\n", cfg.MaxScale)
	fmt.Fprintf(w, "budget stays 250 a real minute (and 60 real seconds are S minutes at full scale); at S = %d its reads and\n", cfg.MaxScale)
	fmt.Fprintf(w, "the %d initiations stay under 250 a real minute (peak/60s below). reads = every GET of the row / actions.\n\n", tc.Actions)
	var b strings.Builder
	fmt.Fprintf(&b, "%7s %3s %7s | %7s %7s %5s | %5s %6s %5s | %9s %4s %9s | %6s | %5s\n",
		"D", "S", "actions", "median", "p95", "reads", "pages", "single", "POST", "peak/60s", "429", "throttled", "real", "[A]")
	for _, r := range rows {
		a := "-"
		if ar, ok := strategyRow(table, r.D); ok {
			a = fmt.Sprintf("%.1f", ar.MeanReads())
		}
		fmt.Fprintf(&b, "%7s %3d %7d | %7s %7s %5.1f | %5d %6d %5d | %9d %4d %9d | %4.1f s | %5s\n",
			FormatD(r.D), r.Scale, r.Actions, sec(r.Median()), sec(r.P95()), r.ReadsPerAction(),
			r.Watch.ListReads, r.Watch.SingleReads, r.Initiates, r.PeakMinute, r.Served429, r.Throttled, r.Real.Seconds(), a)
	}
	fmt.Fprint(w, b.String())
	fmt.Fprintf(w, "(pages and single = the watcher's list pages and one-by-one reads; throttled = requests the governor held\n")
	fmt.Fprintf(w, "back; [A] = reads per action of the default strategy's WaitForAction in the table row with the same D)\n\n")
	fmt.Fprintf(w, "Targets, [W]:\n")
	for _, r := range rows {
		target(w, t, fmt.Sprintf("[W] D=%-5s median overhead %s <= %s", FormatD(r.D), sec(r.Median()), sec(WatchMedianMax)),
			r.Median() <= WatchMedianMax)
		if ar, ok := strategyRow(table, r.D); ok {
			target(w, t, fmt.Sprintf("[W] D=%-5s reads/action %.2f < [A]'s %.2f", FormatD(r.D), r.ReadsPerAction(), ar.MeanReads()),
				r.ReadsPerAction() < ar.MeanReads())
		} else {
			fmt.Fprintf(w, "  [W] D=%-5s reads/action %.2f (no [A] row with this D to compare with)\n", FormatD(r.D), r.ReadsPerAction())
		}
	}
	fmt.Fprintln(w)
}

// strategyRow is the default strategy's result in the table row with duration d.
func strategyRow(rows []RowResult, d time.Duration) (StrategyResult, bool) {
	for _, r := range rows {
		if r.D == d && len(r.Results) > 0 {
			return r.Results[0], true
		}
	}
	return StrategyResult{}, false
}

// WriteMany prints the client-level run (6), 1,000 actions watched at once, and its targets.
func WriteMany(w io.Writer, t *Tally, cfg ManyConfig, r ManyResult) {
	fmt.Fprintf(w, "(6) client level: %d actions watched at once. A fake with %d droplets and D = %s exact, without rate\n",
		cfg.Actions, cfg.Actions, FormatD(cfg.D))
	fmt.Fprintf(w, "    limits (hourly headers of an unenforced 5000); an uncapped client (RequestsPerMinute -1) initiates the\n")
	fmt.Fprintf(w, "    reboots 16 at a time, then one WaitForActions(ctx, acts, 0, nil) on a client with the default governor\n")
	fmt.Fprintf(w, "    (%d requests a minute) and watcher. Real time.\n", client.MaxRequestsPerMinute)
	fmt.Fprintf(w, "    initiating                    %s\n", sec(r.Initiating))
	fmt.Fprintf(w, "    WaitForActions                %s, %d of %d completed, %d waits failed\n", sec(r.Waiting), r.Completed, r.Actions, r.Failed)
	if r.FirstError != nil {
		fmt.Fprintf(w, "    first error                   %v\n", r.FirstError)
	}
	fmt.Fprintf(w, "    requests during the wait      %d, 429s %d: %d batch polls (GET /v2/actions page=1) reading %d pages, %d single reads\n",
		r.Requests, r.Served429, r.Polls, r.Pages, r.Singles)
	fmt.Fprintf(w, "    client's WatchStats           ListReads %d, SingleReads %d, ListRefused %v\n",
		r.Watch.ListReads, r.Watch.SingleReads, r.Watch.ListRefused)
	if r.RSSAfter.Valid {
		fmt.Fprintf(w, "    gradient-bench peak RSS       %.1f MiB before the run, %.1f MiB after it (getrusage RUSAGE_SELF: the\n",
			float64(r.RSSBefore.MaxRSSBytes)/(1<<20), float64(r.RSSAfter.MaxRSSBytes)/(1<<20))
		fmt.Fprintf(w, "                                  process's peak so far; the fake and both clients live in it)\n")
	}
	target(w, t, fmt.Sprintf("  (6) all %d waits completed: %d completed, %d failed", r.Actions, r.Completed, r.Failed),
		r.Failed == 0 && r.Completed == r.Actions)
	target(w, t, fmt.Sprintf("  (6) list pages per poll %d / %d = %.2f <= %d", r.Pages, r.Polls, r.PagesPerPoll(), MaxPagesPerPoll),
		r.Polls > 0 && r.PagesPerPoll() <= MaxPagesPerPoll)
	fmt.Fprintln(w)
}

// writeCrowding explains the first 429 of a run, if any.
func writeCrowding(w io.Writer, c Crowding, began time.Time, perMinute int) {
	if !c.Found {
		return
	}
	fmt.Fprintf(w, "    first 429                     %s into the apply", sec(c.At.Sub(began)))
	if c.Span > 0 {
		fmt.Fprintf(w, "; the %d accepted requests before it arrived within %.3f s of it (%s short of 60 s)",
			perMinute, c.Span.Seconds(), (time.Minute - c.Span).Round(time.Microsecond))
	}
	fmt.Fprintln(w)
}
