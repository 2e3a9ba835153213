package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// The fault-injection suite: each test drives the Terraform CLI against the fake API with
// one kind of failure injected, and checks three things: what the apply did (and, when it
// fails, that the diagnostic says what happened and what to do), exact counts from the
// fake (accepted initiates equal the actions Terraform means to start, and the fault
// really fired), and that every action the fake accepted is recorded in Terraform state.
// Each test ends with one "fault figures" log line; `go test -v` collects them.

const faultAddr = "gradient_droplet_action.r"

// faultStep is a test step, with the error it must fail with when it must fail.
type faultStep struct {
	resource.TestStep
	// wantErr is built when the error arrives, so that it can name IDs known only then.
	wantErr func() *regexp.Regexp
}

// faultCase is one scenario: a fake API, the faults injected into it, and what was
// observed of Terraform's state while it ran.
type faultCase struct {
	t   *testing.T
	api *fakeapi.Server
	// intended is how many actions the configuration means to start.
	intended int
	// external holds the actions the test started itself, as another tool would.
	external map[int64]bool
	// injected counts the hits of the faults injected with inject.
	injected int
	// extraFired counts, after the run, the faults that are not injected with inject: an
	// exhausted budget, a stuck or errored action, a refused token.
	extraFired func() int
	// noRefresh plans without refreshing, for a rate budget that cannot pay for a refresh.
	noRefresh bool
	// inState holds every action ID seen in Terraform state, with whether it was tainted.
	inState map[int64]bool
	// secrets must appear in no error text; errTexts are the errors of failing steps.
	secrets  []string
	errTexts []string
	applies  int
}

func newFaultCase(t *testing.T, opts ...func(*fakeapi.Options)) *faultCase {
	t.Helper()
	return &faultCase{
		t:        t,
		api:      newTestAPI(t, opts...),
		intended: 1,
		external: map[int64]bool{},
		inState:  map[int64]bool{},
		secrets:  []string{testToken, testToken[len(testToken)/2:]},
	}
}

// inject adds a fault that runs out; the suite expects every such fault to be spent.
func (fc *faultCase) inject(f fakeapi.Fault) {
	fc.t.Helper()
	if f.Times < 0 {
		fc.t.Fatal("inject is for faults that run out")
	}
	fc.injected += max(f.Times, 1)
	fc.api.InjectFault(f)
}

func faultInitiatePath(dropletID int64) string {
	return fmt.Sprintf("/v2/droplets/%d/actions", dropletID)
}

// faultActionRead matches the GET of one action, by either path the API offers
// (/v2/actions/{id} or /v2/droplets/{droplet}/actions/{id}), when want accepts its ID.
// Use it with Method GET: a status read while waiting, or a data source read.
func faultActionRead(want func(id int64) bool) func(*http.Request) bool {
	return func(r *http.Request) bool {
		seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(seg) < 3 || seg[len(seg)-2] != "actions" {
			return false
		}
		id, err := strconv.ParseInt(seg[len(seg)-1], 10, 64)
		return err == nil && want(id)
	}
}

// faultAnyID, faultIDIs and faultIDIsNot pick action IDs for faultActionRead.
func faultAnyID(int64) bool { return true }

func faultIDIs(id int64) func(int64) bool { return func(got int64) bool { return got == id } }

func faultIDIsNot(id int64) func(int64) bool { return func(got int64) bool { return got != id } }

// faultRebootConfig is the resource every scenario applies: one reboot of one droplet.
func faultRebootConfig(dropletID int64, extra string) string {
	return fmt.Sprintf("resource \"gradient_droplet_action\" \"r\" {\n  droplet_id = %d\n  type       = \"reboot\"\n%s}\n", dropletID, extra)
}

// faultProviderArgs adds arguments to the provider block of providerConfig.
func faultProviderArgs(t *testing.T, cfg, args string) string {
	t.Helper()
	const head = "provider \"gradient\" {\n"
	if !strings.Contains(cfg, head) {
		t.Fatalf("no provider block in:\n%s", cfg)
	}
	return strings.Replace(cfg, head, head+args+"\n", 1)
}

// faultPhrase matches s with any run of white space between its words, since Terraform may
// wrap a diagnostic's lines.
func faultPhrase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return strings.Join(words, `\s+`)
}

// faultErr builds the error a failing step must show: the parts in order, each a phrase
// (plain text) or, when it starts with "re:", a regular expression.
func faultErr(parts ...string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)`)
	for i, p := range parts {
		if i > 0 {
			b.WriteString(`.*`)
		}
		if re, ok := strings.CutPrefix(p, "re:"); ok {
			b.WriteString(re)
		} else {
			b.WriteString(faultPhrase(p))
		}
	}
	return regexp.MustCompile(b.String())
}

// recordState records the actions in state after a step and checks each against the fake.
func (fc *faultCase) recordState(wantTainted bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "gradient_droplet_action" || strings.HasPrefix(addr, "data.") || rs.Primary == nil {
				continue
			}
			if err := fc.record(addr, rs.Primary.ID, rs.Primary.Tainted, wantTainted); err != nil {
				return err
			}
		}
		return nil
	}
}

func (fc *faultCase) record(addr, rawID string, tainted, wantTainted bool) error {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: id %q in state is not an action ID", addr, rawID)
	}
	if _, ok := fc.api.Action(id); !ok {
		return fmt.Errorf("%s: state holds action %d, which the API never created", addr, id)
	}
	if tainted != wantTainted {
		return fmt.Errorf("%s: action %d tainted=%t in state, want %t", addr, id, tainted, wantTainted)
	}
	fc.inState[id] = tainted
	return nil
}

// faultStatePlanCheck records the actions in the prior state of a plan made without refresh:
// the state exactly as the previous step left it, read without one API call.
type faultStatePlanCheck struct {
	fc          *faultCase
	wantTainted bool
}

func (c faultStatePlanCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if req.Plan.PriorState == nil || req.Plan.PriorState.Values == nil || req.Plan.PriorState.Values.RootModule == nil {
		return // nothing in state at all
	}
	var errs []error
	for _, r := range req.Plan.PriorState.Values.RootModule.Resources {
		if r.Type != "gradient_droplet_action" || r.Mode != "managed" {
			continue
		}
		raw, _ := r.AttributeValues["id"].(string)
		errs = append(errs, c.fc.record(r.Address, raw, r.Tainted, c.wantTainted))
	}
	resp.Error = errors.Join(errs...)
}

// okStep applies cfg, which must succeed, and records the completed action in state.
func (fc *faultCase) okStep(cfg string) faultStep {
	return faultStep{TestStep: resource.TestStep{
		Config: cfg,
		Check: resource.ComposeAggregateTestCheckFunc(
			fc.recordState(false),
			resource.TestCheckResourceAttr(faultAddr, "status", "completed"),
		),
	}}
}

// failStep applies cfg, which must fail with wantErr.
func (fc *faultCase) failStep(cfg string, wantErr func() *regexp.Regexp) faultStep {
	return faultStep{
		TestStep: resource.TestStep{
			Config: cfg,
			Check: func(*terraform.State) error {
				return errors.New("the apply succeeded, but this scenario must fail")
			},
		},
		wantErr: wantErr,
	}
}

// stateStep follows a failing apply: a plan without refresh shows the state the apply
// left, and the plan is not empty (the resource is tainted, or was never created).
func (fc *faultCase) stateStep(cfg string, wantTainted bool) faultStep {
	return faultStep{TestStep: resource.TestStep{
		Config:             cfg,
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPreRefresh: []plancheck.PlanCheck{faultStatePlanCheck{fc: fc, wantTainted: wantTainted}},
		},
	}}
}

// faultFigures are one scenario's counts, as the suite reports them.
type faultFigures struct {
	injected, fired, applies         int
	accepted, attempts, duplicates   int
	missingFromState, phantomInState int
}

// run runs the steps through the Terraform CLI, then checks what every scenario must
// hold: each failing step failed as it should, without the token in its text; accepted
// initiates equal the intended actions; every injected fault fired; every accepted
// action is in state, and state holds no other.
func (fc *faultCase) run(steps ...faultStep) faultFigures {
	t := fc.t
	t.Helper()
	var cur int
	failed := map[int]bool{}
	tcSteps := make([]resource.TestStep, len(steps))
	for i, s := range steps {
		st := s.TestStep
		pre := st.PreConfig
		st.PreConfig = func() {
			cur = i
			if pre != nil {
				pre()
			}
		}
		tcSteps[i] = st
		if st.Config != "" && !st.PlanOnly {
			fc.applies++
		}
	}
	tc := resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps:                    tcSteps,
		ErrorCheck: func(err error) error {
			msg := err.Error()
			for _, secret := range fc.secrets {
				if strings.Contains(msg, secret) {
					return fmt.Errorf("step %d: the error text holds a token:\n%s", cur+1, msg)
				}
			}
			if steps[cur].wantErr == nil {
				return err
			}
			if re := steps[cur].wantErr(); !re.MatchString(msg) {
				return fmt.Errorf("step %d: the error does not match %s:\n%s", cur+1, re, msg)
			}
			failed[cur] = true
			fc.errTexts = append(fc.errTexts, msg)
			return nil
		},
	}
	if fc.noRefresh {
		tc.AdditionalCLIOptions = &resource.AdditionalCLIOptions{Plan: resource.PlanOptions{NoRefresh: true}}
	}
	resource.Test(t, tc)
	for i, s := range steps {
		if s.wantErr != nil && !failed[i] {
			t.Errorf("step %d succeeded, but it must fail", i+1)
		}
	}

	var fig faultFigures
	fig.injected = fc.injected
	accepted := map[int64]bool{}
	for _, r := range fc.api.Requests() {
		if r.Fault != 0 {
			fig.fired++
		}
		for _, id := range r.ActionIDs {
			if !fc.external[id] {
				accepted[id] = true
			}
		}
	}
	if fc.extraFired != nil {
		extra := fc.extraFired()
		fig.injected += extra
		fig.fired += extra
	}
	acc, att := initiates(fc.api)
	fig.accepted, fig.attempts = acc-len(fc.external), att-len(fc.external)
	fig.applies = fc.applies
	fig.duplicates = max(fig.accepted-fc.intended, 0)
	for id := range accepted {
		if _, ok := fc.inState[id]; !ok {
			fig.missingFromState++
			t.Errorf("action %d was accepted by the API but never recorded in Terraform state", id)
		}
	}
	for id := range fc.inState {
		if !accepted[id] {
			fig.phantomInState++
			t.Errorf("Terraform state holds action %d, which this scenario's applies did not start", id)
		}
	}
	if fig.accepted != len(accepted) {
		t.Errorf("the fake counts %d accepted initiates but its log names %d actions", fig.accepted, len(accepted))
	}
	if fig.accepted != fc.intended {
		t.Errorf("%d accepted initiates, want %d", fig.accepted, fc.intended)
	}
	if fig.fired == 0 {
		t.Error("no fault fired: the scenario proves nothing")
	}
	for _, f := range fc.api.Faults() {
		if f.Times > 0 {
			t.Errorf("an injected fault never fired (%d hits left): %s %s %s", f.Times, f.Kind, f.Method, f.PathPrefix)
		}
	}
	t.Logf("fault figures: scenario=%s injected=%d fired=%d applies=%d accepted_initiates=%d initiate_attempts=%d duplicate_initiates=%d missing_from_state=%d",
		t.Name(), fig.injected, fig.fired, fig.applies, fig.accepted, fig.attempts, fig.duplicates, fig.missingFromState)
	return fig
}

// onlyAction returns the one action of the droplet that Terraform started.
func (fc *faultCase) onlyAction(dropletID int64) fakeapi.Action {
	fc.t.Helper()
	var mine []fakeapi.Action
	for _, a := range fc.api.Actions(dropletID) {
		if !fc.external[a.ID] && a.Body != nil {
			mine = append(mine, a)
		}
	}
	if len(mine) != 1 {
		fc.t.Fatalf("droplet %d has %d actions started by Terraform, want 1", dropletID, len(mine))
	}
	return mine[0]
}

// newestActionID names the newest action of a droplet in a diagnostic's regexp, or a
// pattern that matches nothing when there is none.
func (fc *faultCase) newestActionID(dropletID int64) string {
	if acts := fc.api.Actions(dropletID); len(acts) > 0 {
		return strconv.FormatInt(acts[0].ID, 10)
	}
	return "no-action-was-created"
}

// expectCount checks one of the fake's counters.
func (fc *faultCase) expectCount(what string, got, want int) {
	fc.t.Helper()
	if got != want {
		fc.t.Errorf("%s: %d, want %d", what, got, want)
	}
}

func (fc *faultCase) expectAttempts(want int, fig faultFigures) {
	fc.t.Helper()
	if fig.attempts != want {
		fc.t.Errorf("%d initiate POSTs reached the API, want %d", fig.attempts, want)
	}
}

// faultAPIRequest sends one request to the fake with the test token, as another tool sharing
// the token would, and returns the status and body.
func faultAPIRequest(t *testing.T, api *fakeapi.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, api.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// 1. A burst of 5xx answers to the initiate, each before the API acted: the client looks
// at the droplet's history, finds nothing, and initiates again.
func TestAccFault_5xxOnInitiate(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable} {
		fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: code})
	}
	fig := fc.run(fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, "")))
	fc.expectAttempts(4, fig)
	fc.expectCount("5xx served", fc.api.Stats().Served5xx, 3)
}

// faultReadConfig is the reboot plus a data source reading an older action of the same
// droplet, so that faults can hit status reads and the data source read apart.
func faultReadConfig(fc *faultCase, d fakeapi.Droplet, seeded fakeapi.Action) string {
	return providerConfig(fc.api) + faultRebootConfig(d.ID, "") + fmt.Sprintf(`
data "gradient_droplet_action" "seen" {
  id = "%d"
}
`, seeded.ID)
}

func faultReadOKStep(fc *faultCase, d fakeapi.Droplet, seeded fakeapi.Action) faultStep {
	s := fc.okStep(faultReadConfig(fc, d, seeded))
	s.Check = resource.ComposeAggregateTestCheckFunc(s.Check,
		resource.TestCheckResourceAttr("data.gradient_droplet_action.seen", "status", "completed"),
		resource.TestCheckResourceAttr("data.gradient_droplet_action.seen", "type", "reboot"),
	)
	return s
}

// 2. A burst of 5xx answers to the status reads while waiting, and to a data source read.
func TestAccFault_5xxOnReads(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	seeded := fc.api.SeedActions(d.ID, 1, client.ActionReboot)[0]
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable} {
		fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIs(seeded.ID)), Kind: fakeapi.FaultStatus, Status: code})
		fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIsNot(seeded.ID)), Kind: fakeapi.FaultStatus, Status: code})
	}
	fig := fc.run(faultReadOKStep(fc, d, seeded))
	fc.expectAttempts(1, fig)
	fc.expectCount("5xx served", fc.api.Stats().Served5xx, 6)
}

// 3. The connection is reset on the initiate before the API acted: nothing was started,
// so after a look at the history the initiate is sent again.
func TestAccFault_resetBeforeInitiate(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultReset, Times: 2})
	fig := fc.run(fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, "")))
	fc.expectAttempts(3, fig)
	fc.expectCount("connection resets", fc.api.Stats().Resets, 2)
}

// 4. The connection is reset after the API acted: the action exists but its response is
// lost. The provider must adopt that action rather than start a second one.
func TestAccFault_resetAfterInitiate(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultReset, AfterHandler: true})
	var lost int64
	step := fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, ""))
	step.Check = resource.ComposeAggregateTestCheckFunc(step.Check, func(s *terraform.State) error {
		lost = faultLostActionID(fc.api)
		if lost == 0 {
			return errors.New("the reset initiate created no action")
		}
		return resource.TestCheckResourceAttr(faultAddr, "id", strconv.FormatInt(lost, 10))(s)
	})
	fig := fc.run(step)
	fc.expectAttempts(1, fig)
	fc.expectCount("connection resets", fc.api.Stats().Resets, 1)
	if got := fc.onlyAction(d.ID).ID; got != lost {
		t.Errorf("the droplet's action is %d, want the one whose response was lost (%d)", got, lost)
	}
}

// faultLostActionID is the action created by an initiate whose response a fault destroyed.
func faultLostActionID(api *fakeapi.Server) int64 {
	for _, r := range api.Requests() {
		if r.Method == http.MethodPost && r.Fault != 0 && len(r.ActionIDs) == 1 {
			return r.ActionIDs[0]
		}
	}
	return 0
}

// 5. Connection resets on the status reads and on a data source read.
func TestAccFault_resetOnReads(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	seeded := fc.api.SeedActions(d.ID, 1, client.ActionReboot)[0]
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIs(seeded.ID)), Kind: fakeapi.FaultReset, Times: 2})
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIsNot(seeded.ID)), Kind: fakeapi.FaultReset, Times: 3})
	fig := fc.run(faultReadOKStep(fc, d, seeded))
	fc.expectAttempts(1, fig)
	fc.expectCount("connection resets", fc.api.Stats().Resets, 5)
}

// 6. 429 with retry-after on the initiate, on a status read and on a data source read:
// each is waited out as the API says.
func TestAccFault_429RetryAfter(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	seeded := fc.api.SeedActions(d.ID, 1, client.ActionReboot)[0]
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIs(seeded.ID)), Kind: fakeapi.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultIDIsNot(seeded.ID)), Kind: fakeapi.FaultStatus, Status: http.StatusTooManyRequests, RetryAfter: "1"})
	fig := fc.run(faultReadOKStep(fc, d, seeded))
	fc.expectAttempts(2, fig)
	fc.expectCount("429s served", fc.api.Stats().Served429, 3)
}

// faultSpendBudget sends n requests with the test token, as another tool sharing the token
// would, each of which the fake charges to the token's windows.
func faultSpendBudget(t *testing.T, api *fakeapi.Server, dropletID int64, n int) {
	t.Helper()
	for range n {
		if status, body := faultAPIRequest(t, api, http.MethodGet, fmt.Sprintf("/v2/droplets/%d", dropletID), ""); status != http.StatusOK {
			t.Fatalf("spending the budget: %d %s", status, body)
		}
	}
}

var faultFreesUpAt = regexp.MustCompile(`frees\s+up\s+at\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)`)

// 7. The token's hourly budget is spent: the provider fails at once instead of waiting an
// hour, says when the budget frees up and what to do, and records any action it started.
func TestAccFault_hourlyBudgetExhausted(t *testing.T) {
	t.Parallel()
	const limit = 3
	timeouts := "  timeouts {\n    create = \"60s\"\n  }\n"

	t.Run("before the initiate", func(t *testing.T) {
		t.Parallel()
		fc := newFaultCase(t, func(o *fakeapi.Options) { o.PerHourLimit = limit })
		fc.intended = 0
		fc.noRefresh = true
		d := fc.api.AddDroplet(fakeapi.Droplet{})
		faultSpendBudget(t, fc.api, d.ID, limit)
		fc.extraFired = func() int { return fc.api.Stats().Served429 }
		cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, timeouts)
		fig := fc.run(
			fc.failStep(cfg, func() *regexp.Regexp {
				return faultErr("Droplet action not started", "Type: reboot", fmt.Sprintf("Droplet ID: %d", d.ID),
					"429 Too Many Requests", "re:frees\\s+up\\s+at\\s+\\S+Z", "rate limit", "is spent", "Run again once it frees up")
			}),
			fc.stateStep(cfg, false),
		)
		fc.expectAttempts(1, fig)
		fc.expectCount("429s served (a spent hour must not be retried)", fc.api.Stats().Served429, 1)
		faultExpectResetInAnHour(t, fc)
	})

	t.Run("during the wait", func(t *testing.T) {
		t.Parallel()
		fc := newFaultCase(t, func(o *fakeapi.Options) { o.PerHourLimit = limit })
		fc.noRefresh = true
		d := fc.api.AddDroplet(fakeapi.Droplet{})
		// Another tool leaves one request of the hour: the initiate takes it.
		faultSpendBudget(t, fc.api, d.ID, limit-1)
		fc.extraFired = func() int {
			// The fault is the spent hour: the fake refuses the next request.
			if status, _ := faultAPIRequest(t, fc.api, http.MethodGet, fmt.Sprintf("/v2/droplets/%d", d.ID), ""); status == http.StatusTooManyRequests {
				return 1
			}
			return 0
		}
		cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, timeouts)
		fig := fc.run(
			fc.failStep(cfg, func() *regexp.Regexp {
				return faultErr("Could not read droplet action status", "Action ID: "+fc.newestActionID(d.ID), "Type: reboot",
					fmt.Sprintf("Droplet ID: %d", d.ID), "rate limit is exhausted", "re:frees\\s+up\\s+at\\s+\\S+Z",
					"goes on at DigitalOcean", "terraform untaint")
			}),
			fc.stateStep(cfg, true),
		)
		fc.expectAttempts(1, fig)
		faultExpectResetInAnHour(t, fc)
	})
}

// faultExpectResetInAnHour checks that the diagnostic names the end of the hourly window, not
// some short wait.
func faultExpectResetInAnHour(t *testing.T, fc *faultCase) {
	t.Helper()
	if len(fc.errTexts) == 0 {
		t.Fatal("no error text recorded")
	}
	m := faultFreesUpAt.FindStringSubmatch(fc.errTexts[0])
	if m == nil {
		t.Fatalf("no reset time in:\n%s", fc.errTexts[0])
	}
	reset, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatal(err)
	}
	if reset.Before(time.Now().Add(50 * time.Minute)) {
		t.Errorf("the diagnostic says the budget frees up at %s, want the end of the hour window", reset)
	}
}

// 8. Responses slower than http_request_timeout, on the initiate (the API never acts on
// an abandoned request) and on a status read: the provider gives up on each in time, and
// initiates exactly once.
func TestAccFault_slowerThanRequestTimeout(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	// The delay only ends when the client gives up: it costs the test the timeout, not 30 s.
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultDelay, Delay: 30 * time.Second})
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultAnyID), Kind: fakeapi.FaultDelay, Delay: 30 * time.Second})
	cfg := faultProviderArgs(t, providerConfig(fc.api), "  http_request_timeout = 1")
	fig := fc.run(fc.okStep(cfg + faultRebootConfig(d.ID, "")))
	fc.expectAttempts(2, fig)
	for _, r := range fc.api.Requests() {
		if r.Fault == fakeapi.FaultDelay && r.Status != 0 {
			t.Errorf("%s %s was answered %d after its delay: the client did not give up at http_request_timeout", r.Method, r.Path, r.Status)
		}
	}
}

// The request timeout is validated like the other durations of the provider block.
func TestAccFault_requestTimeoutValidation(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	cfg := faultProviderArgs(t, providerConfig(api), "  http_request_timeout = 0") + faultRebootConfig(d.ID, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config:      cfg,
			ExpectError: faultErr("http_request_timeout must be a positive number of seconds"),
		}},
	})
	if accepted, attempts := initiates(api); accepted != 0 || attempts != 0 {
		t.Errorf("%d accepted / %d attempted initiates with an invalid provider block, want none", accepted, attempts)
	}
}

// 9. Truncated JSON on a status read (read again) and on the initiate after the API acted
// (adopted, not repeated).
func TestAccFault_malformedJSON(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultMalformed})
	fc.inject(fakeapi.Fault{Method: http.MethodGet, Match: faultActionRead(faultAnyID), Kind: fakeapi.FaultMalformed, Times: 2})
	step := fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, ""))
	step.Check = resource.ComposeAggregateTestCheckFunc(step.Check, func(s *terraform.State) error {
		lost := faultLostActionID(fc.api)
		if lost == 0 {
			return errors.New("the malformed initiate created no action")
		}
		return resource.TestCheckResourceAttr(faultAddr, "id", strconv.FormatInt(lost, 10))(s)
	})
	fig := fc.run(step)
	fc.expectAttempts(1, fig)
}

// 10. The action stays in progress past timeouts.create: the apply fails, says the action
// goes on and how to adopt it, and its ID is in state.
func TestAccFault_stuckPastTimeout(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.api.SetDuration(client.ActionReboot, 10*time.Minute)
	fc.extraFired = func() int { return faultCountActions(fc.api, d.ID, fakeapi.ActionInProgress) }
	cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, "  timeouts {\n    create = \"2s\"\n  }\n")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Timed out waiting for droplet action", "Action ID: "+fc.newestActionID(d.ID), "Type: reboot",
				fmt.Sprintf("Droplet ID: %d", d.ID), "Status: in-progress (last read)", "goes on at DigitalOcean", "terraform untaint")
		}),
		fc.stateStep(cfg, true),
		fc.refreshTaintedStep("in-progress"),
	)
	fc.expectAttempts(1, fig)
}

// 11. The action ends errored: the apply fails naming the action, and the resource is
// tainted with the action's ID in state.
func TestAccFault_erroredAction(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.api.SetActionOutcome(d.ID, client.ActionReboot, true)
	fc.extraFired = func() int { return faultCountActions(fc.api, d.ID, fakeapi.ActionErrored) }
	cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, "")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Droplet action failed", "Action ID: "+fc.newestActionID(d.ID), "Type: reboot",
				fmt.Sprintf("Droplet ID: %d", d.ID), "Status: errored", "reports that it failed", "Check the droplet")
		}),
		fc.stateStep(cfg, true),
		fc.refreshTaintedStep("errored"),
	)
	fc.expectAttempts(1, fig)
}

// faultCountActions counts a droplet's actions in a status: the fault of a stuck or an
// errored action is the action itself.
func faultCountActions(api *fakeapi.Server, dropletID int64, status string) int {
	n := 0
	for _, a := range api.Actions(dropletID) {
		if a.Status == status {
			n++
		}
	}
	return n
}

// refreshTaintedStep follows a failed apply whose action is in state, tainted: a refresh
// reads the action's status, and the plan stays non-empty (the resource would be replaced).
func (fc *faultCase) refreshTaintedStep(status string) faultStep {
	return faultStep{TestStep: resource.TestStep{
		RefreshState:       true,
		ExpectNonEmptyPlan: true,
		Check: resource.ComposeAggregateTestCheckFunc(
			fc.recordState(true),
			resource.TestCheckResourceAttr(faultAddr, "status", status),
		),
	}}
}

// faultCountStatus counts the requests the fake answered with status.
func faultCountStatus(api *fakeapi.Server, status int) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Status == status {
			n++
		}
	}
	return n
}

// 12. A wrong token: the apply fails at once with a diagnostic about the token, starts
// nothing and is not retried.
func TestAccFault_401WrongToken(t *testing.T) {
	t.Parallel()
	const wrong = "dop_v1_wrong0123456789abcdefwrongtok"
	fc := newFaultCase(t)
	fc.intended = 0
	fc.secrets = append(fc.secrets, wrong)
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.extraFired = func() int { return faultCountStatus(fc.api, http.StatusUnauthorized) }
	cfg := strings.Replace(providerConfig(fc.api), testToken, wrong, 1)
	if strings.Contains(cfg, testToken) || !strings.Contains(cfg, wrong) {
		t.Fatal("the wrong token did not replace the right one")
	}
	cfg += faultRebootConfig(d.ID, "")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Droplet action not started", fmt.Sprintf("Droplet ID: %d", d.ID), "401 Unauthorized",
				"The API token was refused: check access_token")
		}),
		fc.stateStep(cfg, false),
	)
	fc.expectAttempts(1, fig)
	if n := fc.api.Stats().Total; n != 1 {
		t.Errorf("%d requests with a refused token, want 1", n)
	}
}

// 13. 403: the token lacks a scope. Nothing starts; the diagnostic names the scopes.
func TestAccFault_403MissingScope(t *testing.T) {
	t.Parallel()
	fc := newFaultCase(t)
	fc.intended = 0
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.inject(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: http.StatusForbidden})
	cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, "")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Droplet action not started", fmt.Sprintf("Droplet ID: %d", d.ID), "403 Forbidden",
				"The token lacks a scope", `"reboot" needs droplet:update`)
		}),
		fc.stateStep(cfg, false),
	)
	fc.expectAttempts(1, fig)
}

// 14. The droplet does not exist: the diagnostic says so and what to check.
func TestAccFault_404NoDroplet(t *testing.T) {
	t.Parallel()
	const missing = 999999
	fc := newFaultCase(t)
	fc.intended = 0
	if _, ok := fc.api.Droplet(missing); ok {
		t.Fatal("the fake has the droplet that must be missing")
	}
	fc.extraFired = func() int { return faultCountStatus(fc.api, http.StatusNotFound) }
	cfg := providerConfig(fc.api) + faultRebootConfig(missing, "")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Droplet action not started", fmt.Sprintf("Droplet ID: %d", missing), "404 Not Found",
				fmt.Sprintf("no droplet %d", missing), "check droplet_id")
		}),
		fc.stateStep(cfg, false),
	)
	fc.expectAttempts(1, fig)
}

// 15. The API refuses the action as invalid (422): the diagnostic shows the API's message,
// nothing starts, and the request is not repeated.
func TestAccFault_422Validation(t *testing.T) {
	t.Parallel()
	const msg = "Reboot is not available for droplets in region nyc3 during maintenance."
	fc := newFaultCase(t)
	fc.intended = 0
	d := fc.api.AddDroplet(fakeapi.Droplet{})
	fc.inject(fakeapi.Fault{
		Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: http.StatusUnprocessableEntity,
		Body: `{"id":"unprocessable_entity","message":"` + msg + `"}`, ContentType: "application/json; charset=utf-8",
	})
	cfg := providerConfig(fc.api) + faultRebootConfig(d.ID, "")
	fig := fc.run(
		fc.failStep(cfg, func() *regexp.Regexp {
			return faultErr("Droplet action not started", fmt.Sprintf("Droplet ID: %d", d.ID), "422 Unprocessable Entity",
				msg, "did not act on it", "correct")
		}),
		fc.stateStep(cfg, false),
	)
	fc.expectAttempts(1, fig)
}

// 16. 422 "pending event": the droplet is busy with another action. The provider waits it
// out and then initiates exactly once.
func TestAccFault_422PendingEvent(t *testing.T) {
	t.Parallel()

	t.Run("injected", func(t *testing.T) {
		t.Parallel()
		fc := newFaultCase(t)
		d := fc.api.AddDroplet(fakeapi.Droplet{})
		fc.inject(fakeapi.Fault{
			Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: http.StatusUnprocessableEntity,
			Body: `{"id":"unprocessable_entity","message":"Droplet already has a pending event."}`, ContentType: "application/json; charset=utf-8",
			Times: 2,
		})
		fig := fc.run(fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, "")))
		fc.expectAttempts(3, fig)
	})

	t.Run("another action in progress", func(t *testing.T) {
		t.Parallel()
		// The fake's clock jumps ahead when the provider first reads the other action's
		// status, which ends that action: no sleeping, and no race with the apply.
		var ahead atomic.Int64
		fc := newFaultCase(t, func(o *fakeapi.Options) {
			o.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
		})
		d := fc.api.AddDroplet(fakeapi.Droplet{})
		fc.api.SetDuration(client.ActionPowerCycle, 10*time.Minute)
		status, body := faultAPIRequest(t, fc.api, http.MethodPost, faultInitiatePath(d.ID), `{"type":"power_cycle"}`)
		if status != http.StatusCreated {
			t.Fatalf("another tool's power_cycle: %d %s", status, body)
		}
		other := fc.api.Actions(d.ID)[0]
		fc.external[other.ID] = true
		readsOther := faultActionRead(faultIDIs(other.ID))
		fc.api.InjectFault(fakeapi.Fault{
			Method: http.MethodGet, Times: -1, Kind: fakeapi.FaultStatus,
			Match: func(r *http.Request) bool {
				if readsOther(r) {
					ahead.Store(int64(11 * time.Minute))
				}
				return false
			},
		})
		fc.extraFired = func() int { return fc.api.Stats().Pending422 }
		step := fc.okStep(providerConfig(fc.api) + faultRebootConfig(d.ID, ""))
		step.Check = resource.ComposeAggregateTestCheckFunc(step.Check,
			resource.TestCheckResourceAttr(faultAddr, "type", "reboot"),
			func(*terraform.State) error {
				if a, _ := fc.api.Action(other.ID); a.Status != fakeapi.ActionCompleted {
					return fmt.Errorf("the other tool's action is %s, want completed", a.Status)
				}
				return nil
			})
		fig := fc.run(step)
		fc.expectAttempts(2, fig)
		st := fc.api.Stats()
		fc.expectCount("pending-event answers", st.Pending422, 1)
		fc.expectCount("actions in flight at once", st.MaxInFlightPerDroplet[d.ID], 1)
	})
}

// 17. The initiate's response is lost after the API acted, and the droplet's history
// cannot be read either: whether the action started is unknowable. The apply fails saying
// it may have started and how to find and import it, and sends the initiate only once.
// This is the one scenario where a started action cannot be in state, since no answer
// ever named it.
func TestAccFault_uncertainInitiate(t *testing.T) {
	t.Parallel()
	api := newTestAPI(t)
	d := api.AddDroplet(fakeapi.Droplet{})
	api.InjectFault(fakeapi.Fault{Method: http.MethodPost, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultReset, AfterHandler: true})
	api.InjectFault(fakeapi.Fault{Method: http.MethodGet, PathPrefix: faultInitiatePath(d.ID), Kind: fakeapi.FaultStatus, Status: http.StatusServiceUnavailable, Times: -1})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerConfig(api) + faultRebootConfig(d.ID, ""),
			ExpectError: faultErr("Droplet action may have started", "Type: reboot", fmt.Sprintf("Droplet ID: %d", d.ID),
				"could not be read to tell whether DigitalOcean acted", "terraform import"),
		}},
	})
	if accepted, attempts := initiates(api); accepted != 1 || attempts != 1 {
		t.Errorf("%d accepted of %d initiate attempts, want 1 of 1: an uncertain initiate must not be repeated", accepted, attempts)
	}
}
