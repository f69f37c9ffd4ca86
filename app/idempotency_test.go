package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func TestIdempotencyKeyReuseWithDifferentBodyIsRefused(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		evEndpoint(t, a, tn, "all")
		first := app.PublishInput{Type: "webhook.test", Data: json.RawMessage(`{"message": "pay 5"}`), IdempotencyKey: "order-1"}
		e, replayed, err := a.Publish(ctx, tn, first)
		if err != nil || replayed {
			t.Fatalf("first publish: %v, replayed %v", err, replayed)
		}
		clock.Advance(time.Hour)
		for _, other := range []app.PublishInput{
			{Type: "webhook.test", Data: json.RawMessage(`{"message":"pay 500"}`), IdempotencyKey: "order-1"},
			{Type: "user.created", Data: json.RawMessage(mustExample(hookd.EventUserCreated)), IdempotencyKey: "order-1"},
		} {
			_, _, err := a.Publish(ctx, tn, other)
			wantFieldError(t, err, "header.Idempotency-Key", "was used less than 24h0m0s ago for event "+e.ID)
			if !errors.Is(err, app.ErrIdempotencyKeyReused) {
				t.Fatalf("err = %v, want ErrIdempotencyKeyReused", err)
			}
		}
		// The same request (whitespace aside) is answered with the first event.
		again, replayed, err := a.Publish(ctx, tn, app.PublishInput{Type: "webhook.test", Data: json.RawMessage(`{"message":"pay 5"}`), IdempotencyKey: "order-1"})
		if err != nil || !replayed || again.ID != e.ID {
			t.Fatalf("replay: %+v, replayed %v, err %v; want %s", again, replayed, err, e.ID)
		}
		p, err := a.ListEvents(ctx, tn, "", hookd.ListParams{Limit: 10})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("events: %+v, %v; want only the first", p.Items, err)
		}
		// After the window the key is free for another request.
		clock.Advance(hookd.IdempotencyWindow)
		if _, replayed, err := a.Publish(ctx, tn, app.PublishInput{Type: "webhook.test", Data: json.RawMessage(`{"message":"pay 7"}`), IdempotencyKey: "order-1"}); err != nil || replayed {
			t.Fatalf("after the window: %v, replayed %v", err, replayed)
		}
	})
}
