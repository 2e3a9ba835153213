package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func benchActionJSON(id int64, status ActionStatus) string {
	completed := "null"
	if status.Done() {
		completed = `"2025-03-04T05:06:08Z"`
	}
	return fmt.Sprintf(`{"id":%d,"status":%q,"type":"resize","started_at":"2025-03-04T05:06:07Z","completed_at":%s,`+
		`"resource_id":3164494,"resource_type":"droplet","region":{"name":"New York 3","slug":"nyc3","available":true,`+
		`"features":["private_networking","backups","ipv6","metadata","install_agent","storage","image_transfer"],`+
		`"sizes":["s-1vcpu-1gb","s-1vcpu-2gb","s-2vcpu-2gb","s-2vcpu-4gb","s-4vcpu-8gb","s-8vcpu-16gb","c-2","c-4"]},"region_slug":"nyc3"}`,
		id, status, completed)
}

func BenchmarkDecodeAction(b *testing.B) {
	data := []byte(`{"action":` + benchActionJSON(36804636, StatusCompleted) + `}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var root actionRoot
		if err := json.Unmarshal(data, &root); err != nil || root.Action == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeActionList(b *testing.B) {
	items := make([]string, 200)
	for i := range items {
		items[i] = benchActionJSON(int64(1000+i), StatusCompleted)
	}
	data := []byte(`{"actions":[` + strings.Join(items, ",") + `],"links":{"pages":{"next":"https://api.digitalocean.com/v2/droplets/3164494/actions?page=2&per_page=200","last":"https://api.digitalocean.com/v2/droplets/3164494/actions?page=3&per_page=200"}},"meta":{"total":450}}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var root actionsRoot
		if err := json.Unmarshal(data, &root); err != nil || len(root.Actions) != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkWaitForAction measures the client's cost per wait: each action completes on
// its polls-th read, and Poll is zero so that only the client and loopback HTTP count.
func BenchmarkWaitForAction(b *testing.B) {
	for _, polls := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("polls=%d", polls), func(b *testing.B) {
			var mu sync.Mutex
			reads := map[int64]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/v2/actions/"), 10, 64)
				if err != nil {
					http.NotFound(w, r)
					return
				}
				mu.Lock()
				reads[id]++
				n := reads[id]
				mu.Unlock()
				status := StatusInProgress
				if n >= polls {
					status = StatusCompleted
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = fmt.Fprintf(w, `{"action":%s}`, benchActionJSON(id, status))
			}))
			defer srv.Close()
			// The loop measures the waiter, not the per-minute count, which would hold it at
			// 250 requests a minute.
			c, err := New(Config{Token: "bench", Endpoint: srv.URL, Poll: func(int, time.Duration) time.Duration { return 0 },
				Governor: NewGovernorWith(GovernorOptions{RequestsPerMinute: -1})})
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.ReportAllocs()
			for b.Loop() {
				a, err := c.WaitForAction(b.Context(), next.Add(1), nil)
				if err != nil || a.Status != StatusCompleted {
					b.Fatal(a, err)
				}
			}
			b.ReportMetric(float64(polls), "polls/op")
		})
	}
}
