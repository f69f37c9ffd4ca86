package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// evEndpoint creates an endpoint subscribed to types (all if none).
func evEndpoint(t *testing.T, a *app.App, tn, name string, types ...string) *hookd.Endpoint {
	t.Helper()
	e, err := a.CreateEndpoint(context.Background(), tn, app.CreateEndpointInput{Name: name, URL: "https://" + name + ".example/h", EventTypes: types})
	if err != nil {
		t.Fatalf("CreateEndpoint(%s): %v", name, err)
	}
	return e
}

func evUserCreated() app.PublishInput {
	return app.PublishInput{Type: "user.created", Data: json.RawMessage(mustExample(hookd.EventUserCreated))}
}

// mustExample returns the example data of a built-in type.
func mustExample(name string) string {
	for _, t := range hookd.BuiltinEventTypes() {
		if t.Name == name {
			return string(t.Example)
		}
	}
	panic("no built-in type " + name)
}

func TestPublishFanOut(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		other := etTenant(t, a, "other", hookd.PlanEnterprise)
		all := evEndpoint(t, a, tn, "all")
		subscribed := evEndpoint(t, a, tn, "subscribed", "user.created")
		disabled := evEndpoint(t, a, tn, "disabled", "user.created", "ticket.created")
		if _, err := a.DisableEndpoint(ctx, tn, disabled.ID, ""); err != nil {
			t.Fatal(err)
		}
		evEndpoint(t, a, tn, "unsubscribed", "ticket.created")
		evEndpoint(t, a, other, "theirs")

		e, replayed, err := a.Publish(ctx, tn, evUserCreated())
		if err != nil {
			t.Fatal(err)
		}
		if replayed || !strings.HasPrefix(e.ID, "evt_") || e.Type != "user.created" || !e.Timestamp.Equal(clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("event %+v, replayed %v", e, replayed)
		}
		got, ds, err := a.Event(ctx, tn, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Data) != string(e.Data) {
			t.Fatalf("data %s, want %s", got.Data, e.Data)
		}
		states := map[string]hookd.DeliveryState{}
		for _, d := range ds {
			states[d.EndpointID] = d.State
			if d.EventID != e.ID || d.EventType != "user.created" || d.Attempts != 0 || !d.RunAt.Equal(e.CreatedAt) || !strings.HasPrefix(d.ID, "dlv_") {
				t.Errorf("delivery %+v", d)
			}
		}
		want := map[string]hookd.DeliveryState{
			all.ID: hookd.DeliveryPending, subscribed.ID: hookd.DeliveryPending, disabled.ID: hookd.DeliveryHeld,
		}
		if len(states) != len(want) {
			t.Fatalf("deliveries %v, want %v", states, want)
		}
		for id, st := range want {
			if states[id] != st {
				t.Errorf("endpoint %s: state %q, want %q", id, states[id], st)
			}
		}

		// The other tenant sees nothing of it.
		_, _, err = a.Event(ctx, other, e.ID)
		wantErrorCode(t, err, hookd.ENOTFOUND)
		page, err := a.ListEvents(ctx, tn, "", hookd.ListParams{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("list: %v, %v", page.Items, err)
		}
	})
}

func TestPublishIdempotency(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		evEndpoint(t, a, tn, "all")
		in := evUserCreated()
		in.IdempotencyKey = "order-1"
		first, replayed, err := a.Publish(ctx, tn, in)
		if err != nil || replayed {
			t.Fatalf("first: %v, replayed %v", err, replayed)
		}
		clock.Advance(23 * time.Hour)
		again, ds, replayed, err := a.PublishWithDeliveries(ctx, tn, in)
		if err != nil || !replayed || again.ID != first.ID || len(ds) != 1 {
			t.Fatalf("replay: %+v, %d deliveries, replayed %v, %v", again, len(ds), replayed, err)
		}
		clock.Advance(time.Hour)
		later, replayed, err := a.Publish(ctx, tn, in)
		if err != nil || replayed || later.ID == first.ID {
			t.Fatalf("after 24 h: %+v, replayed %v, %v", later, replayed, err)
		}
		page, err := a.ListEvents(ctx, tn, "", hookd.ListParams{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("events %d, %v; want 2", len(page.Items), err)
		}
		in.IdempotencyKey = strings.Repeat("k", 256)
		_, _, err = a.Publish(ctx, tn, in)
		wantFieldError(t, err, "header.Idempotency-Key")
	})
}

func TestPublishValidation(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
	if _, err := a.CreateEventType(ctx, tn, assessmentInput()); err != nil {
		t.Fatal(err)
	}
	_, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "assessment.completed",
		Data: json.RawMessage(`{"assessment_id": "a", "score": 1, "answers": [{"q": 5}]}`)})
	wantFieldError(t, err, "body.data", "/answers/0/q")
	_, _, err = a.Publish(ctx, tn, app.PublishInput{Type: "no.such", Data: json.RawMessage(`{}`)})
	wantFieldError(t, err, "body.type")
	for _, data := range []string{``, `[1]`, `"x"`, `{"a":`, `{"x":"` + strings.Repeat("a", hookd.MaxEventDataBytes) + `"}`} {
		_, _, err = a.Publish(ctx, tn, app.PublishInput{Type: "assessment.completed", Data: json.RawMessage(data)})
		wantFieldError(t, err, "body.data")
	}
	page, err := a.ListEvents(ctx, tn, "", hookd.ListParams{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("rejected events were stored: %v, %v", page.Items, err)
	}
	// A valid one for a deprecated type still publishes.
	if _, err := a.UpdateEventType(ctx, tn, "assessment.completed", app.UpdateEventTypeInput{Deprecated: ptrTo(true)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Publish(ctx, tn, app.PublishInput{Type: "assessment.completed", Data: json.RawMessage(`{"assessment_id": "a", "score": 1}`)}); err != nil {
		t.Fatal(err)
	}
}

func TestPublishNeedsWebhooksPlan(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	free := etTenant(t, a, "free", hookd.PlanFree)
	_, _, err := a.Publish(ctx, free, evUserCreated())
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, _, err = a.Event(ctx, free, "evt_x")
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	_, err = a.ListEvents(ctx, free, "", hookd.ListParams{})
	wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
}
