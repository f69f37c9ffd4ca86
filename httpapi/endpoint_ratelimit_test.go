package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
)

// TestEndpointRateLimitAPI sets, shows and bounds an endpoint's rate limit
// and burst.
func TestEndpointRateLimitAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		type view struct {
			ID             string `json:"id"`
			RateLimit      int    `json:"rate_limit"`
			RateLimitBurst int    `json:"rate_limit_burst"`
		}
		var e view
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Limited", "url": "https://hooks.example/a",
			"rate_limit": 20}), http.StatusCreated, &e)
		if e.RateLimit != 20 || e.RateLimitBurst != 20 {
			t.Fatalf("created with rate_limit 20: %+v, want the burst 20 too", e)
		}
		var got view
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusOK, &got)
		if got != e {
			t.Fatalf("GET: %+v, want %+v", got, e)
		}
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"rate_limit_burst": 5}), http.StatusOK, &e)
		if e.RateLimit != 20 || e.RateLimitBurst != 5 {
			t.Fatalf("patched the burst to 5: %+v", e)
		}
		// A lower limit keeps a burst that fits.
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"rate_limit": 10}), http.StatusOK, &e)
		if e.RateLimit != 10 || e.RateLimitBurst != 5 {
			t.Fatalf("patched the limit to 10: %+v, want the burst 5 kept", e)
		}
		for _, bad := range []struct {
			body     map[string]any
			location string
		}{
			{map[string]any{"rate_limit": -1}, "body.rate_limit"},
			{map[string]any{"rate_limit": 10001}, "body.rate_limit"},
			{map[string]any{"rate_limit_burst": 11}, "body.rate_limit_burst"},
			{map[string]any{"rate_limit": 4, "rate_limit_burst": 5}, "body.rate_limit_burst"},
			{map[string]any{"rate_limit": 0, "rate_limit_burst": 1}, "body.rate_limit_burst"},
		} {
			etWantProblem(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, bad.body),
				http.StatusUnprocessableEntity, httpapi.TypeValidation, bad.location, "")
		}
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Burst alone", "url": "https://hooks.example/b",
			"rate_limit_burst": 3}), http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.rate_limit_burst", "needs a rate_limit")
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusOK, &got)
		if got.RateLimit != 10 || got.RateLimitBurst != 5 {
			t.Fatalf("after refused changes: %+v", got)
		}
		// 0 removes the limit and its burst.
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"rate_limit": 0}), http.StatusOK, &e)
		if e.RateLimit != 0 || e.RateLimitBurst != 0 {
			t.Fatalf("patched the limit to 0: %+v", e)
		}
	})
}
