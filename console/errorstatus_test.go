package console

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// TestConsoleErrorStatusFollowsErrorTable checks that the console answers
// every error code with the status of hookd.HTTPStatus (a wrapped error
// too, found with errors.As), and an ended session with a redirect to sign
// in.
func TestConsoleErrorStatusFollowsErrorTable(t *testing.T) {
	s := &Server{Log: slog.New(slog.DiscardHandler)}
	s.Handler() // parses the pages
	for _, code := range hookd.ErrorCodes() {
		err := fmt.Errorf("wrapped: %w", hookd.Invalid("message of "+code, hookd.FieldError{Location: "body.name", Message: "is wrong"}))
		err.(interface{ Unwrap() error }).Unwrap().(*hookd.Error).Code = code
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/webhooks", nil)
		s.fail(w, r, &visit{}, err)
		want := hookd.HTTPStatus(code)
		if code == hookd.EUNAUTHORIZED {
			want = http.StatusSeeOther
		}
		if w.Code != want {
			t.Errorf("%s: status %d, want %d", code, w.Code, want)
		}
		body := w.Body.String()
		switch {
		case code == hookd.EUNAVAILABLE:
			if w.Header().Get("Retry-After") == "" {
				t.Errorf("%s: no Retry-After", code)
			}
		case want >= 400 && want < 500 && !strings.Contains(body, "message of "+code):
			t.Errorf("%s: the page does not show the error's message", code)
		}
		if (code == hookd.EINVALID || code == hookd.EMALFORMED) && !strings.Contains(body, "is wrong") {
			t.Errorf("%s: the page does not show the field problem", code)
		}
	}
}
