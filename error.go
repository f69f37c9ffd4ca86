package hookd

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the API adapter.
const (
	EINVALID       = "invalid"        // the input is wrong (400/422)
	ENOTFOUND      = "not_found"      // no such thing, or not yours (404)
	ECONFLICT      = "conflict"       // it already exists (409)
	EUNAUTHORIZED  = "unauthorized"   // missing or wrong credentials (401)
	EFORBIDDEN     = "forbidden"      // known caller, not allowed (403)
	EAPIDISABLED   = "api_disabled"   // the tenant's API is switched off (403)
	EPLANFORBIDDEN = "plan_forbidden" // the tenant's plan lacks the feature (403)
	EQUOTA         = "quota_exceeded" // the tenant has as many items of a kind as its quota allows (403)
	ERATELIMITED   = "rate_limited"   // too many requests (429)
	EINTERNAL      = "internal"       // a fault of ours (500)
)

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
