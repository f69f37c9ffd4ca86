package console

import (
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// verifyExample is the Go source of the signature check the documentation
// shows; package webhookverify compiles and tests it.
//
//go:embed webhookverify/verify.go
var verifyExample string

// webhookDocsPage is the data of the webhooks documentation.
type webhookDocsPage struct {
	EventTypes []*hookd.EventType
	// Retries is the wait before each retry of a failed delivery.
	Retries []time.Duration
	// KeyHeader is the default header of the verification key.
	KeyHeader string
	BaseURL   string
	// VerifyExample is Go code that checks a signature.
	VerifyExample string
	Version       string
}

// webhookDocs is the webhooks documentation: every event type of the
// tenant's catalog with its description, schema and example, and how
// deliveries are made, signed and retried.
func (s *Server) webhookDocs(w http.ResponseWriter, r *http.Request, v *visit) error {
	types, err := s.eventTypes(r.Context(), v.Tenant().ID)
	if err != nil {
		return err
	}
	return s.render(w, r, v, http.StatusOK, "webhookdocs", "Webhooks documentation", webhookDocsPage{
		EventTypes: types,
		Retries:    hookd.DefaultRetrySchedule,
		KeyHeader:  hookd.DefaultVerificationKeyHeader,
		BaseURL:    s.baseURL(r),
		// Show the code from its imports on: the package clause and doc
		// are the test's business.
		VerifyExample: verifyExample[strings.Index(verifyExample, "import ("):],
		Version:       hookd.Version,
	})
}
