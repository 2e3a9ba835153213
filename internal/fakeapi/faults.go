package fakeapi

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind says what an injected fault does to a request.
type FaultKind int

const (
	// FaultStatus answers Status (default 500) with a JSON error body, or
	// Body when set, without the API acting. RetryAfter, when set, is sent
	// verbatim as the retry-after header.
	FaultStatus FaultKind = iota + 1
	// FaultReset closes the connection with a TCP reset and no response. By
	// default the API does not act; with AfterHandler it acts first (an action
	// may be created) and only the response is lost.
	FaultReset
	// FaultDelay only waits Delay, then lets the request through. If the
	// client gives up first, the API never acts on the request.
	FaultDelay
	// FaultMalformed lets the API act, then sends its real status with the
	// JSON body cut in half, as a broken proxy might.
	FaultMalformed
)

func (k FaultKind) String() string {
	switch k {
	case FaultStatus:
		return "status"
	case FaultReset:
		return "reset"
	case FaultDelay:
		return "delay"
	case FaultMalformed:
		return "malformed"
	case 0:
		return "none"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Fault describes failures to inject. A request is hit by at most one fault:
// the first one, in order of injection, that matches and is not spent.
type Fault struct {
	// Method restricts the fault to one HTTP method; empty matches any.
	Method string
	// PathPrefix restricts the fault to paths starting with it; empty matches any.
	PathPrefix string
	// Match, when set, must also return true. It may read r.Body (a fresh
	// copy is given to it), but it must not call the Server's methods.
	Match func(r *http.Request) bool
	// Times is how many requests the fault hits before it is spent. Zero
	// means once; a negative value never runs out.
	Times int
	Kind  FaultKind
	// Status is the code FaultStatus answers (default 500).
	Status int
	// RetryAfter, for FaultStatus, is the retry-after header value. It is a
	// string so that tests can also send odd values ("0", an HTTP date, junk).
	RetryAfter string
	// Body, for FaultStatus, replaces the JSON error body, e.g. with the HTML
	// page a load balancer would send; ContentType then defaults to text/html.
	Body        string
	ContentType string
	// Delay is waited before the fault acts, for every kind (the only effect
	// of FaultDelay). The wait ends early if the client cancels.
	Delay time.Duration
	// AfterHandler makes FaultReset act after the API has handled the request.
	AfterHandler bool
}

type faultRec struct {
	f    Fault
	left int // remaining hits; negative means unlimited
}

// InjectFault appends f to the list of faults.
func (s *Server) InjectFault(f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRec{f: f, left: left})
}

// Faults returns the faults that are not spent, in order; each copy's Times is
// the number of hits left (negative: unlimited).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Fault
	for _, r := range s.faults {
		if r.left != 0 {
			f := r.f
			f.Times = r.left
			out = append(out, f)
		}
	}
	return out
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault finds and spends the fault for r. Match functions run without the
// lock (they are caller code), so a candidate may be spent by a concurrent
// request in between; then the next candidate is tried.
func (s *Server) takeFault(r *http.Request, body []byte) *Fault {
	s.mu.Lock()
	candidates := make([]*faultRec, 0, len(s.faults))
	for _, rec := range s.faults {
		if rec.left != 0 {
			candidates = append(candidates, rec)
		}
	}
	s.mu.Unlock()
	for _, rec := range candidates {
		f := rec.f
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.Match != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			if !f.Match(r) {
				continue
			}
		}
		s.mu.Lock()
		if rec.left == 0 {
			s.mu.Unlock()
			continue
		}
		if rec.left > 0 {
			rec.left--
		}
		s.mu.Unlock()
		return &f
	}
	return nil
}

// resetConn drops the connection so that the client sees a reset rather than
// a clean close. A wrapped ResponseWriter that cannot be hijacked still
// aborts the connection through http.ErrAbortHandler.
func resetConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // best effort: a plain close still ends the exchange
			}
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
