package provider

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// testToken is what the fake accepts; tests search logs and diagnostics for it.
const testToken = "dop_v1_test0123456789abcdeftoken"

var testProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"gradient": providerserver.NewProtocol6WithError(New("test")()),
}

// newTestAPI starts a fake DigitalOcean API for one test.
func newTestAPI(t *testing.T, opts ...func(*fakeapi.Options)) *fakeapi.Server {
	t.Helper()
	o := fakeapi.Options{Token: testToken, DefaultDuration: 150 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	s := fakeapi.New(o)
	t.Cleanup(s.Close)
	// The provider keeps one rate governor per token and endpoint for the process, and a
	// per-minute ledger per token and endpoint for the machine. A later test's fake may
	// listen on this one's port again: it must not inherit the budget this test spent.
	t.Cleanup(func() { forgetAccount(o.Token, s.URL()) })
	return s
}

// forgetAccount drops the process's governors for token and endpoint, and their ledger.
func forgetAccount(token, endpoint string) {
	prefix := accountKey(token, endpoint) + "/"
	governorsMu.Lock()
	defer governorsMu.Unlock()
	for key, g := range governors {
		if strings.HasPrefix(key, prefix) {
			_ = g.Close()
			delete(governors, key)
		}
	}
	if dir := ledgerDir(); dir != "" {
		_ = os.Remove(client.LedgerPath(dir, token, endpoint))
	}
}

// providerConfig points the provider at the fake with fast polling and retries.
func providerConfig(s *fakeapi.Server) string {
	return fmt.Sprintf(`
provider "gradient" {
  access_token        = %q
  api_endpoint        = %q
  poll_interval_min   = 0.05
  poll_interval_max   = 0.2
  http_retry_wait_min = 0.01
  http_retry_wait_max = 0.05
}
`, testToken, s.URL())
}

// initiates counts the accepted and attempted action POSTs over all droplets.
func initiates(s *fakeapi.Server) (accepted, attempts int) {
	st := s.Stats()
	for _, n := range st.AcceptedInitiates {
		accepted += n
	}
	for _, n := range st.InitiateAttempts {
		attempts += n
	}
	return accepted, attempts
}

// providerSchema serves the provider's schemas as Terraform would ask for them.
func providerSchema(t *testing.T) *tfprotov6.GetProviderSchemaResponse {
	t.Helper()
	srv, err := testProviderFactories["gradient"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestProviderSchemaIsValid(t *testing.T) {
	t.Parallel()
	// The framework validates schemas when serving them; a broken schema fails here
	// without a Terraform CLI.
	resp := providerSchema(t)
	for _, d := range resp.Diagnostics {
		t.Errorf("%s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	if _, ok := resp.ResourceSchemas["gradient_droplet_action"]; !ok {
		t.Error("gradient_droplet_action resource schema missing")
	}
	for _, ds := range []string{"gradient_droplet_action", "gradient_droplet_actions"} {
		if _, ok := resp.DataSourceSchemas[ds]; !ok {
			t.Errorf("%s data source schema missing", ds)
		}
	}
}

func TestProviderAccessTokenSensitive(t *testing.T) {
	t.Parallel()
	resp := providerSchema(t)
	if resp.Provider == nil || resp.Provider.Block == nil {
		t.Fatal("no provider schema")
	}
	for _, a := range resp.Provider.Block.Attributes {
		if a.Name == "access_token" {
			if !a.Sensitive {
				t.Error("access_token is not marked sensitive: Terraform would show it in plans and outputs")
			}
			return
		}
	}
	t.Error("the provider schema has no access_token")
}

// tokenFragment is a run of distinct characters of testToken: a string without it cannot
// hold the token.
const tokenFragment = "0123456789abcdef"

// notContaining returns a regexp (unanchored, without flags) matching exactly the strings
// that do not contain frag. frag must be distinct ASCII letters and digits: then, after a
// mismatch, only frag[0] can begin a new partial match, and the automaton is small.
func notContaining(frag string) string {
	if len(frag) < 2 {
		panic("notContaining: fragment too short")
	}
	seen := map[rune]bool{}
	for _, c := range frag {
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if seen[c] || !alnum {
			panic("notContaining: fragment must be distinct ASCII letters and digits")
		}
		seen[c] = true
	}
	c := func(i int) string { return string(frag[i]) }
	k := len(frag)
	// partial matches frag[1:i] for any i < k-1: what may follow frag[0] short of the end.
	partial := ""
	for i := k - 2; i >= 1; i-- {
		partial = "(?:" + c(i) + partial + ")?"
	}
	// exit leaves a partial match for "nothing matched", by a character that neither
	// continues it nor starts a new one.
	exit := "[^" + c(0) + c(k-1) + "]"
	for i := k - 2; i >= 1; i-- {
		exit = "(?:[^" + c(0) + c(i) + "]|" + c(i) + exit + ")"
	}
	// From "frag[0] matched": partial runs that fall back to frag[0], then an exit.
	afterFirst := "(?:" + partial + c(0) + ")*"
	return "(?:[^" + c(0) + "]|" + c(0) + afterFirst + exit + ")*(?:" + c(0) + afterFirst + partial + ")?"
}

func TestNotContaining(t *testing.T) {
	t.Parallel()
	check := func(re *regexp.Regexp, frag, s string) {
		t.Helper()
		if got, want := re.MatchString(s), !strings.Contains(s, frag); got != want {
			t.Fatalf("fragment %q, string %q: match %t, want %t", frag, s, got, want)
		}
	}
	// Short fragments: every string up to length 6 over the fragment's characters and one
	// other.
	for _, frag := range []string{"ab", "xyz", "wxyz"} {
		re := regexp.MustCompile("^" + notContaining(frag) + "$")
		var walk func(s string)
		walk = func(s string) {
			check(re, frag, s)
			if len(s) < 6 {
				for _, r := range frag + "-" {
					walk(s + string(r))
				}
			}
		}
		walk("")
	}
	// The token's fragment: strings built from its prefixes (deep partial matches that
	// break off or restart), single characters of it, newlines and other text.
	re := regexp.MustCompile("^" + notContaining(tokenFragment) + "$")
	rng := rand.New(rand.NewPCG(1, 2))
	containing := 0
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(6) {
			switch rng.IntN(4) {
			case 0:
				b.WriteString(tokenFragment[:rng.IntN(len(tokenFragment)+1)])
			case 1:
				b.WriteByte(tokenFragment[rng.IntN(len(tokenFragment))])
			case 2:
				b.WriteString("\n")
			default:
				b.WriteString("Bearer ")
			}
		}
		check(re, tokenFragment, b.String())
		if strings.Contains(b.String(), tokenFragment) {
			containing++
		}
	}
	if containing < 100 || containing > 2900 {
		t.Fatalf("%d of 3000 random strings contain the fragment: too few of one kind to test", containing)
	}
	check(re, tokenFragment, "Bearer "+testToken)
	check(re, tokenFragment, "Bearer REDACTED")
}

// TestAccAPIErrorDoesNotEchoToken answers the initiate with an error whose body echoes the
// request's Authorization header, as a misbehaving proxy or API might, in HTML and in the
// API's JSON shape. The apply fails, and its error names the failure but holds no token.
func TestAccAPIErrorDoesNotEchoToken(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type = \"reboot\"\n}\n", d.ID)
	echo := "Authorization: Bearer " + testToken
	fault := func(body, contentType string) func() {
		return func() {
			api.InjectFault(fakeapi.Fault{
				Method: "POST", PathPrefix: fmt.Sprintf("/v2/droplets/%d/actions", d.ID),
				Kind: fakeapi.FaultStatus, Status: 400, Body: body, ContentType: contentType,
			})
		}
	}
	// The whole error must not hold the token, and must still say what failed. Terraform
	// wraps diagnostics, so any space in the expected texts may be a line break.
	without := notContaining(tokenFragment)
	words := func(s string) string {
		var quoted []string
		for _, w := range strings.Fields(s) {
			quoted = append(quoted, regexp.QuoteMeta(w))
		}
		return strings.Join(quoted, `\s+`)
	}
	expect := func(what string) *regexp.Regexp {
		return regexp.MustCompile("^" + without + words("Droplet action not started") + without +
			words("400 Bad Request") + without + words(what) + without + "$")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig:   fault("<html><body><h1>400 Bad Request</h1><pre>"+echo+"</pre></body></html>", "text/html"),
				Config:      cfg,
				ExpectError: expect("Authorization: Bearer REDACTED"),
			},
			{
				PreConfig:   fault(`{"id":"bad_request","message":"header rejected: `+echo+`"}`, "application/json"),
				Config:      cfg,
				ExpectError: expect("header rejected: Authorization: Bearer REDACTED"),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if accepted, attempts := initiates(api); accepted != 0 || attempts != 2 {
				return fmt.Errorf("%d accepted / %d attempted initiates, want 0 / 2", accepted, attempts)
			}
			return nil
		},
	})
}
