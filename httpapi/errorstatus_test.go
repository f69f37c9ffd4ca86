package httpapi

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/hookd/hookd"
)

// TestProblemStatusFollowsErrorTable checks that the API answers every error
// code with the status of hookd.HTTPStatus, wrapped or not, and names a
// problem type for each.
func TestProblemStatusFollowsErrorTable(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, code := range hookd.ErrorCodes() {
		err := fmt.Errorf("wrapped: %w", hookd.Errorf(code, "message of %s", code))
		p := problemFromError(log, err)
		if want := hookd.HTTPStatus(code); p.Status != want {
			t.Errorf("%s: status %d, want %d", code, p.Status, want)
		}
		if p.Type == "" || (p.Type == TypeInternal && code != hookd.EINTERNAL) {
			t.Errorf("%s: problem type %q", code, p.Type)
		}
		if ip := inboundProblem(log, err); ip.Status != hookd.InboundStatus(err, false) {
			t.Errorf("%s: inbound problem status %d, the inbound log's %d", code, ip.Status, hookd.InboundStatus(err, false))
		}
	}
	p := problemFromError(log, hookd.Errorf(hookd.EUNAVAILABLE, "The database is unavailable."))
	if got := p.GetHeaders().Get("Retry-After"); got == "" {
		t.Errorf("503 without Retry-After")
	}
}
