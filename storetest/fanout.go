package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// fanOutEndpoints stores n endpoints of tn and returns them in ID order.
func fanOutEndpoints(t *testing.T, s hookd.Store, tn *hookd.Tenant, n int) []*hookd.Endpoint {
	t.Helper()
	eps := make([]*hookd.Endpoint, n)
	for i := range eps {
		eps[i] = createEndpoint(t, s, tn, "E"+string(rune('a'+i)), t0)
	}
	slices.SortFunc(eps, func(a, b *hookd.Endpoint) int { return strings.Compare(a.ID, b.ID) })
	return eps
}

// fanOutEndpointIDs returns the endpoint IDs of the event's deliveries,
// sorted, failing t if an endpoint has two.
func fanOutEndpointIDs(t *testing.T, s hookd.Store, e *hookd.Event) []string {
	t.Helper()
	ds, err := s.ListDeliveriesForEvent(t.Context(), e.TenantID, e.ID)
	must(t, err)
	var ids []string
	for _, d := range ds {
		if slices.Contains(ids, d.EndpointID) {
			t.Fatalf("two deliveries of %s to %s", e.ID, d.EndpointID)
		}
		ids = append(ids, d.EndpointID)
	}
	slices.Sort(ids)
	return ids
}

func idsOf(eps []*hookd.Endpoint) []string {
	var ids []string
	for _, ep := range eps {
		ids = append(ids, ep.ID)
	}
	return ids
}

var fanOutTests = []storeTest{
	// A fan-out written in chunks: each chunk moves the progress on from
	// where its writer believes it is, so a stale writer stores nothing.
	{"Chunks", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		eps := fanOutEndpoints(t, s, tn, 4)
		e := evNewEvent(tn, "user.created", "", t0)
		e.FanOutAfter = eps[0].ID
		_, err := s.PublishEvent(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[0], hookd.DeliveryPending)})
		must(t, err)

		stale := *e
		must(t, s.WriteFanOut(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[1], hookd.DeliveryPending)},
			eps[1].ID, at(time.Minute)))
		if e.FanOutAfter != eps[1].ID {
			t.Fatalf("FanOutAfter = %q, want %q", e.FanOutAfter, eps[1].ID)
		}
		// A writer still at the first chunk stores nothing.
		err = s.WriteFanOut(ctx, &stale, []*hookd.Delivery{evNewDelivery(e, eps[2], hookd.DeliveryPending)},
			eps[2].ID, at(time.Minute))
		wantCode(t, err, hookd.ECONFLICT)
		wantEqual(t, "endpoints with deliveries", fanOutEndpointIDs(t, s, e), idsOf(eps[:2]))
		// Another tenant cannot move it on.
		other := *e
		other.TenantID = newTenant(t, s, "other").ID
		wantCode(t, s.WriteFanOut(ctx, &other, nil, "", at(time.Minute)), hookd.ECONFLICT)

		// The last chunk finishes it; the event reads back as published.
		must(t, s.WriteFanOut(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[2], hookd.DeliveryHeld),
			evNewDelivery(e, eps[3], hookd.DeliveryPending)}, "", at(time.Minute)))
		if e.FanOutAfter != "" {
			t.Fatalf("FanOutAfter = %q after the last chunk, want \"\"", e.FanOutAfter)
		}
		wantEqual(t, "endpoints with deliveries", fanOutEndpointIDs(t, s, e), idsOf(eps))
		got, err := s.Event(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "event", got, e)
		wantCode(t, s.WriteFanOut(ctx, &stale, nil, "", at(time.Minute)), hookd.ECONFLICT)
		evs, err := s.ClaimFanOuts(ctx, at(time.Hour), at(time.Hour+time.Minute), 10)
		must(t, err)
		if len(evs) != 0 {
			t.Fatalf("ClaimFanOuts after the fan-out finished = %s, want none", show(evs))
		}
	}},
	// A writer that dies after the first chunk leaves a fan-out that
	// another takes over once the lease has ended, and finishes without
	// duplicating a delivery.
	{"ResumeAfterCrash", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		eps := fanOutEndpoints(t, s, tn, 3)
		e := evNewEvent(tn, "user.created", "k", t0)
		e.FanOutAfter = eps[0].ID
		_, err := s.PublishEvent(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[0], hookd.DeliveryPending)})
		must(t, err)
		must(t, s.WriteFanOut(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[1], hookd.DeliveryPending)},
			eps[1].ID, at(time.Minute)))
		// The writer dies here.

		evs, err := s.ClaimFanOuts(ctx, at(time.Minute-time.Microsecond), at(2*time.Minute), 10)
		must(t, err)
		if len(evs) != 0 {
			t.Fatalf("ClaimFanOuts while the writer's lease lasts = %s, want none", show(evs))
		}
		evs, err = s.ClaimFanOuts(ctx, at(time.Minute+time.Microsecond), at(2*time.Minute), 10)
		must(t, err)
		if len(evs) != 1 {
			t.Fatalf("ClaimFanOuts after the lease = %s, want the event", show(evs))
		}
		want := *e
		want.FanOutAfter = eps[1].ID
		wantEqual(t, "claimed event", evs[0], &want)
		again, err := s.ClaimFanOuts(ctx, at(time.Minute+time.Second), at(3*time.Minute), 10)
		must(t, err)
		if len(again) != 0 {
			t.Fatalf("ClaimFanOuts of a claimed fan-out = %s, want none", show(again))
		}
		// The taker writes everything after the progress; a delivery to an
		// endpoint that has one already is skipped.
		r := evs[0]
		must(t, s.WriteFanOut(ctx, r, []*hookd.Delivery{evNewDelivery(r, eps[1], hookd.DeliveryPending),
			evNewDelivery(r, eps[2], hookd.DeliveryPending)}, "", at(3*time.Minute)))
		wantEqual(t, "endpoints with deliveries", fanOutEndpointIDs(t, s, e), idsOf(eps))
		// The dead writer, back, stores nothing.
		wantCode(t, s.WriteFanOut(ctx, e, []*hookd.Delivery{evNewDelivery(e, eps[2], hookd.DeliveryPending)}, "", at(time.Hour)),
			hookd.ECONFLICT)
		wantEqual(t, "endpoints with deliveries", fanOutEndpointIDs(t, s, e), idsOf(eps))
	}},
	// Racing claimers never get the same fan-out.
	{"ClaimConcurrently", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		const n = 24
		for i := range n {
			e := evNewEvent(tn, "user.created", "", at(time.Duration(i)*time.Millisecond))
			e.FanOutAfter = ep.ID
			_, err := s.PublishEvent(ctx, e, []*hookd.Delivery{evNewDelivery(e, ep, hookd.DeliveryPending)})
			must(t, err)
		}
		var (
			mu      sync.Mutex
			claimed = map[string]int{}
			wg      sync.WaitGroup
			errs    = make(chan error, 8)
		)
		for range 8 {
			wg.Go(func() {
				for {
					evs, err := s.ClaimFanOuts(ctx, at(time.Hour), at(2*time.Hour), 2)
					if err != nil {
						errs <- err
						return
					}
					if len(evs) == 0 {
						return
					}
					mu.Lock()
					for _, e := range evs {
						claimed[e.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(claimed) != n {
			t.Fatalf("claimed %d fan-outs, want %d", len(claimed), n)
		}
		for id, c := range claimed {
			if c != 1 {
				t.Fatalf("fan-out %s claimed %d times", id, c)
			}
		}
	}},
}
