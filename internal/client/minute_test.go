package client

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// However requests arrive, the booked instants never put more than the limit in any minute.
func TestMinuteLogNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 7, 250} {
		rng := rand.New(rand.NewPCG(uint64(limit), 1)) //nolint:gosec // test data
		var m minuteLog
		var booked []int64
		now := int64(0)
		for range 3000 {
			// Bursts and lulls: most arrivals come together, some after long pauses.
			if rng.IntN(10) == 0 {
				now += int64(rng.IntN(90)) * int64(time.Second)
			} else {
				now += int64(rng.IntN(50)) * int64(time.Millisecond)
			}
			slot, ok := m.reserve(now, limit)
			for tries := 0; !ok; tries++ {
				// Too far ahead to book: the caller asks again when told, later.
				if slot <= now || tries > 2 {
					t.Fatalf("limit %d: not booked at %d, told to ask again at %d", limit, now, slot)
				}
				now = slot
				slot, ok = m.reserve(now, limit)
			}
			if slot < now {
				t.Fatalf("limit %d: booked %d before the request came at %d", limit, slot, now)
			}
			if slot > now+int64(maxBookAhead) {
				t.Fatalf("limit %d: booked %v ahead, more than %v", limit, time.Duration(slot-now), maxBookAhead)
			}
			booked = append(booked, slot)
		}
		slices.Sort(booked)
		if got := maxInWindow(booked); got > limit {
			t.Errorf("limit %d: %d requests in one 60 s window", limit, got)
		}
	}
}

// Half the budget goes out at once; a demand beyond the budget's rate is then paced
// window / limit apart, not spent in a burst that would leave nothing for the rest of the
// minute.
func TestMinuteLogPacesBeyondTheBurst(t *testing.T) {
	t.Parallel()
	const limit = 10
	var m minuteLog
	for i := range limit / 2 {
		if slot, _ := m.reserve(0, limit); slot != 0 {
			t.Fatalf("request %d of the first half booked at %v, want at once", i+1, time.Duration(slot))
		}
	}
	interval := int64(minuteWindow / limit)
	for i := 1; i <= limit/2; i++ {
		if slot, _ := m.reserve(0, limit); slot != int64(i)*interval {
			t.Fatalf("request %d of the second half booked at %v, want %v", i, time.Duration(slot), time.Duration(int64(i)*interval))
		}
	}
	// The 11th may go only once the first has left the window.
	if slot, ok := m.reserve(0, limit); slot != int64(minuteWindow) || !ok {
		t.Errorf("request beyond the limit booked at %v (%t), want when the first leaves (%v)", time.Duration(slot), ok, minuteWindow)
	}
	// Beyond a window of bookings, a request is told to ask again rather than booked
	// further ahead.
	for i := range 4 * limit {
		slot, ok := m.reserve(0, limit)
		if !ok {
			if slot <= 0 || slot > int64(maxBookAhead) {
				t.Errorf("request %d not booked, told to ask again at %v", i+12, time.Duration(slot))
			}
			return
		}
		if slot > int64(maxBookAhead) {
			t.Fatalf("request %d booked %v ahead, more than %v", i+12, time.Duration(slot), maxBookAhead)
		}
	}
	t.Errorf("%d requests at once all booked", 11+4*limit)
}

// A steady demand within the budget's rate is never held back, however long it lasts,
// and one burst of half the budget on top of it still goes at once.
func TestMinuteLogLeavesASteadyDemandAlone(t *testing.T) {
	t.Parallel()
	const limit = 250
	var m minuteLog
	now := int64(0)
	for i := range 2000 {
		now += int64(300 * time.Millisecond) // 200 a minute
		if slot, _ := m.reserve(now, limit); slot != now {
			t.Fatalf("request %d at 200 a minute held back by %v", i+1, time.Duration(slot-now))
		}
	}
	held := 0
	for range 10 {
		if slot, _ := m.reserve(now, limit); slot != now {
			held++
		}
	}
	if held != 0 {
		t.Errorf("%d of a burst of 10 held back after a steady 200 a minute, want none", held)
	}
}

// A 429's pause holds every request until it ends, then lets them out paced.
func TestMinuteLogPause(t *testing.T) {
	t.Parallel()
	const limit = 250
	var m minuteLog
	until := int64(5 * time.Second)
	m.pause(until, limit)
	if m.ample(0, limit) {
		t.Error("ample during a pause")
	}
	prev := int64(0)
	for i := range 5 {
		slot, _ := m.reserve(0, limit)
		if slot < until {
			t.Fatalf("request %d booked at %v, inside the pause", i+1, time.Duration(slot))
		}
		if i > 0 && slot-prev < int64(minuteWindow/limit) {
			t.Fatalf("request %d booked %v after the one before, want at least %v", i+1, time.Duration(slot-prev), minuteWindow/limit)
		}
		prev = slot
	}
	if m.ample(until+int64(minuteWindow)+1, limit) == false {
		t.Error("not ample a minute after the pause with the window empty")
	}
}

// The ledger file keeps the log across opens (another process opens the same file), its
// name carries no trace of the token, and a damaged file starts afresh.
func TestFileLedger(t *testing.T) {
	t.Parallel()
	const token = "dop_v1_secret-token-value"
	path := LedgerPath(t.TempDir(), token, "https://api.example.test")
	if strings.Contains(path, token) || strings.Contains(path, "secret") {
		t.Fatalf("ledger path %q carries the token", path)
	}
	if other := LedgerPath(filepath.Dir(path), token+"x", "https://api.example.test"); other == path {
		t.Fatal("two tokens share a ledger")
	}
	a, err := openFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	now := time.Now().UnixNano()
	for range 3 {
		if err := a.update(func(m *minuteLog) { m.reserve(now, 250) }); err != nil {
			t.Fatal(err)
		}
	}
	_ = a.update(func(m *minuteLog) { m.pause(now+int64(time.Second), 250) })
	b, err := openFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	var seen minuteLog
	_ = b.update(func(m *minuteLog) { seen = *m })
	if len(seen.Sent) != 3 || seen.PausedUntil != now+int64(time.Second) {
		t.Errorf("second opener sees %d entries paused until %d, want 3 until %d", len(seen.Sent), seen.PausedUntil, now+int64(time.Second))
	}
	// A day-old ledger of another token is removed when a ledger is opened beside it.
	stale := LedgerPath(filepath.Dir(path), "another-token", "https://api.example.test")
	if err := os.WriteFile(stale, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	c, err := openFileLedger(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a day-old ledger of another token is still there (%v)", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the ledger in use was removed: %v", err)
	}

	if _, err := a.f.WriteAt([]byte{1, 2, 3}, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.f.Truncate(3); err != nil {
		t.Fatal(err)
	}
	if err := b.update(func(m *minuteLog) { seen = *m }); err != nil || len(seen.Sent) != 0 {
		t.Errorf("damaged file: err %v, %d entries; want a fresh log", err, len(seen.Sent))
	}
}

// Reads that buy speed for one action give way at half the minute's budget; the watcher's
// batched reads keep their cadence until three quarters of it.
func TestMinuteLogAmpleAndPressed(t *testing.T) {
	t.Parallel()
	const limit = 8
	var m minuteLog
	for i := 1; i <= 6; i++ {
		m.reserve(0, limit)
		if got, want := m.ample(0, limit), 2*i < limit; got != want {
			t.Errorf("after %d of %d: ample = %v, want %v", i, limit, got, want)
		}
		if got, want := m.pressed(0, limit), 4*i >= 3*limit; got != want {
			t.Errorf("after %d of %d: pressed = %v, want %v", i, limit, got, want)
		}
	}
	var p minuteLog
	p.pause(int64(time.Second), limit)
	if !p.pressed(2*int64(time.Second), limit) {
		t.Error("not pressed within a minute after a 429's pause")
	}
}
