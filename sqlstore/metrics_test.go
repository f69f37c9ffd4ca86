package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestQueueStats counts a queue with deliveries due, due later, held and
// leased, and endpoints enabled and disabled; and checks that an event
// keeps the request ID and traceparent it was published with.
func TestQueueStats(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		clock := hookd.NewManualClock(t0)
		box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(s, clock, box, nil)
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
		if err != nil {
			t.Fatal(err)
		}
		var eps []*hookd.Endpoint
		for range 3 {
			ep, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{URL: "https://receiver.example.com/hook", Name: "r"})
			if err != nil {
				t.Fatal(err)
			}
			eps = append(eps, ep)
		}
		if _, err := a.DisableEndpoint(ctx, tn.ID, eps[2].ID, hookd.DisabledByUser); err != nil {
			t.Fatal(err)
		}
		st, err := s.QueueStats(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if want := (hookd.QueueStats{EndpointsEnabled: 2, EndpointsDisabled: 1}); st != want {
			t.Errorf("empty queue: %+v, want %+v", st, want)
		}

		// Two events, each to the two enabled endpoints (due) and the
		// disabled one (held); one delivery is then claimed (leased).
		const traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		pubCtx := hookd.WithRequestID(ctx, "req-42")
		in := app.PublishInput{Type: "user.created", Data: []byte(`{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"}}`)}
		first, _, err := a.Publish(pubCtx, tn.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if _, _, err := a.Publish(ctx, tn.ID, in); err != nil {
			t.Fatal(err)
		}
		claimed := sqlstoretest.ClaimDue(t, s, clock.Now(), clock.Now().Add(time.Minute), 1)
		if len(claimed) != 1 {
			t.Fatalf("claimed %d deliveries, want 1", len(claimed))
		}

		now := t0.Add(time.Minute)
		st, err = s.QueueStats(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		want := hookd.QueueStats{Due: 3, Held: 2, Leased: 1, OldestDue: t0, EndpointsEnabled: 2, EndpointsDisabled: 1}
		if st != want {
			t.Errorf("QueueStats = %+v, want %+v", st, want)
		}
		// Before the deliveries' time they are not due yet.
		st, err = s.QueueStats(ctx, t0.Add(-time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if st.Due != 0 || st.Scheduled != 3 || !st.OldestDue.IsZero() {
			t.Errorf("a second before: %+v, want 3 scheduled and none due", st)
		}

		e, err := s.Event(ctx, tn.ID, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e.RequestID != "req-42" || e.TraceParent != "" {
			t.Errorf("event kept request ID %q, traceparent %q; want req-42 and none", e.RequestID, e.TraceParent)
		}
		e.ID, e.TraceParent, e.IdempotencyKey = hookd.NewID(hookd.PrefixEvent), traceParent, ""
		if _, err := s.PublishEvent(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.EventsByID(ctx, []string{e.ID})
		if err != nil || len(got) != 1 || got[0].TraceParent != traceParent || got[0].RequestID != "req-42" {
			t.Errorf("EventsByID = %+v, %v; want the traceparent and request ID kept", got, err)
		}
	})
}
