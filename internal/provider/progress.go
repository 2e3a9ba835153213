package provider

// This file holds the progress the Terraform action shows and the logs the resources
// write while an action runs.

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// progressEvery is how often a long wait reports that it is still going.
const progressEvery = 10 * time.Second

// progress sends progress messages, never after ctx is done, and serializes concurrent
// senders (bulk waits report from several goroutines).
type progress struct {
	ctx  context.Context
	mu   sync.Mutex
	send func(action.InvokeProgressEvent)
}

// stillRunning reports, every progressEvery, how many actions are still in progress: the
// one of a single droplet, or how many of a tag's (total of them). It is called from
// several waits at once; *start is set when the actions are initiated, before any read.
func stillRunning(p *progress, start *time.Time, total func() int) func(*client.Action) {
	var mu sync.Mutex
	running := make(map[int64]bool)
	var next time.Time
	return func(cur *client.Action) {
		mu.Lock()
		defer mu.Unlock()
		if next.IsZero() {
			next = start.Add(progressEvery)
		}
		running[cur.ID] = cur.Status == client.StatusInProgress
		if time.Now().Before(next) {
			return
		}
		n := 0
		for _, r := range running {
			if r {
				n++
			}
		}
		// Actions not read yet are still running as far as anyone knows.
		all := total()
		n += all - len(running)
		switch {
		case n <= 0:
			return
		case all == 1:
			p.say("%s on droplet %d still in progress after %s (action %d)", cur.Type, cur.ResourceID, seconds(time.Since(*start)), cur.ID)
		default:
			p.say("%d of %d %s actions still in progress after %s", n, all, cur.Type, seconds(time.Since(*start)))
		}
		next = time.Now().Add(progressEvery)
	}
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
}

// progressLogger logs each status read while waiting.
func progressLogger(ctx context.Context) func(*client.Action) {
	start := time.Now()
	return func(cur *client.Action) {
		tflog.Debug(ctx, "droplet action status", map[string]any{
			"action_id": cur.ID, "type": cur.Type, "droplet_id": cur.ResourceID, "status": cur.Status,
			"elapsed": time.Since(start).Round(time.Millisecond).String(),
		})
	}
}

func (p *progress) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.send == nil || p.ctx.Err() != nil {
		return
	}
	p.send(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
}
