package client_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestDropletsStreamsPages: Droplets yields what ListDroplets lists, GPU droplets included,
// each once, reading a page only when the caller wants a droplet of it.
func TestDropletsStreamsPages(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	c := newClient(t, s.URL())
	// Two pages of regular droplets and one of GPU droplets, a third of each tagged web.
	for i := range client.MaxPerPage + 30 {
		d := fakeapi.Droplet{}
		if i%10 == 9 {
			d.SizeSlug, d.Region = "gpu-h100x1-80gb", "nyc2"
		}
		if i%3 == 0 {
			d.Tags = []string{"web"}
		}
		s.AddDroplet(d)
	}
	ids := func(ds []client.Droplet) []int64 {
		out := make([]int64, len(ds))
		for i, d := range ds {
			out[i] = d.ID
		}
		return out
	}
	gets := func() int {
		n := 0
		for _, r := range s.Requests() {
			if r.Method == http.MethodGet && r.Path == "/v2/droplets" {
				n++
			}
			if r.Status != http.StatusOK {
				t.Errorf("%s %s?%s answered %d", r.Method, r.Path, r.Query, r.Status)
			}
		}
		return n
	}
	// take reads up to n droplets (all with n < 0) of the tag's listing and returns them
	// with the number of requests it took.
	take := func(tag string, n int) ([]client.Droplet, int) {
		t.Helper()
		s.ResetLog()
		var got []client.Droplet
		for d, err := range c.Droplets(t.Context(), tag) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, d)
			if len(got) == n {
				break
			}
		}
		return got, gets()
	}

	for _, tag := range []string{"", "web"} {
		want, err := c.ListDroplets(t.Context(), tag)
		if err != nil {
			t.Fatal(err)
		}
		got, requests := take(tag, -1)
		sorted := ids(got)
		slices.Sort(sorted)
		if !slices.Equal(sorted, ids(want)) {
			t.Errorf("Droplets(%q) yielded %d droplets, want the %d of ListDroplets, each once", tag, len(got), len(want))
		}
		// The plain listing first, then the GPU droplets.
		firstGPU := slices.IndexFunc(got, func(d client.Droplet) bool { return strings.HasPrefix(d.SizeSlug, "gpu-") })
		if firstGPU < 0 || slices.ContainsFunc(got[firstGPU:], func(d client.Droplet) bool { return !strings.HasPrefix(d.SizeSlug, "gpu-") }) {
			t.Errorf("Droplets(%q): the GPU droplets are not after the others", tag)
		}
		wantRequests := 3 // two pages of regular droplets, one of GPU droplets
		if tag != "" {
			wantRequests = 2 // one page of the tag's regular droplets
		}
		if requests != wantRequests {
			t.Errorf("Droplets(%q): %d requests, want %d, one per page", tag, requests, wantRequests)
		}
	}

	// A caller that stops within the first page reads only that page, even at its last
	// droplet.
	for _, n := range []int{1, client.MaxPerPage} {
		if got, requests := take("", n); len(got) != n || requests != 1 {
			t.Errorf("stopping after %d droplets: %d droplets, %d requests; want %d, 1", n, len(got), requests, n)
		}
	}
	if got, requests := take("", client.MaxPerPage+1); len(got) != client.MaxPerPage+1 || requests != 2 {
		t.Errorf("stopping after the first droplet of page 2: %d droplets, %d requests; want %d, 2", len(got), requests, client.MaxPerPage+1)
	}
}

// TestDropletsYieldsErrors: an invalid tag is refused before any request, and a failed
// page ends the iteration with its error.
func TestDropletsYieldsErrors(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{})
	c := newClient(t, s.URL(), func(cfg *client.Config) { cfg.MaxRetries = 0 })
	for range client.MaxPerPage + 1 {
		s.AddDroplet(fakeapi.Droplet{})
	}
	n := 0
	for _, err := range c.Droplets(t.Context(), "no spaces allowed") {
		n++
		wantValidationError(t, err, "tag_name")
	}
	if n != 1 || len(s.Requests()) != 0 {
		t.Errorf("an invalid tag: %d values yielded, %d requests; want one error and none", n, len(s.Requests()))
	}

	s.InjectFault(fakeapi.Fault{
		Method: http.MethodGet, PathPrefix: "/v2/droplets", Kind: fakeapi.FaultStatus, Status: http.StatusForbidden,
		Match: func(r *http.Request) bool { return r.URL.Query().Get("page") == "2" },
	})
	var got int
	var last error
	for _, err := range c.Droplets(t.Context(), "") {
		if err != nil {
			last = err
			continue
		}
		if last != nil {
			t.Fatal("a droplet yielded after the error")
		}
		got++
	}
	if got != client.MaxPerPage || last == nil {
		t.Errorf("a failed second page: %d droplets then %v; want %d then the error", got, last, client.MaxPerPage)
	}
}
