//go:build unix

package bench

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// usageOf reads a finished process's rusage: peak RSS (KiB on Linux, bytes on macOS)
// and user and system CPU time.
func usageOf(ps *os.ProcessState) Usage {
	if ps == nil {
		return Usage{}
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return Usage{}
	}
	return fromRusage(ru)
}

// selfUsage reads this process's own rusage (RUSAGE_SELF): its peak RSS so far.
func selfUsage() Usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Usage{}
	}
	return fromRusage(&ru)
}

func fromRusage(ru *syscall.Rusage) Usage {
	rss := int64(ru.Maxrss)
	if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		rss *= 1024
	}
	return Usage{
		Valid:       true,
		MaxRSSBytes: rss,
		User:        time.Duration(ru.Utime.Nano()),
		Sys:         time.Duration(ru.Stime.Nano()),
	}
}
