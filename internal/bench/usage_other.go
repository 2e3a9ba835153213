//go:build !unix

package bench

import "os"

// usageOf reports no usage where the platform has no rusage.
func usageOf(*os.ProcessState) Usage { return Usage{} }

// selfUsage reports no usage where the platform has no rusage.
func selfUsage() Usage { return Usage{} }
