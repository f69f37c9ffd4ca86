package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestAPIAccess enables the API, reads the key, regenerates it and disables
// the API through the console, checking each step against the app.
func TestAPIAccess(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		b := h.browser()
		b.signIn()

		p := b.get("/api-access")
		wantStatus(t, "API page", p, http.StatusOK)
		wantContains(t, "API page, disabled", p, "The API is disabled.", `aria-checked="false"`, `name="enabled" value="true"`, `href="/docs"`)
		wantNotContains(t, "API page, disabled", p, "hkd_key_", "regenerate-dialog")

		p = b.post("/api-access", url.Values{"enabled": {"true"}})
		wantStatus(t, "enable", p, http.StatusSeeOther)
		if p.location() != "/api-access?notice=api-enabled" {
			t.Errorf("enable redirects to %q", p.location())
		}
		key, err := h.app.RevealAPIKey(ctx, h.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		acc, _ := h.app.APIAccess(ctx, h.tenant.ID)
		p = b.get("/api-access?notice=api-enabled")
		wantContains(t, "API page, enabled", p, "The API is enabled.", `aria-checked="true"`, `name="enabled" value="false"`,
			`<span class="plain">`+key+`</span>`, `<span class="mask" aria-hidden="true">`+acc.Hint, `data-copy="api-key"`,
			"The current key stops working at once.", `action="/api-access/regenerate"`, "The API is enabled.</p>")
		if _, err := h.app.Authenticate(ctx, app.SchemeToken, key); err != nil {
			t.Fatalf("the key shown does not work: %v", err)
		}
		// The confirmation opens without script too.
		wantContains(t, "confirm without script", b.get("/api-access?confirm=regenerate"), `data-modal open>`)

		p = b.post("/api-access/regenerate", nil)
		wantStatus(t, "regenerate", p, http.StatusSeeOther)
		if _, err := h.app.Authenticate(ctx, app.SchemeToken, key); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("old key after regenerate: %v, want EUNAUTHORIZED", err)
		}
		newKey, _ := h.app.RevealAPIKey(ctx, h.tenant.ID)
		p = b.get("/api-access?notice=api-key-regenerated")
		wantContains(t, "after regenerate", p, "A new API key was made. The old key no longer works.", newKey)
		wantNotContains(t, "after regenerate", p, key)

		wantStatus(t, "disable", b.post("/api-access", url.Values{"enabled": {"false"}}), http.StatusSeeOther)
		if _, err := h.app.Authenticate(ctx, app.SchemeToken, newKey); hookd.ErrorCode(err) != hookd.EAPIDISABLED {
			t.Errorf("key after disabling: %v, want EAPIDISABLED", err)
		}
		p = b.get("/api-access")
		wantContains(t, "disabled again", p, "The API is disabled.")
		wantNotContains(t, "disabled again", p, newKey)
	})
}

// TestAPIAccessPlan shows a tenant whose plan lacks the API why it cannot
// enable it, and refuses the post.
func TestAPIAccessPlan(t *testing.T) {
	h := sqliteHarness(t)
	free := hookd.PlanFree
	if _, err := h.app.UpdateTenant(context.Background(), "acme", app.UpdateTenantInput{Plan: &free}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.signIn()
	p := b.get("/api-access")
	wantContains(t, "free plan", p, "The API is not part of the free plan.")
	wantNotContains(t, "free plan", p, `role="switch"`)
	p = b.post("/api-access", url.Values{"enabled": {"true"}})
	wantStatus(t, "enable on the free plan", p, http.StatusForbidden)
	wantContains(t, "enable on the free plan", p, "does not include the REST API")
}

// TestTenantPagesNeedTenant checks that tenant pages send strangers to sign
// in and refuse the operator.
func TestTenantPagesNeedTenant(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	p := b.get("/api-access")
	wantStatus(t, "signed out", p, http.StatusSeeOther)
	if p.location() != "/login?next="+url.QueryEscape("/api-access") {
		t.Errorf("redirect to %q", p.location())
	}
	b.get("/login")
	p = b.post("/api-access", url.Values{"enabled": {"true"}})
	wantStatus(t, "post signed out", p, http.StatusSeeOther)
	if acc, _ := h.app.APIAccess(context.Background(), h.tenant.ID); acc.Enabled {
		t.Fatal("a signed-out post enabled the API")
	}
	b.signInOperator()
	p = b.get("/api-access")
	wantStatus(t, "operator", p, http.StatusForbidden)
	if !strings.Contains(p.body, "belongs to a tenant") {
		t.Errorf("operator on a tenant page:\n%s", p.body)
	}
}
