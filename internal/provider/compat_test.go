package provider

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// The acceptance tests run through Terraform >= 1.14 (`make test`), an older Terraform
// (`make test-terraform-old`) and OpenTofu (`make test-opentofu`). A test that needs a
// feature the CLI under test lacks skips, saying which feature and which CLI; everything
// else runs everywhere. The CLI is asked who it is: its `version` output names the product
// ("Terraform v1.15.0", "OpenTofu v1.12.6"), which `version -json` does not (OpenTofu keeps
// Terraform's "terraform_version" key), and no environment variable can disagree with it.

// cliProduct is the product and version of the CLI the acceptance tests run.
type cliProduct struct {
	name    string // "Terraform" or "OpenTofu"
	version string // as printed, without the "v": "1.15.0", "1.14.0-dev"
	minor   [2]int // major and minor
}

func (c cliProduct) String() string { return c.name + " " + c.version }

func (c cliProduct) isOpenTofu() bool { return c.name == "OpenTofu" }

// atLeast reports whether the CLI is at least major.minor (a prerelease of it counts).
func (c cliProduct) atLeast(major, minor int) bool {
	return c.minor[0] > major || c.minor[0] == major && c.minor[1] >= minor
}

var cliVersionLine = regexp.MustCompile(`^(Terraform|OpenTofu) v((\d+)\.(\d+)\.\d+\S*)`)

// parseCLIVersion reads the first line of `terraform version` or `tofu version`.
func parseCLIVersion(out string) (cliProduct, error) {
	m := cliVersionLine.FindStringSubmatch(out)
	if m == nil {
		return cliProduct{}, fmt.Errorf("no \"Terraform vX.Y.Z\" or \"OpenTofu vX.Y.Z\" at the start of %q", out)
	}
	major, err1 := strconv.Atoi(m[3])
	minor, err2 := strconv.Atoi(m[4])
	if err1 != nil || err2 != nil {
		return cliProduct{}, fmt.Errorf("version %q out of range", m[2])
	}
	return cliProduct{name: m[1], version: m[2], minor: [2]int{major, minor}}, nil
}

var cliUnderTest struct {
	once    sync.Once
	product cliProduct
	known   bool
	err     error
}

// testCLI returns the CLI the acceptance tests run, asking it once per test binary. ok is
// false without TF_ACC (the test then skips on its own) or without a CLI to ask (the
// testing framework then says so itself).
func testCLI(t *testing.T) (cliProduct, bool) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return cliProduct{}, false
	}
	c := &cliUnderTest
	c.once.Do(func() {
		path := os.Getenv("TF_ACC_TERRAFORM_PATH")
		if path == "" {
			var err error
			if path, err = exec.LookPath("terraform"); err != nil {
				return
			}
		}
		cmd := exec.Command(path, "version") //nolint:gosec // the CLI the acceptance tests are given
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
		out, err := cmd.Output()
		if err != nil {
			c.err = fmt.Errorf("%s version: %w", path, err)
			return
		}
		c.product, c.err = parseCLIVersion(string(out))
		c.known = c.err == nil
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return c.product, c.known
}

// skipWithoutActions skips a test that needs `action` blocks (Terraform 1.14).
func skipWithoutActions(t *testing.T) {
	t.Helper()
	cli, ok := testCLI(t)
	switch {
	case !ok:
	case cli.isOpenTofu():
		t.Skipf("needs Terraform's `action` blocks and `action_trigger`, which %s does not support", cli)
	case !cli.atLeast(1, 14):
		t.Skipf("needs `action` blocks, new in Terraform 1.14; this is %s", cli)
	}
}

// skipWithoutActionsIf skips a table case that needs `action` blocks when needed is true.
func skipWithoutActionsIf(t *testing.T, needed bool) {
	t.Helper()
	if needed {
		skipWithoutActions(t)
	}
}

// skipWithoutQuery skips a test that needs `list` blocks and `terraform query` (Terraform
// 1.14).
func skipWithoutQuery(t *testing.T) {
	t.Helper()
	cli, ok := testCLI(t)
	switch {
	case !ok:
	case cli.isOpenTofu():
		t.Skipf("needs `list` blocks and `terraform query`, which %s does not have (no `tofu query`)", cli)
	case !cli.atLeast(1, 14):
		t.Skipf("needs `list` blocks and `terraform query`, new in Terraform 1.14; this is %s", cli)
	}
}

// skipWithoutIdentity skips a test that needs resource identity (Terraform 1.12, and
// OpenTofu, whose import blocks take `identity` too).
func skipWithoutIdentity(t *testing.T) {
	t.Helper()
	cli, ok := testCLI(t)
	if ok && !cli.isOpenTofu() && !cli.atLeast(1, 12) {
		t.Skipf("needs resource identity (import by identity, identity in state), new in Terraform 1.12; this is %s", cli)
	}
}

func TestParseCLIVersion(t *testing.T) {
	t.Parallel()
	for out, want := range map[string]string{
		"Terraform v1.15.0\non linux_amd64\n":      "Terraform 1.15.0",
		"Terraform v1.11.4\non linux_amd64\n":      "Terraform 1.11.4",
		"OpenTofu v1.12.6\non linux_amd64\n":       "OpenTofu 1.12.6",
		"Terraform v1.14.0-dev\non darwin_arm64\n": "Terraform 1.14.0-dev",
	} {
		got, err := parseCLIVersion(out)
		if err != nil || got.String() != want {
			t.Errorf("parseCLIVersion(%q) = %v, %v; want %s", out, got, err, want)
		}
	}
	if _, err := parseCLIVersion("{\"terraform_version\": \"1.12.6\"}"); err == nil {
		t.Error("version -json output was taken for a product name")
	}
	c, _ := parseCLIVersion("Terraform v1.14.0-dev\n")
	if !c.atLeast(1, 14) || c.atLeast(1, 15) || c.isOpenTofu() {
		t.Errorf("%v: at least 1.14 %t, at least 1.15 %t", c, c.atLeast(1, 14), c.atLeast(1, 15))
	}
	if c, _ := parseCLIVersion("Terraform v2.0.1\n"); !c.atLeast(1, 14) {
		t.Errorf("%v is not at least 1.14", c)
	}
	if c, _ := parseCLIVersion("OpenTofu v1.12.6\n"); !c.isOpenTofu() {
		t.Error("OpenTofu not recognized")
	}
}

// TestAccDropletAction_importByIdentity imports an action through an import block that names
// it by identity (`identity = { id = ... }`), as `terraform query` generates them. Every
// import form of TestAccDropletAction_import (by ID) works on the oldest Terraform tested;
// this one needs Terraform 1.12 or OpenTofu.
func TestAccDropletAction_importByIdentity(t *testing.T) {
	t.Parallel()
	skipWithoutIdentity(t)
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := providerConfig(api) + fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type       = \"reboot\"\n}\n", d.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("gradient_droplet_action.r", map[string]knownvalue.Check{
						"id": knownvalue.NotNull(),
					}),
				},
			},
			{
				Config:          cfg,
				ResourceName:    "gradient_droplet_action.r",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
		CheckDestroy: func(*terraform.State) error {
			if n := api.Stats().InitiateAttempts[d.ID]; n != 1 {
				return fmt.Errorf("%d POSTs, want 1: import must not run the action", n)
			}
			return nil
		},
	})
}
