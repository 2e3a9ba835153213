package client_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// ledgerBookerEnv makes the test binary a process that books requests in a shared ledger
// (see TestMain): GRADIENT_TEST_LEDGER_BOOKER=path|n.
const ledgerBookerEnv = "GRADIENT_TEST_LEDGER_BOOKER"

// bookerCap is the bookers' per-minute cap: high enough that no booking waits, so that
// the processes' updates of the ledger overlap as much as they can.
const bookerCap = 1_000_000

// runLedgerBooker books n requests in the ledger at path, once its standard input says go
// (a byte, or its end), so that every booker starts at the same moment.
func runLedgerBooker(spec string) error {
	path, count, ok := strings.Cut(spec, "|")
	var n int
	if _, err := fmt.Sscan(count, &n); !ok || err != nil {
		return fmt.Errorf("bad booker spec %q", spec)
	}
	g := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: bookerCap, LedgerPath: path})
	if err := g.LedgerError(); err != nil {
		return err
	}
	defer g.Close()
	if _, err := io.ReadFull(os.Stdin, make([]byte, 1)); err != nil && err != io.EOF {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range n {
		if err := g.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Several processes updating one ledger at the same time lose none of each other's
// bookings: each update reads, changes and writes the file under its lock.
func TestLedgerUpdatedByProcessesAtOnce(t *testing.T) {
	t.Parallel()
	const procs, each = 4, 200 // 800 bookings: within what a ledger holds
	path := client.LedgerPath(t.TempDir(), testToken, "https://api.example.test")
	type booker struct {
		cmd   *exec.Cmd
		start io.WriteCloser
		out   strings.Builder
	}
	bookers := make([]*booker, procs)
	for i := range bookers {
		b := &booker{cmd: exec.Command(os.Args[0], "-test.run=^$")} //nolint:gosec // the test binary itself
		b.cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", ledgerBookerEnv, path, each))
		b.cmd.Stdout, b.cmd.Stderr = &b.out, &b.out
		var err error
		if b.start, err = b.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if err := b.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		bookers[i] = b
	}
	// Every booker is running and waiting: let them all go at once.
	for _, b := range bookers {
		_ = b.start.Close()
	}
	for i, b := range bookers {
		if err := b.cmd.Wait(); err != nil {
			t.Fatalf("booker %d: %v\n%s", i, err, b.out.String())
		}
	}
	g := client.NewGovernorWith(client.GovernorOptions{RequestsPerMinute: bookerCap, LedgerPath: path})
	if err := g.LedgerError(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	if got := g.MinuteStats(time.Now()).InWindow; got != procs*each {
		t.Errorf("the ledger holds %d bookings, want the %d the %d processes made", got, procs*each, procs)
	}
}
