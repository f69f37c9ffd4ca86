package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointRateLimitForm sets an endpoint's rate limit and burst from
// the side panel, refuses bad ones naming the field, shows them on the
// endpoint's page and in its edit form, and removes the limit.
func TestEndpointRateLimitForm(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, sqlstoretest.SQLite(t))
	b := h.browser()
	b.signIn()
	wantContains(t, "add panel", b.get("/webhooks?add"), `name="rate_limit"`, `name="rate_limit_burst"`)
	form := url.Values{"url": {"https://limits.example/hooks"}, "name": {"Limited"}, "format": {"json"}, "mode": {"full"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"},
		"event_types": {"user.created"}, "rate_limit": {"10001"}, "rate_limit_burst": {""}}
	p := b.post("/webhooks", form)
	wantStatus(t, "too high a limit", p, http.StatusUnprocessableEntity)
	wantContains(t, "too high a limit", p, "Rate limit: must be 0 (no limit) to 10000")
	form.Set("rate_limit", "20")
	form.Set("rate_limit_burst", "21")
	p = b.post("/webhooks", form)
	wantStatus(t, "too big a burst", p, http.StatusUnprocessableEntity)
	wantContains(t, "too big a burst", p, "Burst: must be 1 to the rate_limit, 20")

	form.Set("rate_limit_burst", "5")
	p = b.post("/webhooks", form)
	wantStatus(t, "add", p, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
	e, err := h.app.Endpoint(ctx, h.tenant.ID, id)
	if err != nil || e.RateLimit != 20 || e.RateLimitBurst != 5 {
		t.Fatalf("the endpoint's rate limit: %d, burst %d (%v); want 20 and 5", e.RateLimit, e.RateLimitBurst, err)
	}
	wantContains(t, "endpoint page", b.get("/webhooks/"+id), `id="endpoint-rate-limit">20 requests per second, 5 at once`,
		`name="rate_limit" type="number" min="0" max="10000" value="20"`, `name="rate_limit_burst" type="number" min="1" max="10000" value="5"`)

	// A blank burst is the limit.
	form.Set("rate_limit_burst", "")
	if p := b.post("/webhooks/"+id, form); p.status != http.StatusSeeOther {
		t.Fatalf("save with a blank burst: %d %s", p.status, p.body)
	}
	if e, _ = h.app.Endpoint(ctx, h.tenant.ID, id); e.RateLimit != 20 || e.RateLimitBurst != 20 {
		t.Fatalf("after a blank burst: %d, burst %d; want 20 and 20", e.RateLimit, e.RateLimitBurst)
	}
	form.Set("rate_limit", "0")
	if p := b.post("/webhooks/"+id, form); p.status != http.StatusSeeOther {
		t.Fatalf("save without a limit: %d %s", p.status, p.body)
	}
	if e, _ = h.app.Endpoint(ctx, h.tenant.ID, id); e.RateLimit != 0 || e.RateLimitBurst != 0 {
		t.Fatalf("after removing the limit: %d, burst %d", e.RateLimit, e.RateLimitBurst)
	}
	wantContains(t, "endpoint page", b.get("/webhooks/"+id), `id="endpoint-rate-limit">none`)
}
