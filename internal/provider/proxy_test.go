//go:build unix

package provider

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// proxyOnlyHost is a name only the test's proxy can reach. Go never sends a DNS query for
// a .onion name (RFC 7686), so a run without the proxy fails on the spot, touching no
// network; the test checks that below before relying on it.
const proxyOnlyHost = "gradient-proxy-test.onion"

// TestAccProxyFromEnvironment runs the built provider under the real Terraform CLI with
// HTTPS_PROXY pointing at a CONNECT proxy in the test, which tunnels every CONNECT to the
// fake API served over TLS on 127.0.0.1. The provider is a child process, so it reads the
// proxy variables fresh: Go caches them once per process, which an in-process test cannot
// undo.
func TestAccProxyFromEnvironment(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	viaExample := api.AddDroplet(fakeapi.Droplet{})
	viaOnion := api.AddDroplet(fakeapi.Droplet{})

	certPEM, cert := selfSignedCert(t, []string{"example.com", proxyOnlyHost})
	srv := httptest.NewUnstartedServer(api.Handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	certFile := filepath.Join(t.TempDir(), "fake-api.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := startConnectProxy(t, srv.Listener.Addr().String())

	env := func(withProxy bool) map[string]string {
		e := map[string]string{
			"DIGITALOCEAN_ACCESS_TOKEN": testToken,
			"SSL_CERT_FILE":             certFile,
			"NO_PROXY":                  "",
			"no_proxy":                  "",
		}
		if withProxy {
			e["HTTPS_PROXY"] = "http://" + proxy.addr
		}
		return e
	}
	config := func(endpoint string, dropletID int64) string {
		// The token comes from the environment; the retries are short so that a failing
		// run fails fast.
		return gradientTerraformBlock + fmt.Sprintf(`
provider "gradient" {
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_max      = 1
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}
resource "gradient_droplet_action" "r" {
  droplet_id = %d
  type       = "reboot"
}
`, endpoint, dropletID)
	}

	// 1. https://example.com through the proxy.
	cli := newTFCLI(t, env(true))
	cli.writeConfig(config("https://example.com", viaExample.ID))
	start := time.Now()
	out := cli.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	t.Logf("apply through the proxy took %s", time.Since(start).Round(time.Millisecond))
	if r := cli.state()["gradient_droplet_action.r"]; r.Values["status"] != fakeapi.ActionCompleted {
		t.Errorf("state after apply: %+v\n%s", r, out)
	}
	targets := proxy.targets()
	t.Logf("CONNECT targets: %v", targets)
	if len(targets) == 0 {
		t.Fatal("the proxy saw no CONNECT")
	}
	for _, target := range targets {
		if target != "example.com:443" {
			t.Errorf("the proxy saw CONNECT %s, want only example.com:443", target)
		}
	}
	if accepted, attempts := initiates(api); accepted != 1 || attempts != 1 || api.Stats().AcceptedInitiates[viaExample.ID] != 1 {
		t.Errorf("%d accepted / %d attempted initiates through the proxy, want exactly 1 on droplet %d", accepted, attempts, viaExample.ID)
	}
	proxy.checkNoToken(t)

	// 2. Negative control: a name only the proxy can reach fails without HTTPS_PROXY, and
	// succeeds with it. First make sure that Go's resolver, as the provider uses it
	// (GODEBUG=netdns=go), sends no query for the name on this machine.
	if dials := resolverDials(t, proxyOnlyHost); dials != 0 {
		t.Logf("Go's resolver would send %d DNS queries for %s here (search domains?); negative control skipped", dials, proxyOnlyHost)
		return
	}
	before := len(proxy.targets())
	control := newTFCLI(t, env(false))
	control.writeConfig(config("https://"+proxyOnlyHost, viaOnion.ID))
	start = time.Now()
	out, code := control.run("apply", "-auto-approve", "-input=false", "-no-color")
	t.Logf("apply without HTTPS_PROXY exited %d after %s", code, time.Since(start).Round(time.Millisecond))
	if code == 0 {
		t.Fatalf("apply without HTTPS_PROXY succeeded:\n%s", out)
	}
	// Go's resolver has no address for the name ("no suitable address found" or "no such
	// host", by Go version): the dial fails before any packet is sent.
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "Droplet action not started") ||
		!strings.Contains(flat, "dial tcp") || !strings.Contains(flat, proxyOnlyHost) || strings.Contains(flat, "certificate") {
		t.Errorf("apply without HTTPS_PROXY failed for another reason than the unreachable host:\n%s", out)
	}
	if n := len(proxy.targets()); n != before {
		t.Errorf("the proxy saw %d CONNECTs during the run without HTTPS_PROXY", n-before)
	}
	if n := api.Stats().InitiateAttempts[viaOnion.ID]; n != 0 {
		t.Errorf("%d initiates reached the fake without the proxy", n)
	}

	withProxy := newTFCLI(t, env(true))
	withProxy.writeConfig(config("https://"+proxyOnlyHost, viaOnion.ID))
	withProxy.mustRun(0, "apply", "-auto-approve", "-input=false", "-no-color")
	targets = proxy.targets()[before:]
	t.Logf("CONNECT targets: %v", targets)
	if len(targets) == 0 {
		t.Errorf("the proxy saw no CONNECT for %s", proxyOnlyHost)
	}
	for _, target := range targets {
		if target != proxyOnlyHost+":443" {
			t.Errorf("the proxy saw CONNECT %s, want only %s:443", target, proxyOnlyHost)
		}
	}
	if n := api.Stats().AcceptedInitiates[viaOnion.ID]; n != 1 {
		t.Errorf("%d initiates through the proxy for %s, want 1", n, proxyOnlyHost)
	}
	proxy.checkNoToken(t)
}

// resolverDials counts the DNS servers Go's resolver would contact to look host up,
// refusing every one of them, so that nothing leaves the machine.
func resolverDials(t *testing.T, host string) int {
	t.Helper()
	var mu sync.Mutex
	dials := 0
	r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		mu.Lock()
		defer mu.Unlock()
		dials++
		return nil, errors.New("refused by the test")
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if addrs, err := r.LookupHost(ctx, host); err == nil && len(addrs) > 0 {
		t.Fatalf("%s resolved to %v on this machine", host, addrs)
	}
	mu.Lock()
	defer mu.Unlock()
	return dials
}

// selfSignedCert makes a certificate for names and 127.0.0.1, valid for an hour, that is
// its own root: written to SSL_CERT_FILE, it is the only root the provider trusts.
func selfSignedCert(t *testing.T, names []string) ([]byte, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: names[0]},
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// connectProxy is an HTTP CONNECT proxy on 127.0.0.1 that tunnels every CONNECT, whatever
// its target, to one address, and records what it was asked and what it relayed.
type connectProxy struct {
	addr     string
	upstream string
	ln       net.Listener
	wg       sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]bool
	requests []string // each request's head: request line and headers, as received
	connects []string // CONNECT targets, in order
	relayed  []byte   // bytes relayed from the client to upstream (TLS, so ciphertext)
}

func startConnectProxy(t *testing.T, upstream string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{addr: ln.Addr().String(), upstream: upstream, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *connectProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

// track registers a connection so that close can end it; false once closed.
func (p *connectProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *connectProxy) untrack(c net.Conn) {
	c.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *connectProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *connectProxy) handle(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	head := &strings.Builder{}
	br := bufio.NewReader(io.TeeReader(c, head))
	req, err := http.ReadRequest(br)
	p.mu.Lock()
	p.requests = append(p.requests, head.String())
	if err == nil && req.Method == http.MethodConnect {
		p.connects = append(p.connects, req.Host)
	}
	p.mu.Unlock()
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp", p.upstream, 10*time.Second)
	if err != nil {
		_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	_ = c.SetReadDeadline(time.Time{})
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(c, up)
		c.Close()
	}()
	// What the reader buffered past the request head belongs to the tunnel.
	buffered, _ := br.Peek(br.Buffered())
	_, _ = io.Copy(io.MultiWriter(up, p.recorder()), io.MultiReader(bytes.NewReader(buffered), c))
	up.Close()
	<-done
}

// recorder appends what it is given to the relayed bytes.
func (p *connectProxy) recorder() io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.relayed = append(p.relayed, b...)
		return len(b), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (p *connectProxy) targets() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.connects...)
}

// checkNoToken asserts that the token appears neither in what the proxy was asked (request
// lines and headers) nor in what it relayed, which must be TLS records.
func (p *connectProxy) checkNoToken(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.requests {
		if strings.Contains(r, testToken) || strings.Contains(strings.ToLower(r), "authorization") {
			t.Errorf("a request to the proxy carries credentials:\n%s", r)
		}
		if !strings.HasPrefix(r, "CONNECT ") {
			t.Errorf("the proxy got a request other than CONNECT:\n%s", r)
		}
	}
	if len(p.relayed) == 0 || p.relayed[0] != 0x16 {
		t.Errorf("the tunnel did not start with a TLS handshake record (%d bytes relayed)", len(p.relayed))
	}
	if strings.Contains(string(p.relayed), testToken) || strings.Contains(string(p.relayed), "Bearer") {
		t.Error("the token crossed the proxy in clear")
	}
}
