package hookd

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. Each maps to one HTTP status, in HTTPStatus.
const (
	EMALFORMED     = "malformed"      // the request cannot be read as the input it must be (400)
	EINVALID       = "invalid"        // the input is readable, but values in it are wrong (422)
	ENOTFOUND      = "not_found"      // no such thing, or not yours (404)
	ECONFLICT      = "conflict"       // it already exists (409)
	EUNAUTHORIZED  = "unauthorized"   // missing or wrong credentials (401)
	EFORBIDDEN     = "forbidden"      // known caller, not allowed (403)
	EAPIDISABLED   = "api_disabled"   // the tenant's API is switched off (403)
	EPLANFORBIDDEN = "plan_forbidden" // the tenant's plan lacks the feature (403)
	ETOOLARGE      = "too_large"      // the request body is over the limit (413)
	EQUOTA         = "quota_exceeded" // the tenant has as many items of a kind as its quota allows (403)
	ERATELIMITED   = "rate_limited"   // too many requests (429)
	EINTERNAL      = "internal"       // a fault of ours (500)
	EUNAVAILABLE   = "unavailable"    // a passing outage: database down, disk full; try again later (503)
)

// httpStatuses is the one table from error code to HTTP status; every
// adapter (API, console, inbound webhooks and their log) answers by it.
var httpStatuses = map[string]int{
	EMALFORMED:         http.StatusBadRequest,
	EINVALID:           http.StatusUnprocessableEntity,
	ENOTFOUND:          http.StatusNotFound,
	ECONFLICT:          http.StatusConflict,
	EUNAUTHORIZED:      http.StatusUnauthorized,
	EFORBIDDEN:         http.StatusForbidden,
	EAPIDISABLED:       http.StatusForbidden,
	EPLANFORBIDDEN:     http.StatusForbidden,
	ETOOLARGE:          http.StatusRequestEntityTooLarge,
	ERATELIMITED:       http.StatusTooManyRequests,
	EINTERNAL:          http.StatusInternalServerError,
	EUNAVAILABLE:       http.StatusServiceUnavailable,
	EINSUFFICIENTSCOPE: http.StatusForbidden,
	EQUOTA:             http.StatusForbidden,
}

// HTTPStatus returns the HTTP status that answers an error with code: 200
// for "" (no error), and 500 for a code it does not know.
func HTTPStatus(code string) int {
	if code == "" {
		return http.StatusOK
	}
	if status, ok := httpStatuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// ErrorCodes lists every error code, for tests and documentation.
func ErrorCodes() []string {
	return []string{EMALFORMED, EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN, EAPIDISABLED,
		EPLANFORBIDDEN, ETOOLARGE, ERATELIMITED, EINTERNAL, EUNAVAILABLE, EINSUFFICIENTSCOPE, EQUOTA}
}

// RetryAfterUnavailable is how long a client is asked to wait (Retry-After)
// before trying again after an EUNAVAILABLE error.
const RetryAfterUnavailable = 10 // seconds
// EINSUFFICIENTSCOPE: the caller's credential lacks a scope the operation
// needs (403).
const EINSUFFICIENTSCOPE = "insufficient_scope"

// Error is a domain error: a code for machines and a message that is safe to
// show the caller. Internal details go in the wrapped error, never the message.
type Error struct {
	Code    string
	Message string
	// Fields lists per-field problems of an EINVALID error, if any.
	Fields []FieldError
	// Err is the underlying cause, for logs; it is never shown to a client.
	Err error
}

// FieldError names one invalid part of an input.
type FieldError struct {
	Location string // such as "body.name"
	Message  string
	// ID names the thing in the way when the error is an ECONFLICT's,
	// such as the ID of an endpoint at Location endpoints.<id>.
	ID string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("hookd error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("hookd error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the given field problems.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the message of the
// first *Error in its chain, or a generic text for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error has occurred."
}
