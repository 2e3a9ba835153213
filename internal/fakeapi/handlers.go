package fakeapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

const (
	maxBodyBytes    = 1 << 20
	defaultPerPage  = 20
	maxPerPage      = 200
	msgNotFound     = "The resource you were accessing could not be found."
	msgPendingEvent = "Droplet already has a pending event."
)

// response is built completely before anything reaches the wire, so that a
// fault can still replace, truncate or drop it after the API has acted.
type response struct {
	status    int
	header    http.Header
	body      []byte
	dropletID int64
	actionIDs []int64
}

type errorBody struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

func jsonResponse(status int, v any) response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Links carry "&"; the real API does not escape it as \u0026.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own types are marshalled; failing here is a bug in the fake.
		panic(err)
	}
	return response{status: status, header: http.Header{}, body: buf.Bytes()}
}

func errorResponse(status int, id, msg, requestID string) response {
	return jsonResponse(status, errorBody{ID: id, Message: msg, RequestID: requestID})
}

func errorID(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusConflict:
		return "conflict"
	case http.StatusUnprocessableEntity:
		return "unprocessable_entity"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	}
	if status >= 500 {
		return "server_error"
	}
	return "error"
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeResponse(w, errorResponse(http.StatusServiceUnavailable, "service_unavailable", "The fake API is shut down.", ""))
		return
	}
	s.inflight.Add(1)
	s.nextRequest++
	rid := fmt.Sprintf("%s-%06d", s.requestPrefix, s.nextRequest)
	arrival := s.now()
	s.mu.Unlock()
	defer s.inflight.Done()

	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	entry := Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body,
		Time: arrival, RequestID: rid, DropletID: pathDropletID(r.URL.Path),
	}

	f := s.takeFault(r, body)
	if f != nil {
		entry.Fault = f.Kind
		if !s.sleepCtx(r.Context(), f.Delay) {
			// Returning normally would make net/http send an empty 200.
			s.record(entry, false)
			resetConn(w)
			return
		}
	}

	var resp response
	switch {
	case f != nil && f.Kind == FaultStatus:
		resp = s.faultResponse(r, f, rid)
	case f != nil && f.Kind == FaultReset && !f.AfterHandler:
		s.record(entry, true)
		resetConn(w)
		return
	default:
		resp = s.handle(r, body, rid)
	}
	if resp.dropletID != 0 {
		entry.DropletID = resp.dropletID
	}
	entry.ActionIDs = resp.actionIDs

	if f != nil && f.Kind == FaultReset {
		s.record(entry, true)
		resetConn(w)
		return
	}
	if f != nil && f.Kind == FaultMalformed {
		resp.body = truncateJSON(resp.body)
	}
	entry.Status = resp.status
	// Recorded before writing so that a client which has its answer can
	// already see the request in Requests and Stats.
	s.record(entry, false)
	writeResponse(w, resp)
}

// truncateJSON cuts a body so that it can no longer parse, however short.
func truncateJSON(b []byte) []byte {
	if len(b) < 4 {
		return []byte(`{"`)
	}
	return b[:len(b)/2]
}

func writeResponse(w http.ResponseWriter, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// record adds a finished request to the log and counters.
func (s *Server) record(e Request, reset bool) {
	s.mu.Lock()
	s.log = append(s.log, e)
	st := &s.stats
	st.Total++
	st.ByMethod[e.Method]++
	if id, ok := initiatePath(e.Method, e.Path); ok {
		st.InitiateAttempts[id]++
	}
	switch {
	case reset:
		st.Resets++
	case e.Status == http.StatusTooManyRequests:
		st.Served429++
	case e.Status >= 500:
		st.Served5xx++
	}
	logf := s.opts.Logf
	s.mu.Unlock()
	if logf != nil {
		outcome := strconv.Itoa(e.Status)
		if reset {
			outcome = "connection reset"
		} else if e.Status == 0 {
			outcome = "client gave up"
		}
		if e.Fault != 0 {
			outcome += " (fault: " + e.Fault.String() + ")"
		}
		logf("fakeapi: %s %s -> %s [%s]", e.Method, e.Path, outcome, e.RequestID)
	}
}

func (s *Server) faultResponse(r *http.Request, f *Fault, rid string) response {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var resp response
	if f.Body != "" {
		resp = response{status: status, header: http.Header{}, body: []byte(f.Body)}
		ct := f.ContentType
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		resp.header.Set("Content-Type", ct)
	} else {
		msg := "Injected fault: " + http.StatusText(status)
		if status == http.StatusTooManyRequests {
			msg = "API rate limit exceeded."
		}
		resp = errorResponse(status, errorID(status), msg, rid)
		if f.ContentType != "" {
			resp.header.Set("Content-Type", f.ContentType)
		}
	}
	s.mu.Lock()
	ri := s.rateLocked(bearerToken(r), false)
	s.mu.Unlock()
	ri.apply(resp.header)
	resp.header.Set("X-Request-Id", rid)
	if f.RetryAfter != "" {
		resp.header.Set("Retry-After", f.RetryAfter)
	}
	return resp
}

func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// handle is the API proper: authentication, rate limiting and routing.
func (s *Server) handle(r *http.Request, body []byte, rid string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	token := bearerToken(r)
	var resp response
	if token == "" || token != s.opts.Token {
		// Unauthenticated requests are not charged to any window.
		resp = errorResponse(http.StatusUnauthorized, "unauthorized", "Unable to authenticate you", rid)
		s.rateLocked(token, false).apply(resp.header)
	} else if ri := s.rateLocked(token, true); ri.rejected {
		resp = errorResponse(http.StatusTooManyRequests, "too_many_requests", "API rate limit exceeded.", rid)
		ri.apply(resp.header)
	} else if missing := s.missingScope(r, body); missing != "" {
		resp = errorResponse(http.StatusForbidden, "forbidden", "You are not authorized to perform this operation (the token lacks "+missing+").", rid)
		ri.apply(resp.header)
	} else {
		s.advanceLocked()
		resp = s.routeLocked(r, body, rid)
		ri.apply(resp.header)
	}
	resp.header.Set("X-Request-Id", rid)
	// The API's clock, which clients may compare action timestamps with.
	resp.header.Set("Date", s.now().UTC().Format(http.TimeFormat))
	return resp
}

// pathDropletID extracts {id} from /v2/droplets/{id}[/...].
func pathDropletID(path string) int64 {
	seg := splitPath(path)
	if len(seg) >= 3 && seg[0] == "v2" && seg[1] == "droplets" {
		if id, ok := parseID(seg[2]); ok {
			return id
		}
	}
	return 0
}

func initiatePath(method, path string) (int64, bool) {
	seg := splitPath(path)
	if method != http.MethodPost || len(seg) != 4 || seg[0] != "v2" || seg[1] != "droplets" || seg[3] != "actions" {
		return 0, false
	}
	return parseID(seg[2])
}

func splitPath(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) routeLocked(r *http.Request, body []byte, rid string) response {
	seg := splitPath(r.URL.Path)
	notFound := errorResponse(http.StatusNotFound, "not_found", msgNotFound, rid)
	allow := func(methods ...string) (response, bool) {
		if slices.Contains(methods, r.Method) {
			return response{}, true
		}
		resp := errorResponse(http.StatusMethodNotAllowed, "method_not_allowed",
			r.Method+" is not allowed on "+r.URL.Path, rid)
		resp.header.Set("Allow", strings.Join(methods, ", "))
		return resp, false
	}
	if len(seg) == 2 && seg[0] == "v2" && seg[1] == "droplets" {
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		return s.listDropletsLocked(r, rid)
	}
	if len(seg) == 2 && seg[0] == "v2" && seg[1] == "actions" {
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		return s.listAllActionsLocked(r, rid)
	}
	if len(seg) < 3 || seg[0] != "v2" {
		return notFound
	}
	switch {
	case seg[1] == "actions" && len(seg) == 3:
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		id, ok := parseID(seg[2])
		rec := s.actions[id]
		if !ok || rec == nil {
			return notFound
		}
		resp := jsonResponse(http.StatusOK, map[string]any{"action": rec.a.toJSON()})
		resp.dropletID = rec.a.ResourceID
		return resp
	case seg[1] != "droplets":
		return notFound
	case len(seg) == 3 && seg[2] == "actions":
		if resp, ok := allow(http.MethodPost); !ok {
			return resp
		}
		return s.bulkLocked(r, body, rid)
	}

	did, ok := parseID(seg[2])
	d := s.droplets[did]
	if !ok || d == nil {
		return notFound
	}
	var resp response
	switch {
	case len(seg) == 3:
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		locked := s.inFlightLocked(did) > 0
		resp = jsonResponse(http.StatusOK, map[string]any{"droplet": d.toJSON(locked, s.now())})
	case len(seg) == 4 && seg[3] == "actions":
		if resp, ok := allow(http.MethodGet, http.MethodPost); !ok {
			return resp
		}
		if r.Method == http.MethodPost {
			resp = s.initiateLocked(d, body, rid)
		} else {
			resp = s.listLocked(r, did, rid)
		}
	case len(seg) == 5 && seg[3] == "actions":
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		aid, ok := parseID(seg[4])
		rec := s.actions[aid]
		if !ok || rec == nil || rec.a.ResourceID != did {
			return notFound
		}
		resp = jsonResponse(http.StatusOK, map[string]any{"action": rec.a.toJSON()})
	case len(seg) == 4 && seg[3] == "snapshots":
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		resp = s.listSnapshotsLocked(r, did, rid)
	case len(seg) == 5 && seg[3] == "backups" && seg[4] == "policy":
		if resp, ok := allow(http.MethodGet); !ok {
			return resp
		}
		resp = jsonResponse(http.StatusOK, map[string]any{"policy": d.policyJSON(s.now())})
	default:
		return notFound
	}
	resp.dropletID = did
	return resp
}

func (s *Server) inFlightLocked(dropletID int64) int {
	n := 0
	for id := range s.pending {
		if s.actions[id].a.ResourceID == dropletID {
			n++
		}
	}
	return n
}

func bodyErrorResponse(err *bodyError, rid string) response {
	if err.malformed {
		return errorResponse(http.StatusBadRequest, "bad_request", err.msg, rid)
	}
	return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity", err.msg, rid)
}

func (s *Server) initiateLocked(d *Droplet, body []byte, rid string) response {
	rules := singleRules()
	p, berr := parseBody(body, func(t client.ActionType) ([]paramRule, *bodyError) {
		r, ok := rules[t]
		if !ok {
			return nil, invalid("unknown action type %q", t)
		}
		return r, nil
	})
	if berr != nil {
		return bodyErrorResponse(berr, rid)
	}
	if s.inFlightLocked(d.ID) > 0 {
		s.stats.Pending422++
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity", msgPendingEvent, rid)
	}
	if msg := s.preconditionLocked(d, p); msg != "" {
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity", msg, rid)
	}
	rec := s.createLocked(d, p, body)
	s.stats.AcceptedInitiates[d.ID]++
	s.stats.InitiatesPerDroplet[d.ID]++
	resp := jsonResponse(http.StatusCreated, map[string]any{"action": rec.a.toJSON()})
	resp.actionIDs = []int64{rec.a.ID}
	return resp
}

// preconditionLocked returns why the API would refuse p on d right now, or "".
func (s *Server) preconditionLocked(d *Droplet, p params) string {
	switch p.typ {
	case client.ActionResize:
		if d.Status != StatusOff {
			return "Droplet must be powered off before it can be resized."
		}
		if region, known := lookupRegion(d.Region); known && !slices.Contains(region.Sizes, p.size) {
			return fmt.Sprintf("Size %s is not available in region %s.", p.size, d.Region)
		}
		if sizeGPUs[d.SizeSlug] > 1 && sizeGPUs[p.size] == 1 {
			// DigitalOcean's GPU Droplet limits; the wording is the
			// documentation's, as no API answer for it is published.
			return "You cannot resize from an 8 GPU Droplet to a single GPU Droplet."
		}
		if gb, known := sizeDisks[p.size]; known && gb < d.Disk {
			// The API's own answer. A droplet's disk never shrinks, so a
			// size with a smaller disk is refused, with or without disk.
			return "Size can not decrease size of Droplet's disk image"
		}
	case client.ActionChangeBackupPolicy:
		if !d.BackupsEnabled {
			return "Backups are not enabled for this Droplet."
		}
	case client.ActionRestore:
		id, _ := strconv.ParseInt(p.image, 10, 64)
		if !slices.Contains(d.BackupIDs, id) {
			return fmt.Sprintf("Image %d is not a backup of this Droplet.", id)
		}
	case client.ActionPowerOff, client.ActionShutdown:
		if !s.opts.LenientPowerState && d.Status == StatusOff {
			return "Droplet is already powered off."
		}
	}
	return ""
}

func (s *Server) createLocked(d *Droplet, p params, body []byte) *actionRec {
	now := s.now()
	region, _ := lookupRegion(d.Region)
	rec := &actionRec{
		a: Action{
			ID: s.nextActionID, Status: ActionInProgress, Type: p.typ, StartedAt: now,
			ResourceID: d.ID, ResourceType: "droplet", RegionSlug: region.Slug, Region: region,
			Body: slices.Clone(body),
		},
		due:     now.Add(s.durationLocked(p.typ)),
		errored: s.outcomes[outcomeKey{d.ID, p.typ}],
		p:       p,
	}
	s.nextActionID++
	s.actions[rec.a.ID] = rec
	s.byDroplet[d.ID] = append(s.byDroplet[d.ID], rec.a.ID)
	s.pending[rec.a.ID] = true
	// Counted from the pending set rather than assumed to be 1, so that a
	// broken one-at-a-time rule would show up in the statistics.
	if n := s.inFlightLocked(d.ID); n > s.stats.MaxInFlightPerDroplet[d.ID] {
		s.stats.MaxInFlightPerDroplet[d.ID] = n
	}
	return rec
}

func (s *Server) bulkLocked(r *http.Request, body []byte, rid string) response {
	tag := r.URL.Query().Get("tag_name")
	if tag == "" {
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity", "tag_name is required.", rid)
	}
	known := singleRules()
	p, berr := parseBody(body, func(t client.ActionType) ([]paramRule, *bodyError) {
		info, inTable := client.LookupActionType(t)
		if _, ok := known[t]; !ok || !inTable {
			return nil, invalid("unknown action type %q", t)
		}
		if !info.Bulk {
			return nil, invalid("action type %q cannot be initiated by tag; only %s can", t, bulkTypeList())
		}
		return bulkRules(t), nil
	})
	if berr != nil {
		return bodyErrorResponse(berr, rid)
	}
	var tagged []*Droplet
	for _, d := range s.droplets {
		if slices.Contains(d.Tags, tag) {
			tagged = append(tagged, d)
		}
	}
	if len(tagged) == 0 {
		return errorResponse(http.StatusNotFound, "not_found", fmt.Sprintf("No droplets are tagged %q.", tag), rid)
	}
	slices.SortFunc(tagged, func(a, b *Droplet) int { return cmp.Compare(a.ID, b.ID) })
	// All or nothing: a partly applied bulk call would leave the caller unable
	// to tell which droplets still need the action.
	for _, d := range tagged {
		if s.inFlightLocked(d.ID) > 0 {
			s.stats.Pending422++
			return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity", msgPendingEvent, rid)
		}
		if msg := s.preconditionLocked(d, p); msg != "" {
			return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity",
				fmt.Sprintf("Droplet %d: %s", d.ID, msg), rid)
		}
	}
	out := make([]actionJSON, 0, len(tagged))
	ids := make([]int64, 0, len(tagged))
	for _, d := range tagged {
		rec := s.createLocked(d, p, body)
		out = append(out, rec.a.toJSON())
		ids = append(ids, rec.a.ID)
	}
	s.stats.BulkInitiates++
	resp := jsonResponse(http.StatusCreated, map[string]any{"actions": out})
	resp.actionIDs = ids
	return resp
}

func bulkTypeList() string {
	var names []string
	for _, info := range client.ActionTypes() {
		if info.Bulk {
			names = append(names, string(info.Type))
		}
	}
	return strings.Join(names, ", ")
}

type pageLinks struct {
	First string `json:"first,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last,omitempty"`
}

func (s *Server) listLocked(r *http.Request, did int64, rid string) response {
	ids := s.byDroplet[did]
	// IDs are in creation order; walk them backwards for newest first.
	return pagedResponse(r, rid, "actions", len(ids), nil, func(i int) any {
		return s.actions[ids[len(ids)-1-i]].a.toJSON()
	})
}

// listAllActionsLocked answers GET /v2/actions: every action of the account,
// whatever droplet it concerns and whether or not that droplet is still
// stored, oldest first by ID. The API documents no order for this list; the
// fake takes the less favourable reading, which puts the most recent actions
// on the last pages, so that clients cannot come to depend on finding them
// first.
func (s *Server) listAllActionsLocked(r *http.Request, rid string) response {
	ids := slices.Sorted(maps.Keys(s.actions))
	return pagedResponse(r, rid, "actions", len(ids), nil, func(i int) any {
		return s.actions[ids[i]].a.toJSON()
	})
}

// listSnapshotsLocked answers GET /v2/droplets/{id}/snapshots, oldest first
// (by created_at, then image ID). DigitalOcean documents no order for this
// list; the fake takes the less favourable reading for a client that wants
// the newest snapshot, which puts it on the last page, so that clients page
// through the whole list instead of trusting the first entry.
func (s *Server) listSnapshotsLocked(r *http.Request, did int64, rid string) response {
	snaps := s.sortedSnapshotsLocked(did)
	return pagedResponse(r, rid, "snapshots", len(snaps), nil, func(i int) any {
		return snaps[i].toJSON()
	})
}

// listDropletsLocked answers GET /v2/droplets, by ID: the account's droplets,
// filtered by tag_name (exact) or name (exact, case-insensitive), and by
// type. As DigitalOcean documents, only non-GPU droplets are listed unless
// type=gpus, which lists only GPU droplets; tag_name cannot be combined with
// name or type. Whether a tag_name listing includes the tag's GPU droplets
// is not documented: the fake takes the literal, less favourable reading
// (the default applies, so it does not), which leaves no way to list a
// tag's GPU droplets. Parameters the API does not document are ignored.
func (s *Server) listDropletsLocked(r *http.Request, rid string) response {
	q := r.URL.Query()
	tag, name, typ := q.Get("tag_name"), q.Get("name"), q.Get("type")
	if tag != "" && (name != "" || typ != "") {
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity",
			"tag_name can not be combined with name or type.", rid)
	}
	if typ != "" && typ != "droplets" && typ != "gpus" {
		return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity",
			fmt.Sprintf("type must be droplets or gpus, not %q.", typ), rid)
	}
	wantGPU := typ == "gpus"
	var ds []*Droplet
	for _, d := range s.droplets {
		switch {
		case isGPUSize(d.SizeSlug) != wantGPU:
		case tag != "" && !slices.Contains(d.Tags, tag):
		case name != "" && !strings.EqualFold(d.Name, name):
		default:
			ds = append(ds, d)
		}
	}
	slices.SortFunc(ds, func(a, b *Droplet) int { return cmp.Compare(a.ID, b.ID) })
	now := s.now()
	return pagedResponse(r, rid, "droplets", len(ds), []string{"tag_name", "name", "type"}, func(i int) any {
		return ds[i].toJSON(s.inFlightLocked(ds[i].ID) > 0, now)
	})
}

// pagedResponse answers one page of a list of total items under key, item(i) being the
// i-th, with the API's page and per_page parameters, links and meta. Links point at the
// request's own path and carry, besides page and per_page, only the query parameters
// named in keep (filters such as tag_name), so that every page lists the same items.
func pagedResponse(r *http.Request, rid, key string, total int, keep []string, item func(i int) any) response {
	q := r.URL.Query()
	page, perPage := 1, defaultPerPage
	for _, v := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}} {
		raw := q.Get(v.name)
		if raw == "" {
			continue
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return errorResponse(http.StatusUnprocessableEntity, "unprocessable_entity",
				v.name+" must be a positive integer", rid)
		}
		*v.dst = n
	}
	perPage = min(perPage, maxPerPage)

	lastPage := max((total+perPage-1)/perPage, 1)
	items := []any{}
	for i := (page - 1) * perPage; i < min(page*perPage, total); i++ {
		items = append(items, item(i))
	}

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	link := func(n int) string {
		kept := url.Values{"page": {strconv.Itoa(n)}, "per_page": {strconv.Itoa(perPage)}}
		for _, name := range keep {
			if v := q.Get(name); v != "" {
				kept.Set(name, v)
			}
		}
		u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: kept.Encode()}
		return u.String()
	}
	var pl pageLinks
	if page > 1 {
		pl.First = link(1)
		pl.Prev = link(min(page-1, lastPage))
	}
	if page < lastPage {
		pl.Next = link(page + 1)
		pl.Last = link(lastPage)
	}
	links := map[string]any{}
	if pl != (pageLinks{}) {
		links["pages"] = pl
	}
	return jsonResponse(http.StatusOK, map[string]any{
		key:     items,
		"links": links,
		"meta":  map[string]int{"total": total},
	})
}
