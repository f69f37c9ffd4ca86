package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

func TestAPIKeyLifecycle(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		ten := e.createTenant("acme", "enterprise")
		if ten.APIEnabled {
			t.Fatalf("new tenant: api_enabled true, want false")
		}
		r := e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[tenantBody](t, r); got.APIEnabled || got.Slug != "acme" || got.ID != ten.ID {
			t.Fatalf("GET tenant: got %+v, want acme with the API off", got)
		}
		wantProblem(t, e.do("GET", "/api/v1/tenant", "", nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)

		// Enable: the answer holds the key, and the key works.
		key1 := e.enableAPI("acme")
		if !strings.HasPrefix(key1, "hkd_key_") {
			t.Errorf("api key %q lacks the hkd_key_ prefix", key1)
		}
		if got := e.whoAmI(tokenAuth(key1)); got != "acme" {
			t.Fatalf("GET /api/v1/tenant with the key: slug %q, want acme", got)
		}
		r = e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil)
		if got := decode[tenantBody](t, r); !got.APIEnabled {
			t.Fatalf("GET tenant after enabling: api_enabled false")
		}

		// The operator regenerates: the old key is dead at once.
		r = e.do("POST", "/api/v1/admin/tenants/acme/api/regenerate", operatorAuth(), nil)
		wantStatus(t, r, http.StatusOK)
		k := decode[apiKeyBody](t, r)
		key2 := k.APIKey
		if !k.Enabled || key2 == "" || key2 == key1 {
			t.Fatalf("operator regenerate: got %+v, want enabled with a new key", k)
		}
		wantProblem(t, e.do("GET", "/api/v1/tenant", tokenAuth(key1), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		e.whoAmI(tokenAuth(key2))

		// The tenant regenerates with its current key.
		r = e.do("POST", "/api/v1/api/regenerate", tokenAuth(key2), nil)
		wantStatus(t, r, http.StatusOK)
		k = decode[apiKeyBody](t, r)
		key3 := k.APIKey
		if !k.Enabled || key3 == "" || key3 == key2 || key3 == key1 {
			t.Fatalf("tenant regenerate: got %+v, want enabled with a new key", k)
		}
		wantProblem(t, e.do("GET", "/api/v1/tenant", tokenAuth(key2), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		e.whoAmI(tokenAuth(key3))

		// GET /api/v1/api shows the state and a hint, never the key.
		r = e.do("GET", "/api/v1/api", tokenAuth(key3), nil)
		wantStatus(t, r, http.StatusOK)
		state := decode[struct {
			Enabled bool   `json:"enabled"`
			Hint    string `json:"api_key_hint"`
		}](t, r)
		if !state.Enabled || state.Hint == "" {
			t.Fatalf("GET /api/v1/api: got %s, want enabled with a hint", r.Body)
		}
		if strings.Contains(string(r.Body), key3) || strings.Contains(string(r.Body), `"api_key"`) {
			t.Fatalf("GET /api/v1/api shows the key: %s", r.Body)
		}
		if !strings.HasPrefix(state.Hint, key3[:12]) || !strings.HasSuffix(state.Hint, key3[len(key3)-4:]) {
			t.Errorf("hint %q does not match key %q", state.Hint, key3)
		}

		// GET /api/v1/api/key reveals the current key.
		r = e.do("GET", "/api/v1/api/key", tokenAuth(key3), nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[apiKeyBody](t, r).APIKey; got != key3 {
			t.Fatalf("reveal: key %q, want %q", got, key3)
		}

		// Disable: the key answers 403 api-disabled, and so does everything
		// else of the tenant's.
		r = e.do("PUT", "/api/v1/admin/tenants/acme/api", operatorAuth(), map[string]bool{"enabled": false})
		wantStatus(t, r, http.StatusOK)
		if k := decode[apiKeyBody](t, r); k.Enabled || k.APIKey != "" {
			t.Fatalf("disable: got %s, want disabled without a key", r.Body)
		}
		wantProblem(t, e.do("GET", "/api/v1/tenant", tokenAuth(key3), nil), http.StatusForbidden, httpapi.TypeAPIDisabled)
		wantProblem(t, e.do("GET", "/api/v1/api/key", tokenAuth(key3), nil), http.StatusForbidden, httpapi.TypeAPIDisabled)

		// Re-enable: the same key comes back and works.
		if got := e.enableAPI("acme"); got != key3 {
			t.Fatalf("re-enable: key %q, want the previous key %q", got, key3)
		}
		e.whoAmI(tokenAuth(key3))
	})
}

func TestAPIKeyPlan(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		// A free tenant cannot switch the API on.
		e.createTenant("cheap", "free")
		r := e.do("PUT", "/api/v1/admin/tenants/cheap/api", operatorAuth(), map[string]bool{"enabled": true})
		wantProblem(t, r, http.StatusForbidden, httpapi.TypePlanForbidden)
		r = e.do("GET", "/api/v1/admin/tenants/cheap", operatorAuth(), nil)
		if decode[tenantBody](t, r).APIEnabled {
			t.Fatalf("free tenant's API is on after a refused enable")
		}

		// An enabled tenant moved to free: its key answers 403 plan-forbidden.
		key := e.tenantWithAPI("rich")
		e.whoAmI(tokenAuth(key))
		r = e.do("PATCH", "/api/v1/admin/tenants/rich", operatorAuth(), map[string]string{"plan": "free"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[tenantBody](t, r).Plan; got != "free" {
			t.Fatalf("PATCH plan: plan %q, want free", got)
		}
		wantProblem(t, e.do("GET", "/api/v1/tenant", tokenAuth(key), nil), http.StatusForbidden, httpapi.TypePlanForbidden)

		// Back on a paying plan, the same key works again.
		r = e.do("PATCH", "/api/v1/admin/tenants/rich", operatorAuth(), map[string]string{"plan": "platinum"})
		wantStatus(t, r, http.StatusOK)
		e.whoAmI(tokenAuth(key))
	})
}

func TestAdminNeedsOperatorToken(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		for _, auth := range []string{"", "Bearer wrong", tokenAuth(key), bearerAuth(key), "Basic " + operatorToken} {
			r := e.do("GET", "/api/v1/admin/tenants", auth, nil)
			wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("auth %q: 401 without WWW-Authenticate", auth)
			}
		}
		wantStatus(t, e.do("GET", "/api/v1/admin/tenants", operatorAuth(), nil), http.StatusOK)
		// The operator token is no tenant credential.
		wantProblem(t, e.do("GET", "/api/v1/tenant", operatorAuth(), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		wantProblem(t, e.do("GET", "/api/v1/admin/tenants/nope", operatorAuth(), nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("PUT", "/api/v1/admin/tenants/nope/api", operatorAuth(), map[string]bool{"enabled": true}), http.StatusNotFound, httpapi.TypeNotFound)
	})
}
