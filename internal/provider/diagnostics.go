package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// actionRef names an action in diagnostics; zero fields are left out.
type actionRef struct {
	ActionID  int64
	Type      string
	DropletID int64
	Tag       string
	// Entry is who ran the action, for hints on what is kept of it.
	Entry entryKind
}

// errorDetail explains err for a diagnostic: what was being done, what the API said, and
// what to do next.
func errorDetail(ref actionRef, err error) string {
	var lines []string
	if ref.ActionID != 0 {
		lines = append(lines, fmt.Sprintf("Action ID:  %d", ref.ActionID))
	}
	if ref.Type != "" {
		lines = append(lines, "Type:       "+ref.Type)
	}
	if ref.DropletID != 0 {
		lines = append(lines, fmt.Sprintf("Droplet ID: %d", ref.DropletID))
	}
	if ref.Tag != "" {
		lines = append(lines, "Tag:        "+ref.Tag)
	}
	var failed *client.ActionFailedError
	if errors.As(err, &failed) {
		lines = append(lines, "Status:     "+string(failed.Action.Status))
	}
	var waitErr *client.WaitError
	if errors.As(err, &waitErr) && waitErr.Last != nil {
		lines = append(lines, "Status:     "+string(waitErr.Last.Status)+" (last read)")
	}
	if id := client.RequestID(err); id != "" {
		lines = append(lines, "Request ID: "+id)
	}
	lines = append(lines, "", err.Error())
	if hint := errorHint(ref, err); hint != "" {
		lines = append(lines, "", hint)
	}
	return strings.Join(lines, "\n")
}

// fallbackSummary is the summary of a power_off_after fallback that went wrong.
func fallbackSummary(err error) string {
	if errors.As(err, new(*client.OffCheckError)) {
		return "Power-off fallback did not run"
	}
	return "Power-off fallback failed"
}

// initiateFailureSummary is the summary of a failed initiate: nothing started, or, when
// DigitalOcean may have acted and its history could not tell, perhaps something did.
func initiateFailureSummary(err error) string {
	if errors.As(err, new(*client.UncertainInitiateError)) {
		return "Droplet action may have started"
	}
	return "Droplet action not started"
}

func errorHint(ref actionRef, err error) string {
	switch {
	case errors.Is(err, client.ErrNoToken):
		return ""
	case errors.As(err, new(*client.UncertainInitiateError)):
		return "Whether DigitalOcean started the action is unknown, so nothing is recorded in the state. Look at the droplet's recent actions (the gradient_droplet_actions data source, or `doctl compute droplet-action list`) before running again: if the action is there, `terraform import` it instead of starting it a second time."
	case client.IsUnauthorized(err):
		return "The API token was refused: check access_token, DIGITALOCEAN_ACCESS_TOKEN or DIGITALOCEAN_TOKEN, and that the token has not expired or been revoked."
	case client.IsForbidden(err):
		scope := "droplet:update"
		if info, ok := client.LookupActionType(client.ActionType(ref.Type)); ok && info.Scope != "" {
			scope = "droplet:update and " + info.Scope
		}
		return fmt.Sprintf("The token lacks a scope this call needs. Action type %q needs %s; waiting for an action needs droplet:read.", ref.Type, scope)
	case client.IsRateLimited(err):
		spent := "The token's API rate limit (250 requests a minute, 5,000 an hour, shared by every tool using the token) is spent."
		if ref.ActionID != 0 && errors.As(err, new(*client.WaitError)) {
			// The action was started: simply running again would start a second one.
			return spent + " " + goesOnHint(ref) + " Do so once the limit frees up."
		}
		return spent + " Run again once it frees up."
	case client.IsPendingEvent(err):
		return "The droplet kept another action in progress longer than the provider waited for it. Order actions on one droplet with depends_on."
	case errors.As(err, new(*client.OffCheckError)):
		unknown := "No power_off was initiated: the shutdown completed, but whether the droplet turned off is unknown; check the droplet's status."
		switch ref.Entry {
		case entryPower:
			return unknown + " The next apply reads the droplet again and acts only if it is still on."
		case entryInvoke:
			return unknown
		}
		return unknown + " A gradient_droplet_action resource is marked tainted, so its next apply runs the shutdown and the fallback again; if the droplet is off by now, run `terraform untaint` on it instead."
	case client.IsUnprocessable(err):
		return "DigitalOcean refused the request as invalid and did not act on it: correct what its message names (an argument, or the droplet's state), then run again."
	case client.IsNotFound(err) && ref.DropletID != 0 && ref.ActionID == 0:
		return fmt.Sprintf("DigitalOcean has no droplet %d visible to this token: check droplet_id, and that the token belongs to the team that owns the droplet.", ref.DropletID)
	case errors.As(err, new(*client.ActionFailedError)):
		failed := "DigitalOcean ran the action and reports that it failed; the provider does not retry it. Check the droplet (its state, and its recent actions and events in the control panel) before running the action again"
		switch ref.Entry {
		case entryPower:
			return failed + ": the next apply reads the droplet again and acts if it is still not in its state."
		case entryInvoke:
			return failed + "."
		}
		return failed + ": a resource holding the failed action is tainted, so its next apply runs the action again."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if ref.ActionID != 0 {
			return goesOnHint(ref) + " Raise timeouts to wait longer."
		}
		return "The action may not have been initiated; check the droplet's recent actions before running again."
	}
	return ""
}

// goesOnHint says what to do about an action that was started but not waited out.
func goesOnHint(ref actionRef) string {
	switch ref.Entry {
	case entryInvoke:
		return fmt.Sprintf("The action (ID %d) goes on at DigitalOcean: the provider only stopped waiting for it. Read its final status with the gradient_droplet_action data source before invoking again.", ref.ActionID)
	case entryPower:
		return fmt.Sprintf("The action (ID %d) goes on at DigitalOcean: the provider only stopped waiting for it. The next apply reads the droplet again and sends nothing if the action brought it to its state.", ref.ActionID)
	}
	actionID := ref.ActionID
	return fmt.Sprintf("The action goes on at DigitalOcean: the provider only stopped waiting for it. Its ID (%d) is in the state and Terraform marks the resource tainted, so the next apply would start a new action. To adopt the running one instead, run `terraform untaint` on the resource: the next refresh reads its final status.", actionID)
}

// diagnostics turns a run's outcome into diagnostics: nothing when it succeeded, else one
// error that names what was started, on which droplets, and what to do next. It is the
// only place that does, whichever entry point ran the action.
func (o *runOutcome) diagnostics() diag.Diagnostics {
	var diags diag.Diagnostics
	for i, m := range o.Snapshots {
		snapshotWarning(&o.Actions[i], m, &diags)
	}
	if o.ShutdownErr != nil && len(o.Actions) > 0 {
		a := o.Actions[0]
		diags.AddWarning("Shutdown failed, droplet powered off",
			fmt.Sprintf("Action ID:  %d\nType:       shutdown\nDroplet ID: %d\n\nDigitalOcean reports that the graceful shutdown failed (%v), so the droplet was powered off with power_off instead, as it must be off.", a.ID, a.ResourceID, o.ShutdownErr))
	}
	if o.spec.Expect != nil && len(o.Actions) > 0 {
		if changed := targetsChanged(o.spec.Tag, o.spec.Expect, actionDroplets(o.Actions)); changed != nil {
			diags.AddAttributeError(path.Root("tag_name"), "Droplet bulk action reached other droplets than planned", reachedOthersDetail(string(o.spec.Request.Type), changed))
		}
	}
	if o.ok() {
		return diags
	}
	if o.spec.Tag != "" {
		o.tagDiagnostics(&diags)
		return diags
	}
	ref := actionRef{Type: string(o.spec.Request.Type), DropletID: o.spec.DropletID, Entry: o.spec.Entry}
	if len(o.Actions) > 0 {
		ref.ActionID = o.Actions[0].ID
	}
	switch o.Failed {
	case stageStart:
		if errors.As(o.Err, new(*errArchived)) {
			diags.AddAttributeError(path.Root("droplet_id"), "Droplet is archived", o.Err.Error()+".")
			return diags
		}
		if client.IsNotFound(o.Err) {
			// Only the droplet was read: no action was asked for.
			diags.AddAttributeError(path.Root("droplet_id"), "Droplet not found",
				fmt.Sprintf("Reading droplet %d before acting on it found no such droplet, so no %s was sent.\n\n%s", o.spec.DropletID, ref.Type, errorDetail(ref, o.Err)))
			return diags
		}
		diags.AddError("Droplet action not started", errorDetail(ref, o.Err))
	case stageInitiate:
		diags.AddError(initiateFailureSummary(o.Err), errorDetail(ref, o.Err))
	case stageWait:
		diags.AddError(waitFailureSummary(o.WaitErrs[0]), errorDetail(ref, o.WaitErrs[0]))
	case stageFallback:
		diags.AddError(fallbackSummary(o.Err), errorDetail(fallbackRef(ref, o.PowerOff, o.Err), o.Err))
	}
	return diags
}

func (o *runOutcome) tagDiagnostics(diags *diag.Diagnostics) {
	tag, typ := o.spec.Tag, string(o.spec.Request.Type)
	var changed *targetsChangedError
	switch {
	case errors.Is(o.Err, errNoTaggedDroplets):
		diags.AddAttributeError(path.Root("tag_name"), "Droplet bulk action not started", noTaggedDropletsDetail(tag, typ))
	case errors.As(o.Err, &changed):
		diags.AddAttributeError(path.Root("tag_name"), "Droplets of the tag changed since the plan", targetsChangedDetail(typ, changed))
	case errors.Is(o.Err, errNoActionsStarted):
		diags.AddAttributeError(path.Root("tag_name"), "DigitalOcean started no action",
			fmt.Sprintf("Tag:  %s\nType: %s\n\nThe droplets carrying the tag were listed, but DigitalOcean answered the by-tag call with no action: nothing was started. Check whether the tag's droplets changed meanwhile, then run again.", tag, typ))
	case o.Failed == stageInitiate && len(o.Actions) > 0:
		diags.AddError("Droplet bulk action started on only some droplets", partialInitiateDetail(tag, typ, o.Actions, o.Err))
	case errors.As(o.Err, new(*errArchived)):
		diags.AddAttributeError(path.Root("tag_name"), "Droplet is archived", o.Err.Error()+": nothing was started.")
	case o.Failed == stageStart, o.Failed == stageInitiate:
		diags.AddError("Droplet bulk action not started", bulkInitiateDetail(tag, typ, o.Err))
	case o.Failed == stageWait:
		summary, detail := bulkOutcome(tag, typ, o.Actions, o.WaitErrs, o.spec.Entry != entryInvoke)
		diags.AddError(summary, detail)
	}
}

// noTaggedDropletsDetail says that nothing was sent for a tag no droplet carries.
func noTaggedDropletsDetail(tag, typ string) string {
	return fmt.Sprintf("Tag:  %s\nType: %s\n\nNo droplet carries the tag %q, or the tag does not exist (the provider lists the tag's droplets first): nothing was started, and no request to start an action was sent.", tag, typ, tag)
}

// targetsChangedDetail says that nothing was sent because the tag's droplets are not
// those the plan showed, which ones differ, and to plan again.
func targetsChangedDetail(typ string, e *targetsChangedError) string {
	return fmt.Sprintf("Tag:  %s\nType: %s\n\nThe droplets carrying the tag are not those the plan showed in droplet_ids, so nothing was started: no request to start an action was sent.\n%s\nRun terraform plan again to review the droplets the action would now reach, then apply that plan.",
		e.Tag, typ, targetsChangedLines(e))
}

// reachedOthersDetail explains a bulk action that DigitalOcean started on other droplets
// than the plan showed: the tag changed after the provider checked it, before the call.
func reachedOthersDetail(typ string, e *targetsChangedError) string {
	return fmt.Sprintf("Tag:  %s\nType: %s\n\nThe droplets carrying the tag matched the plan when the provider checked them, but changed before DigitalOcean acted on the tag, and it started the action on the droplets carrying it then.\n%s\n"+
		"Every action ID is in the state, droplet_ids holds the droplets the action reached, and Terraform marks the resource tainted, so the next apply runs the action again on every droplet carrying the tag. To keep these actions instead, run `terraform untaint` on the resource.",
		e.Tag, typ, targetsChangedLines(e))
}

// targetsChangedLines lists the droplets added to and removed from a tag since the plan.
func targetsChangedLines(e *targetsChangedError) string {
	var b strings.Builder
	group := func(title string, ids []int64) {
		if len(ids) == 0 {
			return
		}
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = fmt.Sprintf("  droplet %d", id)
		}
		fmt.Fprintf(&b, "\n%s (%d):\n%s\n", title, len(ids), strings.Join(s, "\n"))
	}
	group("Added to the tag since the plan", e.Added)
	group("Removed from the tag since the plan", e.Removed)
	return b.String()
}

// bulkInitiateDetail explains why the by-tag call failed. The call is all or nothing, so
// in every case no action was started.
func bulkInitiateDetail(tag, typ string, err error) string {
	switch {
	case client.IsNotFound(err):
		return fmt.Sprintf("Tag:  %s\nType: %s\n\n%s\n\nNo droplet carries the tag %q, or the tag does not exist: nothing was started.", tag, typ, err, tag)
	case client.IsUnprocessable(err) && reaches(client.ActionType(typ)) != "":
		return fmt.Sprintf("Tag:  %s\nType: %s\n\n%s\n\nDigitalOcean refuses the whole by-tag call when a droplet of the tag is already %s: nothing was started. "+
			"To act only on the droplets that need it, use gradient_droplet_power with for_each over the droplets, or the gradient_droplet_action Terraform action with tag_name: both send nothing to a droplet already in the state.",
			tag, typ, err, reaches(client.ActionType(typ)))
	case client.IsPendingEvent(err):
		return fmt.Sprintf("Tag:  %s\nType: %s\n\n%s\n\nAt least one droplet carrying the tag has an action in progress, and DigitalOcean starts a bulk action only when none has: nothing was started. "+
			"Another tool, or a droplet tagged while this apply ran, may have started one. Run again once it has finished.", tag, typ, err)
	}
	return errorDetail(actionRef{Type: typ, Tag: tag}, err)
}

// partialInitiateDetail explains a by-tag run that started droplets one by one (some were
// already in the requested state) and was refused partway.
func partialInitiateDetail(tag, typ string, started []client.Action, err error) string {
	lines := make([]string, len(started))
	for i, a := range started {
		lines[i] = fmt.Sprintf("  action %d on droplet %d", a.ID, a.ResourceID)
	}
	var one *dropletInitiateError
	ref := actionRef{Type: typ, Tag: tag}
	if errors.As(err, &one) {
		ref.DropletID = one.DropletID
		err = one.Err
	}
	return fmt.Sprintf("Started (%d), not waited for; they go on at DigitalOcean:\n%s\n\nThen refused:\n%s",
		len(started), strings.Join(lines, "\n"), errorDetail(ref, err))
}

func waitFailureSummary(err error) string {
	var failed *client.ActionFailedError
	switch {
	case errors.As(err, &failed):
		return "Droplet action failed"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timed out waiting for droplet action"
	case errors.Is(err, context.Canceled):
		return "Stopped waiting for droplet action"
	}
	return "Could not read droplet action status"
}

// bulkOutcome sorts the actions by how their waits ended and builds one diagnostic that
// names every action and droplet by outcome. keepsIDs says the IDs are in a resource's
// state, which is then tainted.
func bulkOutcome(tag, typ string, acts []client.Action, errs []error, keepsIDs bool) (summary, detail string) {
	var completed, errored, running, unread []string
	var stopped error
	for i := range acts {
		a, err := &acts[i], errs[i]
		line := fmt.Sprintf("  action %d on droplet %d", a.ID, a.ResourceID)
		var fail *client.ActionFailedError
		switch {
		case err == nil:
			completed = append(completed, line)
		case errors.As(err, &fail):
			errored = append(errored, line)
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			running = append(running, line)
			stopped = cmp.Or(stopped, err)
		default:
			unread = append(unread, line+": "+err.Error())
		}
	}

	switch {
	case len(errored) > 0:
		summary = "Droplet bulk action failed"
	case errors.Is(stopped, context.DeadlineExceeded):
		summary = "Timed out waiting for droplet bulk action"
	case stopped != nil:
		summary = "Stopped waiting for droplet bulk action"
	default:
		summary = "Could not read droplet action status"
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Tag:  %s\nType: %s\n", tag, typ)
	group := func(title string, lines []string) {
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n%s (%d of %d):\n%s\n", title, len(lines), len(acts), strings.Join(lines, "\n"))
		}
	}
	group("Errored", errored)
	group("Still in progress when the provider stopped waiting", running)
	group("Status unknown, reading it failed", unread)
	group("Completed", completed)
	b.WriteString("\n")

	if keepsIDs {
		b.WriteString("Every action ID is in the state and Terraform marks the resource tainted, so the next apply runs the action again on every droplet carrying the tag")
		if len(completed) > 0 {
			b.WriteString(", including those where it completed")
		}
		b.WriteString(". ")
	}
	if len(errored) > 0 {
		b.WriteString("To retry only the droplets where it errored, run gradient_droplet_action on them instead. ")
	}
	if len(running)+len(unread) > 0 {
		b.WriteString("The actions not known to have finished go on at DigitalOcean: the provider only stopped waiting for them. ")
		if keepsIDs {
			b.WriteString("To adopt them instead of starting new ones, run `terraform untaint` on the resource: the next refresh reads their final status. ")
		}
	}
	if errors.Is(stopped, context.DeadlineExceeded) {
		block := "invoke"
		if keepsIDs {
			block = "create"
		}
		b.WriteString("Raise timeouts." + block + " to wait longer.")
	}
	return summary, strings.TrimSpace(b.String())
}

// addListError reports that a droplet's actions could not be listed.
func addListError(diags *diag.Diagnostics, dropletID int64, err error) {
	diags.AddError("Could not list droplet actions", errorDetail(actionRef{DropletID: dropletID}, err))
}

// timeoutOf reads an entry point's timeout from its timeouts block: the block value's
// Create, Update or Invoke method.
type timeoutOf = func(ctx context.Context, defaultTimeout time.Duration) (time.Duration, diag.Diagnostics)

// runEntry is how every entry point runs an action: within the timeout its block gives
// (defaultCreateTimeout unless set), through run, with what went wrong appended to diags;
// then keep, when set, writes what the entry keeps of the outcome, and may look at diags
// to tell a failure. It returns nil, having run nothing, when the timeout cannot be read.
func runEntry(ctx context.Context, c *client.Client, timeout timeoutOf, spec runSpec, hooks runHooks, diags *diag.Diagnostics, keep func(*runOutcome)) *runOutcome {
	d, td := timeout(ctx, defaultCreateTimeout)
	diags.Append(td...)
	if diags.HasError() {
		return nil
	}
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	o := run(runCtx, c, spec, hooks)
	diags.Append(o.diagnostics()...)
	if keep != nil {
		keep(o)
	}
	return o
}

// fallbackRef names the action a fallback diagnostic is about: the completed shutdown when
// no power_off was sent, else the power_off (with its ID once it exists).
func fallbackRef(shutdown actionRef, fallbackAction *client.Action, err error) actionRef {
	if errors.As(err, new(*client.OffCheckError)) {
		return shutdown
	}
	ref := actionRef{Type: string(client.ActionPowerOff), DropletID: shutdown.DropletID}
	if fallbackAction != nil {
		ref.ActionID = fallbackAction.ID
	}
	return ref
}
