package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
)

// TestEndpointFilterAPI puts a payload filter on an endpoint, shows it,
// refuses bad ones naming the bad part, removes it with null, and tries
// filters against examples.
func TestEndpointFilterAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		var e struct {
			ID     string          `json:"id"`
			Filter json.RawMessage `json:"filter"`
		}
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Big ones", "url": "https://hooks.example/a",
			"filter": map[string]any{"data.amount": map[string]any{"$gte": 100}}}), http.StatusCreated, &e)
		if string(e.Filter) != `{"data.amount":{"$gte":100}}` {
			t.Fatalf("created with filter %s", e.Filter)
		}
		path := "/api/v1/endpoints/" + e.ID
		etWantProblem(t, h.do("PATCH", path, acme, map[string]any{"filter": map[string]any{"data.amount": map[string]any{"$gt": true}}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.data.amount.$gt", "number or a string")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "x", "url": "https://hooks.example/a",
			"filter": map[string]any{"amount": 1}}), http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.amount", "data.amount")

		etWant(t, h.do("PATCH", path, acme, map[string]any{"filter": map[string]any{"type": map[string]any{"$startsWith": "user."}}}), http.StatusOK, &e)
		if string(e.Filter) != `{"type":{"$startsWith":"user."}}` {
			t.Fatalf("patched filter %s", e.Filter)
		}
		etWant(t, h.do("PATCH", path, acme, map[string]any{"name": "Renamed"}), http.StatusOK, &e)
		if string(e.Filter) != `{"type":{"$startsWith":"user."}}` {
			t.Fatalf("a patch without filter changed it to %s", e.Filter)
		}
		etWant(t, h.do("PATCH", path, acme, `{"filter": null}`), http.StatusOK, &e)
		if string(e.Filter) != "null" {
			t.Fatalf("filter after removing it: %s", e.Filter)
		}

		var got struct {
			Matches bool `json:"matches"`
		}
		try := func(filter, typ, data string) bool {
			t.Helper()
			got.Matches = false
			etWant(t, h.do("POST", "/api/v1/filters/test", acme, `{"filter":`+filter+`,"event":{"type":"`+typ+`","data":`+data+`}}`), http.StatusOK, &got)
			return got.Matches
		}
		if !try(`{"data.amount":{"$gte":100}}`, "invoice.paid", `{"amount":250}`) || try(`{"data.amount":{"$gte":100}}`, "invoice.paid", `{"amount":5}`) {
			t.Error("filter test: amount 250 must match, 5 must not")
		}
		if !try(`{"$or":[{"type":"a"},{"data.tags":"vip"}]}`, "b", `{"tags":["vip"]}`) {
			t.Error("filter test: $or over an array field")
		}
		etWantProblem(t, h.do("POST", "/api/v1/filters/test", acme, `{"filter":{"data.a":{"$in":3}},"event":{"type":"t","data":{}}}`),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.data.a.$in", "array")
		etWantProblem(t, h.do("POST", "/api/v1/filters/test", acme, `{"filter":{},"event":{"type":"t","data":[1]}}`),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.event.data", "object")
	})
}

// TestEndpointBatchWindowAPI sets, shows and bounds an endpoint's batching
// window.
func TestEndpointBatchWindowAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		var e struct {
			ID            string `json:"id"`
			BatchWindowMS int    `json:"batch_window_ms"`
		}
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Batched", "url": "https://hooks.example/a",
			"max_events_per_request": 10, "batch_window_ms": 500}), http.StatusCreated, &e)
		if e.BatchWindowMS != 500 {
			t.Fatalf("created with batch_window_ms %d", e.BatchWindowMS)
		}
		etWantProblem(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"batch_window_ms": 5001}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.batch_window_ms", "0 to 5000")
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"batch_window_ms": 0}), http.StatusOK, &e)
		if e.BatchWindowMS != 0 {
			t.Fatalf("patched to batch_window_ms %d", e.BatchWindowMS)
		}
	})
}
