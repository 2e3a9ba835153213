package fakeapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// DefaultActionDuration is how long an action stays in progress when
// Options.DefaultDuration is zero.
const DefaultActionDuration = 50 * time.Millisecond

// Options configures a Server. Only Token is required.
type Options struct {
	// Token is the only bearer token the server accepts.
	Token string
	// DefaultDuration is how long an action stays in progress. Zero means
	// DefaultActionDuration; a negative value means actions complete at the
	// first read after the one that created them.
	DefaultDuration time.Duration
	// Durations overrides DefaultDuration per type (zero or negative: instant).
	Durations map[client.ActionType]time.Duration
	// PerMinuteLimit and PerHourLimit bound requests per token over sliding
	// windows; zero means unlimited. DigitalOcean's are 250 and 5000. As on
	// the real API, the ratelimit-* headers always describe the hourly window
	// (limit PerHourLimit, or an unenforced 5000 when it is zero); the
	// per-minute limit shows only as a 429 with retry-after once exceeded.
	PerMinuteLimit, PerHourLimit int
	// HeadersShowNearestWindow makes the ratelimit-* headers describe
	// whichever window has fewer requests left (the per-minute one alone when
	// PerHourLimit is zero), and the per-minute 429 describe the minute
	// window. This is unrealistic: the real API never advertises its
	// per-minute limit, so it flatters clients that pace themselves by the
	// headers. Nothing uses it by default; it exists only to reproduce the
	// fake's former behaviour on purpose.
	HeadersShowNearestWindow bool
	// Jitter, when positive, draws each action's duration uniformly from
	// D*(1-Jitter)..D*(1+Jitter) using a generator seeded with Seed, so that
	// benchmarks see varied but reproducible timings.
	Jitter float64
	Seed   int64
	// LenientPowerState accepts power_off and shutdown on a droplet that is
	// already off. The real API refuses them with 422 "Droplet is already
	// powered off.", and so does the fake by default: this is unrealistic and
	// exists only for tests that deliberately do not track power state.
	LenientPowerState bool
	// Now replaces the wall clock, for tests that need to move time by hand
	// (rate-limit windows, action completion). Defaults to time.Now.
	Now func() time.Time
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
	// Scopes, when not nil, are the only scopes the token has (a custom-scoped token);
	// a request needing another one gets 403. Nil means a full-access token.
	Scopes []string
	// HealthBootTime is how long a droplet's health endpoint keeps answering
	// 503 after the last action that left the droplet active ended (or after
	// a new droplet's ActiveAt), as an application starting up would. Zero,
	// the default, means it answers 200 as soon as that action has ended.
	HealthBootTime time.Duration
}

// Server is a running fake. All state sits behind one mutex; action progress
// is evaluated lazily against the clock whenever state is looked at, so no
// background goroutine can race with tests.
type Server struct {
	opts     Options
	now      func() time.Time
	handler  http.Handler
	listener net.Listener
	httpSrv  *http.Server
	url      string
	// The health endpoint: a listener of its own, not the API's.
	healthHandler http.Handler
	healthSrv     *http.Server
	healthURL     string
	healthPort    int
	closing       chan struct{}
	inflight      sync.WaitGroup

	mu            sync.Mutex
	closed        bool
	rng           *rand.Rand
	durations     map[client.ActionType]time.Duration
	droplets      map[int64]*Droplet
	actions       map[int64]*actionRec
	byDroplet     map[int64][]int64    // action IDs in creation order
	snapshots     map[int64][]Snapshot // per droplet; listed sorted
	pending       map[int64]bool       // in-progress action IDs
	creating      map[int64]bool       // IDs of droplets "new" until their ActiveAt
	booted        map[int64]time.Time  // when the last action that left each droplet active ended
	health        map[int64]*healthRule
	healthLog     []HealthRequest
	nextPrivate   uint32 // private IPv4 addresses handed out
	outcomes      map[outcomeKey]bool
	ignoreShut    map[int64]bool
	nextDropletID int64
	nextActionID  int64
	nextImageID   int64
	nextRequest   int64
	requestPrefix string
	windows       map[string]*window
	faults        []*faultRec
	log           []Request
	stats         Stats
}

type outcomeKey struct {
	droplet int64
	typ     client.ActionType
}

type actionRec struct {
	a       Action
	due     time.Time
	errored bool
	p       params
}

// Request is one entry of the request log.
type Request struct {
	Method string
	Path   string
	Query  string // raw query string
	Body   []byte
	// Status is what the client received; 0 when the connection was reset or
	// the client gave up during an injected delay.
	Status    int
	Time      time.Time // arrival
	DropletID int64     // 0 when the request concerns no single droplet
	RequestID string
	Fault     FaultKind // the fault that hit this request, if any
	// ActionIDs lists the actions this request created, even when the client
	// never saw the response (FaultReset with AfterHandler).
	ActionIDs []int64
}

// Stats are counters since New or the last ResetLog.
type Stats struct {
	Total    int
	ByMethod map[string]int
	// InitiateAttempts counts every POST to /v2/droplets/{id}/actions that
	// arrived, whatever became of it (401, 429, 422, injected fault...).
	InitiateAttempts map[int64]int
	// AcceptedInitiates counts those POSTs that created an action, including
	// ones whose response was then lost to an injected fault.
	AcceptedInitiates map[int64]int
	// InitiatesPerDroplet equals AcceptedInitiates; kept under the name the
	// project's tests were specified with.
	InitiatesPerDroplet map[int64]int
	// BulkInitiates counts accepted POSTs to /v2/droplets/actions?tag_name=.
	BulkInitiates int
	// MaxInFlightPerDroplet is the largest number of in-progress actions seen
	// on each droplet right after one was created (single or bulk).
	MaxInFlightPerDroplet map[int64]int
	Served429             int
	Served5xx             int
	Resets                int
	// Pending422 counts "Droplet already has a pending event." answers.
	Pending422 int
}

func newStats() Stats {
	return Stats{
		ByMethod:              map[string]int{},
		InitiateAttempts:      map[int64]int{},
		AcceptedInitiates:     map[int64]int{},
		InitiatesPerDroplet:   map[int64]int{},
		MaxInFlightPerDroplet: map[int64]int{},
	}
}

func (st Stats) clone() Stats {
	c := st
	c.ByMethod = cloneMap(st.ByMethod)
	c.InitiateAttempts = cloneMap(st.InitiateAttempts)
	c.AcceptedInitiates = cloneMap(st.AcceptedInitiates)
	c.InitiatesPerDroplet = cloneMap(st.InitiatesPerDroplet)
	c.MaxInFlightPerDroplet = cloneMap(st.MaxInFlightPerDroplet)
	return c
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// New starts a server on 127.0.0.1 with a kernel-chosen port. It panics if
// the options are unusable or nothing can listen, like httptest.NewServer,
// because a test cannot proceed without it.
func New(opts Options) *Server {
	s, err := Listen(opts, "127.0.0.1:0")
	if err != nil {
		panic("fakeapi: " + err.Error())
	}
	return s
}

// Listen starts a server on addr, which must be a loopback address: the fake
// accepts a fixed token and must never be reachable from other machines.
func Listen(opts Options, addr string) (*Server, error) {
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.listener = ln
	s.url = "http://" + ln.Addr().String()
	errLog := log.New(io.Discard, "", 0)
	if opts.Logf != nil {
		errLog = log.New(logfWriter(opts.Logf), "fakeapi: ", 0)
	}
	// The health endpoint always listens on 127.0.0.1, DefaultPublicIPv4,
	// so that droplets' default public address reaches it.
	hl, err := net.Listen("tcp", net.JoinHostPort(DefaultPublicIPv4, "0"))
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.healthURL = "http://" + hl.Addr().String()
	if addr, ok := hl.Addr().(*net.TCPAddr); ok {
		s.healthPort = addr.Port
	}
	s.httpSrv = &http.Server{Handler: s.handler, ErrorLog: errLog, ReadHeaderTimeout: 10 * time.Second}
	s.healthSrv = &http.Server{Handler: s.healthHandler, ErrorLog: errLog, ReadHeaderTimeout: 10 * time.Second}
	go s.httpSrv.Serve(ln)   //nolint:errcheck // Serve always returns ErrServerClosed after Close.
	go s.healthSrv.Serve(hl) //nolint:errcheck // likewise.
	return s, nil
}

type logfWriter func(string, ...any)

func (f logfWriter) Write(p []byte) (int, error) {
	f("%s", string(p))
	return len(p), nil
}

// checkLoopback refuses any address that is not bound to a loopback interface.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q is not a loopback address; the fake API only listens on loopback", addr)
	}
	return nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Token == "" {
		return nil, errors.New("Options.Token is required")
	}
	if opts.Jitter < 0 || opts.Jitter > 1 {
		return nil, fmt.Errorf("Options.Jitter %v is outside 0..1", opts.Jitter)
	}
	s := &Server{
		opts:          opts,
		now:           opts.Now,
		closing:       make(chan struct{}),
		rng:           rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15)),
		durations:     map[client.ActionType]time.Duration{},
		droplets:      map[int64]*Droplet{},
		actions:       map[int64]*actionRec{},
		byDroplet:     map[int64][]int64{},
		snapshots:     map[int64][]Snapshot{},
		pending:       map[int64]bool{},
		creating:      map[int64]bool{},
		booted:        map[int64]time.Time{},
		health:        map[int64]*healthRule{},
		outcomes:      map[outcomeKey]bool{},
		ignoreShut:    map[int64]bool{},
		nextDropletID: 1001,
		nextActionID:  1000001,
		nextImageID:   70000001,
		// The prefix keeps request IDs unique across servers in one process.
		requestPrefix: strconv.FormatInt(time.Now().UnixNano()%1e12, 36),
		windows:       map[string]*window{},
		stats:         newStats(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	for t, d := range opts.Durations {
		s.durations[t] = d
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.healthHandler = http.HandlerFunc(s.serveHealth)
	return s, nil
}

// URL is the base URL, "http://127.0.0.1:PORT", without a trailing slash.
func (s *Server) URL() string { return s.url }

// Handler returns the whole fake (faults, auth, rate limits, API) as a
// handler, for callers that want to wrap it or serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops both listeners (the API's and the health endpoint's), drops
// open connections and waits for running handlers, so that no Logf call can
// outlive a test. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.closing)
	s.mu.Unlock()
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
	if s.healthSrv != nil {
		s.healthSrv.Close()
	}
	s.inflight.Wait()
}

// AddDroplet stores d, filling blanks with defaults (ID from 1001 upwards,
// name droplet-ID, status active, size s-1vcpu-1gb, region nyc3, image
// ubuntu-24-04-x64, the size's disk). An existing droplet with the same ID is
// replaced; its actions are kept, and so are the records of the snapshots
// still in SnapshotIDs. A snapshot ID without a record gets one, as if the
// snapshot had been taken without a name: they are spaced a minute apart,
// in the order given, ending a minute ago.
func (s *Server) AddDroplet(d Droplet) Droplet {
	s.mu.Lock()
	defer s.mu.Unlock()
	d = clone(d)
	if d.ID == 0 {
		for s.droplets[s.nextDropletID] != nil {
			s.nextDropletID++
		}
		d.ID = s.nextDropletID
		s.nextDropletID++
	}
	if d.Name == "" {
		d.Name = "droplet-" + strconv.FormatInt(d.ID, 10)
	}
	if d.Status == "" {
		d.Status = StatusActive
	}
	if d.SizeSlug == "" {
		d.SizeSlug = "s-1vcpu-1gb"
	}
	if d.Region == "" {
		d.Region = "nyc3"
	}
	if d.Image == "" {
		d.Image = "ubuntu-24-04-x64"
	}
	if d.Disk == 0 {
		d.Disk = diskFor(d.SizeSlug)
	}
	if d.PublicIPv4 == "" {
		d.PublicIPv4 = DefaultPublicIPv4
	}
	if d.PrivateIPv4 == "" {
		if old := s.droplets[d.ID]; old != nil {
			d.PrivateIPv4 = old.PrivateIPv4 // the same droplet keeps its address
		} else {
			d.PrivateIPv4 = s.newPrivateIPv4Locked()
		}
	}
	if d.PublicIPv6 == "" && slices.Contains(d.Features, "ipv6") {
		d.PublicIPv6 = defaultIPv6(d.ID)
	}
	// Backups show up both as a flag and as a feature in the API; keep the two
	// consistent whichever one the caller set.
	if slices.Contains(d.Features, "backups") {
		d.BackupsEnabled = true
	}
	if d.BackupsEnabled {
		if !slices.Contains(d.Features, "backups") {
			d.Features = append(d.Features, "backups")
		}
		if d.BackupPolicy == nil {
			d.BackupPolicy = &BackupPolicy{Plan: "daily"}
		}
	}
	s.droplets[d.ID] = &d
	delete(s.creating, d.ID)
	// The droplet is as given: up (or not) from the start, not booting.
	delete(s.booted, d.ID)
	if d.Status == StatusNew && !d.ActiveAt.IsZero() {
		s.creating[d.ID] = true
	}
	s.syncSnapshotsLocked(&d)
	return clone(d)
}

// newPrivateIPv4Locked hands out the next private address no droplet has.
func (s *Server) newPrivateIPv4Locked() string {
	for {
		ip := privateIPv4(s.nextPrivate)
		s.nextPrivate++
		taken := false
		for _, d := range s.droplets {
			if d.PrivateIPv4 == ip {
				taken = true
				break
			}
		}
		if !taken {
			return ip
		}
	}
}

// syncSnapshotsLocked makes the droplet's snapshot records match its
// SnapshotIDs, so that snapshot_ids and the snapshot list never disagree.
func (s *Server) syncSnapshotsLocked(d *Droplet) {
	old := s.snapshots[d.ID]
	recs := make([]Snapshot, 0, len(d.SnapshotIDs))
	now := s.now()
	for i, id := range d.SnapshotIDs {
		if slices.ContainsFunc(recs, func(sn Snapshot) bool { return sn.ID == id }) {
			continue // listed twice
		}
		if j := slices.IndexFunc(old, func(sn Snapshot) bool { return sn.ID == id }); j >= 0 {
			recs = append(recs, old[j])
			continue
		}
		at := now.Add(-time.Duration(len(d.SnapshotIDs)-i) * time.Minute)
		recs = append(recs, s.snapshotLocked(d, id, "", at))
	}
	s.snapshots[d.ID] = recs
}

// snapshotLocked makes the record of a snapshot of d asked for at the given
// time, without storing it. An empty name becomes the API's own.
func (s *Server) snapshotLocked(d *Droplet, id int64, name string, at time.Time) Snapshot {
	if name == "" {
		name = snapshotName(d.Name, at)
	}
	return Snapshot{
		ID: id, Name: name, CreatedAt: at.UTC().Truncate(time.Second),
		Regions: []string{d.Region}, MinDiskSize: d.Disk, SizeGigabytes: snapshotGigabytes(d.Disk),
	}
}

// addSnapshotLocked stores a snapshot of d under a new image ID, both as a
// record and in SnapshotIDs.
func (s *Server) addSnapshotLocked(d *Droplet, name string, at time.Time) Snapshot {
	sn := s.snapshotLocked(d, s.nextImageID, name, at)
	s.nextImageID++
	d.SnapshotIDs = append(d.SnapshotIDs, sn.ID)
	s.snapshots[d.ID] = append(s.snapshots[d.ID], sn)
	return sn
}

// AddSnapshot stores a snapshot of a droplet as a snapshot action would
// have made it, so that tests can arrange a droplet's snapshot history (many
// snapshots, or ones at chosen times): a new image ID, added to SnapshotIDs,
// created at createdAt truncated to the second (now when zero), named name
// or, when that is empty, by the API's rule from createdAt, in the droplet's
// region, with its disk. It reports false for an unknown droplet.
func (s *Server) AddSnapshot(dropletID int64, name string, createdAt time.Time) (Snapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.droplets[dropletID]
	if !ok {
		return Snapshot{}, false
	}
	if createdAt.IsZero() {
		createdAt = s.now()
	}
	return cloneSnapshot(s.addSnapshotLocked(d, name, createdAt)), true
}

// Snapshots returns a droplet's snapshots as the API lists them, oldest
// first, after applying every action that is due.
func (s *Server) Snapshots(dropletID int64) []Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	out := s.sortedSnapshotsLocked(dropletID)
	for i := range out {
		out[i] = cloneSnapshot(out[i])
	}
	return out
}

// sortedSnapshotsLocked is a droplet's snapshots oldest first, by creation
// time and then image ID, in a new slice.
func (s *Server) sortedSnapshotsLocked(dropletID int64) []Snapshot {
	out := slices.Clone(s.snapshots[dropletID])
	slices.SortStableFunc(out, func(a, b Snapshot) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// RemoveDroplet deletes a droplet as if it were destroyed outside Terraform: reading it
// answers 404 from then on. Its actions stay readable by ID, as DigitalOcean keeps the
// account's action history.
func (s *Server) RemoveDroplet(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.droplets, id)
	delete(s.creating, id)
}

// Droplet returns the current state of a droplet, after applying every
// action that is due.
func (s *Server) Droplet(id int64) (Droplet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	d, ok := s.droplets[id]
	if !ok {
		return Droplet{}, false
	}
	return clone(*d), true
}

// SeedActions adds n completed actions of type typ to a droplet's history,
// spaced a minute apart and ending a minute ago, with no effect on the
// droplet. Seed before initiating real actions so that "newest first" by ID
// and by time agree. It returns nil for an unknown droplet.
func (s *Server) SeedActions(dropletID int64, n int, typ client.ActionType) []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.droplets[dropletID]
	if !ok {
		return nil
	}
	region, _ := lookupRegion(d.Region)
	now := s.now()
	out := make([]Action, 0, n)
	for i := range n {
		started := now.Add(-time.Duration(n-i+1) * time.Minute)
		done := started.Add(30 * time.Second)
		rec := &actionRec{a: Action{
			ID: s.nextActionID, Status: ActionCompleted, Type: typ, StartedAt: started, CompletedAt: &done,
			ResourceID: dropletID, ResourceType: "droplet", RegionSlug: region.Slug, Region: region,
		}, due: done}
		s.nextActionID++
		s.actions[rec.a.ID] = rec
		s.byDroplet[dropletID] = append(s.byDroplet[dropletID], rec.a.ID)
		out = append(out, cloneAction(rec.a))
	}
	return out
}

// Action returns an action's current state.
func (s *Server) Action(id int64) (Action, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	rec, ok := s.actions[id]
	if !ok {
		return Action{}, false
	}
	return cloneAction(rec.a), true
}

// Actions returns a droplet's actions, newest first.
func (s *Server) Actions(dropletID int64) []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	ids := s.byDroplet[dropletID]
	out := make([]Action, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		out = append(out, cloneAction(s.actions[ids[i]].a))
	}
	return out
}

// Requests returns a copy of the request log, in order of completion.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.log))
	for i, r := range s.log {
		r.Body = slices.Clone(r.Body)
		r.ActionIDs = slices.Clone(r.ActionIDs)
		out[i] = r
	}
	return out
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.clone()
}

// ResetLog clears the request log, the health endpoint's request log and
// every counter, so a test can measure one phase on its own. Droplets,
// actions, health settings and rate-limit windows stay.
func (s *Server) ResetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	s.healthLog = nil
	s.stats = newStats()
}

// SetActionOutcome makes every later action of type typ on the droplet end
// errored (errored=true) or completed again (errored=false). Actions already
// running keep the outcome they were created with.
func (s *Server) SetActionOutcome(dropletID int64, typ client.ActionType, errored bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := outcomeKey{dropletID, typ}
	if errored {
		s.outcomes[k] = true
	} else {
		delete(s.outcomes, k)
	}
}

// IgnoreShutdown makes shutdown actions on the droplet complete without the
// droplet turning off, which the API explicitly allows for.
func (s *Server) IgnoreShutdown(dropletID int64, ignore bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ignore {
		s.ignoreShut[dropletID] = true
	} else {
		delete(s.ignoreShut, dropletID)
	}
}

// SetDuration changes how long later actions of type typ stay in progress.
func (s *Server) SetDuration(typ client.ActionType, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.durations[typ] = d
}

func (s *Server) durationLocked(typ client.ActionType) time.Duration {
	d, ok := s.durations[typ]
	if !ok {
		d = s.opts.DefaultDuration
		if d == 0 {
			d = DefaultActionDuration
		}
	}
	if d < 0 {
		d = 0
	}
	if j := s.opts.Jitter; j > 0 && d > 0 {
		f := 1 + j*(2*s.rng.Float64()-1)
		d = time.Duration(float64(d) * f)
	}
	return d
}

// advanceLocked completes every action whose time has come, in order of due
// time so that effects land in the order they would have on a real droplet.
func (s *Server) advanceLocked() {
	if len(s.pending) == 0 && len(s.creating) == 0 {
		return
	}
	now := s.now()
	for id := range s.creating {
		if d := s.droplets[id]; d == nil || d.Status != StatusNew {
			delete(s.creating, id)
		} else if !now.Before(d.ActiveAt) {
			d.Status = StatusActive
			s.booted[id] = d.ActiveAt
			delete(s.creating, id)
		}
	}
	var due []*actionRec
	for id := range s.pending {
		if rec := s.actions[id]; !now.Before(rec.due) {
			due = append(due, rec)
		}
	}
	slices.SortFunc(due, func(a, b *actionRec) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.a.ID, b.a.ID)
	})
	for _, rec := range due {
		delete(s.pending, rec.a.ID)
		t := rec.due
		rec.a.CompletedAt = &t
		d := s.droplets[rec.a.ResourceID]
		if rec.errored {
			rec.a.Status = ActionErrored
		} else {
			rec.a.Status = ActionCompleted
			if d != nil {
				s.applyLocked(d, rec)
			}
		}
		// Health's boot time runs from the end of every action, completed or
		// errored, that leaves the droplet active (see doc.go, Health).
		if d != nil && d.Status == StatusActive {
			s.booted[d.ID] = t
		}
	}
}

func (s *Server) applyLocked(d *Droplet, rec *actionRec) {
	p := rec.p
	switch rec.a.Type {
	case client.ActionPowerOff:
		d.Status = StatusOff
	case client.ActionShutdown:
		if !s.ignoreShut[d.ID] {
			d.Status = StatusOff
		}
	case client.ActionPowerOn, client.ActionReboot, client.ActionPowerCycle:
		d.Status = StatusActive
	case client.ActionRename:
		d.Name = p.name
	case client.ActionResize:
		d.SizeSlug = p.size
		if p.disk {
			// A permanent disk resize never shrinks the disk.
			d.Disk = max(d.Disk, diskFor(p.size))
		}
	case client.ActionEnableIPv6:
		if !slices.Contains(d.Features, "ipv6") {
			d.Features = append(d.Features, "ipv6")
		}
		if d.PublicIPv6 == "" {
			d.PublicIPv6 = defaultIPv6(d.ID)
		}
	case client.ActionEnableBackups:
		if !slices.Contains(d.Features, "backups") {
			d.Features = append(d.Features, "backups")
		}
		d.BackupsEnabled = true
		switch {
		case p.policy != nil:
			pol := *p.policy
			d.BackupPolicy = &pol
		case d.BackupPolicy == nil:
			d.BackupPolicy = &BackupPolicy{Plan: "daily"}
		}
	case client.ActionDisableBackups:
		d.Features = slices.DeleteFunc(d.Features, func(f string) bool { return f == "backups" })
		d.BackupsEnabled = false
		d.BackupPolicy = nil
	case client.ActionChangeBackupPolicy:
		pol := *p.policy
		d.BackupPolicy = &pol
	case client.ActionSnapshot:
		// Created, and named when no name was given, as of the action's start
		// (see doc.go): the API's own example stamps the name 1.8 s before the
		// created_at, so neither looks like the moment the action ended.
		s.addSnapshotLocked(d, p.name, rec.a.StartedAt)
	case client.ActionRebuild, client.ActionRestore:
		// Both boot the droplet from the new disk, as the real API does.
		d.Image = p.image
		d.Status = StatusActive
	case client.ActionChangeKernel:
		d.KernelID = p.kernel
	}
}

// sleepCtx waits d unless the request is cancelled or the server closes first.
func (s *Server) sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}
