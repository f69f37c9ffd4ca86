package console_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestOperationalEventTypesInPicker: the operational event types are in
// the endpoint form's event type picker like any built-in type, and an
// endpoint subscribes to them from there (issue 14, item 6).
func TestOperationalEventTypesInPicker(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		h := newHarness(t, s)
		b := h.browser()
		b.signIn()
		p := b.get("/webhooks")
		wantStatus(t, "webhooks", p, http.StatusOK)
		wantContains(t, "picker", p, `value="endpoint.disabled"`, `value="endpoint.enabled"`, `value="endpoint.failing"`,
			`value="delivery.exhausted"`)
		p = b.post("/webhooks", url.Values{
			"url": {"https://oncall.example/hooks"}, "name": {"On-call"},
			"event_types": {hookd.EventEndpointDisabled, hookd.EventDeliveryExhausted}, "format": {"json"}, "mode": {"full"},
			"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Hookd-Verification-Key"},
		})
		wantStatus(t, "add", p, http.StatusSeeOther)
		id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
		e, err := h.app.Endpoint(context.Background(), h.tenant.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(e.EventTypes, []string{hookd.EventDeliveryExhausted, hookd.EventEndpointDisabled}) &&
			!slices.Equal(e.EventTypes, []string{hookd.EventEndpointDisabled, hookd.EventDeliveryExhausted}) {
			t.Fatalf("subscribed to %v", e.EventTypes)
		}
	})
}
