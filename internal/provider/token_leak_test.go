package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAccTokenNeverLogged runs apply, refresh, import and a failing apply with
// TF_LOG=TRACE and searches every log line for the token. It is not parallel: the log
// settings are process-wide.
func TestAccTokenNeverLogged(t *testing.T) {
	logDir := t.TempDir()
	logPath := filepath.Join(logDir, "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logPath)

	// The token comes from the environment, as in a pipeline: a token written into the
	// configuration would be echoed by the test harness's own config logging.
	t.Setenv("DIGITALOCEAN_ACCESS_TOKEN", testToken)
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	failing := api.AddDroplet(fakeapi.Droplet{})
	api.SetActionOutcome(failing.ID, client.ActionReboot, true)
	provider := strings.Replace(providerConfig(api), fmt.Sprintf("access_token        = %q", testToken), "", 1)
	if strings.Contains(provider, testToken) {
		t.Fatal("provider block still holds the token")
	}
	cfg := provider + fmt.Sprintf("resource \"gradient_droplet_action\" \"ok\" {\n  droplet_id = %d\n  type = \"reboot\"\n}\n", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{RefreshState: true},
			{Config: cfg, ResourceName: "gradient_droplet_action.ok", ImportState: true, ImportStateVerify: true},
			{
				Config:      cfg + fmt.Sprintf("resource \"gradient_droplet_action\" \"bad\" {\n  droplet_id = %d\n  type = \"reboot\"\n}\n", failing.ID),
				ExpectError: regexp.MustCompile(`Droplet action failed`),
			},
		},
	})

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("reading the trace log: %v", err)
	}
	log := string(data)
	// The log must really hold the provider's API records, or the search below proves nothing.
	if !strings.Contains(log, "API request") || !strings.Contains(log, fmt.Sprintf("/v2/droplets/%d/actions", d.ID)) {
		t.Fatalf("trace log (%d bytes) lacks the provider's API request records", len(data))
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, testToken) {
			t.Logf("LEAK: %.400s", line)
		}
	}
	if n := strings.Count(log, testToken); n != 0 {
		t.Errorf("the token appears %d times in the TF_LOG=TRACE log", n)
	}
	if n := strings.Count(log, testToken[len(testToken)/2:]); n != 0 {
		t.Errorf("half of the token appears %d times in the TF_LOG=TRACE log", n)
	}
}
