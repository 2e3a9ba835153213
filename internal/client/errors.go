package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is an error response of the DigitalOcean API.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	// ID is the API's error identifier, such as "not_found" or "unprocessable_entity".
	ID        string
	Message   string
	RequestID string
	// RetryAfter is how long the API asked the caller to wait, when it said.
	RetryAfter time.Duration
	// RateReset is when the rate-limit window frees a request again, when the API said.
	RateReset time.Time
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.ID != "" {
		fmt.Fprintf(&b, " (%s)", e.ID)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request ID %s]", e.RequestID)
	}
	if e.StatusCode == http.StatusTooManyRequests && !e.RateReset.IsZero() {
		fmt.Fprintf(&b, "; the rate limit frees up at %s", e.RateReset.UTC().Format(time.RFC3339))
	}
	return b.String()
}

func asAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}

// IsNotFound reports whether err is an API 404.
func IsNotFound(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.StatusCode == http.StatusNotFound
}

// IsForbidden reports whether err is an API 403, typically a token lacking a scope.
func IsForbidden(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.StatusCode == http.StatusForbidden
}

// IsUnauthorized reports whether err is an API 401: a wrong, expired or revoked token.
func IsUnauthorized(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.StatusCode == http.StatusUnauthorized
}

// IsRateLimited reports whether err is an API 429.
func IsRateLimited(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.StatusCode == http.StatusTooManyRequests
}

// IsUnprocessable reports whether err is an API 422: DigitalOcean refused the request as
// invalid (an argument, or the droplet's state) and did not act on it.
func IsUnprocessable(err error) bool {
	e, ok := asAPIError(err)
	return ok && e.StatusCode == http.StatusUnprocessableEntity
}

// IsPendingEvent reports whether err is the 422 a droplet answers while another of its
// actions is still in progress.
func IsPendingEvent(err error) bool {
	e, _ := asAPIError(err)
	return IsUnprocessable(err) && strings.Contains(strings.ToLower(e.Message), "pending event")
}

// RequestID returns the API request ID carried by err, if any.
func RequestID(err error) string {
	if e, ok := asAPIError(err); ok {
		return e.RequestID
	}
	return ""
}

// ErrNoToken is returned by any call made without an access token.
var ErrNoToken = errors.New("no DigitalOcean access token: set access_token in the provider block, or DIGITALOCEAN_ACCESS_TOKEN or DIGITALOCEAN_TOKEN in the environment")

// ActionFailedError is returned when an awaited action ends "errored".
type ActionFailedError struct {
	Action *Action
}

func (e *ActionFailedError) Error() string {
	return fmt.Sprintf("action %d (%s on %s %d) ended with status %q",
		e.Action.ID, e.Action.Type, e.Action.ResourceType, e.Action.ResourceID, e.Action.Status)
}

// BusyError is Initiate meeting another action in progress on the droplet (DigitalOcean's
// 422 "Droplet already has a pending event."): Initiate waited for that action to end and
// started nothing. The droplet may have changed meanwhile, so whether the request is still
// wanted is the caller's to decide afresh, after reading the droplet again.
type BusyError struct {
	DropletID int64
	// Type is the type of the request that was not sent again.
	Type ActionType
	// Ran is the action waited for, as last read; nil when it had ended before the droplet's
	// history could show it.
	Ran *Action
	// Err is the 422.
	Err error
}

func (e *BusyError) Error() string {
	ran := "an action that had ended by the time its history was read"
	if e.Ran != nil {
		ran = fmt.Sprintf("action %d (%s, %s)", e.Ran.ID, e.Ran.Type, e.Ran.Status)
	}
	return fmt.Sprintf("droplet %d was running another action when %s was sent; waited for %s and sent nothing more: %v", e.DropletID, e.Type, ran, e.Err)
}

func (e *BusyError) Unwrap() error { return e.Err }

// WaitError is returned when waiting for an action stops before it finished, because the
// context ended or reading its status kept failing. The action goes on at DigitalOcean.
type WaitError struct {
	ActionID int64
	// Last is the last status read, if any.
	Last *Action
	Err  error
}

func (e *WaitError) Error() string {
	status := "unknown"
	if e.Last != nil {
		status = string(e.Last.Status)
	}
	return fmt.Sprintf("stopped waiting for action %d (last status %s): %v", e.ActionID, status, e.Err)
}

func (e *WaitError) Unwrap() error { return e.Err }

// ValidationError names the request parameter that is wrong, before any I/O.
type ValidationError struct {
	// Param is the parameter's path, such as "size" or "backup_policy.hour"; empty for
	// errors about the request as a whole.
	Param   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Param == "" {
		return e.Message
	}
	return e.Param + ": " + e.Message
}

// UncertainInitiateError is an initiate that failed ambiguously (DigitalOcean may have
// acted) when the droplet's action history, which would tell, could not be read either.
// Whether the action started is unknown: the caller must not simply try again.
type UncertainInitiateError struct {
	DropletID int64
	Type      ActionType
	// Err is the initiate's failure, ListErr the history read's.
	Err, ListErr error
}

func (e *UncertainInitiateError) Error() string {
	return fmt.Sprintf("%v; the droplet's action history could not be read to tell whether DigitalOcean acted (%v)", e.Err, e.ListErr)
}

func (e *UncertainInitiateError) Unwrap() []error { return []error{e.Err, e.ListErr} }

// TransportError is a request that got no HTTP response.
type TransportError struct {
	Method, Path string
	// Written is true when the request was written before the failure, so the server may
	// have acted on it.
	Written bool
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

type malformedError struct {
	path string
	err  error
}

func (e *malformedError) Error() string {
	return fmt.Sprintf("%s: malformed response from the API: %v", e.path, e.err)
}

func (e *malformedError) Unwrap() error { return e.err }

// isAmbiguous reports whether a failed initiate may or may not have been acted on.
func isAmbiguous(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Written
	}
	var me *malformedError
	if errors.As(err, &me) {
		return true
	}
	e, ok := asAPIError(err)
	return ok && e.StatusCode >= 500
}
