package client

import (
	"testing"
	"time"
)

// Scouting rounds of a crowd read one by one: every PollMax while the crowd's reads fit
// in the governor's first burst and window, and half a window apart for 500 waits at 250
// a minute, where the reads after the last scout that finds its action running need two
// windows whatever happens, and the reads after the first that finds one finished only a
// window and a half.
func TestScoutSpacing(t *testing.T) {
	t.Parallel()
	c := mustNew(t, Config{Governor: NewGovernor()})
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{21, DefaultPollMax},
		{200, DefaultPollMax},
		{300, DefaultPollMax},
		{500, minuteWindow / 2},
		{250, minuteWindow / 2},
	} {
		if got := c.watcher.scoutSpacing(tc.n); got != tc.want {
			t.Errorf("scoutSpacing(%d) = %s, want %s", tc.n, got, tc.want)
		}
	}
	if got := c.watcher.readsPerRound(); got != 20 {
		t.Errorf("readsPerRound = %d, want 250 a minute's share of 5 s: 20", got)
	}
	uncapped := mustNew(t, Config{Governor: NewGovernorWith(GovernorOptions{RequestsPerMinute: -1})})
	if got := uncapped.watcher.readsPerRound(); got != 0 {
		t.Errorf("readsPerRound without a per-minute cap = %d, want 0: no crowd", got)
	}
}
