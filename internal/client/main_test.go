package client_test

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(ledgerBookerEnv); spec != "" {
		// This process is one of TestLedgerUpdatedByProcessesAtOnce's bookers.
		if err := runLedgerBooker(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if spec := os.Getenv(ledgerHelperEnv); spec != "" {
		// This process is the second provider process of TestLedgerSharedBetweenProcesses.
		if err := runLedgerHelper(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
