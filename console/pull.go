package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// previewPayloads is how many payloads "Pull now" shows at a time.
const previewPayloads = 20

// pullView is the pull state an endpoint's page shows for a ping or pull
// endpoint (hookd/pull.go).
type pullView struct {
	Cursor hookd.PullCursor
	// InactiveBy is when the endpoint turns inactive unless its payloads
	// are listed before; nil once it is inactive.
	InactiveBy *time.Time
	// DeletedBy is when it is deleted unless its payloads are listed
	// before.
	DeletedBy *time.Time
	// ListURL is the list-payloads call that continues from the cursor.
	ListURL string
	// Preview is the answer of "Pull now", or nil when it was not asked.
	Preview *payloadPreview
}

// payloadPreview is a page of payloads shown without counting as a pull.
type payloadPreview struct {
	// After is the number the preview starts after.
	After    int64
	Payloads []*hookd.Payload
	// NextURL shows the payloads after these, or is "".
	NextURL string
}

// pullViewOf returns the pull state of e, and the preview of its next
// payloads when the request asks for it (?pull=now, optionally with
// after=N). The preview peeks: it neither records a pull nor moves the
// cursor.
func (s *Server) pullViewOf(r *http.Request, v *visit, e *hookd.Endpoint) (*pullView, error) {
	if !e.Mode.Pulls() {
		return nil, nil
	}
	life := s.App.PullLifecycle
	pv := &pullView{
		Cursor:     e.Cursor(),
		InactiveBy: e.InactiveBy(life),
		DeletedBy:  e.DeletedBy(life),
		ListURL:    s.baseURL(r) + "/api/v1/endpoints/" + e.ID + "/payloads?after=" + strconv.FormatInt(e.PulledTransaction, 10),
	}
	q := r.URL.Query()
	if q.Get("pull") != "now" {
		return pv, nil
	}
	after := e.PulledTransaction
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return nil, hookd.Invalid("The preview cannot be shown.", hookd.FieldError{Location: "query.after", Message: "must be a transaction number"})
		}
		after = n
	}
	list, err := s.App.ListPayloads(r.Context(), v.Tenant().ID, e.ID, app.ListPayloadsInput{After: after, Limit: previewPayloads, Peek: true})
	if err != nil {
		return nil, err
	}
	pv.Preview = &payloadPreview{After: after, Payloads: list.Payloads}
	if list.HasMore {
		pv.Preview.NextURL = "/webhooks/" + e.ID + "?pull=now&after=" + strconv.FormatInt(list.NextAfter, 10) + "#pull-preview"
	}
	return pv, nil
}
