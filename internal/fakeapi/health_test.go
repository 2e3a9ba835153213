package fakeapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// noRedirects answers a redirect as it is, as a health checker must.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type healthResult struct {
	status   int
	header   http.Header
	body     string
	location string
}

func healthDo(t *testing.T, method, url string, header http.Header) healthResult {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return healthResult{resp.StatusCode, resp.Header, string(b), resp.Header.Get("Location")}
}

func healthOf(t *testing.T, s *fakeapi.Server, id int64) healthResult {
	t.Helper()
	return healthDo(t, "GET", fmt.Sprintf("%s/health/%d", s.HealthURL(), id), nil)
}

func wantHealth(t *testing.T, s *fakeapi.Server, id int64, status int, why string) {
	t.Helper()
	if r := healthOf(t, s, id); r.status != status {
		t.Fatalf("%s: health of droplet %d is %d (%q), want %d", why, id, r.status, r.body, status)
	}
}

// TestHealthLifecycle follows one droplet through actions with a hand-moved
// clock: 503 while an action runs, while the droplet is off, and for the boot
// time after an action leaves it active; 200 otherwise.
func TestHealthLifecycle(t *testing.T) {
	t.Parallel()
	clock := newClock()
	const boot = 30 * time.Second
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: 10 * time.Second, HealthBootTime: boot})
	d := s.AddDroplet(fakeapi.Droplet{})
	wantHealth(t, s, d.ID, 200, "a droplet added active is up, not booting")

	initiate(t, s, d.ID, `{"type":"reboot"}`)
	wantHealth(t, s, d.ID, 503, "reboot in progress")
	clock.Advance(10*time.Second - time.Nanosecond)
	wantHealth(t, s, d.ID, 503, "reboot just before its end")
	clock.Advance(time.Nanosecond)
	wantHealth(t, s, d.ID, 503, "reboot just ended: booting")
	clock.Advance(boot - time.Nanosecond)
	wantHealth(t, s, d.ID, 503, "a nanosecond before the boot time is over")
	clock.Advance(time.Nanosecond)
	wantHealth(t, s, d.ID, 200, "boot time over")

	initiate(t, s, d.ID, `{"type":"power_off"}`)
	wantHealth(t, s, d.ID, 503, "power_off in progress")
	clock.Advance(time.Hour)
	wantHealth(t, s, d.ID, 503, "droplet off")

	initiate(t, s, d.ID, `{"type":"power_on"}`)
	clock.Advance(10*time.Second + boot - time.Nanosecond)
	wantHealth(t, s, d.ID, 503, "still booting after power_on")
	clock.Advance(time.Nanosecond)
	wantHealth(t, s, d.ID, 200, "booted after power_on")

	// The fake does not guess which actions restart the application: the
	// boot time follows any action that ends with the droplet active, a
	// rename and an errored reboot included.
	initiate(t, s, d.ID, `{"type":"rename","name":"renamed"}`)
	clock.Advance(10 * time.Second)
	wantHealth(t, s, d.ID, 503, "booting after a rename")
	clock.Advance(boot)
	wantHealth(t, s, d.ID, 200, "booted after a rename")
	s.SetActionOutcome(d.ID, client.ActionReboot, true)
	a := initiate(t, s, d.ID, `{"type":"reboot"}`)
	clock.Advance(10 * time.Second)
	if got := getAction(t, s, a.ID); got.Status != fakeapi.ActionErrored {
		t.Fatalf("reboot %q, want errored", got.Status)
	}
	wantHealth(t, s, d.ID, 503, "booting after an errored reboot")
	clock.Advance(boot)
	wantHealth(t, s, d.ID, 200, "booted after an errored reboot")

	// The boot time runs from the action's end, not from when the fake
	// noticed it.
	initiate(t, s, d.ID, `{"type":"power_cycle"}`)
	clock.Advance(10*time.Second + boot)
	wantHealth(t, s, d.ID, 200, "first look after the boot time was over")

	// A droplet still being created is new until ActiveAt, then boots.
	created := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusNew, ActiveAt: clock.Now().Add(time.Minute)})
	wantHealth(t, s, created.ID, 503, "new droplet")
	clock.Advance(time.Minute)
	wantHealth(t, s, created.ID, 503, "booting after creation")
	clock.Advance(boot)
	wantHealth(t, s, created.ID, 200, "created and booted")

	archived := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusArchive})
	wantHealth(t, s, archived.ID, 503, "archived droplet")
}

// TestHealthDefaultBootTime: without HealthBootTime the endpoint answers 200
// as soon as the action that left the droplet active has ended.
func TestHealthDefaultBootTime(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	d := s.AddDroplet(fakeapi.Droplet{Status: fakeapi.StatusOff})
	wantHealth(t, s, d.ID, 503, "off")
	initiate(t, s, d.ID, `{"type":"power_on"}`)
	wantHealth(t, s, d.ID, 503, "power_on in progress")
	clock.Advance(time.Second)
	wantHealth(t, s, d.ID, 200, "power_on ended")
}

func TestHealthNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{})
	for _, path := range []string{"/health/999999", "/health/abc", "/health/0", "/health", "/", "/v2/droplets/" + strconv.FormatInt(d.ID, 10), "/health/1/x"} {
		if r := healthDo(t, "GET", s.HealthURL()+path, nil); r.status != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
	if r := healthDo(t, "HEAD", fmt.Sprintf("%s/health/%d", s.HealthURL(), d.ID), nil); r.status != 200 {
		t.Errorf("HEAD: %d", r.status)
	}
	r := healthDo(t, "POST", fmt.Sprintf("%s/health/%d", s.HealthURL(), d.ID), nil)
	if r.status != 405 || r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
	s.RemoveDroplet(d.ID)
	wantHealth(t, s, d.ID, 404, "removed droplet")
}

func TestHealthNever(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{})
	s.SetHealth(d.ID, fakeapi.HealthNever)
	wantHealth(t, s, d.ID, 503, "HealthNever on an active droplet")
	s.SetHealth(d.ID, fakeapi.HealthNormal)
	wantHealth(t, s, d.ID, 200, "back to HealthNormal")
	// Set before the droplet exists, it applies once it does.
	s.SetHealth(5555, fakeapi.HealthNever)
	s.AddDroplet(fakeapi.Droplet{ID: 5555})
	wantHealth(t, s, 5555, 503, "HealthNever set ahead")
}

// TestHealthFlap: flapping goes by the fake's clock, a period down first, then
// a period following the droplet.
func TestHealthFlap(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	d := s.AddDroplet(fakeapi.Droplet{})
	s.SetHealthFlap(d.ID, 5*time.Second)
	for i, want := range []int{503, 503, 200, 200, 503, 503, 200} {
		// Twice per period: every request within one period gets the same answer.
		wantHealth(t, s, d.ID, want, fmt.Sprintf("flap step %d", i))
		clock.Advance(2500 * time.Millisecond)
	}
	// In an "up" period the droplet's state still counts.
	initiate(t, s, d.ID, `{"type":"power_off"}`)
	wantHealth(t, s, d.ID, 503, "flapping, in an up period, with an action running")
	clock.Advance(2 * time.Second)
	wantHealth(t, s, d.ID, 503, "flapping and off")

	e := s.AddDroplet(fakeapi.Droplet{})
	s.SetHealth(e.ID, fakeapi.HealthFlap)
	wantHealth(t, s, e.ID, 503, "default flap, first period")
	clock.Advance(fakeapi.DefaultHealthFlapPeriod - time.Nanosecond)
	wantHealth(t, s, e.ID, 503, "default flap, end of the first period")
	clock.Advance(time.Nanosecond)
	wantHealth(t, s, e.ID, 200, "default flap, second period")
	// Restarting the flap restarts its periods.
	s.SetHealthFlap(e.ID, 0)
	wantHealth(t, s, e.ID, 503, "flap set again")
}

func TestHealthRedirect(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := start(t, fakeapi.Options{Now: clock.Now, DefaultDuration: time.Second})
	d := s.AddDroplet(fakeapi.Droplet{})
	other := s.AddDroplet(fakeapi.Droplet{})
	// A redirect to a healthy endpoint: a client that follows it would be fooled.
	target := fmt.Sprintf("%s/health/%d", s.HealthURL(), other.ID)
	s.SetHealthRedirect(d.ID, target)
	r := healthOf(t, s, d.ID)
	if r.status != http.StatusFound || r.location != target {
		t.Fatalf("redirected health: %d Location %q", r.status, r.location)
	}
	initiate(t, s, d.ID, `{"type":"reboot"}`)
	wantHealth(t, s, d.ID, 503, "redirecting droplet with an action running")
	clock.Advance(time.Second)
	wantHealth(t, s, d.ID, 302, "redirecting again once the action ended")
	// A following client ends up with the other droplet's 200.
	resp, err := httpClient.Get(fmt.Sprintf("%s/health/%d", s.HealthURL(), d.ID))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("following client got %d", resp.StatusCode)
	}
	s.SetHealthRedirect(d.ID, "")
	wantHealth(t, s, d.ID, 200, "redirect removed")
}

// TestHealthRequestsRecorded: every health request is logged with what a test
// needs to catch a client that sends its API token to droplets, and none of
// them touches the API's log, statistics or rate limits.
func TestHealthRequestsRecorded(t *testing.T) {
	t.Parallel()
	clock := newClock()
	var mu sync.Mutex
	var lines []string
	s := start(t, fakeapi.Options{Now: clock.Now, PerMinuteLimit: 1, PerHourLimit: 1, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	d := s.AddDroplet(fakeapi.Droplet{})
	url := fmt.Sprintf("%s/health/%d", s.HealthURL(), d.ID)
	healthDo(t, "GET", url, http.Header{"Authorization": {"Bearer " + token}, "X-Probe": {"one"}})
	clock.Advance(time.Second)
	healthDo(t, "GET", url, http.Header{"X-Probe": {"two"}})
	healthDo(t, "GET", s.HealthURL()+"/health/999999", nil)

	got := s.HealthRequests()
	if len(got) != 3 {
		t.Fatalf("%d health requests recorded, want 3", len(got))
	}
	first, second, third := got[0], got[1], got[2]
	if first.DropletID != d.ID || first.Method != "GET" || first.Path != fmt.Sprintf("/health/%d", d.ID) ||
		first.Status != 200 || !first.Time.Equal(newClock().Now()) || !first.Authorization ||
		first.Header.Get("Authorization") != "Bearer "+token || first.Header.Get("X-Probe") != "one" ||
		first.Host != strings.TrimPrefix(s.HealthURL(), "http://") {
		t.Errorf("first health request %+v", first)
	}
	if second.Authorization || second.Header.Get("X-Probe") != "two" || !second.Time.Equal(first.Time.Add(time.Second)) {
		t.Errorf("second health request %+v", second)
	}
	if third.DropletID != 999999 || third.Status != 404 {
		t.Errorf("unknown droplet's health request %+v", third)
	}
	// Copies: changing one changes nothing in the server.
	got[0].Header.Set("X-Probe", "changed")
	if s.HealthRequests()[0].Header.Get("X-Probe") != "one" {
		t.Error("HealthRequests aliases the server's log")
	}

	// Not API calls: not logged or counted, and not charged to the windows
	// (the limits are 1, and the API's first request still gets through).
	if len(s.Requests()) != 0 || s.Stats().Total != 0 {
		t.Errorf("health requests reached the API log: %+v, %+v", s.Requests(), s.Stats())
	}
	r := call(t, s, "GET", fmt.Sprintf("/v2/droplets/%d", d.ID), "").want(t, 200)
	if r.header.Get("Ratelimit-Remaining") != "0" {
		t.Errorf("Ratelimit-Remaining %q after one API request with a limit of 1", r.header.Get("Ratelimit-Remaining"))
	}
	mu.Lock()
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "fakeapi health: GET /health/") || !strings.HasPrefix(lines[3], "fakeapi: GET /v2/droplets/") {
		t.Errorf("Logf lines %q", lines)
	}
	mu.Unlock()

	s.ResetLog()
	if n := len(s.HealthRequests()); n != 0 {
		t.Errorf("%d health requests after ResetLog", n)
	}
}

// TestHealthListener: the health endpoint is a server of its own on
// 127.0.0.1, apart from the API, and Close stops it.
func TestHealthListener(t *testing.T) {
	t.Parallel()
	s := fakeapi.New(fakeapi.Options{Token: token})
	defer s.Close()
	if s.HealthURL() != fmt.Sprintf("http://127.0.0.1:%d", s.HealthPort()) || s.HealthURL() == s.URL() {
		t.Fatalf("HealthURL %q, HealthPort %d, URL %q", s.HealthURL(), s.HealthPort(), s.URL())
	}
	d := s.AddDroplet(fakeapi.Droplet{})
	url := fmt.Sprintf("%s/health/%d", s.HealthURL(), d.ID)
	if r := healthDo(t, "GET", url, nil); r.status != 200 || r.body != "ok\n" {
		t.Fatalf("GET %s: %d %q", url, r.status, r.body)
	}
	// The API does not serve health, and the health listener not the API.
	call(t, s, "GET", fmt.Sprintf("/health/%d", d.ID), "").want(t, 404)
	if r := healthDo(t, "GET", s.HealthURL()+fmt.Sprintf("/v2/droplets/%d", d.ID), http.Header{"Authorization": {"Bearer " + token}}); r.status != 404 {
		t.Errorf("API path on the health listener: %d", r.status)
	}
	s.Close()
	if _, err := freshClient(2 * time.Second).Get(url); err == nil {
		t.Error("health endpoint still answers after Close")
	}
}

// TestHealthURLTemplate: the URL a rolling-maintenance client builds from the
// droplet's public address and the health port reaches the endpoint.
func TestHealthURLTemplate(t *testing.T) {
	t.Parallel()
	s := start(t, fakeapi.Options{})
	d := s.AddDroplet(fakeapi.Droplet{})
	public, _, _ := dropletNetworks(t, s, d.ID).addresses()
	url := strings.NewReplacer("{ipv4_public}", public, "{id}", strconv.FormatInt(d.ID, 10)).
		Replace(fmt.Sprintf("http://{ipv4_public}:%d/health/{id}", s.HealthPort()))
	if r := healthDo(t, "GET", url, nil); r.status != 200 || r.body != "ok\n" {
		t.Fatalf("GET %s: %d %q", url, r.status, r.body)
	}
}
