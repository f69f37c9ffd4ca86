package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestOperatorTenants creates a tenant with the API on, changes its plan,
// switches its API and regenerates its key, as the operator.
func TestOperatorTenants(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		b := h.browser()
		b.signInOperator()

		p := b.get("/operator/tenants")
		wantStatus(t, "tenants", p, http.StatusOK)
		wantContains(t, "tenants", p, `data-tenant="acme"`, "Acme Inc.", `id="create-tenant"`, `<option value="enterprise" selected>`)

		p = b.post("/operator/tenants", url.Values{"slug": {"Not A Slug"}, "plan": {"gold"}, "admin_email": {"nope"}, "admin_password": {"short"}})
		wantStatus(t, "bad tenant", p, http.StatusUnprocessableEntity)
		wantContains(t, "bad tenant", p, "data-modal open>", "Slug: must be 1 to 63", "Plan: must be one of", "Admin email: must be an email address",
			"Admin password: must be at least 12 characters", `value="Not A Slug"`)
		wantNotContains(t, "bad tenant", p, "short")
		p = b.post("/operator/tenants", url.Values{"slug": {"acme"}, "plan": {"free"}})
		wantStatus(t, "taken slug", p, http.StatusUnprocessableEntity)
		wantContains(t, "taken slug", p, "A tenant with this slug already exists.")

		p = b.post("/operator/tenants", url.Values{"slug": {"globex"}, "name": {"Globex"}, "plan": {"platinum"}, "enable_api": {"true"},
			"admin_email": {"hank@globex.example"}, "admin_password": {"a-long-password"}})
		wantStatus(t, "create", p, http.StatusSeeOther)
		if p.location() != "/operator/tenants/globex?notice=tenant-created" {
			t.Fatalf("create redirects to %q", p.location())
		}
		tn, err := h.app.TenantBySlug(ctx, "globex")
		if err != nil || tn.Plan != hookd.PlanPlatinum || !tn.APIEnabled || tn.Name != "Globex" {
			t.Fatalf("tenant as created: %+v, %v", tn, err)
		}
		if _, _, err := h.app.SignIn(ctx, app.SignInInput{Email: "hank@globex.example", Password: "a-long-password"}); err != nil {
			t.Fatalf("the first console user cannot sign in: %v", err)
		}
		key, _ := h.app.RevealAPIKey(ctx, tn.ID)
		p = b.get(p.location())
		wantContains(t, "tenant page", p, "The tenant was created.", "The API is enabled.", `<span class="plain">`+key+`</span>`, `aria-checked="true"`)

		wantStatus(t, "change plan", b.post("/operator/tenants/globex", url.Values{"name": {"Globex Corp"}, "plan": {"free"}}), http.StatusSeeOther)
		if tn, _ = h.app.TenantBySlug(ctx, "globex"); tn.Plan != hookd.PlanFree || tn.Name != "Globex Corp" {
			t.Fatalf("after saving: %+v", tn)
		}
		wantContains(t, "free plan", b.get("/operator/tenants/globex"), "The free plan does not include the API.")
		p = b.post("/operator/tenants/globex", url.Values{"name": {""}, "plan": {"free"}})
		wantStatus(t, "empty name", p, http.StatusUnprocessableEntity)
		wantContains(t, "empty name", p, "Name: must be 1 to 200 characters")

		enterprise := hookd.PlanEnterprise
		if _, err := h.app.UpdateTenant(ctx, "globex", app.UpdateTenantInput{Plan: &enterprise}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "regenerate", b.post("/operator/tenants/globex/api/regenerate", nil), http.StatusSeeOther)
		if _, err := h.app.Authenticate(ctx, app.SchemeToken, key); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("old key after regenerate: %v", err)
		}
		wantStatus(t, "disable API", b.post("/operator/tenants/globex/api", url.Values{"enabled": {"false"}}), http.StatusSeeOther)
		if tn, _ = h.app.TenantBySlug(ctx, "globex"); tn.APIEnabled {
			t.Fatal("the API is still enabled")
		}
		wantContains(t, "after disabling", b.get("/operator/tenants/globex?notice=tenant-api-disabled"), "The tenant's API is disabled.", `aria-checked="false"`)
		wantStatus(t, "unknown tenant", b.get("/operator/tenants/nope"), http.StatusNotFound)

		wantContains(t, "search", b.get("/operator/tenants?q=glob"), `data-tenant="globex"`)
		wantNotContains(t, "search", b.get("/operator/tenants?q=glob"), `data-tenant="acme"`)
	})
}

// TestOperatorPagesNeedOperator keeps tenant users off the operator's pages.
func TestOperatorPagesNeedOperator(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	wantStatus(t, "signed out", b.get("/operator/tenants"), http.StatusSeeOther)
	b.signIn()
	wantStatus(t, "tenant user", b.get("/operator/tenants"), http.StatusForbidden)
	wantStatus(t, "tenant user posts", b.post("/operator/tenants", url.Values{"slug": {"evil"}}), http.StatusForbidden)
	if _, err := h.app.TenantBySlug(context.Background(), "evil"); hookd.ErrorCode(err) != hookd.ENOTFOUND {
		t.Fatal("a tenant user created a tenant")
	}
	wantStatus(t, "tenant user, health", b.get("/operator/health"), http.StatusForbidden)
}

// TestHealth shows the instance's health, and its failure.
func TestHealth(t *testing.T) {
	h := sqliteHarness(t)
	h.console.Backend = "sqlite"
	b := h.browser()
	b.signInOperator()
	p := b.get("/operator/health")
	wantStatus(t, "health", p, http.StatusOK)
	wantContains(t, "health", p, "Ready.", "hookd "+hookd.Version, "sqlite; the readiness check took", "Goroutines", `href="/metrics"`)
	h.console.Ready = func(context.Context) error { return errors.New("sqlstore: ping: migrations are pending") }
	p = b.get("/operator/health")
	wantStatus(t, "not ready", p, http.StatusServiceUnavailable)
	wantContains(t, "not ready", p, "Not ready:", "migrations are pending")
}
