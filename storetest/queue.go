package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// queueTests pin the store methods the delivery workers use: claims,
// leases, recording, and the reads that prepare a claim.
var queueTests = []storeTest{
	{"ConcurrentClaimersNeverShare", func(t *testing.T, s hookd.Store) {
		// Two workers claim the same endpoints at the same moment, round
		// after round, in opposite endpoint order: no delivery is claimed
		// twice, none is left behind, and neither deadlocks.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		var eps []*hookd.Endpoint
		for _, name := range []string{"A", "B", "C", "D"} {
			eps = append(eps, createEndpoint(t, s, tn, name, t0))
		}
		const rounds, eventsPerRound, limit = 20, 8, 3
		for round := range rounds {
			now := at(time.Duration(round) * time.Minute)
			want := map[string]bool{}
			for range eventsPerRound {
				e := evNewEvent(tn, "user.created", "", now)
				var ds []*hookd.Delivery
				for _, ep := range eps {
					d := evNewDelivery(e, ep, hookd.DeliveryPending)
					want[d.ID] = true
					ds = append(ds, d)
				}
				_, err := s.PublishEvent(ctx, e, ds)
				must(t, err)
			}
			var (
				mu   sync.Mutex
				got  = map[string]int{}
				errs []error
			)
			claimer := func(order []*hookd.Endpoint, start *sync.WaitGroup, done func(n int)) {
				claims := make([]hookd.EndpointClaim, len(order))
				for i, ep := range order {
					claims[i] = hookd.EndpointClaim{EndpointID: ep.ID, Limit: limit}
				}
				start.Wait()
				ds, err := s.ClaimEndpointDeliveries(ctx, now, now.Add(time.Minute), claims)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				}
				for _, d := range ds {
					got[d.ID]++
				}
				mu.Unlock()
				done(len(ds))
			}
			reversed := slices.Clone(eps)
			slices.Reverse(reversed)
			for claimsLeft := true; claimsLeft; {
				var start, finished sync.WaitGroup
				start.Add(1)
				claimed := make([]int, 2)
				for i, order := range [][]*hookd.Endpoint{eps, reversed} {
					finished.Add(1)
					go claimer(order, &start, func(n int) { claimed[i] = n; finished.Done() })
				}
				start.Done()
				finished.Wait()
				if len(errs) > 0 {
					t.Fatalf("round %d: claim: %v", round, errs)
				}
				claimsLeft = claimed[0]+claimed[1] > 0
			}
			for id, n := range got {
				if n > 1 {
					t.Fatalf("round %d: delivery %s claimed %d times", round, id, n)
				}
				if !want[id] {
					t.Fatalf("round %d: claimed %s, not due", round, id)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("round %d: claimed %d of %d due deliveries", round, len(got), len(want))
			}
		}
	}},
	{"Leases", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a := createEndpoint(t, s, tn, "A", t0)
		ds := dlPublish(t, s, tn, a, hookd.DeliveryPending, 0, 0, 0)
		pending := dlPublish(t, s, tn, a, hookd.DeliveryPending, time.Hour)[0]
		now := at(time.Minute)
		lease := now.Add(time.Minute)
		claimed, err := s.ClaimEndpointDeliveries(ctx, now, lease, []hookd.EndpointClaim{{EndpointID: a.ID, Limit: 10}})
		must(t, err)
		wantEqual(t, "claimed", len(claimed), 3)

		// Renewing moves the lease of running deliveries only.
		renewed := now.Add(3 * time.Minute)
		must(t, s.ExtendLeases(ctx, []string{ds[0].ID, ds[1].ID, pending.ID, "dlv_gone"}, renewed))
		for i, want := range []time.Time{renewed, renewed, lease} {
			d, err := s.Delivery(ctx, tn.ID, ds[i].ID)
			must(t, err)
			if d.State != hookd.DeliveryRunning || d.LeaseUntil == nil || !d.LeaseUntil.Equal(want) {
				t.Errorf("delivery %d after renewal: %s until %v, want running until %v", i, d.State, d.LeaseUntil, want)
			}
		}
		if d, err := s.Delivery(ctx, tn.ID, pending.ID); err != nil || d.State != hookd.DeliveryPending || d.LeaseUntil != nil {
			t.Errorf("pending delivery after renewal: %+v, %v", d, err)
		}

		// Leases that ended are released: pending, due at now.
		later := lease.Add(time.Second)
		n, err := s.ReleaseExpiredLeases(ctx, later, later)
		must(t, err)
		wantEqual(t, "released", n, 1)
		d, err := s.Delivery(ctx, tn.ID, ds[2].ID)
		must(t, err)
		if d.State != hookd.DeliveryPending || d.LeaseUntil != nil || !d.RunAt.Equal(later) {
			t.Errorf("released delivery: %s until %v due %v, want pending due %v", d.State, d.LeaseUntil, d.RunAt, later)
		}
		// Its late result does not move it back: another worker owns it now.
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{{DeliveryID: ds[2].ID, State: hookd.DeliverySucceeded, RunAt: later}}, nil))
		if d, _ := s.Delivery(ctx, tn.ID, ds[2].ID); d.State != hookd.DeliveryPending {
			t.Errorf("late result moved a released delivery to %s", d.State)
		}
		// The renewed ones go only once their new lease ends.
		n, err = s.ReleaseExpiredLeases(ctx, renewed, renewed)
		must(t, err)
		wantEqual(t, "released before the renewed lease ends", n, 0)
		n, err = s.ReleaseExpiredLeases(ctx, renewed.Add(time.Second), renewed)
		must(t, err)
		wantEqual(t, "released after the renewed lease ends", n, 2)
	}},
	{"RecordDisablesAndHolds", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, b := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "B", t0)
		sent := dlPublish(t, s, tn, a, hookd.DeliveryPending, 0, 0)
		waiting := dlPublish(t, s, tn, a, hookd.DeliveryPending, time.Hour, 2*time.Hour)
		other := dlPublish(t, s, tn, b, hookd.DeliveryPending, time.Hour)
		now := at(time.Minute)
		claimed, err := s.ClaimEndpointDeliveries(ctx, now, now.Add(time.Minute), []hookd.EndpointClaim{{EndpointID: a.ID, Limit: 10}})
		must(t, err)
		wantEqual(t, "claimed", dlIDs(claimed), dlIDs(sent))

		// One attempt failed for good and disables the endpoint; the other
		// delivery was not sent (its endpoint was disabled) and is held
		// without an attempt.
		failed := result(sent[0], hookd.DeliveryFailed, now, 500)
		unsent := hookd.DeliveryResult{DeliveryID: sent[1].ID, State: hookd.DeliveryHeld, RunAt: now}
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{failed, unsent},
			[]hookd.EndpointResult{{EndpointID: a.ID, TriggeredAt: now, DisableReason: "failed 9 attempts"}}))

		ep, err := s.Endpoint(ctx, tn.ID, a.ID)
		must(t, err)
		if ep.Enabled || ep.DisabledReason != "failed 9 attempts" || ep.DisabledAt == nil || !ep.DisabledAt.Equal(now) ||
			ep.LastTriggeredAt == nil || !ep.LastTriggeredAt.Equal(now) {
			t.Errorf("endpoint after a disabling result: %+v", ep)
		}
		for _, d := range waiting {
			got, err := s.Delivery(ctx, tn.ID, d.ID)
			must(t, err)
			wantEqual(t, "state of a waiting delivery of the disabled endpoint", got.State, hookd.DeliveryHeld)
		}
		if got, _ := s.Delivery(ctx, tn.ID, other[0].ID); got.State != hookd.DeliveryPending {
			t.Errorf("another endpoint's delivery: %s, want pending", got.State)
		}
		got, err := s.Delivery(ctx, tn.ID, sent[0].ID)
		must(t, err)
		if got.State != hookd.DeliveryFailed || got.Attempts != 1 || got.LastStatus != 500 || got.LeaseUntil != nil {
			t.Errorf("failed delivery: %+v", got)
		}
		got, err = s.Delivery(ctx, tn.ID, sent[1].ID)
		must(t, err)
		as, err := s.ListAttempts(ctx, tn.ID, sent[1].ID)
		must(t, err)
		if got.State != hookd.DeliveryHeld || got.Attempts != 0 || got.LastAttemptAt != nil || got.LeaseUntil != nil || len(as) != 0 {
			t.Errorf("unsent delivery: %+v with %d attempts, want held without an attempt", got, len(as))
		}

		// A disabled endpoint has nothing due, and is not disabled again.
		due, err := s.DueEndpoints(ctx, at(3*time.Hour))
		must(t, err)
		wantEqual(t, "due endpoints", due, []string{b.ID})
		next, err := s.NextDeliveryDue(ctx, now)
		must(t, err)
		if next == nil || !next.Equal(other[0].RunAt) {
			t.Errorf("next due = %v, want the other endpoint's %v", next, other[0].RunAt)
		}
		must(t, s.RecordDeliveries(ctx, nil, []hookd.EndpointResult{{EndpointID: a.ID, TriggeredAt: at(time.Hour), DisableReason: "again"}}))
		ep, err = s.Endpoint(ctx, tn.ID, a.ID)
		must(t, err)
		if ep.DisabledReason != "failed 9 attempts" || !ep.DisabledAt.Equal(now) || !ep.LastTriggeredAt.Equal(at(time.Hour)) {
			t.Errorf("endpoint disabled twice: reason %q at %v, last triggered %v", ep.DisabledReason, ep.DisabledAt, ep.LastTriggeredAt)
		}
	}},
	{"ByID", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		acme, globex := newTenant(t, s, "acme"), newTenant(t, s, "globex")
		a, g := createEndpoint(t, s, acme, "A", t0), createEndpoint(t, s, globex, "G", t0)
		da := dlPublish(t, s, acme, a, hookd.DeliveryPending, 0)[0]
		dg := dlPublish(t, s, globex, g, hookd.DeliveryPending, 0)[0]

		events, err := s.EventsByID(ctx, []string{da.EventID, "evt_gone", dg.EventID})
		must(t, err)
		ids := []string{}
		for _, e := range events {
			ids = append(ids, e.ID)
		}
		slices.Sort(ids)
		want := []string{da.EventID, dg.EventID}
		slices.Sort(want)
		wantEqual(t, "events by id, of any tenant", ids, want)

		endpoints, err := s.EndpointsByID(ctx, []string{g.ID, "ep_gone", a.ID})
		must(t, err)
		ids = ids[:0]
		for _, e := range endpoints {
			ids = append(ids, e.ID)
			if e.ID == a.ID {
				wantEqual(t, "endpoint by id", e, a)
			}
		}
		slices.Sort(ids)
		want = []string{a.ID, g.ID}
		slices.Sort(want)
		wantEqual(t, "endpoints by id, of any tenant", ids, want)

		none, err := s.EventsByID(ctx, nil)
		must(t, err)
		wantEqual(t, "events by no id", len(none), 0)
		noEndpoints, err := s.EndpointsByID(ctx, nil)
		must(t, err)
		wantEqual(t, "endpoints by no id", len(noEndpoints), 0)
	}},
}
