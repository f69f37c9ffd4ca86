package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

type dlDelivery struct {
	ID          string    `json:"id"`
	EventID     string    `json:"event_id"`
	EventType   string    `json:"event_type"`
	EndpointID  string    `json:"endpoint_id"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	CreatedAt   time.Time `json:"created_at"`
	AttemptList []struct {
		ResponseStatus int    `json:"response_status"`
		Error          string `json:"error"`
	} `json:"attempt_list"`
}

type dlPage struct {
	Data       []dlDelivery `json:"data"`
	NextCursor *string      `json:"next_cursor"`
}

func TestDeliveryAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, s *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		other := h.tenant("other", hookd.PlanEnterprise)
		a := epCreate(t, h, acme, map[string]any{"name": "A", "url": "https://a.example"})
		b := epCreate(t, h, acme, map[string]any{"name": "B", "url": "https://b.example", "event_types": []string{"ticket.created"}})
		var ev evEvent
		etWant(t, evPublish(t, h, acme, "", evUserBody()), http.StatusAccepted, &ev)

		var page dlPage
		etWant(t, h.do("GET", "/api/v1/deliveries", acme, nil), http.StatusOK, &page)
		if len(page.Data) != 1 || page.Data[0].EndpointID != a.ID || page.Data[0].EventID != ev.ID ||
			page.Data[0].State != "pending" || page.Data[0].EventType != "user.created" {
			t.Fatalf("deliveries = %+v", page.Data)
		}
		id := page.Data[0].ID

		// Filters.
		var test dlDelivery
		etWant(t, h.do("POST", "/api/v1/endpoints/"+b.ID+"/test", acme, nil), http.StatusAccepted, &test)
		if test.EndpointID != b.ID || test.EventType != "webhook.test" || test.State != "pending" {
			t.Fatalf("test delivery = %+v", test)
		}
		for query, want := range map[string]int{
			"":                                2,
			"?endpoint_id=" + b.ID:            1,
			"?event_type=webhook.test":        1,
			"?event_id=" + ev.ID:              1,
			"?state=succeeded":                0,
			"?state=pending&sort=-created_at": 2,
			"?q=webhook":                      1,
			"?since=2100-01-01T00:00:00Z":     0,
			"?until=2100-01-01T00:00:00Z":     2,
		} {
			var p dlPage
			etWant(t, h.do("GET", "/api/v1/deliveries"+query, acme, nil), http.StatusOK, &p)
			if len(p.Data) != want {
				t.Errorf("GET /api/v1/deliveries%s: %d deliveries, want %d", query, len(p.Data), want)
			}
		}
		etWantProblem(t, h.do("GET", "/api/v1/deliveries?state=lost", acme, nil), http.StatusUnprocessableEntity, httpapi.TypeValidation, "query.state", "")

		var got dlDelivery
		etWant(t, h.do("GET", "/api/v1/deliveries/"+id, acme, nil), http.StatusOK, &got)
		if got.ID != id || got.AttemptList == nil || len(got.AttemptList) != 0 {
			t.Fatalf("delivery = %+v", got)
		}

		// A running delivery cannot be resent until its attempt is stored.
		now := h.clock.Now()
		sqlstoretest.ClaimDue(t, s, now, now.Add(time.Minute), 10, b.ID)
		etWantProblem(t, h.do("POST", "/api/v1/deliveries/"+id+"/resend", acme, nil), http.StatusConflict, httpapi.TypeConflict, "", "")
		if _, err := s.ReleaseExpiredLeases(context.Background(), now.Add(time.Hour), now); err != nil {
			t.Fatal(err)
		}
		var resent dlDelivery
		etWant(t, h.do("POST", "/api/v1/deliveries/"+id+"/resend", acme, nil), http.StatusAccepted, &resent)
		if resent.State != "pending" {
			t.Fatalf("resent = %+v", resent)
		}

		var rec struct{ Deliveries int }
		etWant(t, h.do("POST", "/api/v1/endpoints/"+a.ID+"/recover", acme, map[string]any{"since": "2020-01-01T00:00:00Z"}), http.StatusAccepted, &rec)
		if rec.Deliveries != 0 {
			t.Fatalf("recovered %d with nothing failed", rec.Deliveries)
		}
		etWantProblem(t, h.do("POST", "/api/v1/endpoints/"+a.ID+"/recover", acme, map[string]any{"since": "2100-01-01T00:00:00Z"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.since", "")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints/"+a.ID+"/recover", acme, map[string]any{"since": "yesterday"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.since", "RFC 3339")

		// Another tenant sees none of it.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/deliveries/" + id, nil},
			{"POST", "/api/v1/deliveries/" + id + "/resend", nil},
			{"POST", "/api/v1/endpoints/" + a.ID + "/recover", map[string]any{"since": "2020-01-01T00:00:00Z"}},
			{"POST", "/api/v1/endpoints/" + a.ID + "/test", nil},
		} {
			etWantProblem(t, h.do(c.method, c.path, other, c.body), http.StatusNotFound, httpapi.TypeNotFound, "", "")
		}
		var theirs dlPage
		etWant(t, h.do("GET", "/api/v1/deliveries", other, nil), http.StatusOK, &theirs)
		if len(theirs.Data) != 0 {
			t.Fatalf("other tenant lists %+v", theirs.Data)
		}
	})
}
