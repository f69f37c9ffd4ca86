package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointFilter adds an endpoint with a payload filter from the side
// panel, sees it on its page, tries filters against examples there, and
// removes it.
func TestEndpointFilter(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, sqlstoretest.SQLite(t))
	b := h.browser()
	b.signIn()
	wantContains(t, "add panel", b.get("/webhooks?add"), `name="filter"`, `href="/webhooks/documentation#payload-filters"`)
	form := url.Values{"url": {"https://filters.example/hooks"}, "name": {"Filtered"}, "format": {"json"}, "mode": {"full"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"},
		"event_types": {"user.created"}, "filter": {`{"data.user.email": {"$gt": true}}`}, "batch_window_ms": {"9000"}}
	p := b.post("/webhooks", form)
	wantStatus(t, "bad filter", p, http.StatusUnprocessableEntity)
	wantContains(t, "bad filter", p, "Filter at data.user.email.$gt: must be a number or a string", `id="add-filter"`,
		"Batching window: must be 0 to 5000")
	form.Set("max_events_per_request", "10")
	form.Set("batch_window_ms", "250")

	form.Set("filter", ` {"data.user.email": {"$endsWith": "@example.com"}} `)
	p = b.post("/webhooks", form)
	wantStatus(t, "add", p, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
	e, err := h.app.Endpoint(ctx, h.tenant.ID, id)
	if err != nil || e.Filter.String() != `{"data.user.email":{"$endsWith":"@example.com"}}` || e.BatchWindow != 250*time.Millisecond {
		t.Fatalf("the endpoint's filter: %v (%v)", e.Filter, err)
	}
	p = b.get("/webhooks/" + id)
	wantContains(t, "endpoint page", p, `id="endpoint-filter"><code>{&#34;data.user.email&#34;:{&#34;$endsWith&#34;:&#34;@example.com&#34;}}</code>`,
		`action="/webhooks/`+id+`/filter/try"`, "up to 10 per request, waiting up to 250ms to fill one", `name="batch_window_ms" type="number" min="0" max="5000" value="250"`, `id="try-type" name="type" spellcheck="false" value="user.created"`)
	wantNotContains(t, "endpoint page", p, `id="filter-result"`)

	try := func(filter, data string) page {
		return b.post("/webhooks/"+id+"/filter/try", url.Values{"filter": {filter}, "type": {"user.created"}, "data": {data}})
	}
	p = try(`{"data.user.email": {"$endsWith": "@example.com"}}`, `{"user": {"email": "ada@example.com"}}`)
	wantStatus(t, "try a match", p, http.StatusOK)
	wantContains(t, "try a match", p, "It matches: this event would be sent")
	p = try(`{"data.user.email": {"$endsWith": "@example.com"}}`, `{"user": {"email": "eve@other.org"}}`)
	wantContains(t, "try a miss", p, "It does not match", "eve@other.org")
	p = try(`{"$or": 1}`, `{}`)
	wantStatus(t, "try a bad filter", p, http.StatusUnprocessableEntity)
	wantContains(t, "try a bad filter", p, "must be a non-empty array of filters")
	if e2, _ := h.app.Endpoint(ctx, h.tenant.ID, id); e2.Filter.String() != e.Filter.String() {
		t.Fatal("trying a filter changed the endpoint's")
	}

	form.Set("filter", "")
	wantStatus(t, "remove the filter", b.post("/webhooks/"+id, form), http.StatusSeeOther)
	if e, _ := h.app.Endpoint(ctx, h.tenant.ID, id); e.Filter != nil {
		t.Fatalf("the filter after clearing the field: %v", e.Filter)
	}
	wantContains(t, "without a filter", b.get("/webhooks/"+id), "none: every event of its types")
}
