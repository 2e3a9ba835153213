// Package bench measures the client's waiter against the fake DigitalOcean API: how
// late each poll strategy notices that an action completed, and how many status reads
// it spends doing so. It also drives the real Terraform CLI against the fake to measure
// a whole apply. The command internal/bench/cmd/gradient-bench prints the results.
package bench

import (
	"cmp"
	"slices"
	"time"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// DOProviderPoll is the pattern of the official DigitalOcean provider's action waiter as
// the benchmark models it: the first read delay after the wait began, then one read
// every interval. The reads sit on a grid measured from the start of the wait (10 s,
// 13 s, 16 s, ... with the defaults), so that loopback latency does not accumulate
// into the schedule when time is scaled.
func DOProviderPoll(delay, every time.Duration) client.PollStrategy {
	return func(_ int, elapsed time.Duration) time.Duration {
		if elapsed < delay || every <= 0 {
			return max(delay-elapsed, 0)
		}
		next := delay + ((elapsed-delay)/every+1)*every
		return next - elapsed
	}
}

// Scaled runs strategy p s times faster: p sees the elapsed time as if the wait ran
// at full length, and the delay it asks for is divided by s. With s <= 1, p is
// returned as is.
func Scaled(p client.PollStrategy, s int) client.PollStrategy {
	if s <= 1 {
		return p
	}
	f := time.Duration(s)
	return func(reads int, elapsed time.Duration) time.Duration {
		return p(reads, elapsed*f) / f
	}
}

// Percentile returns the q-quantile (0 <= q <= 1) of ds by linear interpolation
// between the closest ranks; the median of an even count is the mean of the two
// middle values. It returns 0 for an empty slice and does not modify ds.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.SortFunc(s, cmp.Compare[time.Duration])
	q = min(max(q, 0), 1)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(lo)
	return s[lo] + time.Duration(frac*float64(s[lo+1]-s[lo]))
}

// Mean returns the arithmetic mean of xs, 0 for an empty slice.
func Mean(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return float64(sum) / float64(len(xs))
}
