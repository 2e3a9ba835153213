package client

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the watcher's timing (Config.WatchHold, Config.WatchFill).
const (
	DefaultWatchHold = 250 * time.Millisecond
	DefaultWatchFill = time.Second
	// watchReadConcurrency bounds the one-by-one reads the watcher makes at once, so that a
	// tag of hundreds of droplets never opens hundreds of connections.
	watchReadConcurrency = 8
	// coalesceDivisor makes a batch wait WatchHold/coalesceDivisor (50 ms by default) past
	// the first due action for those falling due just after it.
	coalesceDivisor = 5
	// maxListPages bounds one batch read of /v2/actions, whatever the account holds.
	maxListPages = 50
)

// The watcher waits for every action the client waits for, in one goroutine that runs while
// anything is watched. Each watched action keeps its own schedule of status reads, the
// same one WaitForAction follows (Config.Poll), and the watcher serves them together:
//
//   - One page of GET /v2/actions?per_page=200 (scope actions:read) answers for up to 200
//     watched actions at once. The API documents no order for that list, so the watcher
//     pages until it has seen every watched action, or until the pages have cost as much as
//     reading the due actions one by one would, and reads the rest one by one.
//   - It reads one by one, through the droplet's own path (scope droplet:read), when
//     paging would cost more: a single due action, or an account whose list runs to more
//     pages than there are due actions. After a 403 on the list (a token without
//     actions:read) it never asks the list again.
//   - A batch read happens a moment (WatchHold/5) after some action falls due, so that
//     actions falling due together share it, and is held back at most WatchHold × pages
//     after the previous read so that actions falling due close together share it (a due
//     read is therefore at most that much later than its own schedule). Unless the budget
//     is close to spent (Governor.Pressed) and while one page answers for everything
//     watched, it also reads every WatchFill with nothing due: a request that may answer
//     for every action at once. Once the budget is pressed, batches come no oftener than
//     WatchFill × pages. The schedules' ramp gives way sooner, with the budget no longer
//     ample (Governor.Ample), and a batch of more than one page never spends reads on it
//     (the grid stays), since the ramp would cost a page per read for every action.
//
// Every read answers every watched action it returns: an action seen finished is
// delivered at once, whether it was due or not.
//
// Reads of one action's present state (ReadActionShared, a data source's read) go through
// the same batches: such a read is due at once, is answered by the first read made after
// it was asked, whatever that read finds, and never waits for a schedule. Since a finished
// action never changes again, the finished actions the latest batch saw on its pages are
// kept, and answer such a read without a request; a list read in flight when it is asked
// answers it too when it shows the action finished. Such a read waits a moment
// (WatchHold/5) for company even alone, as a plan's data sources come together; one that
// stays alone is read one by one, as a single due action is.
//
// A crowd is more waits than the per-minute budget allows reads in a poll round (PollMax),
// all read one by one (a token without actions:read, such as a bulk action's 500 waits).
// Reading each of them every round would spend the budget on actions still in progress,
// each read answering one action; and on a sliding window, every read made shortly before
// the actions finish holds back the reads that find them finished (500 of them end two
// windows after it at the earliest). So a crowd's reads skip the ramp, and a round reads
// only a few of them (a quarter of a round's budget), those read least recently, as
// scouts; the others wait for the next round, which comes scoutSpacing later: PollMax, or
// half a window for a crowd the budget needs two windows to read. Once a scout has found
// its action finished, every wait watched at least as long as that action was seen
// running is read at once, and the governor spreads those reads over the time the budget
// needs for them. This expects the crowd's actions to take about as long as each other,
// as a bulk action's do.
type watcher struct {
	c *Client

	mu      sync.Mutex
	watches map[*watch]struct{}
	running bool
	wake    chan struct{}
	// logCtx carries the logger of the latest waiter (its values, not its deadline).
	logCtx context.Context
	// readCtx is what the watcher reads under; cancelRead ends it, and the reads in
	// flight, once nothing is watched any more.
	readCtx    context.Context
	cancelRead context.CancelFunc
	lastRead   time.Time
	// pages is how many pages of /v2/actions the account's list runs to, by its last
	// meta.total; 0 while unknown.
	pages int

	// noList is set once the token was refused GET /v2/actions; listErr is that refusal.
	noList  atomic.Bool
	listErr error
	// finished holds the finished actions the latest batch read saw on its pages: a read of
	// one of them is answered without a request, as a finished action never changes.
	finished map[int64]Action
	// ranFor is the shortest time a waited-for action was seen running before a read found
	// it finished (see crowdLocked); ranForKnown is false until such a read. Both are
	// forgotten when nothing is watched any more.
	ranFor      time.Duration
	ranForKnown bool
	// roundAt is when the current round of scouting reads began, and scouts how many
	// reads it has left (see crowdLocked).
	roundAt time.Time
	scouts  int

	listReads, oneReads atomic.Int64
}

// watch is one waiter's interest in one action.
type watch struct {
	dropletID, id int64
	// once marks a read of the action's present state (ReadActionShared): the first read
	// made after it was asked answers it, whatever the action's status.
	once  bool
	start time.Time
	reads int
	due   time.Time
	// lastRead is when the action was last read for this watch, and ranFor how long it had
	// been watched then, in progress.
	lastRead time.Time
	ranFor   time.Duration
	// held is set while its read waits for the next round of a crowd (see crowdLocked).
	held bool
	// updates carries the newest status read (or a read error) to the waiter; the watcher
	// never blocks on it, replacing what the waiter has not taken yet.
	updates chan watchUpdate
	done    bool
}

type watchUpdate struct {
	a   *Action
	err error
}

func newWatcher(c *Client) *watcher {
	return &watcher{c: c, watches: map[*watch]struct{}{}, wake: make(chan struct{}, 1)}
}

// WatchStats counts the watcher's reads: pages of /v2/actions, and actions read one by one.
type WatchStats struct {
	ListReads, SingleReads int64
	// ListRefused is set once the token was refused GET /v2/actions (no actions:read).
	ListRefused bool
}

// WatchStats reports the watcher's reads so far.
func (c *Client) WatchStats() WatchStats {
	return WatchStats{ListReads: c.watcher.listReads.Load(), SingleReads: c.watcher.oneReads.Load(), ListRefused: c.watcher.noList.Load()}
}

// waitWatched waits for one action through the watcher.
func (c *Client) waitWatched(ctx context.Context, dropletID, id int64, onProgress func(*Action)) (*Action, error) {
	w := c.watcher.subscribe(ctx, dropletID, id, false)
	defer c.watcher.unsubscribe(w)
	var last *Action
	for {
		select {
		case <-ctx.Done():
			return last, &WaitError{ActionID: id, Last: last, Err: ctx.Err()}
		case u := <-w.updates:
			if u.err != nil {
				if ctx.Err() != nil {
					return last, &WaitError{ActionID: id, Last: last, Err: ctx.Err()}
				}
				return last, &WaitError{ActionID: id, Last: last, Err: u.err}
			}
			last = u.a
			if onProgress != nil {
				onProgress(u.a)
			}
			switch u.a.Status {
			case StatusCompleted:
				return u.a, nil
			case StatusErrored:
				return u.a, &ActionFailedError{Action: u.a}
			}
		}
	}
}

// readShared reads an action once through the watcher (see Client.ReadActionShared).
func (c *Client) readShared(ctx context.Context, dropletID, id int64) (*Action, error) {
	if a, ok := c.watcher.finishedAction(id); ok {
		return a, nil
	}
	w := c.watcher.subscribe(ctx, dropletID, id, true)
	defer c.watcher.unsubscribe(w)
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case u := <-w.updates:
		if u.err != nil && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return u.a, u.err
	}
}

// finishedAction returns a copy of the action if the latest batch saw it finished.
func (w *watcher) finishedAction(id int64) (*Action, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, ok := w.finished[id]
	if !ok {
		return nil, false
	}
	return &a, true
}

// subscribe watches an action: until it finishes, or for one read when once is set.
func (w *watcher) subscribe(ctx context.Context, dropletID, id int64, once bool) *watch {
	now := time.Now()
	wt := &watch{dropletID: dropletID, id: id, once: once, start: now, updates: make(chan watchUpdate, 1)}
	w.mu.Lock()
	wt.due = now
	if !once {
		wt.due = now.Add(w.c.pollDelay(0, 0, true))
	}
	w.watches[wt] = struct{}{}
	w.logCtx = context.WithoutCancel(ctx)
	if w.readCtx == nil || w.readCtx.Err() != nil {
		w.readCtx, w.cancelRead = context.WithCancel(context.Background())
	}
	if !w.running {
		w.running = true
		go w.run() //nolint:contextcheck // the watcher outlives any one waiter: it reads under its own readCtx
	}
	w.mu.Unlock()
	w.poke()
	return wt
}

func (w *watcher) unsubscribe(wt *watch) {
	w.mu.Lock()
	delete(w.watches, wt)
	if len(w.watches) == 0 && w.cancelRead != nil {
		w.cancelRead()
	}
	w.mu.Unlock()
	w.poke()
}

func (w *watcher) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// deliver hands u to wt's waiter, replacing an update it has not taken yet.
func deliver(wt *watch, u watchUpdate) {
	for {
		select {
		case wt.updates <- u:
			return
		default:
		}
		select {
		case <-wt.updates:
		default:
		}
	}
}

// run is the watcher's loop; it ends when nothing is watched.
func (w *watcher) run() {
	for {
		w.mu.Lock()
		if len(w.watches) == 0 {
			w.running = false
			w.ranFor, w.ranForKnown = 0, false
			w.roundAt, w.scouts = time.Time{}, 0
			w.mu.Unlock()
			return
		}
		now := time.Now()
		next := w.nextReadLocked()
		if next.IsZero() || next.After(now) {
			// Nothing to read yet (or every watch has its answer and is leaving).
			w.mu.Unlock()
			w.sleep(next.Sub(now), next.IsZero())
			continue
		}
		all := make([]*watch, 0, len(w.watches))
		var due []*watch
		for wt := range w.watches {
			if wt.done {
				continue
			}
			all = append(all, wt)
			if !wt.due.After(now) {
				due = append(due, wt)
			}
		}
		pages := max(w.pages, 1)
		w.lastRead = now
		rctx := mergeValues(w.readCtx, w.logCtx)
		w.mu.Unlock()

		if !w.noList.Load() && len(all) > 1 && pages < max(len(due), 2) {
			due = w.readList(rctx, all, due, pages)
		}
		w.mu.Lock()
		read, held, crowded := w.crowdLocked(all, due, now)
		w.mu.Unlock()
		w.readEach(rctx, read, !crowded)
		if len(held) > 0 {
			w.release()
		}
	}
}

// readsPerRound is how many requests the per-minute cap allows in one poll round
// (PollMax); 0 when the governor has no per-minute cap.
func (w *watcher) readsPerRound() int {
	if w.c.gov.perMinute <= 0 {
		return 0
	}
	return max(int(int64(w.c.gov.perMinute)*int64(w.c.cfg.PollMax)/int64(minuteWindow)), 1)
}

// crowdLocked splits the due actions about to be read one by one into those read now and
// those held to the next round. It holds reads back only for a crowd: more waits watched
// than a round's budget allows (all of them, not only those due: their reads fall due a
// few at a time), all read one by one, since the list is refused or runs to as many pages
// as there are waits. Then a quarter of a round's budget are read each round, the least
// recently read first, and so are those that have been watched at least as long as
// ranFor, once known; the others are held a round. Reads of an action's present state
// are always made.
func (w *watcher) crowdLocked(all, due []*watch, now time.Time) (read, held []*watch, crowded bool) {
	per := w.readsPerRound()
	waiting := 0
	for _, wt := range all {
		if !wt.once {
			waiting++
		}
	}
	if per == 0 || waiting <= per || (!w.noList.Load() && max(w.pages, 1) < waiting) {
		return due, nil, false
	}
	var waits []*watch
	for _, wt := range due {
		if wt.once {
			read = append(read, wt)
		} else {
			waits = append(waits, wt)
		}
	}
	slices.SortFunc(waits, func(a, b *watch) int {
		return cmp.Or(a.lastRead.Compare(b.lastRead), a.start.Compare(b.start), cmp.Compare(a.id, b.id))
	})
	spacing := w.scoutSpacing(waiting)
	if now.Sub(w.roundAt) >= spacing {
		w.roundAt, w.scouts = now, max(per/4, 1)
	}
	for _, wt := range waits {
		switch {
		case w.ranForKnown && now.Sub(wt.start) >= w.ranFor:
			wt.held = false
			read = append(read, wt)
		case w.scouts > 0:
			w.scouts--
			wt.held = false
			read = append(read, wt)
		default:
			wt.due, wt.held = w.roundAt.Add(spacing), true
			held = append(held, wt)
		}
	}
	return read, held, true
}

// scoutSpacing is how far apart the rounds of scouting reads come for n waits read one by
// one. The budget is a sliding window W (minuteWindow) of L requests (the per-minute cap),
// of which the governor lets L/2 go at once. After the last read that finds an action of
// the batch still running, the n reads that find them finished take at least
// chain = ⌊n/L⌋·W (each request at least W after the one L before it); from the first read
// that finds one finished, at least read = ⌊(n−1)/L⌋·W + max(0, r − L/2)·W/L, r being the
// reads of the last window. With rounds δ apart and the actions finishing anywhere between
// two, the wait ends on average at D − δ/2 + max(chain, δ + read), which is least at
// δ = chain − read (30.5 s for 500 waits at 250 a minute); at worst, at D + chain, as with
// a round every PollMax. It is never less than PollMax.
func (w *watcher) scoutSpacing(n int) time.Duration {
	limit := w.c.gov.perMinute
	if limit <= 0 || n <= 0 {
		return w.c.cfg.PollMax
	}
	chain := time.Duration(n/limit) * minuteWindow
	full := (n - 1) / limit
	rest := n - full*limit
	read := time.Duration(full)*minuteWindow + time.Duration(max(0, rest-limit/2))*minuteWindow/time.Duration(limit)
	return max(w.c.cfg.PollMax, chain-read)
}

// release makes every held wait due at once that has been watched at least ranFor, when
// a read has found a waited-for action finished after that long.
func (w *watcher) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.ranForKnown {
		return
	}
	now := time.Now()
	for wt := range w.watches {
		if wt.held && !wt.done && now.Sub(wt.start) >= w.ranFor {
			wt.due, wt.held = now, false
		}
	}
}

// sleep waits d, or until a waiter comes or goes; forever (until then) when idle.
func (w *watcher) sleep(d time.Duration, idle bool) {
	if idle {
		<-w.wake
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.wake:
	}
}

// nextReadLocked is when the next read is due.
func (w *watcher) nextReadLocked() time.Time {
	var next time.Time
	once := false
	for wt := range w.watches {
		if !wt.done && (next.IsZero() || wt.due.Before(next)) {
			next = wt.due
		}
		once = once || (wt.once && !wt.done)
	}
	if w.noList.Load() || (len(w.watches) < 2 && !once) || next.IsZero() {
		return next
	}
	// Actions subscribed a few milliseconds apart (the actions of one bulk call, a round of
	// resources, a plan's data sources) fall due a few milliseconds apart: a batch waits a
	// moment for them all rather than reading again for each straggler. A read of an
	// action's present state waits so even alone: a plan's next ones may be on their way.
	next = next.Add(w.c.cfg.WatchHold / coalesceDivisor)
	if w.lastRead.IsZero() {
		return next
	}
	pages := max(w.pages, 1)
	hold := time.Duration(pages) * w.c.cfg.WatchHold
	if w.c.gov.Pressed() {
		// A budget close to spent: batches come no oftener than every WatchFill per page.
		hold = time.Duration(pages) * w.c.cfg.WatchFill
	} else if pages == 1 && len(w.watches) > 1 {
		// One page answers for everything watched: read at least every WatchFill.
		if fill := w.lastRead.Add(w.c.cfg.WatchFill); fill.Before(next) {
			next = fill
		}
	}
	if earliest := w.lastRead.Add(hold); next.Before(earliest) {
		next = earliest
	}
	return next
}

// readList reads /v2/actions until every watched action was seen, and applies what it
// saw. It returns the due actions it did not see, to be read one by one.
func (w *watcher) readList(ctx context.Context, all, due []*watch, pages int) []*watch {
	byID := make(map[int64][]*watch, len(all))
	for _, wt := range all {
		byID[wt.id] = append(byID[wt.id], wt)
	}
	seen := make(map[int64]*Action, len(byID))
	var finished map[int64]Action
	budget := min(max(len(due)-1, pages, 1), maxListPages)
	for page := 1; page <= budget && len(seen) < len(byID); page++ {
		p, _, err := w.c.listActionsPage(ctx, accountActionsPath, page, MaxPerPage)
		w.listReads.Add(1)
		if err != nil {
			if e, ok := asAPIError(err); ok && e.StatusCode == http.StatusForbidden {
				w.mu.Lock()
				w.listErr = err
				w.mu.Unlock()
				w.noList.Store(true)
			}
			break
		}
		w.mu.Lock()
		w.pages = (p.Total + MaxPerPage - 1) / MaxPerPage
		w.mu.Unlock()
		if finished == nil {
			finished = make(map[int64]Action, len(p.Actions))
		}
		for i := range p.Actions {
			a := &p.Actions[i]
			if a.Status.Done() {
				finished[a.ID] = *a
			}
			if _, ok := byID[a.ID]; ok {
				seen[a.ID] = a
			}
		}
		if !p.HasNext || len(p.Actions) == 0 {
			break
		}
	}
	now := time.Now()
	var unseen []*watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if finished != nil {
		w.finished = finished
		// Reads of an action's present state asked while the pages were read are answered
		// by them when they show the action finished.
		for wt := range w.watches {
			if a, ok := finished[wt.id]; ok && wt.once && !wt.done {
				w.applyLocked(wt, &a, now, true, true)
			}
		}
	}
	multiPage := w.pages > 1
	dueSet := make(map[*watch]bool, len(due))
	for _, wt := range due {
		dueSet[wt] = true
	}
	for id, wts := range byID {
		a, ok := seen[id]
		for _, wt := range wts {
			switch {
			case ok:
				w.applyLocked(wt, a, now, dueSet[wt], !multiPage)
			case dueSet[wt]:
				unseen = append(unseen, wt)
			}
		}
	}
	return unseen
}

// readEach reads the given actions one by one, a few at a time; ramp false keeps their
// next reads on the PollMax grid.
//
// An action whose droplet is not known is read through /v2/actions/{id}, which needs the
// scope the list needs: once the list was refused, its refusal answers such a read
// without asking again.
func (w *watcher) readEach(ctx context.Context, due []*watch, ramp bool) {
	if len(due) == 0 {
		return
	}
	sem := make(chan struct{}, watchReadConcurrency)
	var wg sync.WaitGroup
	for _, wt := range due {
		if wt.dropletID <= 0 && w.noList.Load() {
			w.mu.Lock()
			wt.done = true
			deliver(wt, watchUpdate{err: fmt.Errorf("reading action %d without its droplet needs the actions:read scope: %w", wt.id, w.listErr)})
			w.mu.Unlock()
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			a, _, err := w.c.ReadAction(ctx, wt.dropletID, wt.id)
			w.oneReads.Add(1)
			w.mu.Lock()
			defer w.mu.Unlock()
			if err != nil {
				wt.done = true
				deliver(wt, watchUpdate{err: err})
				return
			}
			w.applyLocked(wt, a, time.Now(), true, ramp)
		})
	}
	wg.Wait()
}

// applyLocked delivers a status read to wt, and moves its schedule on when it was due.
// A read of the action's present state takes whatever status it finds.
func (w *watcher) applyLocked(wt *watch, a *Action, now time.Time, wasDue, ramp bool) {
	if _, watched := w.watches[wt]; !watched || wt.done {
		return
	}
	cp := *a
	if cp.Status.Done() || wt.once {
		wt.done = true
		if cp.Status.Done() && !wt.once && wasDue && (!w.ranForKnown || wt.ranFor < w.ranFor) {
			// A read of its own found it finished, after one that found it still running
			// (at ranFor, or none): waits watched that long may have finished too.
			w.ranFor, w.ranForKnown = wt.ranFor, true
		}
		deliver(wt, watchUpdate{a: &cp})
		return
	}
	if wasDue {
		wt.reads++
		wt.held = false
		wt.lastRead = now
		wt.ranFor = now.Sub(wt.start)
		wt.due = now.Add(w.c.pollDelay(wt.reads, wt.ranFor, ramp))
		deliver(wt, watchUpdate{a: &cp})
	}
}

// mergeValues is ctx, which the watcher cancels, carrying the values (the logger) of vals.
func mergeValues(ctx, vals context.Context) context.Context {
	if vals == nil {
		return ctx
	}
	return valuesCtx{Context: ctx, vals: vals}
}

type valuesCtx struct {
	context.Context
	vals context.Context
}

func (v valuesCtx) Value(key any) any { return v.vals.Value(key) }
