package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointOrdering: the side panel's "Deliver in order" box saves
// ordering fifo, the endpoint page says so, an edit without it saves
// none, and fifo on a ping endpoint is refused naming the field.
func TestEndpointOrdering(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, sqlstoretest.SQLite(t))
	b := h.browser()
	b.signIn()
	wantContains(t, "add panel", b.get("/webhooks?add"), `name="ordering" value="fifo"`, `href="/webhooks/documentation#ordered-delivery"`)
	form := url.Values{"url": {"https://ordered.example/hooks"}, "name": {"Ordered"}, "format": {"json"}, "mode": {"ping"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"},
		"event_types": {"user.created"}, "ordering": {"fifo"}}
	p := b.post("/webhooks", form)
	wantStatus(t, "fifo ping", p, http.StatusUnprocessableEntity)
	wantContains(t, "fifo ping", p, "Ordering: fifo is for full mode endpoints only")

	form.Set("mode", "full")
	p = b.post("/webhooks", form)
	wantStatus(t, "add", p, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
	e, err := h.app.Endpoint(ctx, h.tenant.ID, id)
	if err != nil || e.Ordering != hookd.OrderingFIFO {
		t.Fatalf("the endpoint's ordering: %q (%v)", e.Ordering, err)
	}
	p = b.get("/webhooks/" + id)
	wantContains(t, "endpoint page", p, `id="endpoint-ordering">In publishing order`, `name="ordering" value="fifo" id="edit-ordering" checked`)

	form.Del("ordering")
	wantStatus(t, "save", b.post("/webhooks/"+id, form), http.StatusSeeOther)
	if e, _ = h.app.Endpoint(ctx, h.tenant.ID, id); e.Ordering != hookd.OrderingNone {
		t.Fatalf("ordering after saving without the box: %q", e.Ordering)
	}
	wantNotContains(t, "endpoint page", b.get("/webhooks/"+id), `id="endpoint-ordering"`)
}
