package fakeapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

type apiSnapshot struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	CreatedAt     string   `json:"created_at"`
	Regions       []string `json:"regions"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	Type          string   `json:"type"`
}

type snapshotsPage struct {
	Snapshots []apiSnapshot
	Links     struct {
		Pages map[string]string
	}
	Meta struct{ Total int }
}

func listSnapshots(t *testing.T, s *fakeapi.Server, dropletID int64, query string) snapshotsPage {
	t.Helper()
	var p snapshotsPage
	call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d/snapshots%s", dropletID, query), "").want(t, http.StatusOK).decode(t, &p)
	return p
}

func snapshotIDs(p snapshotsPage) []int64 {
	var ids []int64
	for _, sn := range p.Snapshots {
		ids = append(ids, sn.ID)
	}
	return ids
}

// TestSnapshotRecords: a completed snapshot action leaves one record shaped
// like the API's example, named as asked or by the API's rule, created at the
// action's start; an in-progress or errored one leaves none.
func TestSnapshotRecords(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: 1500 * time.Millisecond})
	d := s.AddDroplet(fakeapi.Droplet{Name: "web-01", Region: "sfo3", SizeSlug: "s-2vcpu-4gb"})
	other := s.AddDroplet(fakeapi.Droplet{})

	clock.Advance(250 * time.Millisecond) // started_at 05:06:07.250
	startedAt := clock.Now()
	a := initiate(t, s, d.ID, `{"type":"snapshot"}`)
	if p := listSnapshots(t, s, d.ID, ""); len(p.Snapshots) != 0 || p.Meta.Total != 0 || len(p.Links.Pages) != 0 {
		t.Fatalf("a snapshot in progress is listed: %+v", p)
	}
	clock.Advance(1500 * time.Millisecond)

	r := call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d/snapshots", d.ID), "").want(t, http.StatusOK)
	var raw struct {
		Snapshots []map[string]json.RawMessage
		Links     map[string]json.RawMessage
	}
	r.decode(t, &raw)
	if len(raw.Snapshots) != 1 || len(raw.Links) != 0 {
		t.Fatalf("listed %s", r.body)
	}
	if id := string(raw.Snapshots[0]["id"]); id[0] == '"' {
		t.Errorf("id %s is a string; the API's example sends an integer", id)
	}
	var p snapshotsPage
	r.decode(t, &p)
	done := getAction(t, s, a.ID)
	dd, _ := s.Droplet(d.ID)
	want := apiSnapshot{
		ID: dd.SnapshotIDs[0], Name: "web-01-" + strconv.FormatInt(startedAt.UnixMilli(), 10),
		CreatedAt: "2026-03-04T05:06:07Z", Regions: []string{"sfo3"}, MinDiskSize: 80, SizeGigabytes: 7.48, Type: "snapshot",
	}
	if got := p.Snapshots[0]; !slices.Equal(got.Regions, want.Regions) || got.ID != want.ID || got.Name != want.Name ||
		got.CreatedAt != want.CreatedAt || got.MinDiskSize != want.MinDiskSize || got.SizeGigabytes != want.SizeGigabytes ||
		got.Type != want.Type || len(dd.SnapshotIDs) != 1 || p.Meta.Total != 1 {
		t.Fatalf("snapshot %+v, want %+v (snapshot_ids %v, total %d)", got, want, dd.SnapshotIDs, p.Meta.Total)
	}
	if done.StartedAt != want.CreatedAt || done.CompletedAt == nil || *done.CompletedAt != "2026-03-04T05:06:08Z" {
		t.Errorf("action ran %s..%v; created_at %s should be its start", done.StartedAt, done.CompletedAt, want.CreatedAt)
	}

	// A given name is kept as given.
	clock.Advance(time.Minute)
	initiate(t, s, d.ID, `{"type":"snapshot","name":"nightly"}`)
	clock.Advance(1500 * time.Millisecond)
	p = listSnapshots(t, s, d.ID, "")
	if len(p.Snapshots) != 2 || p.Snapshots[1].Name != "nightly" || p.Snapshots[1].CreatedAt != "2026-03-04T05:07:08Z" {
		t.Fatalf("after a named snapshot: %+v", p.Snapshots)
	}

	// An errored snapshot leaves nothing.
	s.SetActionOutcome(d.ID, client.ActionSnapshot, true)
	initiate(t, s, d.ID, `{"type":"snapshot","name":"broken"}`)
	clock.Advance(1500 * time.Millisecond)
	if p := listSnapshots(t, s, d.ID, ""); len(p.Snapshots) != 2 {
		t.Errorf("an errored snapshot was listed: %+v", p.Snapshots)
	}
	if dd, _ := s.Droplet(d.ID); len(dd.SnapshotIDs) != 2 || !slices.Equal(dd.SnapshotIDs, snapshotIDs(p)) {
		t.Errorf("snapshot_ids %v, listed %v", dd.SnapshotIDs, snapshotIDs(p))
	}
	if p := listSnapshots(t, s, other.ID, ""); len(p.Snapshots) != 0 {
		t.Errorf("another droplet lists %+v", p.Snapshots)
	}
}

// TestSnapshotsByTag: a snapshot by tag leaves one record on each tagged
// droplet, with the given name or each droplet's own API-chosen one.
func TestSnapshotsByTag(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	tagged := []int64{
		s.AddDroplet(fakeapi.Droplet{Name: "a", Tags: []string{"web"}}).ID,
		s.AddDroplet(fakeapi.Droplet{Name: "b", Tags: []string{"web"}, SizeSlug: "s-1vcpu-512mb-10gb"}).ID,
	}
	untagged := s.AddDroplet(fakeapi.Droplet{Name: "c"})
	call(t, s, "POST", "/v2/droplets/actions?tag_name=web", `{"type":"snapshot","name":"all-web"}`).want(t, http.StatusCreated)
	clock.Advance(time.Second)
	call(t, s, "POST", "/v2/droplets/actions?tag_name=web", `{"type":"snapshot"}`).want(t, http.StatusCreated)
	startedAt := clock.Now()
	clock.Advance(time.Second)

	for i, id := range tagged {
		p := listSnapshots(t, s, id, "")
		name := []string{"a", "b"}[i]
		wantNames := []string{"all-web", name + "-" + strconv.FormatInt(startedAt.UnixMilli(), 10)}
		var names []string
		for _, sn := range p.Snapshots {
			names = append(names, sn.Name)
		}
		if !slices.Equal(names, wantNames) || p.Meta.Total != 2 {
			t.Errorf("droplet %s: snapshots %v (total %d), want %v", name, names, p.Meta.Total, wantNames)
		}
		if d, _ := s.Droplet(id); !slices.Equal(d.SnapshotIDs, snapshotIDs(p)) {
			t.Errorf("droplet %s: snapshot_ids %v, listed %v", name, d.SnapshotIDs, snapshotIDs(p))
		}
		if wantDisk := []int{25, 10}[i]; len(p.Snapshots) > 0 && p.Snapshots[0].MinDiskSize != wantDisk {
			t.Errorf("droplet %s: min_disk_size %d, want %d", name, p.Snapshots[0].MinDiskSize, wantDisk)
		}
	}
	if p := listSnapshots(t, s, untagged.ID, ""); len(p.Snapshots) != 0 {
		t.Errorf("untagged droplet lists %+v", p.Snapshots)
	}
	all := append(snapshotIDs(listSnapshots(t, s, tagged[0], "")), snapshotIDs(listSnapshots(t, s, tagged[1], ""))...)
	if len(slices.Compact(slices.Sorted(slices.Values(all)))) != 4 {
		t.Errorf("image IDs %v are not all distinct", all)
	}
}

// TestSnapshotsPaging: the list pages like the fake's other lists, oldest
// first by created_at whatever order the snapshots were stored in.
func TestSnapshotsPaging(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now})
	d := s.AddDroplet(fakeapi.Droplet{})
	var want []int64
	for i := range 44 {
		sn, ok := s.AddSnapshot(d.ID, "", clock.Now().Add(time.Duration(i-100)*time.Minute))
		if !ok {
			t.Fatal("AddSnapshot refused a known droplet")
		}
		want = append(want, sn.ID)
	}
	// Stored last, created first.
	early, _ := s.AddSnapshot(d.ID, "early", clock.Now().Add(-time.Hour*24))
	want = append([]int64{early.ID}, want...)
	const total = 45

	base := fmt.Sprintf("%s/v2/droplets/%d/snapshots", s.URL(), d.ID)
	link := func(p, per int) string { return fmt.Sprintf("%s?page=%d&per_page=%d", base, p, per) }
	cases := []struct {
		query string
		n     int
		links map[string]string
	}{
		{"", 20, map[string]string{"next": link(2, 20), "last": link(3, 20)}},
		{"?page=2", 20, map[string]string{"first": link(1, 20), "prev": link(1, 20), "next": link(3, 20), "last": link(3, 20)}},
		{"?page=3", 5, map[string]string{"first": link(1, 20), "prev": link(2, 20)}},
		{"?page=4", 0, map[string]string{"first": link(1, 20), "prev": link(3, 20)}},
		{"?per_page=200", total, nil},
		{"?per_page=500&tag_name=x", total, nil},
	}
	var paged []int64
	for _, c := range cases {
		p := listSnapshots(t, s, d.ID, c.query)
		if len(p.Snapshots) != c.n || p.Meta.Total != total {
			t.Errorf("%q: %d snapshots, total %d", c.query, len(p.Snapshots), p.Meta.Total)
		}
		if len(p.Links.Pages) != len(c.links) {
			t.Errorf("%q: links %v, want %v", c.query, p.Links.Pages, c.links)
		}
		for k, v := range c.links {
			if p.Links.Pages[k] != v {
				t.Errorf("%q: link %s = %q, want %q", c.query, k, p.Links.Pages[k], v)
			}
		}
		if c.query == "" || c.query == "?page=2" || c.query == "?page=3" {
			paged = append(paged, snapshotIDs(p)...)
		}
		if c.query == "?per_page=200" && !slices.Equal(snapshotIDs(p), want) {
			t.Errorf("one page lists %v, want %v (oldest first)", snapshotIDs(p), want)
		}
	}
	if !slices.Equal(paged, want) {
		t.Errorf("three pages list %v, want %v", paged, want)
	}
	var got []int64
	for _, sn := range s.Snapshots(d.ID) {
		got = append(got, sn.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Snapshots() = %v, want %v", got, want)
	}
	for _, q := range []string{"per_page=0", "page=-1", "page=abc"} {
		call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d/snapshots?%s", d.ID, q), "").wantError(t, 422, "unprocessable_entity", "positive integer")
	}
	if _, ok := s.AddSnapshot(424242, "", time.Time{}); ok {
		t.Error("AddSnapshot accepted an unknown droplet")
	}
}

// TestSnapshotsRefusals: the list needs droplet:read, knows only stored
// droplets, takes only GET, and is counted against the rate limit.
func TestSnapshotsRefusals(t *testing.T) {
	t.Parallel()
	without := start(t, fakeapi.Options{Scopes: []string{"droplet:update", "image:create", "actions:read"}})
	d := without.AddDroplet(fakeapi.Droplet{})
	without.AddSnapshot(d.ID, "x", time.Time{})
	call(t, without, "GET", fmt.Sprintf("/v2/droplets/%d/snapshots", d.ID), "").wantError(t, http.StatusForbidden, "forbidden", "droplet:read")
	// A POST needs droplet:update, which this token has, so it reaches the route.
	r := call(t, without, "POST", fmt.Sprintf("/v2/droplets/%d/snapshots", d.ID), `{}`)
	r.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed", "POST")
	if r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}

	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, Scopes: []string{"droplet:read"}, PerMinuteLimit: 3})
	d = s.AddDroplet(fakeapi.Droplet{})
	s.AddSnapshot(d.ID, "x", time.Time{})
	if p := listSnapshots(t, s, d.ID, ""); len(p.Snapshots) != 1 {
		t.Errorf("droplet:read lists %+v", p.Snapshots)
	}
	call(t, s, "GET", "/v2/droplets/999999/snapshots", "").wantError(t, http.StatusNotFound, "not_found", "could not be found")
	call(t, s, "GET", "/v2/droplets/abc/snapshots", "").wantError(t, http.StatusNotFound, "not_found", "could not be found")
	// Three requests so far, the limit: the next is refused, and every one was logged.
	call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d/snapshots", d.ID), "").wantError(t, http.StatusTooManyRequests, "too_many_requests", "rate limit")
	if st := s.Stats(); st.Total != 4 || st.Served429 != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestSnapshotRecordsFollowDroplet: snapshot IDs given to AddDroplet get
// records, oldest first in the order given; replacing the droplet keeps the
// records of the IDs it still has. Disk follows the size, a permanent disk
// resize grows it, and a CPU-only resize leaves it.
func TestSnapshotRecordsFollowDroplet(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: -1})
	d := s.AddDroplet(fakeapi.Droplet{Name: "db", SnapshotIDs: []int64{9, 5}, SizeSlug: "s-1vcpu-2gb", Status: fakeapi.StatusOff})
	if d.Disk != 50 {
		t.Errorf("disk %d for s-1vcpu-2gb, want 50", d.Disk)
	}
	p := listSnapshots(t, s, d.ID, "")
	if !slices.Equal(snapshotIDs(p), []int64{9, 5}) || p.Snapshots[0].CreatedAt != "2026-03-04T05:04:07Z" ||
		p.Snapshots[1].CreatedAt != "2026-03-04T05:05:07Z" || p.Snapshots[1].MinDiskSize != 50 {
		t.Fatalf("made-up records %+v", p.Snapshots)
	}
	kept := p.Snapshots[1]
	clock.Advance(time.Hour)
	d.SnapshotIDs = []int64{5}
	s.AddDroplet(d)
	p = listSnapshots(t, s, d.ID, "")
	if len(p.Snapshots) != 1 || fmt.Sprint(p.Snapshots[0]) != fmt.Sprint(kept) {
		t.Fatalf("after replacing: %+v, want only %+v", p.Snapshots, kept)
	}

	initiate(t, s, d.ID, `{"type":"resize","size":"s-2vcpu-4gb","disk":true}`)
	var dj struct{ Droplet struct{ Disk int } }
	call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d", d.ID), "").want(t, 200).decode(t, &dj)
	if dj.Droplet.Disk != 80 {
		t.Errorf("disk %d after a disk resize to s-2vcpu-4gb, want 80", dj.Droplet.Disk)
	}
	// Back down to a smaller disk is refused once the disk has grown, as
	// DigitalOcean does; a CPU-only resize up keeps the disk.
	call(t, s, "POST", fmt.Sprintf("/v2/droplets/%d/actions", d.ID), `{"type":"resize","size":"s-1vcpu-1gb"}`).
		wantError(t, 422, "unprocessable_entity", "Size can not decrease size of Droplet's disk image")
	initiate(t, s, d.ID, `{"type":"resize","size":"s-4vcpu-8gb"}`)
	initiate(t, s, d.ID, `{"type":"snapshot"}`)
	p = listSnapshots(t, s, d.ID, "")
	if len(p.Snapshots) != 2 || p.Snapshots[1].MinDiskSize != 80 {
		t.Errorf("a snapshot after a CPU-only resize up: %+v, want min_disk_size 80", p.Snapshots)
	}
}
