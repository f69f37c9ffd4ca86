package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
)

// TestReplayAPI previews, starts, follows, lists and cancels bulk replays
// over HTTP, and refuses bad filters naming the bad part.
func TestReplayAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		ctx := context.Background()
		acme := h.tenant("acme", hookd.PlanEnterprise)
		ep := epCreate(t, h, acme, map[string]any{"name": "A", "url": "https://hooks.example/a", "event_types": []string{"user.created"}})
		epCreate(t, h, acme, map[string]any{"name": "B", "url": "https://hooks.example/b", "event_types": []string{"user.created"}})
		const events = 3
		for range events {
			etWant(t, h.do("POST", "/api/v1/events", acme, `{"type": "user.created", "data": {"user": {"id": "usr_1", "employee_id": "E1",
				"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "status": "active"}}}`), http.StatusAccepted, nil)
		}
		h.clock.Advance(time.Minute)

		type replay struct {
			ID     string `json:"id"`
			State  string `json:"state"`
			Total  int    `json:"total"`
			Resent int    `json:"resent"`
			Sample []struct {
				EndpointID string `json:"endpoint_id"`
			} `json:"sample"`
			Filter struct {
				EndpointID string `json:"endpoint_id"`
				State      string `json:"state"`
			} `json:"filter"`
		}
		filter := map[string]any{"endpoint_id": ep.ID, "state": "pending"}
		var dry replay
		etWant(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": filter, "dry_run": true}), http.StatusOK, &dry)
		if dry.State != "preview" || dry.ID != "" || dry.Total != events || len(dry.Sample) != events || dry.Sample[0].EndpointID != ep.ID {
			t.Fatalf("dry run: %+v", dry)
		}
		var all replay
		etWant(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": map[string]any{}, "dry_run": true}), http.StatusOK, &all)
		if all.Total != 2*events {
			t.Fatalf("dry run of every delivery: %d, want %d", all.Total, 2*events)
		}

		var r replay
		etWant(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": filter}), http.StatusAccepted, &r)
		if r.State != "running" || r.Total != events || r.Resent != 0 || r.Filter.EndpointID != ep.ID || r.Filter.State != "pending" {
			t.Fatalf("started: %+v", r)
		}
		if n, err := h.app.RunReplays(ctx); err != nil || n != events {
			t.Fatalf("the background run resent %d (%v), want %d", n, err, events)
		}
		etWant(t, h.do("GET", "/api/v1/replays/"+r.ID, acme, nil), http.StatusOK, &r)
		if r.State != "done" || r.Resent != events {
			t.Fatalf("after the run: %+v", r)
		}

		var c replay
		etWant(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": filter}), http.StatusAccepted, &c)
		etWant(t, h.do("POST", "/api/v1/replays/"+c.ID+"/cancel", acme, nil), http.StatusOK, &c)
		if c.State != "cancelled" {
			t.Fatalf("cancelled: %+v", c)
		}
		var page struct{ Data []replay }
		etWant(t, h.do("GET", "/api/v1/replays", acme, nil), http.StatusOK, &page)
		if len(page.Data) != 2 || page.Data[0].ID != c.ID || page.Data[1].ID != r.ID {
			t.Fatalf("list: %+v", page.Data)
		}

		other := h.tenant("other", hookd.PlanEnterprise)
		etWantProblem(t, h.do("GET", "/api/v1/replays/"+r.ID, other, nil), http.StatusNotFound, httpapi.TypeNotFound, "", "")
		etWantProblem(t, h.do("POST", "/api/v1/replays", other, map[string]any{"filter": filter, "dry_run": true}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.endpoint_id", "not an endpoint")
		etWantProblem(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": map[string]any{"status_class": "6xx"}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.status_class", "")
		etWantProblem(t, h.do("POST", "/api/v1/replays", acme, map[string]any{"filter": map[string]any{"since": h.clock.Now().Add(time.Hour)}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.filter.since", "future")
	})
}
