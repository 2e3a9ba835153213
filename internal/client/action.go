package client

import "time"

// The action model: an action as the API reports it, and its status.

// ActionStatus is the state of an action.
type ActionStatus string

const (
	StatusInProgress ActionStatus = "in-progress"
	StatusCompleted  ActionStatus = "completed"
	StatusErrored    ActionStatus = "errored"
)

// Done reports whether the status is final.
func (s ActionStatus) Done() bool { return s == StatusCompleted || s == StatusErrored }

// Region is the region an action ran in.
type Region struct {
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Available bool     `json:"available"`
	Features  []string `json:"features"`
	Sizes     []string `json:"sizes"`
}

// Action is a droplet action as the API reports it.
type Action struct {
	ID           int64        `json:"id"`
	Status       ActionStatus `json:"status"`
	Type         ActionType   `json:"type"`
	StartedAt    *time.Time   `json:"started_at"`
	CompletedAt  *time.Time   `json:"completed_at"`
	ResourceID   int64        `json:"resource_id"`
	ResourceType string       `json:"resource_type"`
	Region       *Region      `json:"region"`
	RegionSlug   string       `json:"region_slug"`
}

// actionRoot and actionsRoot are the bodies that carry one action or a page of them.
type actionRoot struct {
	Action *Action `json:"action"`
}

type actionsRoot struct {
	Actions []Action   `json:"actions"`
	Links   *pageLinks `json:"links"`
	Meta    *struct {
		Total int `json:"total"`
	} `json:"meta"`
}
