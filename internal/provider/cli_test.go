//go:build unix

package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Helpers for tests that run the real Terraform CLI as a child process against a built
// provider binary, as a user would: Terraform starts the provider itself, which then reads
// its environment (proxy variables, certificates) fresh and gets Terraform's real signals.

// providerAddress is the provider's registry address, as main.go serves it.
const providerAddress = "registry.terraform.io/gradient-tf/gradient"

// cliCommandTimeout bounds any one Terraform command a CLI test runs.
const cliCommandTimeout = 3 * time.Minute

// providerBinDirPrefix names the temporary directories the built provider goes into.
const providerBinDirPrefix = "gradient-provider-bin-"

// TestMain keeps the per-minute ledgers of this run's provider processes (in-process and
// built) in a directory of its own, and removes it and the provider binary the CLI tests
// built (27 MB) once every test is done.
func TestMain(m *testing.M) {
	ledgers, err := os.MkdirTemp("", "gradient-test-ledgers-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv(ledgerDirEnv) == "" {
		_ = os.Setenv(ledgerDirEnv, ledgers)
	}
	code := m.Run()
	if providerBuild.dir != "" {
		_ = os.RemoveAll(providerBuild.dir)
	}
	_ = os.RemoveAll(ledgers)
	os.Exit(code)
}

// providerBuild is the provider binary shared by every test of this test binary, built by
// the first test that needs it. TestMain removes it at the end; a run that was killed
// leaves it behind, and a later build removes such directories once they are stale.
var providerBuild struct {
	once sync.Once
	dir  string
	took time.Duration
	err  error
}

// builtProvider returns a directory holding terraform-provider-gradient built from this
// module, building it once per test binary.
func builtProvider(t *testing.T) string {
	t.Helper()
	b := &providerBuild
	b.once.Do(func() {
		removeStaleProviderBuilds(6 * time.Hour)
		start := time.Now()
		b.dir, b.err = buildProvider()
		b.took = time.Since(start)
		if b.err == nil {
			t.Logf("built the provider in %s", b.took.Round(time.Millisecond))
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.dir
}

// removeStaleProviderBuilds removes provider builds of earlier test runs older than age;
// a running test binary's build is younger than any go test timeout allows.
func removeStaleProviderBuilds(age time.Duration) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), providerBinDirPrefix+"*"))
	for _, dir := range old {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() && time.Since(fi.ModTime()) > age {
			_ = os.RemoveAll(dir)
		}
	}
}

func buildProvider() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the provider: %w", err)
	}
	gomod, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if _, err := os.Stat(filepath.Join(root, "main.go")); err != nil {
		return "", fmt.Errorf("module root %q has no main.go: %w", root, err)
	}
	dir, err := os.MkdirTemp("", providerBinDirPrefix)
	if err != nil {
		return "", err
	}
	cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, "terraform-provider-gradient"), ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("go build of the provider: %w\n%s", err, out)
	}
	return dir, nil
}

// terraformPath returns the Terraform CLI the acceptance tests use, skipping the test
// without TF_ACC as resource.Test does.
func terraformPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests skipped unless env 'TF_ACC' set")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("set TF_ACC_TERRAFORM_PATH to a Terraform CLI (>= 1.14): none is on PATH")
	}
	return p
}

// tfCLI runs Terraform commands in one working directory with a controlled environment.
type tfCLI struct {
	t   *testing.T
	tf  string
	dir string
	env []string
}

// inheritedEnvDropped lists the variables a child Terraform must not inherit from the test
// process: they would change what the test controls (logging, credentials, endpoints,
// proxies, trusted certificates, resolver settings).
var inheritedEnvDropped = []string{
	"TF_", "DIGITALOCEAN_", "GRADIENT_", "CHECKPOINT_",
	"HTTP_PROXY=", "HTTPS_PROXY=", "NO_PROXY=", "ALL_PROXY=", "REQUEST_METHOD=",
	"SSL_CERT_FILE=", "SSL_CERT_DIR=", "GODEBUG=", "LOCALDOMAIN=", "RES_OPTIONS=", "HOSTALIASES=",
}

// newTFCLI prepares a working directory whose Terraform uses the built provider through
// dev_overrides (so no `terraform init` is needed). env adds or overrides variables.
func newTFCLI(t *testing.T, env map[string]string) *tfCLI {
	t.Helper()
	tf := terraformPath(t)
	bin := builtProvider(t)
	base := t.TempDir()
	rc := filepath.Join(base, "terraformrc")
	rcText := fmt.Sprintf(`provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, providerAddress, bin)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "work")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, kv := range os.Environ() {
		drop := false
		for _, p := range inheritedEnvDropped {
			if strings.HasPrefix(strings.ToUpper(kv), p) {
				drop = true
				break
			}
		}
		if !drop {
			vars = append(vars, kv)
		}
	}
	vars = append(vars,
		"TF_CLI_CONFIG_FILE="+rc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		// Go's own resolver: it never sends a query for a .onion name.
		"GODEBUG=netdns=go",
	)
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	return &tfCLI{t: t, tf: tf, dir: dir, env: vars}
}

// writeConfig replaces the working directory's main.tf.
func (c *tfCLI) writeConfig(cfg string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, "main.tf"), []byte(cfg), 0o600); err != nil { //nolint:gosec // the test's own temporary directory
		c.t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tfProcess is a running Terraform command.
type tfProcess struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // valid once done is closed
}

// start starts a Terraform command in its own process group, so that the test can signal
// Terraform alone and still clean up Terraform and its provider if the test fails.
func (c *tfCLI) start(args ...string) *tfProcess {
	c.t.Helper()
	cmd := exec.Command(c.tf, args...) //nolint:gosec // the Terraform CLI the acceptance tests are given, with the test's own arguments
	cmd.Dir = c.dir
	cmd.Env = c.env
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("starting terraform %s: %v", strings.Join(args, " "), err)
	}
	p := &tfProcess{cmd: cmd, out: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	c.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			// Still running: end the group this test started (Terraform and its provider).
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// wait waits up to d for the command to end and returns its exit code; -1 when it did
// not end in time (it is then killed with its process group).
func (p *tfProcess) wait(d time.Duration) int {
	select {
	case <-p.done:
	case <-time.After(d):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return -1
	}
	var exit *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &exit):
		return exit.ExitCode()
	}
	return -1
}

// exited reports whether the command has ended.
func (p *tfProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// run runs a Terraform command to its end and returns its combined output and exit code.
func (c *tfCLI) run(args ...string) (string, int) {
	c.t.Helper()
	p := c.start(args...)
	code := p.wait(cliCommandTimeout)
	if code == -1 {
		c.t.Fatalf("terraform %s did not finish within %s:\n%s", strings.Join(args, " "), cliCommandTimeout, p.out.String())
	}
	return p.out.String(), code
}

// mustRun runs a Terraform command that must exit with want.
func (c *tfCLI) mustRun(want int, args ...string) string {
	c.t.Helper()
	out, code := c.run(args...)
	if code != want {
		c.t.Fatalf("terraform %s exited %d, want %d:\n%s", strings.Join(args, " "), code, want, out)
	}
	return out
}

// stateResource is one resource of `terraform show -json`.
type stateResource struct {
	Address string         `json:"address"`
	Type    string         `json:"type"`
	Tainted bool           `json:"tainted"`
	Values  map[string]any `json:"values"`
}

// state returns the managed resources in the working directory's state, by address.
func (c *tfCLI) state() map[string]stateResource {
	c.t.Helper()
	out := c.mustRun(0, "show", "-json", "-no-color")
	var doc struct {
		Values *struct {
			RootModule struct {
				Resources []stateResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		c.t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	res := map[string]stateResource{}
	if doc.Values == nil {
		return res
	}
	for _, r := range doc.Values.RootModule.Resources {
		res[r.Address] = r
	}
	return res
}

// pollUntil calls cond every few milliseconds until it returns true, failing the test
// with what after timeout.
func pollUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached within %s", what, timeout)
		case <-tick.C:
		}
	}
}

// gradientTerraformBlock makes the configuration use this provider's registry address.
const gradientTerraformBlock = `
terraform {
  required_providers {
    gradient = {
      source = "registry.terraform.io/gradient-tf/gradient"
    }
  }
}
`
