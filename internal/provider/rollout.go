package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/health"
)

// This file is the rollout engine of gradient_droplet_rollout, the resource and the
// Terraform action alike: which droplet starts when (canary, then a window of
// max_parallel slots, each pausing after its droplet), each droplet's steps (each one a
// run, so locks, the watcher, the request budget and the busy-droplet logic are the
// ones every other action uses), the health gate, and the outcome of each droplet.

// rolloutEvents receives what a rollout says as it goes: progress for the action, INFO
// logs for the resource. It is called from several droplets' goroutines at once.
type rolloutEvents func(format string, args ...any)

// rolloutRun runs spec over targets, in their order, and returns one result per target,
// in the same order. A droplet never started is not_started.
func rolloutRun(ctx context.Context, c *client.Client, spec rolloutSpec, entry entryKind, targets []client.Droplet, say rolloutEvents) []rolloutResult {
	results := make([]rolloutResult, len(targets))
	for i, d := range targets {
		results[i] = rolloutResult{DropletID: d.ID, Name: d.Name, Outcome: outcomeNotStarted}
	}
	var mu sync.Mutex
	failures, next := 0, 0
	// take returns the next droplet to start, or -1 once the budget is spent, the context
	// has ended or no droplet is left.
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(targets) || failures > spec.MaxFailures || ctx.Err() != nil {
			return -1
		}
		next++
		return next - 1
	}
	runOne := func(i int) bool {
		r := rolloutDroplet(ctx, c, spec, entry, targets[i], say)
		mu.Lock()
		defer mu.Unlock()
		results[i] = r
		if r.Outcome == outcomeFailed {
			failures++
			if failures > spec.MaxFailures {
				say("failure budget spent (%d failed, max_failures = %d): no further droplet starts", failures, spec.MaxFailures)
			}
		}
		return r.Outcome != outcomeSkipped
	}
	more := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return next < len(targets) && failures <= spec.MaxFailures
	}
	// The canaries, alone, one at a time.
	for range min(spec.Canary, len(targets)) {
		i := take()
		if i < 0 {
			break
		}
		if runOne(i) && more() {
			pause(ctx, spec.Pause)
		}
	}
	// Then a window of MaxParallel slots.
	var wg sync.WaitGroup
	for range max(spec.MaxParallel, 1) {
		wg.Go(func() {
			for {
				i := take()
				if i < 0 {
					return
				}
				if runOne(i) && more() {
					pause(ctx, spec.Pause)
				}
			}
		})
	}
	wg.Wait()
	return results
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// rolloutDroplet runs the steps on one droplet, then its health gate.
func rolloutDroplet(ctx context.Context, c *client.Client, spec rolloutSpec, entry entryKind, d client.Droplet, say rolloutEvents) rolloutResult {
	r := rolloutResult{DropletID: d.ID, Name: d.Name, StartedAt: time.Now().UTC()}
	who := fmt.Sprintf("droplet %d (%s)", d.ID, d.Name)
	fail := func(format string, args ...any) rolloutResult {
		r.Outcome, r.FinishedAt, r.Message = outcomeFailed, time.Now().UTC(), fmt.Sprintf(format, args...)
		say("%s failed: %s", who, r.Message)
		return r
	}
	skipped := false
	if spec.SkipMatching {
		cur, err := readSettled(ctx, c, d.ID)
		if err != nil {
			return fail("reading the droplet: %v", err)
		}
		skipped = client.StepsMatch(cur, spec.Steps)
	}
	if skipped {
		// Its steps are not needed, but a droplet counts only once healthy: the gate
		// still applies.
		say("%s skipped: it already matches what the steps would make it", who)
	} else if res, ok := rolloutSteps(ctx, c, spec, entry, d, &r, say); !ok {
		return fail("%s", res)
	}
	if skipped {
		r.Message = "already matched what the steps would make it"
		if spec.HealthURL == "" {
			r.Outcome, r.FinishedAt = outcomeSkipped, time.Now().UTC()
			return r
		}
	}
	if spec.HealthURL != "" {
		u := health.Expand(spec.HealthURL, map[string]string{
			"id": fmt.Sprint(d.ID), "name": d.Name, "ipv4_public": d.PublicIPv4(), "ipv4_private": d.PrivateIPv4(),
		})
		if err := spec.Health.Wait(ctx, u); err != nil {
			return fail("%v", err)
		}
		say("%s healthy", who)
	} else if !skipped {
		want := wantStatus(spec.Steps, d.Status)
		cur, _, err := c.GetDroplet(ctx, d.ID)
		if err != nil {
			return fail("reading the droplet after its steps: %v", err)
		}
		if cur.Status != want {
			return fail("after its steps the droplet's status is %q, not %q", cur.Status, want)
		}
	}
	r.Outcome, r.FinishedAt = outcomeDone, time.Now().UTC()
	if skipped {
		r.Outcome = outcomeSkipped
	}
	say("%s done", who)
	return r
}

// rolloutSteps runs the steps on one droplet, in order, recording their actions in r;
// on a failure it returns why, and false.
func rolloutSteps(ctx context.Context, c *client.Client, spec rolloutSpec, entry entryKind, d client.Droplet, r *rolloutResult, say rolloutEvents) (string, bool) {
	who := fmt.Sprintf("droplet %d (%s)", d.ID, d.Name)
	// status is the power state this droplet's own completed steps left it in, once one
	// has: a later power step is then decided from it, with no read. Before, a power
	// step reads the droplet first (SkipDone), as anything may have acted on it.
	status := ""
	for k, step := range spec.Steps {
		to := reaches(step.Type)
		if spec.SkipMatching && to != "" && status == to {
			say("%s: step %d of %d, %s, skipped: the droplet is already %s", who, k+1, len(spec.Steps), step.Type, to)
			continue
		}
		say("%s: step %d of %d, %s, started", who, k+1, len(spec.Steps), step.Type)
		o := run(ctx, c, runSpec{DropletID: d.ID, Request: step, SkipDone: spec.SkipMatching && to != "" && status == "", Entry: entry}, runHooks{})
		if to != "" && o.ok() {
			status = to
		}
		for _, a := range o.Actions {
			r.ActionIDs = append(r.ActionIDs, a.ID)
		}
		for _, s := range o.Snapshots {
			if s.ID != "" {
				r.SnapshotID = s.ID
			}
		}
		if !o.ok() {
			return fmt.Sprintf("step %d (%s): %s", k+1, step.Type, o.reason()), false
		}
		if len(o.Skipped) > 0 {
			say("%s: step %d of %d, %s, skipped: the droplet is already %s", who, k+1, len(spec.Steps), step.Type, reaches(step.Type))
			continue
		}
		say("%s: step %d of %d, %s, completed", who, k+1, len(spec.Steps), step.Type)
	}
	return "", true
}

// wantStatus is the status a droplet must have once its steps completed: the one the
// last power step leaves, else the one it had before.
func wantStatus(steps []client.ActionRequest, before string) string {
	want := before
	if want != client.DropletOff {
		want = client.DropletActive
	}
	for _, s := range steps {
		if r := reaches(s.Type); r != "" {
			want = r
		}
	}
	return want
}

// reason says in one line why a run failed, for a rollout's table.
func (o *runOutcome) reason() string {
	if o.Failed == stageWait {
		for _, err := range o.WaitErrs {
			if err != nil {
				return err.Error()
			}
		}
	}
	if o.Err != nil {
		return o.Err.Error()
	}
	return "failed"
}

// rolloutFailed reports whether the results spent more than the failure budget, or left
// droplets not started.
func rolloutFailed(results []rolloutResult, maxFailures int) bool {
	failed := 0
	for _, r := range results {
		switch r.Outcome {
		case outcomeFailed:
			failed++
		case outcomeNotStarted:
			return true
		}
	}
	return failed > maxFailures
}

// failedCount is how many droplets failed.
func failedCount(results []rolloutResult) int {
	n := 0
	for _, r := range results {
		if r.Outcome == outcomeFailed {
			n++
		}
	}
	return n
}

// rolloutTable is the one diagnostic of a failed rollout: each droplet by outcome.
func rolloutTable(results []rolloutResult, ctxErr error, resume string) string {
	var done, failed, notStarted []string
	for _, r := range results {
		line := fmt.Sprintf("  droplet %d (%s)", r.DropletID, r.Name)
		switch r.Outcome {
		case outcomeDone:
			done = append(done, line)
		case outcomeSkipped:
			done = append(done, line+": skipped, already matching")
		case outcomeFailed:
			failed = append(failed, line+": "+r.Message)
		default:
			notStarted = append(notStarted, line)
		}
	}
	var b strings.Builder
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		b.WriteString("The rollout's timeout ran out.\n")
	} else if ctxErr != nil {
		b.WriteString("The rollout was interrupted.\n")
	}
	group := func(title string, lines []string) {
		fmt.Fprintf(&b, "\n%s (%d of %d):\n", title, len(lines), len(results))
		if len(lines) == 0 {
			b.WriteString("  none\n")
		}
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	group("Done", done)
	group("Failed", failed)
	group("Not started", notStarted)
	if resume != "" {
		b.WriteString("\n" + resume)
	}
	return strings.TrimSpace(b.String())
}
