package storetest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// evNewEvent returns an event of tn, not yet stored.
func evNewEvent(tn *hookd.Tenant, typ, key string, created time.Time) *hookd.Event {
	return &hookd.Event{
		ID:             hookd.NewID(hookd.PrefixEvent),
		TenantID:       tn.ID,
		Type:           typ,
		Data:           json.RawMessage(`{"n":1}`),
		Timestamp:      created,
		IdempotencyKey: key,
		CreatedAt:      created,
	}
}

// evNewDelivery returns a delivery of e to ep, not yet stored.
func evNewDelivery(e *hookd.Event, ep *hookd.Endpoint, state hookd.DeliveryState) *hookd.Delivery {
	return &hookd.Delivery{
		ID:         hookd.NewID(hookd.PrefixDelivery),
		TenantID:   e.TenantID,
		EventID:    e.ID,
		EndpointID: ep.ID,
		EventType:  e.Type,
		State:      state,
		RunAt:      e.CreatedAt,
		CreatedAt:  e.CreatedAt,
		UpdatedAt:  e.CreatedAt,
	}
}

// evCount returns how many events the tenant has.
func evCount(t *testing.T, s hookd.Store, tn *hookd.Tenant) int {
	t.Helper()
	page, err := s.ListEvents(t.Context(), tn.ID, "", hookd.ListParams{Limit: hookd.MaxListLimit})
	must(t, err)
	return len(page.Items)
}

var eventTests = []storeTest{
	{"PublishRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, b := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "B", t0)
		e := evNewEvent(tn, "user.created", "", at(1500*time.Nanosecond))
		da, db := evNewDelivery(e, a, hookd.DeliveryPending), evNewDelivery(e, b, hookd.DeliveryHeld)
		db.LeaseUntil = ptr(at(time.Minute))
		existing, err := s.PublishEvent(ctx, e, []*hookd.Delivery{da, db})
		must(t, err)
		if existing != nil {
			t.Fatalf("existing = %s, want nil", show(existing))
		}
		if !e.CreatedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("CreatedAt = %v, want rounded down to microseconds", e.CreatedAt)
		}
		got, err := s.Event(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "Event", got, e)
		ds, err := s.ListDeliveriesForEvent(ctx, tn.ID, e.ID)
		must(t, err)
		byID := map[string]*hookd.Delivery{}
		for _, d := range ds {
			byID[d.ID] = d
		}
		if len(ds) != 2 {
			t.Fatalf("deliveries = %s, want 2", show(ds))
		}
		wantEqual(t, "delivery a", byID[da.ID], da)
		wantEqual(t, "delivery b", byID[db.ID], db)

		// No deliveries at all is fine.
		lone := evNewEvent(tn, "user.updated", "", t0)
		_, err = s.PublishEvent(ctx, lone, nil)
		must(t, err)
		ds, err = s.ListDeliveriesForEvent(ctx, tn.ID, lone.ID)
		must(t, err)
		if ds == nil || len(ds) != 0 {
			t.Fatalf("deliveries of lone event = %#v, want empty", ds)
		}
	}},
	{"Atomic", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		first := evNewEvent(tn, "user.created", "", t0)
		d := evNewDelivery(first, ep, hookd.DeliveryPending)
		_, err := s.PublishEvent(ctx, first, []*hookd.Delivery{d})
		must(t, err)

		// The second delivery reuses an ID: nothing of the event stays,
		// not even its idempotency key.
		e := evNewEvent(tn, "user.created", "key-1", at(time.Second))
		ok := evNewDelivery(e, ep, hookd.DeliveryPending)
		dup := evNewDelivery(e, ep, hookd.DeliveryPending)
		dup.ID = d.ID
		_, err = s.PublishEvent(ctx, e, []*hookd.Delivery{ok, dup})
		wantCode(t, err, hookd.ECONFLICT)
		_, err = s.Event(ctx, tn.ID, e.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		ds, err := s.ListDeliveriesForEvent(ctx, tn.ID, e.ID)
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("deliveries left = %s", show(ds))
		}
		if n := evCount(t, s, tn); n != 1 {
			t.Fatalf("events = %d, want 1", n)
		}
		// An unknown endpoint is ENOTFOUND, and nothing is stored.
		e2 := evNewEvent(tn, "user.created", "key-1", at(2*time.Second))
		_, err = s.PublishEvent(ctx, e2, []*hookd.Delivery{evNewDelivery(e2, &hookd.Endpoint{ID: "ep_gone"}, hookd.DeliveryPending)})
		wantCode(t, err, hookd.ENOTFOUND)
		if n := evCount(t, s, tn); n != 1 {
			t.Fatalf("events = %d, want 1", n)
		}
		// The key was not used up by the failures.
		e3 := evNewEvent(tn, "user.created", "key-1", at(3*time.Second))
		existing, err := s.PublishEvent(ctx, e3, nil)
		must(t, err)
		if existing != nil {
			t.Fatalf("existing = %s after failed publishes, want nil", show(existing))
		}
	}},
	{"Idempotency", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		ep := createEndpoint(t, s, tn, "A", t0)
		first := evNewEvent(tn, "user.created", "k", t0)
		_, err := s.PublishEvent(ctx, first, []*hookd.Delivery{evNewDelivery(first, ep, hookd.DeliveryPending)})
		must(t, err)

		// Within the window: the first event, and nothing new.
		again := evNewEvent(tn, "user.updated", "k", at(hookd.IdempotencyWindow-time.Microsecond))
		existing, err := s.PublishEvent(ctx, again, []*hookd.Delivery{evNewDelivery(again, ep, hookd.DeliveryPending)})
		must(t, err)
		wantEqual(t, "existing", existing, first)
		if _, err := s.Event(ctx, tn.ID, again.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("the replayed event was stored: %v", err)
		}
		ds, err := s.ListDeliveriesForEvent(ctx, tn.ID, again.ID)
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("the replay stored deliveries %s", show(ds))
		}

		// Another tenant's key is its own.
		theirs := evNewEvent(other, "user.created", "k", at(time.Minute))
		existing, err = s.PublishEvent(ctx, theirs, nil)
		must(t, err)
		if existing != nil {
			t.Fatalf("other tenant got %s", show(existing))
		}

		// Another key is another event.
		k2 := evNewEvent(tn, "user.created", "k2", at(time.Minute))
		existing, err = s.PublishEvent(ctx, k2, nil)
		must(t, err)
		if existing != nil {
			t.Fatalf("key k2 got %s", show(existing))
		}

		// After the window: a new event, and the key now answers with it.
		later := evNewEvent(tn, "user.created", "k", at(hookd.IdempotencyWindow))
		existing, err = s.PublishEvent(ctx, later, []*hookd.Delivery{evNewDelivery(later, ep, hookd.DeliveryPending)})
		must(t, err)
		if existing != nil {
			t.Fatalf("after 24 h got %s, want a new event", show(existing))
		}
		if _, err := s.Event(ctx, tn.ID, later.ID); err != nil {
			t.Fatalf("the new event was not stored: %v", err)
		}
		replay := evNewEvent(tn, "user.created", "k", at(hookd.IdempotencyWindow+time.Hour))
		existing, err = s.PublishEvent(ctx, replay, nil)
		must(t, err)
		wantEqual(t, "existing after renewal", existing, later)
		if n := evCount(t, s, tn); n != 3 {
			t.Fatalf("events = %d, want 3", n)
		}
	}},
	{"IdempotencyRace", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		const n = 8
		stored := make(chan string, n)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := evNewEvent(tn, "user.created", "race", at(time.Duration(i)*time.Millisecond))
				existing, err := s.PublishEvent(ctx, e, []*hookd.Delivery{evNewDelivery(e, ep, hookd.DeliveryPending)})
				switch {
				case err != nil:
					errs <- err
				case existing == nil:
					stored <- e.ID
				}
			}()
		}
		wg.Wait()
		close(stored)
		close(errs)
		for err := range errs {
			t.Errorf("PublishEvent: %v", err)
		}
		if got := len(stored); got != 1 {
			t.Fatalf("%d racing publishers stored their event, want 1", got)
		}
		if c := evCount(t, s, tn); c != 1 {
			t.Fatalf("events = %d, want 1", c)
		}
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		ep := createEndpoint(t, s, a, "A", t0)
		e := evNewEvent(a, "user.created", "", t0)
		_, err := s.PublishEvent(ctx, e, []*hookd.Delivery{evNewDelivery(e, ep, hookd.DeliveryPending)})
		must(t, err)
		_, err = s.Event(ctx, b.ID, e.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		ds, err := s.ListDeliveriesForEvent(ctx, b.ID, e.ID)
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("tenant b sees deliveries %s", show(ds))
		}
		if n := evCount(t, s, b); n != 0 {
			t.Fatalf("tenant b lists %d events", n)
		}
		subs, err := s.SubscribedEndpoints(ctx, b.ID, "user.created")
		must(t, err)
		if len(subs) != 0 {
			t.Fatalf("tenant b subscribed endpoints %s", show(subs))
		}
		// No such tenant.
		_, err = s.PublishEvent(ctx, evNewEvent(&hookd.Tenant{ID: "ten_missing"}, "user.created", "", t0), nil)
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"SubscribedEndpoints", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		all := createEndpoint(t, s, tn, "All", t0)
		named := newEndpoint(tn, "Named", at(time.Second))
		named.EventTypes, named.AllEventTypes = []string{"user.created", "ticket.created"}, false
		must(t, s.CreateEndpoint(ctx, named))
		disabled := newEndpoint(tn, "Disabled", at(2*time.Second))
		disabled.EventTypes, disabled.AllEventTypes, disabled.Enabled = []string{"user.created"}, false, false
		must(t, s.CreateEndpoint(ctx, disabled))
		lookalike := newEndpoint(tn, "Lookalike", at(3*time.Second))
		lookalike.EventTypes, lookalike.AllEventTypes = []string{"user_created", "xuser.created", "user.createdx"}, false
		must(t, s.CreateEndpoint(ctx, lookalike))
		ids := func(es []*hookd.Endpoint) string {
			var out []string
			for _, e := range es {
				out = append(out, e.Name)
			}
			return strings.Join(out, ",")
		}
		for typ, want := range map[string]string{
			"user.created":   "All,Named,Disabled",
			"ticket.created": "All,Named",
			"user.updated":   "All",
		} {
			got, err := s.SubscribedEndpoints(ctx, tn.ID, typ)
			must(t, err)
			if ids(got) != want {
				t.Errorf("SubscribedEndpoints(%s) = %s, want %s", typ, ids(got), want)
			}
		}
		got, err := s.SubscribedEndpoints(ctx, tn.ID, "user.created")
		must(t, err)
		wantEqual(t, "subscribed endpoint", got[0], all)
	}},
	{"List", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		_, err := s.PublishEvent(ctx, evNewEvent(other, "alpha.one", "", t0), nil)
		must(t, err)
		var items []*hookd.Event
		for i, name := range listNames {
			typ := strings.ToLower(strings.NewReplacer(" ", "_", "%", "pct").Replace(name)) + ".x"
			e := evNewEvent(tn, typ, "", at(listTimes[i]))
			_, err := s.PublishEvent(ctx, e, nil)
			must(t, err)
			items = append(items, e)
		}
		l := lister[*hookd.Event]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Event], error) {
				return s.ListEvents(ctx, tn.ID, "", p)
			},
			id: func(x *hookd.Event) string { return x.ID },
			sorts: map[string]func(a, b *hookd.Event) int{
				"created_at": func(a, b *hookd.Event) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"type":       func(a, b *hookd.Event) int { return strings.Compare(a.Type, b.Type) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, items[0].Type, l.matching(items, func(x *hookd.Event) bool { return strings.Contains(x.Type, items[0].Type) }))
		l.checkQuery(t, "nothing", nil)

		// Filter by type.
		page, err := s.ListEvents(ctx, tn.ID, items[1].Type, hookd.ListParams{})
		must(t, err)
		for _, got := range page.Items {
			if got.Type != items[1].Type {
				t.Fatalf("filter %s listed %s", items[1].Type, got.Type)
			}
		}
		if len(page.Items) == 0 {
			t.Fatal("filter by type listed nothing")
		}
	}},
}
