package console

import (
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// verifyExample is the Go source of the signature check the documentation
// shows; package webhookverify compiles and tests it.
//
//go:embed webhookverify/verify.go
var verifyExample string

// pullExample is the Go source of the receiver of ping and pull endpoints
// the documentation shows; package webhookpull compiles and tests it.
//
//go:embed webhookpull/pull.go
var pullExample string

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
	// PullExample is Go code that receives notices and pulls payloads.
	PullExample string
	// InactiveAfter and DeleteAfter are the instance's pull lifecycle,
	// for people ("7 days").
	InactiveAfter, DeleteAfter string
	// MaxLimit and MaxWait bound a list-payloads call.
	MaxLimit, MaxWait int
	Version           string
}

// webhookDocs is the webhooks documentation: every event type of the
// tenant's catalog with its description, schema and example, and how
// deliveries are made, signed and retried.
func (s *Server) webhookDocs(w http.ResponseWriter, r *http.Request, v *visit) error {
	types, err := s.eventTypes(r.Context(), v.Tenant().ID)
	if err != nil {
		return err
	}
	life := s.App.PullLifecycle.WithDefaults()
	return s.render(w, r, v, http.StatusOK, "webhookdocs", "Webhooks documentation", webhookDocsPage{
		EventTypes: types,
		Retries:    hookd.DefaultRetrySchedule,
		KeyHeader:  hookd.DefaultVerificationKeyHeader,
		BaseURL:    s.baseURL(r),
		// Show the code from its imports on: the package clause and doc
		// are the test's business.
		VerifyExample: verifyExample[strings.Index(verifyExample, "import ("):],
		// From the first type on: the imports name hookd's test package
		// of the signature check, which the text calls "the check above".
		PullExample:   pullExample[strings.Index(pullExample, "// Payload is"):],
		InactiveAfter: app.FormatPeriod(life.InactiveAfter),
		DeleteAfter:   app.FormatPeriod(life.DeleteAfter),
		MaxLimit:      hookd.MaxPayloadsLimit,
		MaxWait:       int(hookd.MaxPullWait / time.Second),
		Version:       hookd.Version,
	})
}
