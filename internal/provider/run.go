package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// This file is the one path that runs droplet actions. gradient_droplet_action,
// gradient_droplet_bulk_action, gradient_droplet_power and the gradient_droplet_action
// Terraform action (for one droplet or for a tag) all call run and differ only in what
// they do with its hooks and its outcome: the resources write state, the action sends
// progress. Whatever went wrong, runOutcome.diagnostics (diagnostics.go) is the one place
// that says so.

// maxConcurrentBulkWaits is how many actions of one bulk action are watched at once: all
// of them (0). The client's watcher reads them together, a page of up to 200 actions per
// request, and falls back to reading them one by one, a few at a time, only where that is
// cheaper or the token may not list actions.
const maxConcurrentBulkWaits = 0

// runSpec says what to run. Exactly one of DropletID and Tag is set.
type runSpec struct {
	DropletID int64
	Tag       string
	Request   client.ActionRequest
	// NoWait returns once the action is initiated.
	NoWait bool
	// PowerOffAfter, for a shutdown of one droplet, is how long a droplet still on after
	// the completed shutdown is given before a power_off is sent; zero means no fallback.
	PowerOffAfter time.Duration
	// SkipDone reads the droplets first, under their locks, and sends nothing to those
	// already where a power action would leave them (the table's Reaches column). With it,
	// a droplet still being created is waited for, and an archived one is an error.
	SkipDone bool
	// ForceOff, for a shutdown with PowerOffAfter, means the goal is the droplet off rather
	// than the shutdown itself: a shutdown that DigitalOcean reports errored is followed by
	// a power_off at once instead of failing the run.
	ForceOff bool
	// Expect, for a tag, is the droplets the plan showed carrying it (sorted): when the tag
	// holds others at the start of the run, nothing is sent (a *targetsChangedError). nil
	// when the plan did not know them: then the run acts on whatever the tag holds.
	Expect []int64
	// Entry is the kind of caller, which changes what a failure's diagnostics advise.
	Entry entryKind
}

// entryKind says which kind of caller ran an action: what it keeps of it decides what a
// failure's diagnostics advise.
type entryKind int

const (
	// entryActionResource keeps the action IDs in a resource's state, tainted on failure.
	entryActionResource entryKind = iota
	// entryInvoke is the Terraform action: nothing is kept.
	entryInvoke
	// entryPower keeps a power state, read again at every apply.
	entryPower
)

// runHooks are called, when set, as the run goes; never concurrently with each other
// except Read, which bulk waits call from several goroutines.
type runHooks struct {
	// Initiated sees the actions started, sorted by droplet, before any wait.
	Initiated func(acts []client.Action)
	// Read sees each status read while waiting.
	Read func(*client.Action)
	// PowerOffInitiated sees the fallback's power_off as soon as it exists.
	PowerOffInitiated func(*client.Action)
	// Skipped sees each droplet that needed nothing (SkipDone), as read.
	Skipped func(client.Droplet)
}

// runStage is where a run stopped.
type runStage int

const (
	stageDone     runStage = iota
	stageStart             // reading, listing or locking the droplets: nothing was sent
	stageInitiate          // the initiate call failed
	stageWait              // at least one wait did not see its action complete
	stageFallback          // the shutdown's power-off fallback failed
)

// runOutcome is what a run did. Actions, WaitErrs and Snapshots are parallel.
type runOutcome struct {
	spec runSpec
	// Failed is the stage that failed, or stageDone; Err is its error (the wait stage
	// keeps one error per action in WaitErrs instead).
	Failed runStage
	Err    error
	// Actions are the actions started, sorted by droplet then ID, as last read.
	Actions  []client.Action
	WaitErrs []error
	// PowerOff is the fallback's power_off, when one was sent.
	PowerOff *client.Action
	// Droplets are the droplets as read before initiating (SkipDone only), and Skipped
	// those of them that needed nothing.
	Droplets []client.Droplet
	Skipped  []client.Droplet
	// Snapshots, for snapshot actions, hold the image each completed one made (an empty
	// ID when it cannot be told apart, with the reason); parallel to Actions.
	Snapshots []snapshotResult
	// ShutdownErr is the errored shutdown that ForceOff followed with a power_off.
	ShutdownErr error
}

func (o *runOutcome) ok() bool { return o.Failed == stageDone }

func (o *runOutcome) fail(stage runStage, err error) *runOutcome {
	o.Failed, o.Err = stage, err
	return o
}

// errArchived is a droplet in DigitalOcean's "archive" status: it cannot be powered.
type errArchived struct{ DropletID int64 }

func (e *errArchived) Error() string {
	return fmt.Sprintf("droplet %d has the status \"archive\": DigitalOcean has archived it, and it runs no action until it is restored from the archive", e.DropletID)
}

// errNoTaggedDroplets is a tag no droplet carries: the by-tag call would start nothing,
// so it is not sent.
var errNoTaggedDroplets = errors.New("no droplet carries the tag")

// errNoActionsStarted is the by-tag call answering with no action at all.
var errNoActionsStarted = errors.New("DigitalOcean started no action")

// targetsChangedError is a tag whose droplets are not those the plan showed: Added carry
// it and were not in the plan, Removed were in the plan and no longer carry it.
type targetsChangedError struct {
	Tag            string
	Added, Removed []int64
}

func (e *targetsChangedError) Error() string {
	return fmt.Sprintf("the droplets carrying the tag %q changed since the plan: %d added, %d removed", e.Tag, len(e.Added), len(e.Removed))
}

// targetsChanged compares the droplets a tag holds, now, with those planned, want (both
// sorted): nil when they are the same.
func targetsChanged(tag string, want, now []int64) *targetsChangedError {
	e := &targetsChangedError{Tag: tag}
	for _, id := range now {
		if _, found := slices.BinarySearch(want, id); !found {
			e.Added = append(e.Added, id)
		}
	}
	for _, id := range want {
		if _, found := slices.BinarySearch(now, id); !found {
			e.Removed = append(e.Removed, id)
		}
	}
	if len(e.Added)+len(e.Removed) == 0 {
		return nil
	}
	return e
}

// actionDroplets returns the droplets acts were started on, sorted, each once.
func actionDroplets(acts []client.Action) []int64 {
	ids := make([]int64, len(acts))
	for i, a := range acts {
		ids[i] = a.ResourceID
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// run runs spec through c: it holds the droplets in this provider process (so the action
// queues behind every other action the process runs on them, and they behind it), sends
// nothing where nothing is needed (SkipDone), initiates, reports the IDs, waits, looks up
// the images snapshots made, and runs the shutdown's power-off fallback.
func run(ctx context.Context, c *client.Client, spec runSpec, hooks runHooks) *runOutcome {
	o := &runOutcome{spec: spec}
	held, unlock, err := o.hold(ctx, c)
	if err != nil {
		return o.fail(stageStart, err)
	}
	defer unlock()

	var acts []client.Action
	var stage runStage
	if spec.Tag != "" {
		acts, stage, err = o.startTag(ctx, c, held, hooks)
	} else {
		acts, stage, err = o.startDroplet(ctx, c, hooks)
	}
	slices.SortFunc(acts, func(a, b client.Action) int {
		return cmp.Or(cmp.Compare(a.ResourceID, b.ResourceID), cmp.Compare(a.ID, b.ID))
	})
	o.Actions = acts
	if len(acts) > 0 {
		tflog.Info(ctx, "droplet action initiated", map[string]any{"type": spec.Request.Type, "actions": bulkActionID(acts), "droplet_id": spec.DropletID, "tag": spec.Tag})
		if hooks.Initiated != nil {
			hooks.Initiated(slices.Clone(acts))
		}
	}
	switch {
	case err != nil:
		return o.fail(stage, err)
	case len(acts) == 0 || spec.NoWait:
		return o
	}

	o.WaitErrs = c.WaitForActions(ctx, o.Actions, maxConcurrentBulkWaits, hooks.Read)
	grace := spec.PowerOffAfter
	if spec.Tag == "" && spec.ForceOff && spec.Request.Type == client.ActionShutdown && errors.As(o.WaitErrs[0], new(*client.ActionFailedError)) {
		// The shutdown failed, so the droplet is still on: power it off now.
		o.ShutdownErr, o.WaitErrs[0], grace = o.WaitErrs[0], nil, 0
		tflog.Info(ctx, "shutdown errored; powering off", map[string]any{"droplet_id": spec.DropletID, "action_id": o.Actions[0].ID})
	}
	o.findSnapshots(ctx, c)
	if slices.ContainsFunc(o.WaitErrs, func(err error) bool { return err != nil }) {
		o.Failed = stageWait
		return o
	}
	if spec.Tag != "" || spec.Request.Type != client.ActionShutdown || spec.PowerOffAfter <= 0 {
		return o
	}
	pa, err := c.EnsureOff(ctx, spec.DropletID, grace, hooks.PowerOffInitiated)
	o.PowerOff = pa
	if pa != nil {
		tflog.Info(ctx, "shutdown left the droplet on; powered it off", map[string]any{"droplet_id": spec.DropletID, "power_off_action_id": pa.ID})
	}
	if err != nil {
		return o.fail(stageFallback, err)
	}
	return o
}

// hold locks the droplet, or the droplets the tag holds now, and returns their IDs: a
// droplet tagged after this list is not held. A tag holding other droplets than
// spec.Expect is refused before anything is locked or sent.
func (o *runOutcome) hold(ctx context.Context, c *client.Client) ([]int64, func(), error) {
	if o.spec.Tag == "" {
		unlock, err := c.LockDroplet(ctx, o.spec.DropletID)
		return []int64{o.spec.DropletID}, unlock, err
	}
	ids, err := c.DropletIDsByTag(ctx, o.spec.Tag)
	if err != nil {
		return nil, nil, fmt.Errorf("listing the droplets tagged %q to queue behind their running actions: %w", o.spec.Tag, err)
	}
	if o.spec.Expect != nil {
		if changed := targetsChanged(o.spec.Tag, o.spec.Expect, ids); changed != nil {
			return nil, nil, changed
		}
	}
	if len(ids) == 0 {
		return nil, nil, errNoTaggedDroplets
	}
	unlock, err := c.LockDroplets(ctx, ids)
	return ids, unlock, err
}

// startDroplet decides (SkipDone) and initiates the action on one droplet.
func (o *runOutcome) startDroplet(ctx context.Context, c *client.Client, hooks runHooks) ([]client.Action, runStage, error) {
	if o.spec.SkipDone {
		d, err := readSettled(ctx, c, o.spec.DropletID)
		if err != nil {
			return nil, stageStart, err
		}
		if !o.needs(*d, hooks) {
			return nil, stageDone, nil
		}
	}
	act, err := o.initiateAfresh(ctx, c, o.spec.DropletID, hooks)
	if act == nil {
		return nil, stageInitiate, err // or read again after another action ended: it needs nothing now
	}
	return []client.Action{*act}, stageInitiate, err
}

// startTag decides (SkipDone) and initiates the action on the held droplets of the tag:
// with one by-tag call when every one of them needs it, else one by one.
func (o *runOutcome) startTag(ctx context.Context, c *client.Client, held []int64, hooks runHooks) ([]client.Action, runStage, error) {
	for busy := 0; ; busy++ {
		var todo []int64
		if o.spec.SkipDone {
			o.Droplets = nil
			var err error
			if todo, err = o.tagTodo(ctx, c, held, hooks); err != nil || len(todo) == 0 {
				return nil, stageStart, err
			}
		}
		if len(o.Skipped) > 0 {
			// The by-tag call acts on every droplet of the tag: start the rest one by one.
			acts, err := o.initiateEach(ctx, c, todo, hooks)
			return acts, stageInitiate, err
		}
		acts, _, err := c.InitiateByTag(ctx, o.spec.Tag, o.spec.Request)
		if err == nil && len(acts) == 0 {
			err = errNoActionsStarted
		}
		if !o.spec.SkipDone || !client.IsPendingEvent(err) || busy >= c.MaxPendingWaits() {
			return acts, stageInitiate, err
		}
		// A droplet of the tag was running another action, which may have brought it where
		// this one would: wait for what runs on them, then read the tag and decide afresh.
		ran, werr := c.AwaitIdle(ctx, held)
		if werr != nil {
			return nil, stageInitiate, fmt.Errorf("%w (while waiting for the droplets' running actions: %w)", err, werr)
		}
		tflog.Info(ctx, "droplets of the tag were running other actions; waited for them", map[string]any{"tag": o.spec.Tag, "type": o.spec.Request.Type, "waited_for": bulkActionID(ran)})
	}
}

// findSnapshots looks up the image each completed snapshot action made, one droplet's
// snapshot list per action; other types need nothing.
func (o *runOutcome) findSnapshots(ctx context.Context, c *client.Client) {
	if o.spec.Request.Type != client.ActionSnapshot {
		return
	}
	o.Snapshots = make([]snapshotResult, len(o.Actions))
	for i := range o.Actions {
		o.Snapshots[i] = snapshotOf(ctx, c, &o.Actions[i], o.spec.Request.Name)
	}
}

// tagTodo reads the held droplets of the tag again, now that actions queued before this
// one have finished, waits for those DigitalOcean is still creating, and returns the IDs
// of those that need the action; the others are skipped. A droplet tagged since the tag
// was first listed is not held, so it is left alone; an archived one is an error.
func (o *runOutcome) tagTodo(ctx context.Context, c *client.Client, held []int64, hooks runHooks) ([]int64, error) {
	t := o.spec.Request.Type
	ds, err := c.DropletsByTag(ctx, o.spec.Tag)
	if err != nil {
		return nil, fmt.Errorf("listing the droplets tagged %q to see which are already %s: %w", o.spec.Tag, reaches(t), err)
	}
	var todo []int64
	for _, d := range ds {
		if !slices.Contains(held, d.ID) {
			continue
		}
		s, err := settled(ctx, c, &d)
		if err != nil {
			return nil, err
		}
		if o.needs(*s, hooks) {
			todo = append(todo, d.ID)
		}
	}
	if len(o.Droplets) == 0 {
		return nil, errNoTaggedDroplets
	}
	return todo, nil
}

// initiateEach starts the request on each droplet in turn, each as initiateAfresh does,
// and stops at the first refusal, returning the actions started so far with it.
func (o *runOutcome) initiateEach(ctx context.Context, c *client.Client, ids []int64, hooks runHooks) ([]client.Action, error) {
	acts := make([]client.Action, 0, len(ids))
	for _, id := range ids {
		a, err := o.initiateAfresh(ctx, c, id, hooks)
		if err != nil {
			return acts, &dropletInitiateError{DropletID: id, Err: err}
		}
		if a != nil {
			acts = append(acts, *a)
		}
	}
	return acts, nil
}

// initiateAfresh starts the request on one droplet. When the droplet is running another
// action, the client waits for that action and says so (a *client.BusyError), sending
// nothing more. That action may have brought the droplet where this one would (an outside
// power_off, or this provider's own shutdown from an apply that was interrupted), so with
// SkipDone the droplet is read again and the decision taken afresh: when it now needs
// nothing, it is skipped and nil is returned. Without SkipDone the request is sent again.
func (o *runOutcome) initiateAfresh(ctx context.Context, c *client.Client, id int64, hooks runHooks) (*client.Action, error) {
	for busy := 0; ; busy++ {
		act, _, err := c.Initiate(ctx, id, o.spec.Request)
		var b *client.BusyError
		if !errors.As(err, &b) || busy >= c.MaxPendingWaits() {
			return act, err
		}
		fields := map[string]any{"droplet_id": id, "type": o.spec.Request.Type}
		if b.Ran != nil {
			fields["waited_for_action_id"], fields["waited_for_type"], fields["waited_for_status"] = b.Ran.ID, b.Ran.Type, b.Ran.Status
		}
		tflog.Info(ctx, "droplet was running another action; waited for it to end", fields)
		if !o.spec.SkipDone {
			continue
		}
		d, err := readSettled(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if !o.needs(*d, hooks) {
			return nil, nil
		}
	}
}

// needs records d as the latest read of its droplet and reports whether the action must
// still be sent to it: one already where the action leads is skipped.
func (o *runOutcome) needs(d client.Droplet, hooks runHooks) bool {
	o.setDroplet(d)
	if alreadyDone(o.spec.Request.Type, d.Status) {
		o.skip(d, hooks)
		return false
	}
	return true
}

// setDroplet records d as the latest read of its droplet.
func (o *runOutcome) setDroplet(d client.Droplet) {
	if i := slices.IndexFunc(o.Droplets, func(x client.Droplet) bool { return x.ID == d.ID }); i >= 0 {
		o.Droplets[i] = d
		return
	}
	o.Droplets = append(o.Droplets, d)
}

// dropletInitiateError is one droplet's initiate failing during a by-tag run that starts
// droplets one by one.
type dropletInitiateError struct {
	DropletID int64
	Err       error
}

func (e *dropletInitiateError) Error() string {
	return fmt.Sprintf("droplet %d: %v", e.DropletID, e.Err)
}
func (e *dropletInitiateError) Unwrap() error { return e.Err }

func (o *runOutcome) skip(d client.Droplet, hooks runHooks) {
	o.Skipped = append(o.Skipped, d)
	if hooks.Skipped != nil {
		hooks.Skipped(d)
	}
}

// readSettled reads a droplet, waiting while DigitalOcean still creates it, and refuses
// an archived one.
func readSettled(ctx context.Context, c *client.Client, id int64) (*client.Droplet, error) {
	d, err := c.WaitWhileNew(ctx, id)
	if err != nil {
		return nil, err
	}
	return settled(ctx, c, d)
}

// settled is a droplet as read, once DigitalOcean has finished creating it (it is waited
// for while "new"); an archived droplet is an error. It is the one place that says so.
func settled(ctx context.Context, c *client.Client, d *client.Droplet) (*client.Droplet, error) {
	if d.Status == client.DropletNew {
		var err error
		if d, err = c.WaitWhileNew(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	if d.Status == client.DropletArchive {
		return nil, &errArchived{DropletID: d.ID}
	}
	return d, nil
}

// alreadyDone reports whether a droplet with status needs no action of type t.
func alreadyDone(t client.ActionType, status string) bool {
	info, ok := client.LookupActionType(t)
	return ok && info.AlreadyDone(status)
}

// reaches names the power state an action of type t leaves, for messages.
func reaches(t client.ActionType) string {
	info, _ := client.LookupActionType(t)
	return info.Reaches
}
