package fakeapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// HealthMode says how a droplet's health endpoint behaves on top of following
// the droplet's state. See doc.go, Health.
type HealthMode int

const (
	// HealthNormal follows the droplet: 200 once it is active, has no
	// action in progress and has had its boot time. It is the default.
	HealthNormal HealthMode = iota
	// HealthNever answers 503 whatever the droplet's state, as an
	// application that never comes up.
	HealthNever
	// HealthFlap alternates, by the fake's clock, one period of 503 with one
	// period of HealthNormal's answer, 503 first, counted from when it was
	// set.
	HealthFlap
)

// DefaultPublicIPv4 is the host the health endpoint listens on, and so every
// droplet's public address unless a test sets Droplet.PublicIPv4.
const DefaultPublicIPv4 = "127.0.0.1"

// DefaultHealthFlapPeriod is HealthFlap's period when SetHealth sets it, or
// SetHealthFlap is given no positive period.
const DefaultHealthFlapPeriod = 10 * time.Second

type healthRule struct {
	mode     HealthMode
	period   time.Duration
	since    time.Time // when HealthFlap was set
	redirect string
}

// HealthRequest is one request the health endpoint received.
type HealthRequest struct {
	// DropletID is the ID the path names, known droplet or not; 0 when the
	// path names none.
	DropletID int64
	Method    string
	Path      string
	// Host is the Host the client sent (the address it used, normally).
	Host string
	// Time is the arrival, by the fake's clock.
	Time time.Time
	// Authorization tells whether the request carried an Authorization
	// header, whatever its value. A health check has no business sending
	// one: the API token must never reach a droplet.
	Authorization bool
	// Header is every header as received, a copy.
	Header http.Header
	Status int
}

func cloneHealthRequest(r HealthRequest) HealthRequest {
	r.Header = r.Header.Clone()
	return r
}

// HealthURL is the health listener's base URL, "http://127.0.0.1:PORT",
// without a trailing slash; a droplet's endpoint is HealthURL()+"/health/{id}".
func (s *Server) HealthURL() string { return s.healthURL }

// HealthPort is the health listener's port, for URL templates such as
// "http://{ipv4_public}:PORT/health/{id}".
func (s *Server) HealthPort() int { return s.healthPort }

// HealthHandler returns the health endpoint as a handler, for callers that
// want to serve it themselves. It shares the server's state and log.
func (s *Server) HealthHandler() http.Handler { return s.healthHandler }

// SetHealth sets how a droplet's health endpoint behaves from now on.
// HealthFlap set this way flaps with DefaultHealthFlapPeriod. It keeps any
// redirect set by SetHealthRedirect. The droplet need not exist yet.
func (s *Server) SetHealth(dropletID int64, mode HealthMode) {
	s.setHealth(dropletID, mode, DefaultHealthFlapPeriod)
}

// SetHealthFlap makes a droplet's health endpoint flap with the given period
// (DefaultHealthFlapPeriod when not positive): 503 for one period from now,
// HealthNormal's answer for the next, and so on, by the fake's clock.
func (s *Server) SetHealthFlap(dropletID int64, period time.Duration) {
	if period <= 0 {
		period = DefaultHealthFlapPeriod
	}
	s.setHealth(dropletID, HealthFlap, period)
}

func (s *Server) setHealth(dropletID int64, mode HealthMode, period time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rule := s.healthRuleLocked(dropletID)
	rule.mode, rule.period, rule.since = mode, period, s.now()
}

// SetHealthRedirect makes a droplet's health endpoint answer 302 Found with
// Location: location where it would otherwise answer 200, so that a client
// that must not follow redirects can be tested. A droplet that is down still
// answers 503. An empty location removes the redirect.
func (s *Server) SetHealthRedirect(dropletID int64, location string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.healthRuleLocked(dropletID).redirect = location
}

func (s *Server) healthRuleLocked(dropletID int64) *healthRule {
	rule := s.health[dropletID]
	if rule == nil {
		rule = &healthRule{}
		s.health[dropletID] = rule
	}
	return rule
}

// HealthRequests returns a copy of the health endpoint's request log, in order
// of arrival. These requests are not in Requests or Stats.
func (s *Server) HealthRequests() []HealthRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]HealthRequest, len(s.healthLog))
	for i, r := range s.healthLog {
		out[i] = cloneHealthRequest(r)
	}
	return out
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "the fake is shut down", http.StatusServiceUnavailable)
		return
	}
	s.inflight.Add(1)
	defer s.inflight.Done()
	_, auth := r.Header["Authorization"]
	rec := HealthRequest{
		Method: r.Method, Path: r.URL.Path, Host: r.Host, Time: s.now(),
		Authorization: auth, Header: r.Header.Clone(),
	}
	status, header, body := s.healthLocked(r, &rec)
	rec.Status = status
	s.healthLog = append(s.healthLog, rec)
	logf := s.opts.Logf
	s.mu.Unlock()

	if logf != nil {
		logf("fakeapi health: %s %s -> %d", rec.Method, rec.Path, status)
	}
	h := w.Header()
	for k, v := range header {
		h[k] = v
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body)) //nolint:gosec // plain text the fake itself wrote, served as text/plain to tests
}

// healthLocked decides the answer to a health request and fills in the
// droplet ID it names.
func (s *Server) healthLocked(r *http.Request, rec *HealthRequest) (int, http.Header, string) {
	header := http.Header{}
	seg := splitPath(r.URL.Path)
	if len(seg) != 2 || seg[0] != "health" {
		return http.StatusNotFound, header, "not found: the health endpoint is /health/{droplet_id}\n"
	}
	id, ok := parseID(seg[1])
	if !ok {
		return http.StatusNotFound, header, fmt.Sprintf("not found: %q is not a droplet ID\n", seg[1])
	}
	rec.DropletID = id
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		header.Set("Allow", "GET, HEAD")
		return http.StatusMethodNotAllowed, header, r.Method + " is not allowed\n"
	}
	s.advanceLocked()
	d := s.droplets[id]
	if d == nil {
		return http.StatusNotFound, header, fmt.Sprintf("not found: no droplet %d\n", id)
	}
	if why := s.healthDownLocked(d, rec.Time); why != "" {
		return http.StatusServiceUnavailable, header, fmt.Sprintf("droplet %d is not healthy: %s\n", id, why)
	}
	if rule := s.health[id]; rule != nil && rule.redirect != "" {
		header.Set("Location", rule.redirect)
		return http.StatusFound, header, "see " + rule.redirect + "\n"
	}
	return http.StatusOK, header, "ok\n"
}

// healthDownLocked says why the droplet's application is not answering 200
// at now, or "" when it is.
func (s *Server) healthDownLocked(d *Droplet, now time.Time) string {
	if d.Status != StatusActive {
		return "it is " + d.Status
	}
	if s.inFlightLocked(d.ID) > 0 {
		return "it has an action in progress"
	}
	rule := s.health[d.ID]
	if rule != nil && rule.mode == HealthNever {
		return "it never is (SetHealth HealthNever)"
	}
	if boot := s.opts.HealthBootTime; boot > 0 {
		if at, ok := s.booted[d.ID]; ok && now.Before(at.Add(boot)) {
			return fmt.Sprintf("it is booting until %s", at.Add(boot).UTC().Format(time.RFC3339Nano))
		}
	}
	if rule != nil && rule.mode == HealthFlap {
		var phase int64
		if now.After(rule.since) {
			phase = int64(now.Sub(rule.since) / rule.period)
		}
		if phase%2 == 0 {
			return "it is flapping, and down in this period"
		}
	}
	return ""
}
