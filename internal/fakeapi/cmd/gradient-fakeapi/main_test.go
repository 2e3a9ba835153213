package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is written by run's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-addr", "0.0.0.0:0"},
		{"-addr", "192.0.2.1:8080"},
		{"-droplets", "-1"},
		{"-per-minute", "-1"},
		{"-per-hour", "-5"},
		{"-nope"},
		{"extra"},
	} {
		var out lockedBuffer
		if err := run(args, &out); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func TestServesUntilSignalled(t *testing.T) {
	urlFile := filepath.Join(t.TempDir(), "url")
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-droplets", "2", "-history", "3", "-duration", "10ms", "-url-file", urlFile, "-token", "tk"}, &out)
	}()

	var base string
	deadline := time.Now().Add(5 * time.Second)
	for base == "" {
		if b, err := os.ReadFile(urlFile); err == nil {
			base = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no URL file; output %q", out.String())
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if !strings.Contains(out.String(), "fake DigitalOcean API on "+base) {
		t.Errorf("banner missing from %q", out.String())
	}
	// By default the demo runs on DigitalOcean's real limits.
	if !strings.Contains(out.String(), "250 requests a minute, 5000 requests an hour") {
		t.Errorf("banner does not announce the default limits: %q", out.String())
	}

	var lastHeader http.Header
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer tk")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		lastHeader = resp.Header
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("decoding response: %v", err)
		}
	}
	var d struct {
		Droplet struct {
			Name     string
			SizeSlug string `json:"size_slug"`
			Tags     []string
		}
	}
	get("/v2/droplets/1002", &d)
	if d.Droplet.Name != "demo-2" || d.Droplet.SizeSlug != "s-1vcpu-1gb" || len(d.Droplet.Tags) != 1 || d.Droplet.Tags[0] != "demo" {
		t.Errorf("seeded droplet %+v", d.Droplet)
	}
	var list struct{ Meta struct{ Total int } }
	get("/v2/droplets/1001/actions", &list)
	if list.Meta.Total != 3 {
		t.Errorf("history total %d", list.Meta.Total)
	}
	// The headers describe the hourly window of 5000, never the minute's 250.
	if l, r := lastHeader.Get("Ratelimit-Limit"), lastHeader.Get("Ratelimit-Remaining"); l != "5000" || r != "4998" {
		t.Errorf("ratelimit-limit %q, ratelimit-remaining %q after two requests; want 5000 and 4998", l, r)
	}
	get("/v2/actions?per_page=200", &list)
	if list.Meta.Total != 6 {
		t.Errorf("account-wide action total %d, want 6", list.Meta.Total)
	}

	// The health endpoint is announced, and answers without a token.
	announced := regexp.MustCompile(`droplet health endpoint on (http://127\.0\.0\.1:\d+)/health/\{droplet_id\}`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; {
		if m = announced.FindStringSubmatch(out.String()); m == nil {
			if time.Now().After(deadline) {
				t.Fatalf("health endpoint not announced: %q", out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	resp, err := http.Get(m[1] + "/health/1001")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health of demo droplet 1001: %d", resp.StatusCode)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop on SIGTERM")
	}
}
