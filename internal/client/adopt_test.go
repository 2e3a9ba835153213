package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// TestAmbiguousInitiateNeverAdoptsAnEarlierAction: a reboot from an earlier apply (another
// process, so not in this client's memory) finished 2 s ago; this apply's reboot gets a
// 500 before the API acts. The earlier reboot must not be taken for ours, whichever way
// the API's clock is skewed from this machine's: the request is sent again and a second
// reboot runs.
func TestAmbiguousInitiateNeverAdoptsAnEarlierAction(t *testing.T) {
	t.Parallel()
	for name, skew := range map[string]time.Duration{"in step": 0, "API 7s ahead": 7 * time.Second, "API 7s behind": -7 * time.Second} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := &shiftedClock{}
			clock.offset.Store(int64(skew - 4*time.Second))
			s := newFake(t, fakeapi.Options{Now: clock.now})
			d := s.AddDroplet(fakeapi.Droplet{})
			earlier, _, err := newClient(t, s.URL()).Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			clock.offset.Store(int64(skew)) // 4 s later at the API

			s.InjectFault(fakeapi.Fault{Method: "POST", PathPrefix: "/v2/droplets/", Kind: fakeapi.FaultStatus, Status: 500})
			got, _, err := newClient(t, s.URL()).Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == earlier.ID {
				t.Fatalf("the earlier apply's action %d was adopted as this one's", earlier.ID)
			}
			if n := s.Stats().AcceptedInitiates[d.ID]; n != 2 {
				t.Errorf("%d reboots accepted, want 2", n)
			}
		})
	}
}

// TestAmbiguousInitiateAdoptsItsOwnActionUnderSkew: the response to an initiate the API
// acted on is lost; the action is found and adopted, not started twice, whichever way the
// clocks are skewed.
func TestAmbiguousInitiateAdoptsItsOwnActionUnderSkew(t *testing.T) {
	t.Parallel()
	for name, skew := range map[string]time.Duration{"in step": 0, "API 30s ahead": 30 * time.Second, "API 30s behind": -30 * time.Second} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clock := &shiftedClock{}
			clock.offset.Store(int64(skew))
			s := newFake(t, fakeapi.Options{Now: clock.now})
			d := s.AddDroplet(fakeapi.Droplet{})
			s.InjectFault(fakeapi.Fault{Method: "POST", PathPrefix: "/v2/droplets/", Kind: fakeapi.FaultReset, AfterHandler: true})
			got, _, err := newClient(t, s.URL()).Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
			if err != nil {
				t.Fatal(err)
			}
			acts := s.Actions(d.ID)
			if len(acts) != 1 || got.ID != acts[0].ID {
				t.Fatalf("got action %d; the API has %v: want exactly the one, adopted", got.ID, acts)
			}
		})
	}
}

// TestAmbiguousRetryJudgedFromTheLastAttempt: the initiate's first attempt is answered
// 429 with retry-after 4; while the client waits, another tool reboots the droplet; the
// retry then gets a 500 before the API acts. The other tool's reboot began before the
// attempt that failed, so it is not adopted: the client initiates again (after the other
// reboot ends) and returns its own action. (Four seconds, because timestamps and the Date
// header have whole seconds, and a second's allowance is kept on top.)
func TestAmbiguousRetryJudgedFromTheLastAttempt(t *testing.T) {
	t.Parallel()
	s := newFake(t, fakeapi.Options{DefaultDuration: 300 * time.Millisecond})
	d := s.AddDroplet(fakeapi.Droplet{})
	const otherTool = "other-tool/1.0"
	ours := func(r *http.Request) bool { return r.Header.Get("User-Agent") != otherTool }
	s.InjectFault(fakeapi.Fault{Method: "POST", PathPrefix: "/v2/droplets/", Match: ours, Kind: fakeapi.FaultStatus, Status: 429, RetryAfter: "4"})
	s.InjectFault(fakeapi.Fault{Method: "POST", PathPrefix: "/v2/droplets/", Match: ours, Kind: fakeapi.FaultStatus, Status: 500})

	other := make(chan *client.Action, 1)
	go func() {
		defer close(other)
		// Wait (bounded) for the first attempt's 429, then act as another tool would.
		for range 500 {
			if s.Stats().Served429 > 0 {
				tool := newClient(t, s.URL(), func(cfg *client.Config) { cfg.UserAgent = otherTool })
				a, _, err := tool.Initiate(context.Background(), d.ID, client.ActionRequest{Type: client.ActionReboot})
				if err == nil {
					other <- a
				}
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	got, _, err := newClient(t, s.URL()).Initiate(t.Context(), d.ID, client.ActionRequest{Type: client.ActionReboot})
	if err != nil {
		t.Fatal(err)
	}
	theirs, ok := <-other
	if !ok {
		t.Fatal("the other tool's reboot was not started during the retry-after wait")
	}
	if got.ID == theirs.ID {
		t.Fatalf("the other tool's action %d, begun before the failed attempt, was adopted", theirs.ID)
	}
	if n := s.Stats().AcceptedInitiates[d.ID]; n != 2 {
		t.Errorf("%d reboots accepted, want 2 (theirs and ours)", n)
	}
	if left := s.Faults(); len(left) != 0 {
		t.Errorf("faults not spent on our client's attempts: %+v", left)
	}
}
