package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
)

// evEvent is an event as a client reads it.
type evEvent struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Timestamp  time.Time       `json:"timestamp"`
	Data       json.RawMessage `json:"data"`
	Deliveries json.RawMessage `json:"deliveries"`
}

type evDelivery struct {
	ID         string    `json:"id"`
	EndpointID string    `json:"endpoint_id"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	RunAt      time.Time `json:"run_at"`
}

type evPage struct {
	Data       []evEvent `json:"data"`
	NextCursor *string   `json:"next_cursor"`
}

// evPublish posts an event with an optional Idempotency-Key.
func evPublish(t *testing.T, h *etHarness, auth, key string, body any) *etResponse {
	t.Helper()
	j, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", h.url+"/api/v1/events", bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := h.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &etResponse{method: "POST", path: "/api/v1/events", status: res.StatusCode, header: res.Header, body: b}
}

func evUserBody() map[string]any {
	for _, et := range hookd.BuiltinEventTypes() {
		if et.Name == hookd.EventUserCreated {
			return map[string]any{"type": et.Name, "data": et.Example}
		}
	}
	panic("no user.created")
}

func evDeliveries(t *testing.T, e evEvent) []evDelivery {
	t.Helper()
	var ds []evDelivery
	if err := json.Unmarshal(e.Deliveries, &ds); err != nil {
		t.Fatalf("deliveries %s: %v", e.Deliveries, err)
	}
	return ds
}

func TestEventAPIPublish(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		on := epCreate(t, h, acme, map[string]any{"name": "On", "url": "https://on.example", "event_types": []string{"user.created"}})
		off := epCreate(t, h, acme, map[string]any{"name": "Off", "url": "https://off.example"})
		etWant(t, h.do("POST", "/api/v1/endpoints/"+off.ID+"/disable", acme, nil), http.StatusOK, nil)
		epCreate(t, h, acme, map[string]any{"name": "Tickets", "url": "https://t.example", "event_types": []string{"ticket.created"}})

		r := evPublish(t, h, acme, "", evUserBody())
		var pub evEvent
		etWant(t, r, http.StatusAccepted, &pub)
		if r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("a first publish says Idempotent-Replayed: %q", r.header.Get("Idempotent-Replayed"))
		}
		if !strings.HasPrefix(pub.ID, "evt_") || pub.Type != "user.created" || string(pub.Deliveries) != "2" ||
			!pub.Timestamp.Equal(h.clock.Now()) {
			t.Fatalf("published %s", r.body)
		}
		// Stored before the answer: GET finds it at once, with its deliveries.
		var got evEvent
		etWant(t, h.do("GET", "/api/v1/events/"+pub.ID, acme, nil), http.StatusOK, &got)
		if got.ID != pub.ID || string(got.Data) != string(pub.Data) {
			t.Fatalf("got %+v, want %+v", got, pub)
		}
		states := map[string]string{}
		for _, d := range evDeliveries(t, got) {
			states[d.EndpointID] = d.State
			if !strings.HasPrefix(d.ID, "dlv_") || d.Attempts != 0 || !d.RunAt.Equal(h.clock.Now()) {
				t.Errorf("delivery %+v", d)
			}
		}
		if len(states) != 2 || states[on.ID] != "pending" || states[off.ID] != "held" {
			t.Fatalf("delivery states %v", states)
		}

		// List, newest first, filtered by type.
		h.clock.Advance(time.Second)
		etWant(t, evPublish(t, h, acme, "", map[string]any{"type": "webhook.test", "data": map[string]any{"message": "hi"}}), http.StatusAccepted, nil)
		var p evPage
		etWant(t, h.do("GET", "/api/v1/events?sort=-created_at", acme, nil), http.StatusOK, &p)
		if len(p.Data) != 2 || p.Data[0].Type != "webhook.test" || p.Data[1].ID != pub.ID {
			t.Fatalf("list %+v", p.Data)
		}
		etWant(t, h.do("GET", "/api/v1/events?type=user.created", acme, nil), http.StatusOK, &p)
		if len(p.Data) != 1 || p.Data[0].ID != pub.ID {
			t.Fatalf("list by type %+v", p.Data)
		}
	})
}

func TestEventAPIIdempotency(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		epCreate(t, h, acme, map[string]any{"name": "On", "url": "https://on.example"})
		first := evPublish(t, h, acme, "order-1", evUserBody())
		etWant(t, first, http.StatusAccepted, nil)
		h.clock.Advance(time.Hour)
		again := evPublish(t, h, acme, "order-1", evUserBody())
		etWant(t, again, http.StatusAccepted, nil)
		if again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay header %q", again.header.Get("Idempotent-Replayed"))
		}
		if string(again.body) != string(first.body) {
			t.Fatalf("replay body %s, want %s", again.body, first.body)
		}
		var p evPage
		etWant(t, h.do("GET", "/api/v1/events", acme, nil), http.StatusOK, &p)
		if len(p.Data) != 1 {
			t.Fatalf("events after replay: %d, want 1", len(p.Data))
		}
		// Another tenant's same key is its own.
		other := h.tenant("other", hookd.PlanEnterprise)
		var theirs evEvent
		etWant(t, evPublish(t, h, other, "order-1", evUserBody()), http.StatusAccepted, &theirs)
		if strings.Contains(string(first.body), theirs.ID) {
			t.Fatal("another tenant got acme's event")
		}
		etWantProblem(t, evPublish(t, h, acme, strings.Repeat("k", 256), evUserBody()), http.StatusUnprocessableEntity,
			httpapi.TypeValidation, "", "")
	})
}

func TestEventAPIValidation(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		etWant(t, h.do("POST", "/api/v1/event-types", acme, etCreateBody()), http.StatusCreated, nil)
		etWantProblem(t, evPublish(t, h, acme, "", map[string]any{"type": "assessment.completed", "data": map[string]any{"assessment_id": "a", "score": 101}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.data", "/score")
		etWantProblem(t, evPublish(t, h, acme, "", map[string]any{"type": "no.such", "data": map[string]any{}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.type", "")
		etWantProblem(t, evPublish(t, h, acme, "", map[string]any{"type": "assessment.completed", "data": []int{1}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.data", "object")
		var p evPage
		etWant(t, h.do("GET", "/api/v1/events", acme, nil), http.StatusOK, &p)
		if len(p.Data) != 0 {
			t.Fatalf("rejected events listed: %+v", p.Data)
		}
		// A free plan: 403.
		if _, err := h.app.UpdateTenant(context.Background(), "acme", epFreePlan()); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*etResponse{
			evPublish(t, h, acme, "", evUserBody()),
			h.do("GET", "/api/v1/events", acme, nil),
			h.do("GET", "/api/v1/events/evt_x", acme, nil),
		} {
			etWantProblem(t, r, http.StatusForbidden, httpapi.TypePlanForbidden, "", "")
		}
	})
}

func TestEventAPICrossTenant(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		other := h.tenant("other", hookd.PlanEnterprise)
		var pub evEvent
		etWant(t, evPublish(t, h, acme, "", evUserBody()), http.StatusAccepted, &pub)
		etWantProblem(t, h.do("GET", "/api/v1/events/"+pub.ID, other, nil), http.StatusNotFound, httpapi.TypeNotFound, "", "")
		var p evPage
		etWant(t, h.do("GET", "/api/v1/events", other, nil), http.StatusOK, &p)
		if len(p.Data) != 0 {
			t.Fatalf("other tenant lists %+v", p.Data)
		}
		etWant(t, h.do("GET", "/api/v1/events/"+pub.ID, acme, nil), http.StatusOK, nil)
	})
}
