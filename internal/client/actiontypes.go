package client

import "slices"

// ActionType names a droplet action as the API spells it.
type ActionType string

const (
	ActionEnableBackups      ActionType = "enable_backups"
	ActionDisableBackups     ActionType = "disable_backups"
	ActionChangeBackupPolicy ActionType = "change_backup_policy"
	ActionReboot             ActionType = "reboot"
	ActionPowerCycle         ActionType = "power_cycle"
	ActionShutdown           ActionType = "shutdown"
	ActionPowerOff           ActionType = "power_off"
	ActionPowerOn            ActionType = "power_on"
	ActionRestore            ActionType = "restore"
	ActionPasswordReset      ActionType = "password_reset"
	ActionResize             ActionType = "resize"
	ActionRebuild            ActionType = "rebuild"
	ActionRename             ActionType = "rename"
	ActionChangeKernel       ActionType = "change_kernel"
	ActionEnableIPv6         ActionType = "enable_ipv6"
	ActionSnapshot           ActionType = "snapshot"
)

// Param names a type parameter of an action request, as serialized in the request body.
type Param string

const (
	ParamImage        Param = "image"
	ParamSize         Param = "size"
	ParamDisk         Param = "disk"
	ParamName         Param = "name"
	ParamKernel       Param = "kernel"
	ParamBackupPolicy Param = "backup_policy"
)

// AllParams lists every type parameter in a stable order.
var AllParams = []Param{ParamImage, ParamSize, ParamDisk, ParamName, ParamKernel, ParamBackupPolicy}

// ParamSpec says how one action type takes one parameter.
type ParamSpec struct {
	Name     Param
	Required bool
	// Doc describes the parameter for this action type.
	Doc string
	// ByTag is true when the by-tag endpoint takes the parameter too; it takes the bare
	// action otherwise.
	ByTag bool
	// check, when set, is the type's own rule for the parameter's value, which
	// ValidateValues applies besides the rules every type's value meets.
	check func(r *ActionRequest) error
}

// ActionTypeInfo is one row of the action-type table. Schemas, validation, documentation
// and the fake API are all derived from these rows: adding an action type is adding a row.
type ActionTypeInfo struct {
	Type ActionType
	// Summary is one sentence on what the action does.
	Summary string
	Params  []ParamSpec
	// Scope is the token scope the type needs beyond droplet:update, if any.
	Scope string
	// Bulk is true when the type may be initiated for every droplet carrying a tag.
	Bulk bool
	// Warning, when set, says what cannot be undone; it is shown at plan time.
	Warning string
	// Reaches, for the types whose whole effect is a power state, is the droplet status
	// the action leaves ("active" or "off"). A droplet already in that status needs no
	// such action, so callers that may skip it send nothing.
	Reaches string
	// Matches, when set, reports whether a droplet already is what an action of this type,
	// sent with r, would make it: a rollout with skip_matching leaves such a droplet alone.
	// Nil means the type never matches (its effect cannot be read from the droplet).
	Matches func(d *Droplet, r *ActionRequest) bool
}

// AlreadyMatches reports whether d already is what this type, sent with r, would make
// it; false for a type without a Matches rule.
func (i ActionTypeInfo) AlreadyMatches(d *Droplet, r *ActionRequest) bool {
	return i.Matches != nil && i.Matches(d, r)
}

// matchesReaches is the Matches rule of the power types: the droplet is in the status
// the action leaves.
func matchesReaches(reaches string) func(*Droplet, *ActionRequest) bool {
	return func(d *Droplet, _ *ActionRequest) bool { return d.Status == reaches }
}

// matchesSize is resize's Matches rule: the droplet already has the size. A disk resize
// cannot be read from the droplet's size alone, so it never matches.
func matchesSize(d *Droplet, r *ActionRequest) bool {
	return d.SizeSlug == r.Size && (r.Disk == nil || !*r.Disk)
}

// AlreadyDone reports whether a droplet with the given status already is where an action
// of this type would leave it.
func (i ActionTypeInfo) AlreadyDone(status string) bool {
	return i.Reaches != "" && i.Reaches == status
}

// TakesByTag reports whether the type, initiated by tag, takes p.
func (i ActionTypeInfo) TakesByTag(p Param) bool {
	s, ok := i.Param(p)
	return ok && s.ByTag
}

// Param returns the type's spec for p, and whether the type takes p at all.
func (i ActionTypeInfo) Param(p Param) (ParamSpec, bool) {
	for _, s := range i.Params {
		if s.Name == p {
			return s, true
		}
	}
	return ParamSpec{}, false
}

var actionTypes = []ActionTypeInfo{
	{
		Type: ActionEnableBackups, Bulk: true,
		Summary: "Enables backups for the droplet, optionally with a backup policy (the API's default plan is daily).",
		Params:  []ParamSpec{{Name: ParamBackupPolicy, Doc: "Backup policy to apply; the API defaults to a daily plan."}},
	},
	{
		Type: ActionDisableBackups, Bulk: true,
		Summary: "Disables backups for the droplet.",
	},
	{
		Type:    ActionChangeBackupPolicy,
		Summary: "Changes the backup policy of a droplet that has backups enabled.",
		Params:  []ParamSpec{{Name: ParamBackupPolicy, Required: true, Doc: "The new backup policy."}},
	},
	{
		Type:    ActionReboot,
		Summary: "Reboots the droplet gracefully, like `reboot` in a console.",
	},
	{
		Type: ActionPowerCycle, Bulk: true,
		Summary: "Power-cycles the droplet, like pressing a reset button.",
	},
	{
		Type: ActionShutdown, Bulk: true, Reaches: DropletOff, Matches: matchesReaches(DropletOff),
		Summary: "Shuts the droplet down gracefully. The API only guarantees that the command is issued, not that the droplet turns off.",
	},
	{
		Type: ActionPowerOff, Bulk: true, Reaches: DropletOff, Matches: matchesReaches(DropletOff),
		Summary: "Powers the droplet off hard, like pulling the plug. Use it when a shutdown does not work.",
	},
	{
		Type: ActionPowerOn, Bulk: true, Reaches: DropletActive, Matches: matchesReaches(DropletActive),
		Summary: "Powers the droplet on.",
	},
	{
		Type: ActionRestore, Scope: "droplet:admin",
		Summary: "Restores the droplet from one of its own backup images.",
		Params:  []ParamSpec{{Name: ParamImage, Required: true, Doc: "Numeric ID of a backup image of this droplet.", check: backupImageID}},
		Warning: "restore overwrites the droplet's disk with the backup image; data written since the backup is lost.",
	},
	{
		Type: ActionPasswordReset, Scope: "droplet:admin",
		Summary: "Resets the root password; DigitalOcean emails the new password to the account owner.",
		Warning: "password_reset replaces the root password and emails the new one to the account owner.",
	},
	{
		Type: ActionResize, Scope: "droplet:create", Matches: matchesSize,
		Summary: "Resizes the droplet to another size slug. The droplet must be off.",
		Params: []ParamSpec{
			{Name: ParamSize, Required: true, Doc: "Slug of the new size, such as `s-2vcpu-4gb`."},
			{Name: ParamDisk, Doc: "Whether to resize the disk too. A disk resize is permanent: the droplet can never be resized down again."},
		},
	},
	{
		Type: ActionRebuild, Scope: "droplet:admin",
		Summary: "Rebuilds the droplet from an image, keeping its IP addresses.",
		Params:  []ParamSpec{{Name: ParamImage, Required: true, Doc: "Image to rebuild from: a numeric image ID or a slug such as `ubuntu-24-04-x64`."}},
		Warning: "rebuild overwrites the droplet's disk with the image; everything on the disk is lost.",
	},
	{
		Type:    ActionRename,
		Summary: "Renames the droplet.",
		Params:  []ParamSpec{{Name: ParamName, Required: true, Doc: "The droplet's new name, which DigitalOcean's droplet schema requires to match `" + DropletNamePattern + "` (a hostname: a-z, A-Z, 0-9, `.` and `-`, ending in a letter or digit) and to have at most 255 characters.", check: dropletName}},
	},
	{
		Type:    ActionChangeKernel,
		Summary: "Changes the kernel of a droplet whose kernel is managed externally.",
		Params:  []ParamSpec{{Name: ParamKernel, Required: true, Doc: "Numeric ID of the kernel."}},
	},
	{
		Type: ActionEnableIPv6, Bulk: true,
		Summary: "Enables IPv6 networking on the droplet.",
		Warning: "enable_ipv6 cannot be undone: IPv6 cannot be disabled again on this droplet.",
	},
	{
		Type: ActionSnapshot, Scope: "image:create", Bulk: true,
		Summary: "Takes a snapshot image of the droplet. Power the droplet off first for a consistent image.",
		Params:  []ParamSpec{{Name: ParamName, ByTag: true, Doc: "Name of the snapshot image; the API picks one when it is not set. DigitalOcean's API description documents no length limit for it."}},
	},
}

// ActionTypes returns the table of every action type, in a stable order.
func ActionTypes() []ActionTypeInfo { return slices.Clone(actionTypes) }

// ActionTypeNames returns every action type's name, in table order.
func ActionTypeNames() []string {
	names := make([]string, len(actionTypes))
	for i, t := range actionTypes {
		names[i] = string(t.Type)
	}
	return names
}

// BulkActionTypeNames returns the names of the types that may be initiated by tag.
func BulkActionTypeNames() []string {
	var names []string
	for _, t := range actionTypes {
		if t.Bulk {
			names = append(names, string(t.Type))
		}
	}
	return names
}

// LookupActionType returns the table row for t.
func LookupActionType(t ActionType) (ActionTypeInfo, bool) {
	for _, info := range actionTypes {
		if info.Type == t {
			return info, true
		}
	}
	return ActionTypeInfo{}, false
}

// StepsMatch reports whether d already is what the steps, run in order, would make it:
// every step has a Matches rule and d matches it, where of the steps that set a power
// state (Reaches) only the last counts, since it decides the state the droplet ends in.
// A power_off, resize, power_on sequence thus matches an active droplet of that size.
func StepsMatch(d *Droplet, steps []ActionRequest) bool {
	lastPower := -1
	for i := range steps {
		if info, ok := LookupActionType(steps[i].Type); ok && info.Reaches != "" {
			lastPower = i
		}
	}
	for i := range steps {
		info, ok := LookupActionType(steps[i].Type)
		if !ok || info.Matches == nil {
			return false
		}
		if info.Reaches != "" && i != lastPower {
			continue
		}
		if !info.Matches(d, &steps[i]) {
			return false
		}
	}
	return len(steps) > 0
}
