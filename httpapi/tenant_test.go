package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

// settingsBody is the tenant's settings as the API shows them.
type settingsBody struct {
	RequireHTTPSEndpoints *bool `json:"require_https_endpoints"`
}

// wantRequireHTTPS fails unless r is 200 settings with the given value.
func wantRequireHTTPS(t *testing.T, r *response, want bool) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	s := decode[settingsBody](t, r)
	if s.RequireHTTPSEndpoints == nil || *s.RequireHTTPSEndpoints != want {
		t.Fatalf("%s %s: settings %s, want require_https_endpoints %v", r.Method, r.Path, r.Body, want)
	}
}

func TestSettingsRequireHTTPSEndpoints(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		acme := tokenAuth(e.tenantWithAPI("acme"))
		other := tokenAuth(e.tenantWithAPI("other"))

		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), false)
		wantStatus(t, e.do("GET", "/api/v1/settings", "", nil), http.StatusUnauthorized)

		r := e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Orders", "url": "http://orders.example/hook"})
		wantStatus(t, r, http.StatusCreated)
		orders := decode[epEndpoint](t, r)
		r = e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Billing", "url": "https://billing.example/hook"})
		wantStatus(t, r, http.StatusCreated)
		billing := decode[epEndpoint](t, r)

		// Requiring https with an http endpoint: 409 naming it.
		r = e.do("PATCH", "/api/v1/settings", acme, map[string]any{"require_https_endpoints": true})
		p := wantProblem(t, r, http.StatusConflict, httpapi.TypeConflict)
		if !strings.Contains(p.Detail, orders.ID) || !strings.Contains(p.Detail, "Orders") || strings.Contains(p.Detail, billing.ID) {
			t.Errorf("conflict detail %q should name %s (Orders) only", p.Detail, orders.ID)
		}
		if len(p.Errors) != 1 || p.Errors[0].Location != "endpoints."+orders.ID || !strings.Contains(p.Errors[0].Message, "http://orders.example/hook") {
			t.Errorf("conflict errors = %+v, want one at endpoints.%s naming its URL", p.Errors, orders.ID)
		}
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), false)
		// The endpoint keeps working as it was.
		r = e.do("GET", "/api/v1/endpoints/"+orders.ID, acme, nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[epEndpoint](t, r); !got.Enabled || got.URL != "http://orders.example/hook" {
			t.Fatalf("endpoint after the refusal: %+v", got)
		}

		// Change it to https, then requiring https works.
		wantStatus(t, e.do("PATCH", "/api/v1/endpoints/"+orders.ID, acme, map[string]any{"url": "https://orders.example/hook"}), http.StatusOK)
		wantRequireHTTPS(t, e.do("PATCH", "/api/v1/settings", acme, map[string]any{"require_https_endpoints": true}), true)
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), true)
		wantRequireHTTPS(t, e.do("PATCH", "/api/v1/settings", acme, map[string]any{}), true)

		// http is now refused on create and on PATCH, with a 422 at body.url.
		r = e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Plain", "url": "http://plain.example/hook"})
		p = wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.url") || !strings.Contains(string(r.Body), "requires https") {
			t.Errorf("create http endpoint: %s", r.Body)
		}
		r = e.do("PATCH", "/api/v1/endpoints/"+billing.ID, acme, map[string]any{"url": "http://billing.example/hook"})
		p = wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.url") || !strings.Contains(string(r.Body), "requires https") {
			t.Errorf("patch to http: %s", r.Body)
		}
		// https is allowed.
		wantStatus(t, e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Secure", "url": "https://secure.example/hook"}), http.StatusCreated)
		wantStatus(t, e.do("PATCH", "/api/v1/endpoints/"+billing.ID, acme, map[string]any{"url": "https://b2.example/hook"}), http.StatusOK)

		// Another tenant is not affected.
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", other, nil), false)
		wantStatus(t, e.do("POST", "/api/v1/endpoints", other, map[string]any{"name": "Plain", "url": "http://plain.example/hook"}), http.StatusCreated)
		r = e.do("PATCH", "/api/v1/settings", other, map[string]any{"require_https_endpoints": true})
		wantProblem(t, r, http.StatusConflict, httpapi.TypeConflict)
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), true)

		// The tenant JSON shows it.
		r = e.do("GET", "/api/v1/tenant", acme, nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"require_https_endpoints":true`) {
			t.Errorf("GET /api/v1/tenant: %s", r.Body)
		}

		// Bad bodies are problems too.
		wantProblem(t, e.do("PATCH", "/api/v1/settings", acme, map[string]any{"require_https_endpoints": "yes"}), http.StatusUnprocessableEntity, "")
		wantProblem(t, e.do("PATCH", "/api/v1/settings", acme, map[string]any{"nope": true}), http.StatusBadRequest, httpapi.TypeUnknownField)

		// The OpenAPI document describes both operations and the 409.
		r = e.do("GET", "/openapi.json", "", nil)
		wantStatus(t, r, http.StatusOK)
		doc := decode[struct {
			Paths map[string]map[string]struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			} `json:"paths"`
		}](t, r)
		settings := doc.Paths["/api/v1/settings"]
		if settings["get"].OperationID != "get-settings" || settings["patch"].OperationID != "update-settings" || settings["patch"].Responses["409"] == nil {
			t.Errorf("OpenAPI /api/v1/settings: %+v", settings)
		}
		if doc.Paths["/api/v1/admin/tenants/{slug}"]["patch"].Responses["409"] == nil {
			t.Error("OpenAPI: PATCH /api/v1/admin/tenants/{slug} lacks its 409")
		}

		// Switched off, http is allowed again.
		wantRequireHTTPS(t, e.do("PATCH", "/api/v1/settings", acme, map[string]any{"require_https_endpoints": false}), false)
		wantStatus(t, e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Plain", "url": "http://plain.example/hook"}), http.StatusCreated)
	})
}

func TestOperatorTenantRequireHTTPSEndpoints(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		acme := tokenAuth(e.tenantWithAPI("acme"))
		r := e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"require_https_endpoints":false`) {
			t.Fatalf("tenant JSON: %s", r.Body)
		}
		r = e.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Orders", "url": "http://orders.example/hook"})
		wantStatus(t, r, http.StatusCreated)
		orders := decode[epEndpoint](t, r)

		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]any{"name": "Acme 2", "require_https_endpoints": true})
		p := wantProblem(t, r, http.StatusConflict, httpapi.TypeConflict)
		if !p.hasLocation("endpoints." + orders.ID) {
			t.Errorf("conflict errors = %+v, want endpoints.%s", p.Errors, orders.ID)
		}
		r = e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil)
		if got := decode[tenantBody](t, r); got.Name != "Tenant acme" {
			t.Errorf("name after the conflict = %q; nothing should have changed", got.Name)
		}

		wantStatus(t, e.do("DELETE", "/api/v1/endpoints/"+orders.ID, acme, nil), http.StatusNoContent)
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]any{"name": "Acme 2", "require_https_endpoints": true})
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"require_https_endpoints":true`) || !strings.Contains(string(r.Body), `"name":"Acme 2"`) {
			t.Fatalf("PATCH tenant: %s", r.Body)
		}
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), true)
		r = e.do("GET", "/api/v1/admin/tenants", operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"require_https_endpoints":true`) {
			t.Errorf("tenant list: %s", r.Body)
		}
		// A plan change alone keeps it.
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]any{"plan": "platinum"})
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"require_https_endpoints":true`) {
			t.Errorf("after a plan change: %s", r.Body)
		}
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]any{"require_https_endpoints": false})
		wantStatus(t, r, http.StatusOK)
		wantRequireHTTPS(t, e.do("GET", "/api/v1/settings", acme, nil), false)
	})
}
