package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

func TestDropletIDsByTagReadsEveryPage(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	var want []int64
	for i := range 230 {
		d := fakeapi.Droplet{}
		if i%3 != 0 {
			d.Tags = []string{"web"}
		}
		if id := s.AddDroplet(d).ID; i%3 != 0 {
			want = append(want, id)
		}
	}
	c := newClient(t, s.URL())
	got, err := c.DropletIDsByTag(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d IDs, want the %d tagged ones in order", len(got), len(want))
	}
	if n := s.Stats().ByMethod["GET"]; n != 2 {
		// 153 tagged droplets fit in one page of 200, and the account's GPU droplets (none)
		// in one more.
		t.Errorf("%d requests, want 2", n)
	}
	for range 100 {
		s.AddDroplet(fakeapi.Droplet{Tags: []string{"web", "x"}})
	}
	s.ResetLog()
	got, err = c.DropletIDsByTag(t.Context(), "web")
	if err != nil || len(got) != len(want)+100 {
		t.Fatalf("after 100 more: %d IDs, %v", len(got), err)
	}
	if n := s.Stats().ByMethod["GET"]; n != 3 {
		t.Errorf("%d requests for 253 droplets, want 2 pages and 1 of GPU droplets", n)
	}
	if none, err := c.DropletIDsByTag(t.Context(), "db"); err != nil || len(none) != 0 {
		t.Errorf("an unused tag: %v, %v", none, err)
	}
}

// TestLockDropletsOverlappingSets: callers holding overlapping sets of droplets queue
// instead of deadlocking, and no droplet is ever held twice.
func TestLockDropletsOverlappingSets(t *testing.T) {
	t.Parallel()
	c := newClient(t, "http://127.0.0.1:1")
	sets := [][]int64{{3, 1, 2}, {2, 3}, {1, 3, 3}, {4}, {2, 4, 1}}
	var mu sync.Mutex
	held := map[int64]bool{}
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for round := range 50 {
		for _, set := range sets {
			wg.Go(func() {
				unlock, err := c.LockDroplets(ctx, set)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
					return
				}
				ids := slices.Compact(slices.Sorted(slices.Values(set)))
				mu.Lock()
				for _, id := range ids {
					if held[id] {
						t.Errorf("droplet %d held twice", id)
					}
					held[id] = true
				}
				mu.Unlock()
				mu.Lock()
				for _, id := range ids {
					held[id] = false
				}
				mu.Unlock()
				unlock()
			})
		}
	}
	wg.Wait()

	// A caller that gives up keeps nothing.
	unlock, err := c.LockDroplets(ctx, []int64{2})
	if err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithCancel(ctx)
	stop()
	if _, err := c.LockDroplets(short, []int64{1, 2}); err == nil {
		t.Fatal("LockDroplets succeeded on a held droplet with a cancelled context")
	}
	unlock()
	again, err := c.LockDroplets(ctx, []int64{1, 2})
	if err != nil {
		t.Fatalf("droplet 1 stayed held after the failed call: %v", err)
	}
	again()
}

// TestDropletIDsByTagStopsOnEndlessPaging: an API (or a proxy that drops the query) that
// answers every page with the same droplets and a next link ends at meta.total, in both
// listings (the tag's, and the GPU droplets', which carry no tag here).
func TestDropletIDsByTagStopsOnEndlessPaging(t *testing.T) {
	t.Parallel()
	var pages atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"droplets":[{"id":1},{"id":2}],"links":{"pages":{"next":"http://x/v2/droplets?page=2"}},"meta":{"total":4}}`))
	}))
	t.Cleanup(srv.Close)
	ids, err := newClient(t, srv.URL).DropletIDsByTag(t.Context(), "web")
	if err != nil || !slices.Equal(ids, []int64{1, 2}) || pages.Load() != 4 {
		t.Fatalf("DropletIDsByTag = %v, %v after %d pages; want [1 2] after 2 pages of each listing", ids, err, pages.Load())
	}
}

// TestWaitWhileNew: a droplet DigitalOcean is still creating is read until it is not new
// any more, and returned as last read.
func TestWaitWhileNew(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusNew, ActiveAt: time.Now().Add(50 * time.Millisecond)})
	got, err := newClient(t, s.URL()).WaitWhileNew(t.Context(), d.ID)
	if err != nil || got == nil || got.ID != d.ID || got.Status != client.DropletActive {
		t.Fatalf("WaitWhileNew = %+v, %v; want droplet %d active", got, err, d.ID)
	}
	if n := s.Stats().ByMethod["GET"]; n < 2 {
		t.Errorf("%d reads; the droplet was new at the first", n)
	}
}

// TestWaitWhileNewCancelled: a wait that ends early says what it waited for, wraps the
// context's error, and returns the droplet as last read.
func TestWaitWhileNewCancelled(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusNew}) // new for good
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var waits atomic.Int32
	c := newClient(t, s.URL(), func(cfg *client.Config) {
		cfg.Poll = func(int, time.Duration) time.Duration {
			if waits.Add(1) == 3 {
				cancel()
			}
			return time.Millisecond
		}
	})
	got, err := c.WaitWhileNew(ctx, d.ID)
	want := fmt.Sprintf("waiting for droplet %d to finish being created", d.ID)
	if !errors.Is(err, context.Canceled) || err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("WaitWhileNew = %v; want %q wrapping context.Canceled", err, want)
	}
	if got == nil || got.Status != client.DropletNew {
		t.Errorf("WaitWhileNew returned %+v, want the droplet as last read, new", got)
	}
	if n := s.Stats().ByMethod["GET"]; n != 3 {
		t.Errorf("%d reads, want 3: the context ended during the third wait", n)
	}
}

// TestDropletAddresses: a droplet's addresses are picked by type, not by position (the
// fake, like DigitalOcean's example, lists the private IPv4 address first), and the IPv6
// entry, whose netmask is a number, decodes too.
func TestDropletAddresses(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	plain := s.AddDroplet(fakeapi.Droplet{PublicIPv4: "203.0.113.7", PrivateIPv4: "10.99.0.5", Tags: []string{"web"}})
	v6 := s.AddDroplet(fakeapi.Droplet{Features: []string{"ipv6"}, Tags: []string{"web"}})
	c := newClient(t, s.URL())

	d, _, err := c.GetDroplet(t.Context(), plain.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.PublicIPv4(); got != "203.0.113.7" {
		t.Errorf("PublicIPv4 = %q, want 203.0.113.7 (networks %+v)", got, d.Networks)
	}
	if got := d.PrivateIPv4(); got != "10.99.0.5" {
		t.Errorf("PrivateIPv4 = %q, want 10.99.0.5 (networks %+v)", got, d.Networks)
	}
	if len(d.Networks.V4) != 2 || d.Networks.V4[0].Type != client.NetworkPrivate || d.Networks.V4[1].Netmask == "" {
		t.Errorf("v4 %+v, want the private entry first, then the public one with its netmask", d.Networks.V4)
	}
	if len(d.Networks.V6) != 0 {
		t.Errorf("v6 %+v on a droplet without ipv6", d.Networks.V6)
	}

	fd, _ := s.Droplet(v6.ID)
	d, _, err = c.GetDroplet(t.Context(), v6.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.PublicIPv4() != fd.PublicIPv4 || d.PrivateIPv4() != fd.PrivateIPv4 || d.PublicIPv4() == d.PrivateIPv4() {
		t.Errorf("addresses %q (public) and %q (private), want the fake's %q and %q", d.PublicIPv4(), d.PrivateIPv4(), fd.PublicIPv4, fd.PrivateIPv4)
	}
	if len(d.Networks.V6) != 1 || d.Networks.V6[0].IPAddress != fd.PublicIPv6 || d.Networks.V6[0].Netmask != 64 || d.Networks.V6[0].Type != client.NetworkPublic {
		t.Errorf("v6 %+v, want the fake's %s/64, public", d.Networks.V6, fd.PublicIPv6)
	}

	// Listed droplets carry their addresses too.
	ds, err := c.DropletsByTag(t.Context(), "web")
	if err != nil || len(ds) != 2 || ds[0].PublicIPv4() != "203.0.113.7" || ds[1].PrivateIPv4() != fd.PrivateIPv4 {
		t.Errorf("DropletsByTag = %+v, %v; want both droplets with their addresses", ds, err)
	}
}

// TestDropletAddressesAbsent: a droplet without an address of a type, or read without its
// networks, has "" for it.
func TestDropletAddressesAbsent(t *testing.T) {
	t.Parallel()
	var d client.Droplet
	if err := json.Unmarshal([]byte(`{"id":1,"networks":{"v4":[{"ip_address":"10.0.0.2","netmask":"255.255.0.0","gateway":"nil","type":"private"}],"v6":[]}}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.PublicIPv4() != "" || d.PrivateIPv4() != "10.0.0.2" {
		t.Errorf("private only: public %q, private %q", d.PublicIPv4(), d.PrivateIPv4())
	}
	var bare client.Droplet
	if bare.PublicIPv4() != "" || bare.PrivateIPv4() != "" {
		t.Errorf("no networks: public %q, private %q", bare.PublicIPv4(), bare.PrivateIPv4())
	}
}

// TestDropletsByTagFindsGPUDroplets: DigitalOcean lists GPU droplets only with type=gpus,
// which cannot be combined with tag_name, and the fake's tag_name listing leaves them out.
// DropletsByTag finds a tag's GPU droplets all the same, and only the tag's.
func TestDropletsByTagFindsGPUDroplets(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	gpu := s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Region: "nyc2", Tags: []string{"train"}})
	regular := s.AddDroplet(fakeapi.Droplet{Tags: []string{"train"}})
	s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Region: "nyc2", Tags: []string{"other"}})
	s.AddDroplet(fakeapi.Droplet{SizeSlug: "gpu-h100x1-80gb", Region: "nyc2"})
	s.AddDroplet(fakeapi.Droplet{Tags: []string{"other"}})
	c := newClient(t, s.URL())

	ds, err := c.DropletsByTag(t.Context(), "train")
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, d := range ds {
		got = append(got, d.ID)
	}
	if want := []int64{gpu.ID, regular.ID}; !slices.Equal(got, want) {
		t.Fatalf("DropletsByTag(train) = %v, want %v: the GPU droplet and the regular one, by ID", got, want)
	}
	if ds[0].SizeSlug != "gpu-h100x1-80gb" {
		t.Errorf("the GPU droplet read as %+v", ds[0])
	}
	ids, err := c.DropletIDsByTag(t.Context(), "train")
	if err != nil || !slices.Equal(ids, got) {
		t.Errorf("DropletIDsByTag(train) = %v, %v; want %v", ids, err, got)
	}
	// Neither listing combines type with tag_name, which the API refuses.
	for _, r := range s.Requests() {
		if r.Status != http.StatusOK {
			t.Errorf("%s %s?%s answered %d", r.Method, r.Path, r.Query, r.Status)
		}
	}
}

// TestListDroplets: every droplet of the account, or of a tag, over all pages of both
// listings (the plain one and type=gpus), by ID, one request per page.
func TestListDroplets(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	c := newClient(t, s.URL())
	if ds, err := c.ListDroplets(t.Context(), ""); err != nil || len(ds) != 0 {
		t.Fatalf("an empty account: %v, %v", ds, err)
	}
	if n := s.Stats().ByMethod["GET"]; n != 2 {
		t.Errorf("%d requests for an empty account, want one per listing", n)
	}

	var all, web []int64
	for i := range 408 {
		d := fakeapi.Droplet{}
		if i%2 == 1 { // 204 GPU droplets, 204 others, added in turn
			d.SizeSlug, d.Region = "gpu-h100x1-80gb", "nyc2"
		}
		if i%3 == 0 {
			d.Tags = []string{"web"}
		}
		id := s.AddDroplet(d).ID
		all = append(all, id)
		if i%3 == 0 {
			web = append(web, id)
		}
	}
	ids := func(ds []client.Droplet) []int64 {
		out := make([]int64, len(ds))
		for i, d := range ds {
			out[i] = d.ID
		}
		return out
	}

	s.ResetLog()
	ds, err := c.ListDroplets(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(ds); !slices.Equal(got, all) {
		t.Errorf("ListDroplets(\"\") = %d droplets, want all %d by ID", len(got), len(all))
	}
	if n := s.Stats().ByMethod["GET"]; n != 4 {
		t.Errorf("%d requests, want 4: two pages of each listing", n)
	}

	s.ResetLog()
	ds, err = c.ListDroplets(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(ds); !slices.Equal(got, web) {
		t.Errorf("ListDroplets(web) = %v, want %v", got, web)
	}
	if n := s.Stats().ByMethod["GET"]; n != 3 {
		t.Errorf("%d requests, want 3: one page of the tag's 68 non-GPU droplets, two of the 204 GPU ones", n)
	}
	if byTag, err := c.DropletsByTag(t.Context(), "web"); err != nil || !slices.Equal(ids(byTag), web) {
		t.Errorf("DropletsByTag(web) = %v, %v; want what ListDroplets(web) lists", ids(byTag), err)
	}
}
