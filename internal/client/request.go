package client

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The typed request body: ActionRequest and BackupPolicy, their validation against the
// action-type table, and the JSON the API takes.

// BackupPolicy is when backups run.
type BackupPolicy struct {
	// Plan is "daily" or "weekly".
	Plan string `json:"plan,omitempty"`
	// Weekday is SUN..SAT; weekly plans only.
	Weekday string `json:"weekday,omitempty"`
	// Hour is the UTC hour the backup window starts: 0, 4, 8, 12, 16 or 20.
	Hour *int `json:"hour,omitempty"`
}

var (
	backupPlans    = []string{"daily", "weekly"}
	backupWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	backupHours    = []int{0, 4, 8, 12, 16, 20}
)

// BackupPlans, BackupWeekdays and BackupHours list the values a backup policy accepts.
func BackupPlans() []string    { return slices.Clone(backupPlans) }
func BackupWeekdays() []string { return slices.Clone(backupWeekdays) }
func BackupHours() []int       { return slices.Clone(backupHours) }

// ActionRequest is a request to initiate one action. Only the parameters the type takes
// are serialized; setting one the type does not take is a validation error.
type ActionRequest struct {
	Type ActionType
	// Image is a backup image ID (restore), or an image ID or slug (rebuild).
	Image string
	Size  string
	// Disk is for resize; nil means false.
	Disk         *bool
	Name         string
	Kernel       int64
	BackupPolicy *BackupPolicy
}

// SetParams lists the parameters that carry a value.
func (r *ActionRequest) SetParams() []Param {
	var set []Param
	if r.Image != "" {
		set = append(set, ParamImage)
	}
	if r.Size != "" {
		set = append(set, ParamSize)
	}
	if r.Disk != nil {
		set = append(set, ParamDisk)
	}
	if r.Name != "" {
		set = append(set, ParamName)
	}
	if r.Kernel != 0 {
		set = append(set, ParamKernel)
	}
	if r.BackupPolicy != nil {
		set = append(set, ParamBackupPolicy)
	}
	return set
}

// Validate checks the request against the action-type table and the API's rules.
func (r *ActionRequest) Validate() error {
	info, ok := LookupActionType(r.Type)
	if !ok {
		return &ValidationError{Param: "type", Message: fmt.Sprintf("unknown action type %q; expected one of %s", r.Type, strings.Join(ActionTypeNames(), ", "))}
	}
	set := r.SetParams()
	for _, p := range set {
		if _, takes := info.Param(p); !takes {
			return &ValidationError{Param: string(p), Message: fmt.Sprintf("action type %q does not take %s", r.Type, p)}
		}
	}
	for _, spec := range info.Params {
		if spec.Required && !slices.Contains(set, spec.Name) {
			return &ValidationError{Param: string(spec.Name), Message: fmt.Sprintf("action type %q requires %s", r.Type, spec.Name)}
		}
	}
	return r.ValidateValues()
}

// ValidateValues checks the values of the parameters that are set, without asking whether
// the type takes or requires them: the rules every type's values meet, and the type's own
// rules from the action-type table (ParamSpec.check).
func (r *ActionRequest) ValidateValues() error {
	info, _ := LookupActionType(r.Type)
	set := r.SetParams()
	for _, p := range valueOrder {
		if !slices.Contains(set, p) {
			continue
		}
		if spec, ok := info.Param(p); ok && spec.check != nil {
			if err := spec.check(r); err != nil {
				return err
			}
		}
		if err := r.validateValue(p); err != nil {
			return err
		}
	}
	return nil
}

// valueOrder is the order ValidateValues checks the parameters in, which decides the error
// of a request with several bad values.
var valueOrder = []Param{ParamImage, ParamKernel, ParamName, ParamBackupPolicy, ParamSize, ParamDisk}

// validateValue checks the value of p, which is set, by the rules every type's value meets.
func (r *ActionRequest) validateValue(p Param) error {
	switch p {
	case ParamImage:
		if id, err := strconv.ParseInt(r.Image, 10, 64); err == nil && id <= 0 {
			// A number is sent as an image ID, and image IDs are positive.
			return &ValidationError{Param: string(ParamImage), Message: fmt.Sprintf("image must be a positive image ID or an image slug, not %q", r.Image)}
		}
	case ParamKernel:
		if r.Kernel < 0 {
			return &ValidationError{Param: string(ParamKernel), Message: "kernel must be a positive kernel ID"}
		}
	case ParamBackupPolicy:
		return r.BackupPolicy.Validate()
	}
	return nil
}

// backupImageID is restore's rule for its image: the numeric ID of a backup image.
func backupImageID(r *ActionRequest) error {
	if _, err := strconv.ParseInt(r.Image, 10, 64); err != nil {
		return &ValidationError{Param: string(ParamImage), Message: fmt.Sprintf("restore takes the numeric ID of a backup image of this droplet, not %q", r.Image)}
	}
	return nil
}

// dropletName is rename's rule for its name: DigitalOcean's rule for a droplet's name.
func dropletName(r *ActionRequest) error { return ValidDropletName(r.Name) }

// Validate checks a backup policy.
func (p *BackupPolicy) Validate() error {
	if !slices.Contains(backupPlans, p.Plan) {
		return &ValidationError{Param: "backup_policy.plan", Message: fmt.Sprintf("plan must be daily or weekly, not %q", p.Plan)}
	}
	switch {
	case p.Plan == "weekly" && p.Weekday == "":
		return &ValidationError{Param: "backup_policy.weekday", Message: "a weekly plan requires weekday (SUN..SAT)"}
	case p.Plan == "daily" && p.Weekday != "":
		return &ValidationError{Param: "backup_policy.weekday", Message: "weekday applies only to a weekly plan"}
	case p.Weekday != "" && !slices.Contains(backupWeekdays, p.Weekday):
		return &ValidationError{Param: "backup_policy.weekday", Message: fmt.Sprintf("weekday must be one of %s, not %q", strings.Join(backupWeekdays, ", "), p.Weekday)}
	}
	if p.Hour != nil && !slices.Contains(backupHours, *p.Hour) {
		return &ValidationError{Param: "backup_policy.hour", Message: fmt.Sprintf("hour must be one of 0, 4, 8, 12, 16, 20 (the start of a 4-hour UTC window), not %d", *p.Hour)}
	}
	return nil
}

// MarshalJSON writes the body the API expects: the type and exactly that type's parameters.
func (r ActionRequest) MarshalJSON() ([]byte, error) {
	body := map[string]any{"type": r.Type}
	info, ok := LookupActionType(r.Type)
	if !ok {
		return nil, fmt.Errorf("unknown action type %q", r.Type)
	}
	for _, spec := range info.Params {
		switch spec.Name {
		case ParamImage:
			if r.Image == "" {
				continue
			}
			// The API takes image IDs as numbers and slugs as strings.
			if id, err := strconv.ParseInt(r.Image, 10, 64); err == nil {
				body["image"] = id
			} else {
				body["image"] = r.Image
			}
		case ParamSize:
			if r.Size != "" {
				body["size"] = r.Size
			}
		case ParamDisk:
			body["disk"] = r.Disk != nil && *r.Disk
		case ParamName:
			if r.Name != "" {
				body["name"] = r.Name
			}
		case ParamKernel:
			if r.Kernel != 0 {
				body["kernel"] = r.Kernel
			}
		case ParamBackupPolicy:
			if r.BackupPolicy != nil {
				body["backup_policy"] = r.BackupPolicy
			}
		}
	}
	return json.Marshal(body)
}
