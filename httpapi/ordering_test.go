package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
)

// TestEndpointOrderingAPI: ordering is none by default, fifo round-trips
// through create, read and update, and a 422 names body.ordering for an
// unknown ordering and for fifo on a ping or pull endpoint.
func TestEndpointOrderingAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		type endpoint struct {
			ID       string `json:"id"`
			Ordering string `json:"ordering"`
		}
		var plain endpoint
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Plain", "url": "https://hooks.example/p"}), http.StatusCreated, &plain)
		if plain.Ordering != "none" {
			t.Fatalf("default ordering %q, want none", plain.Ordering)
		}
		var e endpoint
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Ordered", "url": "https://hooks.example/a", "ordering": "fifo"}),
			http.StatusCreated, &e)
		if e.Ordering != "fifo" {
			t.Fatalf("created with ordering %q", e.Ordering)
		}
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusOK, &e)
		if e.Ordering != "fifo" {
			t.Fatalf("read back ordering %q", e.Ordering)
		}
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Lifo", "url": "https://hooks.example/l", "ordering": "lifo"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.ordering", "none or fifo")
		etWantProblem(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"ordering": "lifo"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.ordering", "none or fifo")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Pull", "mode": "pull", "ordering": "fifo"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.ordering", "full mode")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Ping", "url": "https://hooks.example/g", "mode": "ping", "ordering": "fifo"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.ordering", "full mode")
		var ping endpoint
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Ping", "url": "https://hooks.example/g", "mode": "ping"}), http.StatusCreated, &ping)
		etWantProblem(t, h.do("PATCH", "/api/v1/endpoints/"+ping.ID, acme, map[string]any{"ordering": "fifo"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.ordering", "full mode")
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"ordering": "none"}), http.StatusOK, &e)
		if e.Ordering != "none" {
			t.Fatalf("patched to ordering %q", e.Ordering)
		}
	})
}
