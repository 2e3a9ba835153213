package client_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// snapshotEpoch is a fixed virtual time in the past, so that the rate-limit resets the
// fake reports never hold the client's governor.
var snapshotEpoch = time.Date(2025, 6, 7, 10, 0, 0, 0, time.UTC)

// snapshotFake is a fake on virtual time whose actions take 1.5 s, a droplet on it and a
// client for it.
func snapshotFake(t *testing.T) (*fakeapi.Server, *virtualClock, int64, *client.Client) {
	t.Helper()
	clock := newVirtualClock(snapshotEpoch)
	s := newFake(t, fakeapi.Options{Now: clock.Now, DefaultDuration: 1500 * time.Millisecond})
	d := s.AddDroplet(fakeapi.Droplet{Name: "web-01"})
	return s, clock, d.ID, newClient(t, s.URL())
}

// advance moves virtual time on.
func advance(t *testing.T, clock *virtualClock, d time.Duration) {
	t.Helper()
	if err := clock.Sleep(t.Context(), d); err != nil {
		t.Fatal(err)
	}
}

// snapshotAction takes a snapshot through the client, lets it run to completion and
// returns the completed action as the API reports it.
func snapshotAction(t *testing.T, c *client.Client, clock *virtualClock, dropletID int64, name string) client.Action {
	t.Helper()
	a, _, err := c.Initiate(t.Context(), dropletID, client.ActionRequest{Type: client.ActionSnapshot, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	advance(t, clock, 1500*time.Millisecond)
	done, _, err := c.GetDropletAction(t.Context(), dropletID, a.ID)
	if err != nil || done.Status != client.StatusCompleted {
		t.Fatalf("snapshot action %d: %+v, %v", a.ID, done, err)
	}
	return *done
}

// newestSnapshot is the ID of the droplet's last snapshot, as the fake has it.
func newestSnapshot(t *testing.T, s *fakeapi.Server, dropletID int64) string {
	t.Helper()
	snaps := s.Snapshots(dropletID)
	if len(snaps) == 0 {
		t.Fatalf("droplet %d has no snapshot", dropletID)
	}
	return strconv.FormatInt(snaps[len(snaps)-1].ID, 10)
}

func findSnapshot(t *testing.T, c *client.Client, a client.Action, name string) client.SnapshotMatch {
	t.Helper()
	m, err := c.FindSnapshot(t.Context(), a, name)
	if err != nil {
		t.Fatalf("FindSnapshot(%d, %q): %v", a.ID, name, err)
	}
	if m.Reason == "" {
		t.Errorf("FindSnapshot(%d, %q) gave no reason", a.ID, name)
	}
	return m
}

func wantNoMatch(t *testing.T, m client.SnapshotMatch, reason ...string) {
	t.Helper()
	if m.ID != "" {
		t.Errorf("matched %s (%s), want no ID", m.ID, m.Reason)
	}
	for _, r := range reason {
		if !strings.Contains(m.Reason, r) {
			t.Errorf("reason %q lacks %q", m.Reason, r)
		}
	}
}

// TestFindSnapshotNamedAndUnnamed: a named and an unnamed snapshot action, a minute
// apart among older snapshots, each find their own snapshot, by name or by time alone.
func TestFindSnapshotNamedAndUnnamed(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	s.AddSnapshot(id, "nightly", clock.Now().Add(-24*time.Hour))
	s.AddSnapshot(id, "", clock.Now().Add(-time.Hour))

	named := snapshotAction(t, c, clock, id, "nightly")
	namedID := newestSnapshot(t, s, id)
	advance(t, clock, time.Minute)
	unnamed := snapshotAction(t, c, clock, id, "")
	unnamedID := newestSnapshot(t, s, id)
	if namedID == unnamedID {
		t.Fatal("the second snapshot action made no snapshot")
	}

	for _, tc := range []struct {
		a    client.Action
		name string
		want string
	}{
		{named, "nightly", namedID},
		{named, "", namedID},
		{unnamed, "", unnamedID},
	} {
		if m := findSnapshot(t, c, tc.a, tc.name); m.ID != tc.want {
			t.Errorf("FindSnapshot(%d, %q) = %+v, want %s", tc.a.ID, tc.name, m, tc.want)
		} else if !strings.Contains(m.Reason, "only snapshot of droplet") {
			t.Errorf("reason %q", m.Reason)
		}
	}
	// The name must match: the unnamed snapshot got the API's name, not "nightly".
	wantNoMatch(t, findSnapshot(t, c, unnamed, "nightly"), `named "nightly"`, "another name", "ID "+unnamedID)
}

// TestFindSnapshotWindow: the window is the run in whole seconds with a second's slack
// either side; a snapshot just inside it makes the match ambiguous, one just outside
// does not count.
func TestFindSnapshotWindow(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	advance(t, clock, 1200*time.Millisecond) // the run: 10:00:01.2 to 10:00:02.7
	a := snapshotAction(t, c, clock, id, "")
	ours := newestSnapshot(t, s, id)
	if got := a.StartedAt.Format(time.TimeOnly) + " " + a.CompletedAt.Format(time.TimeOnly); got != "10:00:01 10:00:02" {
		t.Fatalf("the action ran %s", got)
	}
	// The API writes the run as 10:00:01 to 10:00:02, so the window is 10:00:00 to 10:00:03.
	s.AddSnapshot(id, "", snapshotEpoch.Add(-time.Second))
	s.AddSnapshot(id, "", snapshotEpoch.Add(4*time.Second))
	if m := findSnapshot(t, c, a, ""); m.ID != ours || !strings.Contains(m.Reason, "between 10:00:00 and 10:00:03 UTC on 2025-06-07") {
		t.Fatalf("with neighbours just outside: %+v, want %s", m, ours)
	}
	late, _ := s.AddSnapshot(id, "", snapshotEpoch.Add(3*time.Second))
	wantNoMatch(t, findSnapshot(t, c, a, ""), "2 snapshots of droplet", "cannot be told", fmt.Sprint(late.ID), ours)
	early, _ := s.AddSnapshot(id, "other", snapshotEpoch)
	wantNoMatch(t, findSnapshot(t, c, a, ""), "3 snapshots", fmt.Sprint(early.ID))
}

// TestFindSnapshotAmbiguous: two snapshot actions in the same second leave two snapshots
// with the same created_at; without a name that tells them apart, neither is guessed.
func TestFindSnapshotAmbiguous(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	s.SetDuration(client.ActionSnapshot, 300*time.Millisecond)
	snap := func(name string) (client.Action, string) {
		a, _, err := c.Initiate(t.Context(), id, client.ActionRequest{Type: client.ActionSnapshot, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		advance(t, clock, 300*time.Millisecond)
		done, _, err := c.GetDropletAction(t.Context(), id, a.ID)
		if err != nil || done.Status != client.StatusCompleted {
			t.Fatalf("%+v, %v", done, err)
		}
		return *done, newestSnapshot(t, s, id)
	}
	first, firstID := snap("same")
	second, secondID := snap("same")
	third, thirdID := snap("different")

	for _, a := range []client.Action{first, second} {
		wantNoMatch(t, findSnapshot(t, c, a, "same"), `2 snapshots of droplet`, `named "same"`, firstID, secondID)
		wantNoMatch(t, findSnapshot(t, c, a, ""), "3 snapshots", thirdID)
	}
	if m := findSnapshot(t, c, third, "different"); m.ID != thirdID {
		t.Errorf("the only snapshot named %q: %+v, want %s", "different", m, thirdID)
	}
}

// TestFindSnapshotNone: a completed snapshot action whose snapshot is not listed (it was
// deleted, say) gives no ID, whatever other snapshots the droplet has.
func TestFindSnapshotNone(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	seeded := s.SeedActions(id, 1, client.ActionSnapshot)[0] // history only: no snapshot
	s.AddSnapshot(id, "", clock.Now().Add(-time.Hour))
	a, _, err := c.GetAction(t.Context(), seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantNoMatch(t, findSnapshot(t, c, *a, ""), fmt.Sprintf("no snapshot of droplet %d was created", id), "has 1 in all")
	wantNoMatch(t, findSnapshot(t, c, *a, "x"), fmt.Sprintf(`no snapshot of droplet %d named "x"`, id))
}

// TestFindSnapshotRefusesWhatIsNoFinishedSnapshot: an action in progress, errored or of
// another type is an error, and nothing is read.
func TestFindSnapshotRefusesWhatIsNoFinishedSnapshot(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	running, _, err := c.Initiate(t.Context(), id, client.ActionRequest{Type: client.ActionSnapshot})
	if err != nil {
		t.Fatal(err)
	}
	advance(t, clock, 1500*time.Millisecond)
	done, _, err := c.GetDropletAction(t.Context(), id, running.ID)
	if err != nil {
		t.Fatal(err)
	}
	errored := *done
	errored.Status = client.StatusErrored
	reboot := *done
	reboot.Type = client.ActionReboot
	noTimes := *done
	noTimes.CompletedAt = nil
	s.ResetLog()
	for _, tc := range []struct {
		a    client.Action
		want string
	}{
		{*running, "in-progress, not completed"},
		{errored, "errored, not completed"},
		{reboot, "not a snapshot"},
		{noTimes, "no started_at or completed_at"},
	} {
		m, err := c.FindSnapshot(t.Context(), tc.a, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || m != (client.SnapshotMatch{}) {
			t.Errorf("FindSnapshot(%s %s) = %+v, %v; want an error saying %q", tc.a.Type, tc.a.Status, m, err, tc.want)
		}
	}
	if n := s.Stats().Total; n != 0 {
		t.Errorf("%d requests for actions that cannot have a snapshot", n)
	}
}

// TestListDropletSnapshotsPages: 450 snapshots come in three pages of 200, oldest first
// as the fake sends them, and FindSnapshot finds one on the last page.
func TestListDropletSnapshotsPages(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	for i := range 449 {
		s.AddSnapshot(id, "", clock.Now().Add(time.Duration(i-500)*time.Minute))
	}
	a := snapshotAction(t, c, clock, id, "")
	var want []string
	for _, sn := range s.Snapshots(id) {
		want = append(want, strconv.FormatInt(sn.ID, 10))
	}
	s.ResetLog()
	got, err := c.ListDropletSnapshots(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sn := range got {
		ids = append(ids, sn.ID)
	}
	if len(want) != 450 || !slices.Equal(ids, want) {
		t.Fatalf("listed %d snapshots, want the fake's %d in its order", len(ids), len(want))
	}
	if !got[0].CreatedAt.Equal(snapshotEpoch.Add(-500*time.Minute)) || !strings.HasPrefix(got[0].Name, "web-01-") {
		t.Errorf("first snapshot %+v", got[0])
	}
	var queries []string
	for _, r := range s.Requests() {
		queries = append(queries, r.Method+" "+r.Path+"?"+r.Query)
	}
	path := fmt.Sprintf("GET /v2/droplets/%d/snapshots?", id)
	if !slices.Equal(queries, []string{path + "page=1&per_page=200", path + "page=2&per_page=200", path + "page=3&per_page=200"}) {
		t.Errorf("requests %v", queries)
	}
	if m := findSnapshot(t, c, a, ""); m.ID != want[449] {
		t.Errorf("FindSnapshot = %+v, want the newest, %s, from the last page", m, want[449])
	}

	// Empty, unknown droplet, bad ID.
	other := s.AddDroplet(fakeapi.Droplet{})
	if none, err := c.ListDropletSnapshots(t.Context(), other.ID); err != nil || len(none) != 0 {
		t.Errorf("a droplet without snapshots: %v, %v", none, err)
	}
	if _, err := c.ListDropletSnapshots(t.Context(), 999999); !client.IsNotFound(err) {
		t.Errorf("unknown droplet: %v, want a 404", err)
	}
	var verr *client.ValidationError
	if _, err := c.ListDropletSnapshots(t.Context(), 0); !errors.As(err, &verr) {
		t.Errorf("droplet 0: %v, want a validation error", err)
	}
}

// TestListDropletSnapshotsNeedsDropletRead: droplet:read alone lists snapshots, and a
// token without it gets the API's 403.
func TestListDropletSnapshotsNeedsDropletRead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scopes []string
		ok     bool
	}{
		{[]string{"droplet:read"}, true},
		{[]string{"droplet:update", "image:create", "actions:read"}, false},
	} {
		s := newFake(t, fakeapi.Options{Scopes: tc.scopes})
		d := s.AddDroplet(fakeapi.Droplet{})
		s.AddSnapshot(d.ID, "x", time.Time{})
		got, err := newClient(t, s.URL()).ListDropletSnapshots(t.Context(), d.ID)
		var apiErr *client.APIError
		switch {
		case tc.ok && (err != nil || len(got) != 1):
			t.Errorf("scopes %v: %v, %v", tc.scopes, got, err)
		case !tc.ok && (!errors.As(err, &apiErr) || apiErr.StatusCode != 403):
			t.Errorf("scopes %v: %v, want a 403", tc.scopes, err)
		}
	}
}

// snapshotsResp renders one page of snapshots; next, when set, is the next page's link.
func snapshotsResp(next string, total int, snaps ...string) string {
	links := "{}"
	if next != "" {
		links = fmt.Sprintf(`{"pages":{"next":%q,"last":%q}}`, next, next)
	}
	return fmt.Sprintf(`{"snapshots":[%s],"links":%s,"meta":{"total":%d}}`, strings.Join(snaps, ","), links, total)
}

// TestListDropletSnapshotsIDs: an ID sent as a string or as a number reads the same; an
// ID that is no whole number, or a snapshot without an ID or created_at, is a malformed
// response rather than a snapshot with a made-up ID.
func TestListDropletSnapshotsIDs(t *testing.T) {
	t.Parallel()
	const next = "https://api.digitalocean.com/v2/droplets/4242/snapshots?page=2&per_page=200"
	s := newScript(t,
		step{Method: "GET", Path: "/v2/droplets/4242/snapshots", Query: pageQuery(1, 200),
			Resp: snapshotsResp(next, 3,
				`{"id":"6372321","name":"web-01-1595954862243","created_at":"2020-07-28T16:47:44Z","regions":["nyc3"],"min_disk_size":25,"size_gigabytes":2.34,"type":"snapshot"}`,
				`{"id":6372322,"name":"nightly","created_at":"2020-07-28T17:00:00Z"}`)},
		step{Method: "GET", Path: "/v2/droplets/4242/snapshots", Query: pageQuery(2, 200),
			Resp: snapshotsResp("", 3, `{"id": 6372323 ,"name":"x","created_at":"2020-07-28T18:00:00+02:00"}`)},
	)
	got, err := newClient(t, s.URL()).ListDropletSnapshots(t.Context(), 4242)
	if err != nil {
		t.Fatal(err)
	}
	want := []client.DropletSnapshot{
		{ID: "6372321", Name: "web-01-1595954862243", CreatedAt: time.Date(2020, 7, 28, 16, 47, 44, 0, time.UTC)},
		{ID: "6372322", Name: "nightly", CreatedAt: time.Date(2020, 7, 28, 17, 0, 0, 0, time.UTC)},
		{ID: "6372323", Name: "x", CreatedAt: time.Date(2020, 7, 28, 16, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Name != want[i].Name || !got[i].CreatedAt.Equal(want[i].CreatedAt) {
			t.Errorf("snapshot %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	for _, bad := range []string{
		`{"id":6.372321e6,"name":"x","created_at":"2020-07-28T16:47:44Z"}`,
		`{"id":true,"name":"x","created_at":"2020-07-28T16:47:44Z"}`,
		`{"id":null,"name":"x","created_at":"2020-07-28T16:47:44Z"}`,
		`{"id":"","name":"x","created_at":"2020-07-28T16:47:44Z"}`,
		`{"name":"x","created_at":"2020-07-28T16:47:44Z"}`,
		`{"id":1,"name":"x"}`,
	} {
		s := newScript(t, step{Method: "GET", Path: "/v2/droplets/4242/snapshots", Query: pageQuery(1, 200), Resp: snapshotsResp("", 1, bad)})
		got, err := newClient(t, s.URL()).ListDropletSnapshots(t.Context(), 4242)
		if err == nil || !strings.Contains(err.Error(), "malformed response") || got != nil {
			t.Errorf("%s: %+v, %v; want a malformed response", bad, got, err)
		}
	}
}

// TestFindSnapshotListFailure: a list that fails is an error, not a "no snapshot".
func TestFindSnapshotListFailure(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/droplets/4242/snapshots", Query: pageQuery(1, 200), Status: 403,
		Resp: `{"id":"forbidden","message":"You are not authorized to perform this operation."}`})
	started, completed := snapshotEpoch, snapshotEpoch.Add(time.Minute)
	a := client.Action{ID: 7, Status: client.StatusCompleted, Type: client.ActionSnapshot, ResourceID: 4242,
		StartedAt: &started, CompletedAt: &completed}
	m, err := newClient(t, s.URL()).FindSnapshot(context.Background(), a, "")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || m != (client.SnapshotMatch{}) {
		t.Fatalf("FindSnapshot = %+v, %v; want the 403", m, err)
	}
}

// TestSnapshotMatcherOneListing: a matcher lists the droplet's snapshots once, and then
// matches each of several snapshot actions as FindSnapshot does, with no further request:
// actions a minute apart find their own snapshot, two in the same second find none, and a
// snapshot taken after the listing is not seen.
func TestSnapshotMatcherOneListing(t *testing.T) {
	t.Parallel()
	s, clock, id, c := snapshotFake(t)
	s.AddSnapshot(id, "", clock.Now().Add(-time.Hour))
	var acts []client.Action
	var own []string
	for range 3 {
		advance(t, clock, time.Minute)
		acts = append(acts, snapshotAction(t, c, clock, id, ""))
		own = append(own, newestSnapshot(t, s, id))
	}
	// Two in the same second (10:04:04), as TestFindSnapshotAmbiguous takes them.
	advance(t, clock, time.Minute-500*time.Millisecond)
	s.SetDuration(client.ActionSnapshot, 300*time.Millisecond)
	var twins []client.Action
	for range 2 {
		a, _, err := c.Initiate(t.Context(), id, client.ActionRequest{Type: client.ActionSnapshot, Name: "twin"})
		if err != nil {
			t.Fatal(err)
		}
		advance(t, clock, 300*time.Millisecond)
		done, _, err := c.GetDropletAction(t.Context(), id, a.ID)
		if err != nil || done.Status != client.StatusCompleted {
			t.Fatalf("%+v, %v", done, err)
		}
		twins = append(twins, *done)
	}
	acts = append(acts, twins...)
	reboot, _, err := c.Initiate(t.Context(), id, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	advance(t, clock, 2*time.Second)

	s.ResetLog()
	m, err := c.NewSnapshotMatcher(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	listed := s.Stats().Total
	if listed != 1 {
		t.Errorf("making the matcher took %d requests, want 1 listing", listed)
	}
	// Taken after the listing: the matcher does not see it, FindSnapshot does.
	advance(t, clock, time.Minute)
	late := snapshotAction(t, c, clock, id, "")
	s.ResetLog()
	for i, a := range acts {
		for _, name := range []string{"", "twin"} {
			got, err := m.Match(a, name)
			if err != nil {
				t.Fatalf("Match(%d, %q): %v", a.ID, name, err)
			}
			if want := findSnapshot(t, c, a, name); got != want {
				t.Errorf("Match(%d, %q) = %+v, FindSnapshot %+v", a.ID, name, got, want)
			}
			if i < 3 && name == "" && got.ID != own[i] {
				t.Errorf("Match(%d) = %+v, want %s", a.ID, got, own[i])
			}
		}
	}
	for _, a := range twins {
		got, _ := m.Match(a, "twin")
		wantNoMatch(t, got, "2 snapshots of droplet", "cannot be told")
	}
	if n, want := s.Stats().Total, 2*len(acts); n != want {
		t.Errorf("%d requests while matching, want only FindSnapshot's %d", n, want)
	}
	r, _, err := c.GetDropletAction(t.Context(), id, reboot.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.ResetLog()
	got, err := m.Match(late, "")
	wantNoMatch(t, got, fmt.Sprintf("no snapshot of droplet %d was created", id))
	if err != nil || s.Stats().Total != 0 {
		t.Errorf("Match of a later action: %v, %d requests", err, s.Stats().Total)
	}

	// What FindSnapshot refuses, Match refuses too, and an action of another droplet.
	other := acts[0]
	other.ResourceID = id + 1
	for _, tc := range []struct {
		a    client.Action
		want string
	}{
		{*r, "not a snapshot"},
		{other, fmt.Sprintf("ran on droplet %d, not on droplet %d", id+1, id)},
	} {
		if got, err := m.Match(tc.a, ""); err == nil || !strings.Contains(err.Error(), tc.want) || got != (client.SnapshotMatch{}) {
			t.Errorf("Match(%s on %d) = %+v, %v; want an error saying %q", tc.a.Type, tc.a.ResourceID, got, err, tc.want)
		}
	}
	if n := s.Stats().Total; n != 0 {
		t.Errorf("%d requests for actions the matcher refuses", n)
	}
}

// TestSnapshotMatcherListFailure: a listing that fails gives no matcher but the error.
func TestSnapshotMatcherListFailure(t *testing.T) {
	t.Parallel()
	s := newScript(t, step{Method: "GET", Path: "/v2/droplets/4242/snapshots", Query: pageQuery(1, 200), Status: 403,
		Resp: `{"id":"forbidden","message":"You are not authorized to perform this operation."}`})
	m, err := newClient(t, s.URL()).NewSnapshotMatcher(context.Background(), 4242)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || m != nil {
		t.Fatalf("NewSnapshotMatcher = %+v, %v; want the 403", m, err)
	}
}
