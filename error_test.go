package hookd_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/hookd/hookd"
)

// TestErrorStatusTableIsUsedEverywhere checks the one table from error code
// to HTTP status; each adapter's own test (httpapi, console) checks that it
// answers by it, and this one that the inbound webhooks and their log do.
func TestErrorStatusTableIsUsedEverywhere(t *testing.T) {
	want := map[string]int{
		hookd.EMALFORMED:         http.StatusBadRequest,
		hookd.EINVALID:           http.StatusUnprocessableEntity,
		hookd.ENOTFOUND:          http.StatusNotFound,
		hookd.ECONFLICT:          http.StatusConflict,
		hookd.EUNAUTHORIZED:      http.StatusUnauthorized,
		hookd.EFORBIDDEN:         http.StatusForbidden,
		hookd.EAPIDISABLED:       http.StatusForbidden,
		hookd.EPLANFORBIDDEN:     http.StatusForbidden,
		hookd.ETOOLARGE:          http.StatusRequestEntityTooLarge,
		hookd.ERATELIMITED:       http.StatusTooManyRequests,
		hookd.EINTERNAL:          http.StatusInternalServerError,
		hookd.EUNAVAILABLE:       http.StatusServiceUnavailable,
		hookd.EINSUFFICIENTSCOPE: http.StatusForbidden,
		hookd.EQUOTA:             http.StatusForbidden,
	}
	if len(hookd.ErrorCodes()) != len(want) {
		t.Errorf("ErrorCodes() has %d codes, the test knows %d", len(hookd.ErrorCodes()), len(want))
	}
	for _, code := range hookd.ErrorCodes() {
		w, ok := want[code]
		if !ok {
			t.Errorf("code %q: no expected status", code)
			continue
		}
		if got := hookd.HTTPStatus(code); got != w {
			t.Errorf("HTTPStatus(%q) = %d, want %d", code, got, w)
		}
		// The inbound webhooks (and the status their log keeps) answer by
		// the same table; only a refused body is 400 there, as EMALFORMED.
		err := fmt.Errorf("wrapped: %w", hookd.Errorf(code, "x"))
		inbound := w
		if code == hookd.EINVALID {
			inbound = http.StatusBadRequest
		}
		if got := hookd.InboundStatus(err, false); got != inbound {
			t.Errorf("InboundStatus(%s) = %d, want %d", code, got, inbound)
		}
	}
	if got := hookd.HTTPStatus("no-such-code"); got != http.StatusInternalServerError {
		t.Errorf("HTTPStatus(unknown) = %d, want 500", got)
	}
	if got := hookd.InboundStatus(errors.New("boom"), false); got != http.StatusInternalServerError {
		t.Errorf("InboundStatus(plain error) = %d, want 500", got)
	}
	for created, w := range map[bool]int{true: http.StatusCreated, false: http.StatusOK} {
		if got := hookd.InboundStatus(nil, created); got != w {
			t.Errorf("InboundStatus(nil, %v) = %d, want %d", created, got, w)
		}
	}
	// An inbound body's field problems keep their message and fields.
	in := hookd.Invalid("The body has 1 invalid field.", hookd.FieldError{Location: "body.email", Message: "is required"})
	var e *hookd.Error
	if !errors.As(hookd.InboundError(in), &e) || e.Code != hookd.EMALFORMED || e.Message != in.Message || len(e.Fields) != 1 {
		t.Errorf("InboundError(%v) = %+v", in, e)
	}
}
