package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// TestDocsStateTheCodesFigures keeps the figures the hand-written docs quote (the poll
// schedule, the timeout, the progress interval) in step with the code they describe:
// change a default and this fails until the templates and the README say the same.
func TestDocsStateTheCodesFigures(t *testing.T) {
	t.Parallel()
	read := func(rel string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("..", "..", rel))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(data)), " ") // lines wrap anywhere
	}
	seconds := func(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

	// The ramp's first reads and the count of its reads off the grid, run as the waiter does.
	poll := client.RampGridPoll(client.DefaultPollMin, client.DefaultPollMax)
	var ramp []string
	extra := 0
	for at, reads := time.Duration(0), 0; at < 2*time.Minute; reads++ {
		at += poll(reads, at)
		if at%client.DefaultPollMax != 0 {
			extra++
			if len(ramp) < 4 {
				ramp = append(ramp, seconds(at))
			}
		}
	}
	words := map[int]string{5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}

	index := read("templates/index.md.tmpl")
	for _, want := range []string{
		fmt.Sprintf("A ramp starts %g s after the action is initiated", client.DefaultPollMin.Seconds()),
		"(" + strings.Join(ramp, ", ") + ", ...)",
		fmt.Sprintf("A grid reads every %g s after the start", client.DefaultPollMax.Seconds()),
		fmt.Sprintf("costs %d reads a minute", int(time.Minute/client.DefaultPollMax)),
		"the ramp adds " + words[extra] + " reads in all",
		fmt.Sprintf("(%g minutes unless set)", defaultCreateTimeout.Minutes()),
	} {
		if !strings.Contains(index, want) {
			t.Errorf("templates/index.md.tmpl does not say %q", want)
		}
	}
	if action := read("templates/actions/droplet_action.md.tmpl"); !strings.Contains(action, fmt.Sprintf("a line every %g s for a long action", progressEvery.Seconds())) {
		t.Errorf("templates/actions/droplet_action.md.tmpl does not give the progress interval %v", progressEvery)
	}
	readme := read("README.md")
	for _, want := range []string{
		fmt.Sprintf("| `poll_interval_min` | — | `%g` (s) |", defaultPollMin),
		fmt.Sprintf("| `poll_interval_max` | — | `%g` (s) |", defaultPollMax),
		fmt.Sprintf("reads on the union of a ramp (%g s,", client.DefaultPollMin.Seconds()),
		"the ramp's extra reads are " + words[extra] + " in all",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md does not say %q", want)
		}
	}
}

// The provider page lists the action types by hand; it must list exactly the table's, in
// the table's order.
func TestDocsListEveryActionType(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", "templates", "index.md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(data)), " ")
	_, list, ok := strings.Cut(text, "The action types are ")
	if !ok {
		t.Fatal(`templates/index.md.tmpl has no sentence "The action types are ..."`)
	}
	list, _, _ = strings.Cut(list, ";")
	var listed []string
	for i, part := range strings.Split(list, "`") {
		if i%2 == 1 {
			listed = append(listed, part)
		}
	}
	if got, want := strings.Join(listed, ", "), strings.Join(client.ActionTypeNames(), ", "); got != want {
		t.Errorf("templates/index.md.tmpl lists the types\n  %s\nthe table has\n  %s", got, want)
	}
}
