//go:build !unix

package client

import (
	"errors"
	"os"
)

// Without flock, the ledger is not shared between processes: the Governor keeps its count
// in memory, per process.
var errNoFileLock = errors.New("the rate ledger needs file locks, which this platform's build does not use")

func lockFile(*os.File) error   { return errNoFileLock }
func unlockFile(*os.File) error { return nil }
