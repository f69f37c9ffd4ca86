package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// rateEndpoint stores a tenant and an endpoint in s for the rate slot
// tests and returns the endpoint.
func rateEndpoint(t testing.TB, s *sqlstore.Store) *hookd.Endpoint {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "acme", Name: "Acme", Plan: hookd.PlanEnterprise, CreatedAt: now}
	if err := s.CreateTenant(ctx, tn, nil); err != nil {
		t.Fatal(err)
	}
	ep := &hookd.Endpoint{
		ID: hookd.NewID(hookd.PrefixEndpoint), TenantID: tn.ID, Name: "limited", URL: "https://limited.example/hook",
		EventTypes: []string{}, AllEventTypes: true, Enabled: true, VerifyTLS: true, Format: hookd.FormatJSON,
		MaxEventsPerRequest: 1, Mode: hookd.ModeFull, Headers: map[string]string{}, TimeoutSeconds: 15,
		RateLimit: 20, RateLimitBurst: 2,
		Secrets: []hookd.EndpointSecret{{Sealed: []byte("sealed")}}, SealedVerificationKey: []byte("sealed key"),
		VerificationKeyHeader: hookd.DefaultVerificationKeyHeader, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

// TestRateSlots takes, releases and cools down an endpoint's rate slots,
// frees the slot of an instance that died when its hold runs out, and
// ignores slots above a burst made smaller.
func TestRateSlots(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		ep := rateEndpoint(t, s)
		got, err := s.EndpointsByID(ctx, []string{ep.ID})
		if err != nil || len(got) != 1 || got[0].RateLimit != 20 || got[0].RateLimitBurst != 2 {
			t.Fatalf("stored endpoint: %+v, %v; want rate limit 20, burst 2", got, err)
		}
		t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		hold := t0.Add(25 * time.Second)
		take := func(slots int, now, holdUntil time.Time) hookd.RateSlot {
			t.Helper()
			r, err := s.TakeRateSlot(ctx, ep.ID, slots, now, holdUntil)
			if err != nil {
				t.Fatalf("take a slot at %v: %v", now, err)
			}
			return r
		}
		a, b := take(2, t0, hold), take(2, t0, hold)
		if !a.Taken || !b.Taken || a.Slot == b.Slot {
			t.Fatalf("two takes of two free slots: %+v, %+v", a, b)
		}
		// Both busy: the third waits for the earliest hold.
		if c := take(2, t0.Add(time.Second), hold); c.Taken || !c.FreeAt.Equal(hold) {
			t.Fatalf("a third take: %+v, want none free until %v", c, hold)
		}
		// a's request ends at 0.3 s: its slot cools down for 100 ms.
		end := t0.Add(300 * time.Millisecond)
		if ok, err := s.ReleaseRateSlot(ctx, ep.ID, a.Slot, hold, end.Add(100*time.Millisecond)); err != nil || !ok {
			t.Fatalf("release: %v, %v", ok, err)
		}
		if c := take(2, end.Add(50*time.Millisecond), hold); c.Taken || !c.FreeAt.Equal(end.Add(100*time.Millisecond)) {
			t.Fatalf("take during the cool-down: %+v, want free at %v", c, end.Add(100*time.Millisecond))
		}
		c := take(2, end.Add(100*time.Millisecond), t0.Add(30*time.Second))
		if !c.Taken || c.Slot != a.Slot {
			t.Fatalf("take after the cool-down: %+v, want slot %d", c, a.Slot)
		}
		// A release with a hold that is no longer the slot's changes nothing.
		if ok, err := s.ReleaseRateSlot(ctx, ep.ID, a.Slot, hold, end); err != nil || ok {
			t.Fatalf("a stale release: %v, %v; want refused", ok, err)
		}
		// b's instance died: its slot frees when its hold runs out.
		if d := take(2, hold.Add(-time.Millisecond), hold.Add(time.Minute)); d.Taken {
			t.Fatalf("took %+v before the dead instance's hold ran out", d)
		}
		if d := take(2, hold, hold.Add(time.Minute)); !d.Taken || d.Slot != b.Slot {
			t.Fatalf("take once the hold ran out: %+v, want slot %d", d, b.Slot)
		}
		// With a burst of 1 only slot 0 counts, whatever slot 1 holds.
		later := t0.Add(time.Hour)
		if r := take(1, later, later.Add(time.Minute)); !r.Taken || r.Slot != 0 {
			t.Fatalf("take with one slot: %+v", r)
		}
		if r := take(1, later, later.Add(time.Minute)); r.Taken {
			t.Fatalf("took slot %d of a burst of 1", r.Slot)
		}
		// A larger burst makes its new slots.
		if r := take(3, later, later.Add(time.Minute)); !r.Taken || r.Slot == 0 {
			t.Fatalf("take with three slots: %+v", r)
		}
	})
}

// TestPauseEndpoint pauses an endpoint: its due deliveries are not
// claimed until the pause ends, and a shorter pause does not cut a longer
// one.
func TestPauseEndpoint(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		ep := rateEndpoint(t, s)
		now := time.Now().UTC()
		e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: ep.TenantID, Type: "user.created",
			Data: []byte(`{}`), Timestamp: now, CreatedAt: now}
		d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: ep.TenantID, EventID: e.ID, EndpointID: ep.ID,
			EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now}
		if _, err := s.PublishEvent(ctx, e, []*hookd.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		until := now.Add(time.Minute)
		if err := s.PauseEndpoint(ctx, ep.ID, until); err != nil {
			t.Fatal(err)
		}
		if err := s.PauseEndpoint(ctx, ep.ID, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		claim := func(at time.Time) int {
			t.Helper()
			ids, err := s.DueEndpoints(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := s.ClaimEndpointDeliveries(ctx, at, at.Add(time.Minute), []hookd.EndpointClaim{{EndpointID: ep.ID, Limit: 10}})
			if err != nil {
				t.Fatal(err)
			}
			if (len(ids) > 0) != (len(ds) > 0) {
				t.Fatalf("at %v: due endpoints %v, claimed %d", at, ids, len(ds))
			}
			return len(ds)
		}
		if n := claim(now.Add(30 * time.Second)); n != 0 {
			t.Fatalf("claimed %d deliveries of a paused endpoint", n)
		}
		if n := claim(until); n != 1 {
			t.Fatalf("claimed %d deliveries once the pause ended, want 1", n)
		}
	})
}

// TestRateSlotsAcrossInstances has two stores on one PostgreSQL schema,
// as two instances, take the slots of one endpoint at the same moments:
// never both the same slot, and never more than the slots.
func TestRateSlotsAcrossInstances(t *testing.T) {
	a, b := twoPostgresStores(t)
	ep := rateEndpoint(t, a)
	ctx := context.Background()
	const slots, rounds = 3, 40
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for round := range rounds {
		now := t0.Add(time.Duration(round) * time.Second)
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			taken = map[int]int{}
		)
		for i := range 8 {
			s := []*sqlstore.Store{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.TakeRateSlot(ctx, ep.ID, slots, now, now.Add(time.Second))
				if err != nil {
					t.Errorf("take: %v", err)
					return
				}
				if r.Taken {
					mu.Lock()
					taken[r.Slot]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		n := 0
		for slot, k := range taken {
			if k > 1 || slot < 0 || slot >= slots {
				t.Fatalf("round %d: slot %d taken %d times", round, slot, k)
			}
			n += k
		}
		// Racing takers may skip slots locked by others: at least one
		// is taken, never more than there are.
		if n < 1 || n > slots {
			t.Fatalf("round %d: %d slots taken of %d", round, n, slots)
		}
	}
}
