package bench

import (
	"testing"
	"time"
)

// The floor of (4) is issue 21's: 500 reads one by one at 250 a minute take 120 s; a
// batch small enough to be read sooner than its actions run cannot end before D.
func TestNoScopeFloor(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n, perMinute int
		d, want      time.Duration
	}{
		{500, 250, 20 * time.Second, 120 * time.Second},
		{200, 250, 20 * time.Second, 48 * time.Second},
		{10, 250, 20 * time.Second, 20 * time.Second},
		{500, 0, 20 * time.Second, 20 * time.Second},
	} {
		if got := NoScopeFloor(c.n, c.perMinute, c.d); got != c.want {
			t.Errorf("NoScopeFloor(%d, %d, %s) = %s, want %s", c.n, c.perMinute, c.d, got, c.want)
		}
	}
}
