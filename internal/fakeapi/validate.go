package fakeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gradient-tf/terraform-provider-gradient/internal/client"
)

// The rules below are written by hand from the API's documented contract on
// purpose: if they were derived from the project's own action-type table, a
// mistake in the table would be mirrored here and no test could catch it.

type paramKind int

const (
	kindString       paramKind = iota // non-empty JSON string
	kindInteger                       // positive integral JSON number
	kindBool                          // JSON true/false
	kindIntOrString                   // positive integer or non-empty string
	kindBackupPolicy                  // backup_policy object
)

func (k paramKind) describe() string {
	switch k {
	case kindString:
		return "a non-empty string"
	case kindInteger:
		return "a positive integer"
	case kindBool:
		return "a boolean"
	case kindIntOrString:
		return "a positive integer ID or a non-empty slug string"
	default:
		return "an object"
	}
}

type paramRule struct {
	name     string
	kind     paramKind
	required bool
}

// singleRules says which parameters each type accepts on
// POST /v2/droplets/{id}/actions. A type absent from this map is unknown.
func singleRules() map[client.ActionType][]paramRule {
	return map[client.ActionType][]paramRule{
		"enable_backups":       {{name: "backup_policy", kind: kindBackupPolicy}},
		"disable_backups":      nil,
		"change_backup_policy": {{name: "backup_policy", kind: kindBackupPolicy, required: true}},
		"reboot":               nil,
		"power_cycle":          nil,
		"shutdown":             nil,
		"power_off":            nil,
		"power_on":             nil,
		"restore":              {{name: "image", kind: kindInteger, required: true}},
		"password_reset":       nil,
		"resize": {
			{name: "size", kind: kindString, required: true},
			{name: "disk", kind: kindBool},
		},
		"rebuild":       {{name: "image", kind: kindIntOrString, required: true}},
		"rename":        {{name: "name", kind: kindString, required: true}},
		"change_kernel": {{name: "kernel", kind: kindInteger, required: true}},
		"enable_ipv6":   nil,
		"snapshot":      {{name: "name", kind: kindString}},
	}
}

// bulkRules gives the parameters a bulk type accepts. The by-tag endpoint maps
// every type except snapshot to the bare action schema, so enable_backups takes
// no backup_policy there.
func bulkRules(t client.ActionType) []paramRule {
	if t == "snapshot" {
		return []paramRule{{name: "name", kind: kindString}}
	}
	return nil
}

// params is a validated request body.
type params struct {
	typ    client.ActionType
	image  string // restore: decimal ID; rebuild: decimal ID or slug
	size   string
	disk   bool
	name   string
	kernel int64
	policy *BackupPolicy
}

// bodyError distinguishes a body that is not JSON at all (400) from one that
// breaks the contract (422).
type bodyError struct {
	malformed bool
	msg       string
}

func (e *bodyError) Error() string { return e.msg }

func malformed(format string, args ...any) *bodyError {
	return &bodyError{malformed: true, msg: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *bodyError {
	return &bodyError{msg: fmt.Sprintf(format, args...)}
}

// decodeObject parses body as one JSON object, keeping each member raw.
func decodeObject(body []byte) (map[string]json.RawMessage, *bodyError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, malformed("request body is empty; a JSON object is required")
	}
	if !json.Valid(trimmed) {
		return nil, malformed("request body is not valid JSON")
	}
	if trimmed[0] != '{' {
		return nil, malformed("request body must be a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return nil, malformed("request body is not valid JSON: %v", err)
	}
	return m, nil
}

// parseBody checks an initiate body. rulesFor returns the rules of a type and
// whether the endpoint accepts that type at all.
func parseBody(body []byte, rulesFor func(client.ActionType) ([]paramRule, *bodyError)) (params, *bodyError) {
	m, berr := decodeObject(body)
	if berr != nil {
		return params{}, berr
	}
	rawType, ok := m["type"]
	if !ok {
		return params{}, invalid("type is required")
	}
	var typ string
	if isNull(rawType) || json.Unmarshal(rawType, &typ) != nil {
		return params{}, invalid("type must be a string")
	}
	p := params{typ: client.ActionType(typ)}
	rules, berr := rulesFor(p.typ)
	if berr != nil {
		return params{}, berr
	}

	// Sorted so that a body with several problems always gets the same message.
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(rules, func(r paramRule) bool { return r.name == k }) {
			return params{}, invalid("%q is not a parameter of the %s action", k, typ)
		}
	}
	for _, r := range rules {
		raw, present := m[r.name]
		if !present {
			if r.required {
				return params{}, invalid("%s is required for the %s action", r.name, typ)
			}
			continue
		}
		if err := p.set(r, raw); err != nil {
			return params{}, err
		}
	}
	// DigitalOcean refuses a droplet name that is not a hostname, with this message.
	if typ == "rename" && strings.Trim(p.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
		return params{}, invalid("Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)")
	}
	return p, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func (p *params) set(r paramRule, raw json.RawMessage) *bodyError {
	bad := func() *bodyError { return invalid("%s must be %s", r.name, r.kind.describe()) }
	if isNull(raw) {
		return bad()
	}
	switch r.kind {
	case kindString:
		s, ok := asString(raw)
		if !ok || s == "" {
			return bad()
		}
		switch r.name {
		case "size":
			p.size = s
		case "name":
			p.name = s
		}
	case kindInteger:
		n, ok := asPositiveInt(raw)
		if !ok {
			return bad()
		}
		switch r.name {
		case "image":
			p.image = strconv.FormatInt(n, 10)
		case "kernel":
			p.kernel = n
		}
	case kindBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return bad()
		}
		p.disk = b
	case kindIntOrString:
		if s, ok := asString(raw); ok && s != "" {
			p.image = s
		} else if n, ok := asPositiveInt(raw); ok {
			p.image = strconv.FormatInt(n, 10)
		} else {
			return bad()
		}
	case kindBackupPolicy:
		pol, err := parsePolicy(raw)
		if err != nil {
			return err
		}
		p.policy = pol
	}
	return nil
}

func asString(raw json.RawMessage) (string, bool) {
	var s string
	if bytes.TrimSpace(raw)[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// asPositiveInt accepts only integral JSON numbers: 12.0 and 1e3 are refused
// because the API's integer fields would reject them too.
func asPositiveInt(raw json.RawMessage) (int64, bool) {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return n, err == nil && n > 0
}

func parsePolicy(raw json.RawMessage) (*BackupPolicy, *bodyError) {
	if bytes.TrimSpace(raw)[0] != '{' {
		return nil, invalid("backup_policy must be an object")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, invalid("backup_policy must be an object")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch k {
		case "plan", "weekday", "hour":
		case "window_length_hours", "retention_period_days":
			return nil, invalid("backup_policy.%s is read-only", k)
		default:
			return nil, invalid("%q is not a field of backup_policy", k)
		}
	}
	pol := &BackupPolicy{}
	rawPlan, ok := m["plan"]
	if !ok {
		return nil, invalid("backup_policy.plan is required")
	}
	if s, ok := asString(rawPlan); ok && (s == "daily" || s == "weekly") {
		pol.Plan = s
	} else {
		return nil, invalid(`backup_policy.plan must be "daily" or "weekly"`)
	}
	if rawDay, ok := m["weekday"]; ok {
		s, isStr := asString(rawDay)
		if isNull(rawDay) || !isStr || !slices.Contains(weekdays, s) {
			return nil, invalid("backup_policy.weekday must be one of SUN, MON, TUE, WED, THU, FRI, SAT")
		}
		if pol.Plan != "weekly" {
			return nil, invalid("backup_policy.weekday is only valid with the weekly plan")
		}
		pol.Weekday = s
	} else if pol.Plan == "weekly" {
		return nil, invalid("backup_policy.weekday is required with the weekly plan")
	}
	if rawHour, ok := m["hour"]; ok {
		h, err := strconv.Atoi(string(bytes.TrimSpace(rawHour)))
		if err != nil || h < 0 || h > 20 || h%4 != 0 {
			return nil, invalid("backup_policy.hour must be one of 0, 4, 8, 12, 16, 20")
		}
		pol.Hour = h
	}
	return pol, nil
}
