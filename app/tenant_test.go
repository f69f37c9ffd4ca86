package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func TestRequireHTTPSEndpoints(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		other := etTenant(t, a, "other", hookd.PlanEnterprise)

		got, err := a.TenantSettings(ctx, tn)
		if err != nil || got.RequireHTTPSEndpoints {
			t.Fatalf("new tenant's settings: %+v, %v; want require https off", got, err)
		}
		plain, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "Orders", URL: "http://orders.example/hook"})
		if err != nil {
			t.Fatalf("http endpoint while the setting is off: %v", err)
		}
		secure, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "Billing", URL: "https://billing.example/hook"})
		if err != nil {
			t.Fatal(err)
		}

		// Switching on with an http endpoint: 409 naming it, nothing changed.
		_, err = a.UpdateTenantSettings(ctx, tn, app.UpdateTenantSettingsInput{RequireHTTPSEndpoints: epPtr(true)})
		var e *hookd.Error
		if !asError(err, &e) || e.Code != hookd.ECONFLICT {
			t.Fatalf("enable with an http endpoint: err %v, want ECONFLICT", err)
		}
		if !strings.Contains(e.Message, plain.ID) || !strings.Contains(e.Message, `"Orders"`) || strings.Contains(e.Message, secure.ID) {
			t.Errorf("conflict message %q should name %s (Orders) and not %s", e.Message, plain.ID, secure.ID)
		}
		if len(e.Fields) != 1 || e.Fields[0].Location != "endpoints."+plain.ID || !strings.Contains(e.Fields[0].Message, "http://orders.example/hook") {
			t.Errorf("conflict fields = %+v, want one at endpoints.%s with its URL", e.Fields, plain.ID)
		}
		if got, _ := a.TenantSettings(ctx, tn); got.RequireHTTPSEndpoints {
			t.Fatal("the setting changed despite the conflict")
		}
		if ep, err := a.Endpoint(ctx, tn, plain.ID); err != nil || !ep.Enabled || ep.URL != "http://orders.example/hook" {
			t.Fatalf("the http endpoint after the refusal: %+v, %v; want it untouched", ep, err)
		}

		// Fix the endpoint, then switching on works.
		if _, err := a.UpdateEndpoint(ctx, tn, plain.ID, app.UpdateEndpointInput{URL: epPtr("https://orders.example/hook")}); err != nil {
			t.Fatal(err)
		}
		got, err = a.UpdateTenantSettings(ctx, tn, app.UpdateTenantSettingsInput{RequireHTTPSEndpoints: epPtr(true)})
		if err != nil || !got.RequireHTTPSEndpoints {
			t.Fatalf("enable after the fix: %+v, %v", got, err)
		}
		// An empty change changes nothing.
		if got, err = a.UpdateTenantSettings(ctx, tn, app.UpdateTenantSettingsInput{}); err != nil || !got.RequireHTTPSEndpoints {
			t.Fatalf("empty change: %+v, %v", got, err)
		}

		// Now http is refused on create and on update, with a 422 at body.url.
		_, err = a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "http://x.example/hook"})
		wantFieldError(t, err, "body.url", "requires https")
		_, err = a.UpdateEndpoint(ctx, tn, secure.ID, app.UpdateEndpointInput{URL: epPtr("http://billing.example/hook")})
		wantFieldError(t, err, "body.url", "requires https")
		if ep, _ := a.Endpoint(ctx, tn, secure.ID); ep.URL != "https://billing.example/hook" {
			t.Fatalf("URL after a refused update: %s", ep.URL)
		}
		// https (in any case) is fine, and so are changes that keep the URL.
		if _, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "HTTPS://x.example/hook?k={VerificationKey}"}); err != nil {
			t.Fatalf("https endpoint: %v", err)
		}
		if _, err := a.UpdateEndpoint(ctx, tn, secure.ID, app.UpdateEndpointInput{Name: epPtr("Billing 2"), URL: epPtr("https://b2.example/")}); err != nil {
			t.Fatalf("https update: %v", err)
		}
		if _, _, err := a.RotateEndpointSecret(ctx, tn, secure.ID); err != nil {
			t.Fatalf("rotate: %v", err)
		}

		// The other tenant is not bound by it.
		if s, _ := a.TenantSettings(ctx, other); s.RequireHTTPSEndpoints {
			t.Fatal("the other tenant requires https")
		}
		if _, err := a.CreateEndpoint(ctx, other, app.CreateEndpointInput{Name: "n", URL: "http://x.example/hook"}); err != nil {
			t.Fatalf("other tenant's http endpoint: %v", err)
		}

		// Switched off, http is allowed again.
		if _, err := a.UpdateTenantSettings(ctx, tn, app.UpdateTenantSettingsInput{RequireHTTPSEndpoints: epPtr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "http://x.example/hook"}); err != nil {
			t.Fatalf("http endpoint after switching off: %v", err)
		}
	})
}

func TestRequireHTTPSEndpointsConflictListsMany(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
	for range 7 {
		if _, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "Plain", URL: "http://x.example/"}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := a.UpdateTenantSettings(ctx, tn, app.UpdateTenantSettingsInput{RequireHTTPSEndpoints: epPtr(true)})
	var e *hookd.Error
	if !asError(err, &e) || e.Code != hookd.ECONFLICT {
		t.Fatalf("err %v, want ECONFLICT", err)
	}
	if !strings.Contains(e.Message, "while 7 endpoints do not use https") || !strings.Contains(e.Message, "and 2 more") || len(e.Fields) != 7 {
		t.Errorf("message %q with %d fields; want 7 counted, 5 named and 7 fields", e.Message, len(e.Fields))
	}
}

func TestOperatorUpdateTenantRequireHTTPS(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		plain, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "Plain", URL: "http://x.example/"})
		if err != nil {
			t.Fatal(err)
		}
		// A conflict changes nothing, not even the name given with it.
		_, err = a.UpdateTenant(ctx, "acme", app.UpdateTenantInput{Name: epPtr("Renamed"), RequireHTTPSEndpoints: epPtr(true)})
		wantErrorCode(t, err, hookd.ECONFLICT)
		if got, _ := a.TenantBySlug(ctx, "acme"); got.Name != "acme" || got.RequireHTTPSEndpoints {
			t.Fatalf("after the conflict: %+v", got)
		}
		if err := a.DeleteEndpoint(ctx, tn, plain.ID); err != nil {
			t.Fatal(err)
		}
		got, err := a.UpdateTenant(ctx, "acme", app.UpdateTenantInput{Name: epPtr("Renamed"), RequireHTTPSEndpoints: epPtr(true)})
		if err != nil || got.Name != "Renamed" || !got.RequireHTTPSEndpoints {
			t.Fatalf("UpdateTenant: %+v, %v", got, err)
		}
		// Changing the plan alone keeps the setting.
		plan := hookd.PlanPlatinum
		if _, err := a.UpdateTenant(ctx, "acme", app.UpdateTenantInput{Plan: &plan}); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.TenantBySlug(ctx, "acme"); !got.RequireHTTPSEndpoints || got.Plan != plan {
			t.Fatalf("after a plan change: %+v", got)
		}
	})
}
