package client_test

import (
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
	"github.com/gradient-tf/terraform-provider-gradient/internal/fakeapi"
)

// When reads are one by one and more actions are waited for than the per-minute budget
// allows in a poll round, the budget is not spent on reading every one of them before any
// has finished: a few are read each round until one is seen finished, then all. The
// actions are those of one bulk action, as without actions:read a bulk action's are.
func TestWatcherCrowdReadsFewBeforeAnyFinishes(t *testing.T) {
	t.Parallel()
	const n = 40
	fake := newFake(t, fakeapi.Options{DefaultDuration: time.Second, Scopes: []string{"droplet:read", "droplet:update"}})
	c := watchClient(t, fake, func(cfg *client.Config) {
		// 1,300 requests a minute are 4 a poll round of 200 ms: fewer than the actions.
		cfg.Governor = client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: 1300})
	})
	for range n {
		fake.AddDroplet(fakeapi.Droplet{Tags: []string{"crowd"}})
	}
	acts, _, err := c.InitiateByTag(t.Context(), "crowd", client.ActionRequest{Type: client.ActionPowerCycle})
	if err != nil || len(acts) != n {
		t.Fatalf("InitiateByTag: %d actions, %v", len(acts), err)
	}
	fake.ResetLog()
	waitAll(t, c, acts)
	_, single, _ := readsAfter(fake)
	t.Logf("%d actions read one by one for %d actions of 1 s", single, n)
	// Each action needs one read that finds it finished. Read every round, the actions
	// would take about 1 s / 200 ms = 5 reads each before that one.
	if single > 2*n {
		t.Errorf("%d reads one by one for %d actions, want at most %d: the reads before any had finished were not held back", single, n, 2*n)
	}
}
