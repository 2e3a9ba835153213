package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

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
	return s
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

func TestProviderSchemaIsValid(t *testing.T) {
	t.Parallel()
	// The framework validates schemas when serving them; a broken schema fails here
	// without a Terraform CLI.
	srv, err := testProviderFactories["gradient"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
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
