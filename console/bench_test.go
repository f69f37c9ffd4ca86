package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// Volumes of the page benchmark's tenant.
const (
	benchEndpoints  = 10
	benchDeliveries = 10_000 // benchEndpoints per event
)

// BenchmarkPages measures the server time of each console page, from the
// request to the last byte of the answer (session check included), for a
// tenant with 10 endpoints and 10,000 deliveries in its history: 90 %
// succeeded, 8 % failed, 2 % pending, each sent one with a recorded
// attempt (request and response); with 2,000 inbound calls (half failed),
// 1,000 users and 1,000 tickets. PostgreSQL runs when
// HOOKD_TEST_POSTGRES_URL is set.
//
//	go test -run '^$' -bench BenchmarkPages -benchtime 50x ./console/
func BenchmarkPages(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPages(b, sqlstoretest.SQLite(b)) })
	if os.Getenv(sqlstoretest.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { benchPages(b, sqlstoretest.Postgres(b)) })
	}
}

func benchPages(b *testing.B, s *sqlstore.Store) {
	ctx := context.Background()
	h := newHarness(b, s)
	if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
		b.Fatal(err)
	}
	var token string
	for i := range 20 {
		_, t, err := h.app.CreateAccessToken(ctx, admin(h.tenant), app.NewAccessToken{Name: fmt.Sprintf("token %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		token = t
	}
	// Before the endpoints exist, so that the directory's events add no
	// deliveries to the history.
	seedInbound(b, h, token)
	eps := seedHistory(b, h)
	one, failed, event := pickDeliveries(b, h)
	// Sign in after seeding, which moved the clock by hours.
	_, session, err := h.app.SignIn(ctx, app.SignInInput{Email: adminEmail, Password: adminPassword})
	if err != nil {
		b.Fatal(err)
	}
	_, opSession, err := h.app.SignInOperator(ctx, h.opToken, "", "")
	if err != nil {
		b.Fatal(err)
	}

	pages := []struct{ name, path, session string }{
		{"overview", "/", session},
		{"webhooks", "/webhooks", session},
		{"webhooks_sorted_by_state", "/webhooks?sort=state", session},
		{"endpoint", "/webhooks/" + eps[0].ID, session},
		{"webhooks_documentation", "/webhooks/documentation", session},
		{"history", "/history", session},
		{"history_failed", "/history?state=failed", session},
		{"history_held", "/history?state=held", session},
		{"history_by_result", "/history?sort=state", session},
		{"history_endpoint", "/history?endpoint=" + eps[3].ID, session},
		{"history_search_event", "/history?q=" + event, session},
		{"history_search_type", "/history?q=organization", session},
		{"history_by_type", "/history?sort=event_type", session},
		{"history_by_sent_at", "/history?sort=-last_attempt_at", session},
		{"delivery", "/history/" + one, session},
		{"delivery_failed", "/history/" + failed, session},
		{"api", "/api-access", session},
		{"access_tokens", "/access-tokens", session},
		{"inbound", "/inbound", session},
		{"inbound_failed", "/inbound?failed=true", session},
		{"inbound_search", "/inbound?q=modifyuser", session},
		{"directory_users", "/directory", session},
		{"directory_users_search", "/directory?q=lovelace", session},
		{"directory_tickets", "/directory?tab=tickets", session},
		{"operator_tenants", "/operator/tenants", opSession},
		{"operator_health", "/operator/health", opSession},
	}
	handler := h.console.Handler()
	for _, pg := range pages {
		b.Run(pg.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, pg.path, nil)
			req.AddCookie(&http.Cookie{Name: "hookd_session", Value: pg.session})
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("GET %s: %d\n%.1000s", pg.path, w.Code, w.Body)
			}
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}

// seedHistory gives the tenant benchEndpoints endpoints and benchDeliveries
// Inbound and directory data of the page benchmark.
const (
	benchInboundCalls = 2000 // half adduser (a user each), half failed modifyuser
	benchTickets      = 1000
)

// seedInbound fills the inbound log and the directory: benchInboundCalls
// provisioning calls through a destination, half of them failed, which add
// benchInboundCalls/2 users, and benchTickets tickets.
func seedInbound(b *testing.B, h *harness, token string) {
	ctx := context.Background()
	d, err := h.app.CreateProvisioningDestination(ctx, h.tenant.ID, app.CreateDestinationInput{Name: "HR"})
	if err != nil {
		b.Fatal(err)
	}
	header := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"}}
	for i := range benchInboundCalls {
		op, body := hookd.AddUser, fmt.Sprintf(`{"employee_id":"%05d","first_name":"Ada","last_name":"Lovelace %05d","email":"ada%05d@example.com"}`, i, i, i)
		if i%2 == 1 {
			op, body = hookd.ModifyUser, fmt.Sprintf(`{"employee_id":"x%05d","first_name":"Nobody"}`, i)
		}
		res, err := h.app.ReceiveInbound(ctx, app.InboundRequest{TenantSlug: "acme", Kind: hookd.InboundProvisioning,
			DestinationID: d.ID, Operation: op, Method: http.MethodPost, Path: "/hooks/acme/provisioning/" + d.ID + "/" + string(op),
			SourceIP: "203.0.113.7", Header: header, Body: []byte(body)})
		if hookd.ErrorCode(err) == hookd.EINTERNAL || res == nil || res.Call == nil {
			b.Fatalf("inbound call %d: %v", i, err)
		}
		h.clock.Advance(time.Second)
	}
	for i := range benchTickets {
		if _, err := h.app.CreateTicket(ctx, h.tenant.ID, app.CreateTicketInput{Title: fmt.Sprintf("Printer %d is on fire", i),
			RequesterEmail: fmt.Sprintf("ada%05d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// deliveries, as the workers would have left them.
func seedHistory(b *testing.B, h *harness) []*hookd.Endpoint {
	ctx := context.Background()
	var eps []*hookd.Endpoint
	for i := range benchEndpoints {
		e, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{
			Name: fmt.Sprintf("Receiver %02d", i), URL: fmt.Sprintf("https://r%02d.example/hooks", i)})
		if err != nil {
			b.Fatal(err)
		}
		eps = append(eps, e)
	}
	types := []string{hookd.EventUserCreated, hookd.EventUserUpdated, hookd.EventUserLogin, hookd.EventOrganizationUpdated}
	examples := map[string][]byte{}
	for _, et := range hookd.BuiltinEventTypes() {
		examples[et.Name] = et.Example
	}
	for i := range benchDeliveries / benchEndpoints {
		now := h.clock.Now()
		typ := types[i%len(types)]
		e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: h.tenant.ID, Type: typ, Data: examples[typ],
			Timestamp: now, CreatedAt: now}
		ds := make([]*hookd.Delivery, 0, len(eps))
		for _, ep := range eps {
			ds = append(ds, &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: h.tenant.ID, EventID: e.ID,
				EndpointID: ep.ID, EventType: typ, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now})
		}
		if _, err := h.store.PublishEvent(ctx, e, ds); err != nil {
			b.Fatal(err)
		}
		h.clock.Advance(time.Minute)
	}
	// Send all but 2 % of them: succeeded or failed, one attempt each.
	sent := 0
	for sent < benchDeliveries*98/100 {
		now := h.clock.Now()
		limit := min(500, benchDeliveries*98/100-sent)
		claimed := sqlstoretest.ClaimDue(b, h.store, now, now.Add(time.Minute), limit)
		var results []hookd.DeliveryResult
		for _, d := range claimed {
			sent++
			status, state, body := 200, hookd.DeliverySucceeded, `{"received":true}`
			if sent%12 == 0 {
				status, state, body = 500, hookd.DeliveryFailed, `{"error":"the receiver is down"}`
			}
			results = append(results, hookd.DeliveryResult{DeliveryID: d.ID, State: state, RunAt: now, Attempt: &hookd.Attempt{
				ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID, EndpointID: d.EndpointID,
				URL: "https://receiver.example/hooks",
				RequestHeaders: map[string][]string{"Content-Type": {"application/json"}, "Webhook-Id": {d.EventID},
					"Webhook-Timestamp": {"1795426867"}, "Webhook-Signature": {"v1,QRV6eCjDE7W+kkW2TTD9uSB94yrga0rUOjhxBAR79es="}},
				RequestBody:     fmt.Sprintf(`{"id":%q,"type":%q,"timestamp":"2026-11-23T09:41:07Z","data":%s}`, d.EventID, d.EventType, examples[d.EventType]),
				ResponseStatus:  status,
				ResponseHeaders: map[string][]string{"Content-Type": {"application/json"}, "Date": {"Mon, 23 Nov 2026 09:41:07 GMT"}},
				ResponseBody:    body,
				Duration:        35 * time.Millisecond,
				CreatedAt:       now,
			}})
		}
		endpoints := make([]hookd.EndpointResult, 0, len(eps))
		for _, ep := range eps {
			endpoints = append(endpoints, hookd.EndpointResult{EndpointID: ep.ID, TriggeredAt: now})
		}
		if err := h.store.RecordDeliveries(ctx, results, endpoints); err != nil {
			b.Fatal(err)
		}
	}
	return eps
}

// pickDeliveries returns a succeeded and a failed delivery and an event
// with deliveries.
func pickDeliveries(b *testing.B, h *harness) (succeeded, failed, event string) {
	ctx := context.Background()
	for _, state := range []hookd.DeliveryState{hookd.DeliverySucceeded, hookd.DeliveryFailed} {
		page, err := h.app.ListDeliveries(ctx, h.tenant.ID, hookd.DeliveryFilter{State: state}, hookd.ListParams{Limit: 1})
		if err != nil || len(page.Items) == 0 {
			b.Fatalf("no %s delivery: %v", state, err)
		}
		if state == hookd.DeliverySucceeded {
			succeeded, event = page.Items[0].ID, page.Items[0].EventID
		} else {
			failed = page.Items[0].ID
		}
	}
	total, err := h.app.ListDeliveries(ctx, h.tenant.ID, hookd.DeliveryFilter{}, hookd.ListParams{Limit: hookd.MaxListLimit})
	if err != nil || total.NextCursor == "" {
		b.Fatalf("the history has one page only: %v", err)
	}
	return succeeded, failed, event
}
