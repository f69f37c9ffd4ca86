package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// dlPublish stores one event of tn per run_at offset, with a delivery to
// ep in state, due at t0 plus the offset, and returns the deliveries.
func dlPublish(t *testing.T, s hookd.Store, tn *hookd.Tenant, ep *hookd.Endpoint, state hookd.DeliveryState, offsets ...time.Duration) []*hookd.Delivery {
	t.Helper()
	var ds []*hookd.Delivery
	for _, off := range offsets {
		e := evNewEvent(tn, "user.created", "", t0)
		d := evNewDelivery(e, ep, state)
		d.RunAt = at(off)
		_, err := s.PublishEvent(t.Context(), e, []*hookd.Delivery{d})
		must(t, err)
		ds = append(ds, d)
	}
	return ds
}

func dlIDs(ds []*hookd.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

var deliveryTests = []storeTest{
	{"ClaimByEndpoint", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, b, off := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "B", t0), createEndpoint(t, s, tn, "Off", t0)
		now := at(time.Hour)
		// Due in an order that is not creation order.
		dueA := dlPublish(t, s, tn, a, hookd.DeliveryPending, 5*time.Minute, time.Minute, 3*time.Minute, 2*time.Minute, 4*time.Minute)
		later := dlPublish(t, s, tn, a, hookd.DeliveryPending, 2*time.Hour)
		dlPublish(t, s, tn, a, hookd.DeliveryHeld, time.Minute)
		dueB := dlPublish(t, s, tn, b, hookd.DeliveryPending, 10*time.Minute)
		dlPublish(t, s, tn, off, hookd.DeliveryPending, time.Minute)
		off.Enabled, off.DisabledReason, off.DisabledAt = false, "test", ptr(t0)
		must(t, s.UpdateEndpoint(ctx, off))

		due, err := s.DueEndpoints(ctx, now)
		must(t, err)
		slices.Sort(due)
		want := []string{a.ID, b.ID}
		slices.Sort(want)
		wantEqual(t, "due endpoints", due, want)

		lease := now.Add(time.Minute)
		got, err := s.ClaimEndpointDeliveries(ctx, now, lease, []hookd.EndpointClaim{{EndpointID: a.ID, Limit: 3}, {EndpointID: off.ID, Limit: 5}})
		must(t, err)
		// Earliest run_at first: offsets 1, 2, 3 minutes.
		wantEqual(t, "first claim", dlIDs(got), []string{dueA[1].ID, dueA[3].ID, dueA[2].ID})
		for _, d := range got {
			if d.State != hookd.DeliveryRunning || d.LeaseUntil == nil || !d.LeaseUntil.Equal(lease) {
				t.Errorf("claimed %s: state %s lease %v, want running until %v", d.ID, d.State, d.LeaseUntil, lease)
			}
		}
		got, err = s.ClaimEndpointDeliveries(ctx, now, lease, []hookd.EndpointClaim{{EndpointID: a.ID, Limit: 10}, {EndpointID: b.ID, Limit: 10}})
		must(t, err)
		wantEqual(t, "second claim", dlIDs(got), []string{dueA[4].ID, dueA[0].ID, dueB[0].ID})
		got, err = s.ClaimEndpointDeliveries(ctx, now, lease, []hookd.EndpointClaim{{EndpointID: a.ID, Limit: 10}})
		must(t, err)
		wantEqual(t, "nothing left due", len(got), 0)

		due, err = s.DueEndpoints(ctx, now)
		must(t, err)
		wantEqual(t, "due endpoints after claims", len(due), 0)
		next, err := s.NextDeliveryDue(ctx, now)
		must(t, err)
		if next == nil || !next.Equal(later[0].RunAt) {
			t.Errorf("next due = %v, want %v", next, later[0].RunAt)
		}
		next, err = s.NextDeliveryDue(ctx, later[0].RunAt)
		must(t, err)
		if next != nil {
			t.Errorf("next due after the last = %v, want none", next)
		}
	}},
	{"RecordMany", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, gone := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "Gone", t0)
		offsets := make([]time.Duration, 150) // more than one statement's worth
		dsA := dlPublish(t, s, tn, a, hookd.DeliveryPending, offsets...)
		dsGone := dlPublish(t, s, tn, gone, hookd.DeliveryPending, 0)
		now := at(time.Minute)
		claimed, err := s.ClaimEndpointDeliveries(ctx, now, now.Add(time.Minute),
			[]hookd.EndpointClaim{{EndpointID: a.ID, Limit: 1000}, {EndpointID: gone.ID, Limit: 1}})
		must(t, err)
		wantEqual(t, "claimed", len(claimed), 151)
		// One delivery was recorded already (its lease expired and another
		// worker finished it): its state stays, its attempt is kept.
		done := dsA[7]
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{result(done, hookd.DeliverySucceeded, now, 200)}, nil))
		// The other endpoint is deleted while its delivery is sent.
		must(t, s.DeleteEndpoint(ctx, tn.ID, gone.ID))

		var results []hookd.DeliveryResult
		for i, d := range append(slices.Clone(dsA), dsGone...) {
			switch {
			case i%2 == 0:
				results = append(results, result(d, hookd.DeliverySucceeded, now, 204))
			default:
				r := result(d, hookd.DeliveryPending, now, 500)
				r.RunAt = now.Add(5 * time.Second)
				results = append(results, r)
			}
		}
		later := now.Add(time.Second)
		must(t, s.RecordDeliveries(ctx, results, []hookd.EndpointResult{{EndpointID: a.ID, TriggeredAt: later}}))

		for i, d := range dsA {
			got, err := s.Delivery(ctx, tn.ID, d.ID)
			must(t, err)
			attempts, err := s.ListAttempts(ctx, tn.ID, d.ID)
			must(t, err)
			switch {
			case d.ID == done.ID:
				if got.State != hookd.DeliverySucceeded || got.Attempts != 1 || len(attempts) != 2 {
					t.Errorf("recorded twice: state %s attempts %d stored %d, want succeeded, 1, 2", got.State, got.Attempts, len(attempts))
				}
			case i%2 == 0:
				if got.State != hookd.DeliverySucceeded || got.Attempts != 1 || got.LastStatus != 204 || len(attempts) != 1 ||
					got.LeaseUntil != nil || got.LastAttemptAt == nil || !got.LastAttemptAt.Equal(now) {
					t.Errorf("delivery %d: %+v with %d attempts, want succeeded after one 204", i, got, len(attempts))
				}
			default:
				if got.State != hookd.DeliveryPending || !got.RunAt.Equal(now.Add(5*time.Second)) || got.LastStatus != 500 ||
					got.LastError != "HTTP 500" || len(attempts) != 1 {
					t.Errorf("delivery %d: %+v with %d attempts, want pending in 5 s after a 500", i, got, len(attempts))
				}
			}
			if len(attempts) > 0 {
				last := attempts[len(attempts)-1]
				if last.DeliveryID != d.ID || last.RequestBody != "body of "+d.ID || last.RequestHeaders["Webhook-Id"][0] != d.EventID {
					t.Errorf("attempt of %s: %+v", d.ID, last)
				}
			}
		}
		ep, err := s.Endpoint(ctx, tn.ID, a.ID)
		must(t, err)
		if ep.LastTriggeredAt == nil || !ep.LastTriggeredAt.Equal(later) {
			t.Errorf("last triggered = %v, want %v", ep.LastTriggeredAt, later)
		}
	}},
}

// result returns the result of one attempt at d answered with status.
func result(d *hookd.Delivery, state hookd.DeliveryState, now time.Time, status int) hookd.DeliveryResult {
	a := &hookd.Attempt{
		ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID, EndpointID: d.EndpointID,
		URL: "https://a.example/hook", RequestHeaders: map[string][]string{"Webhook-Id": {d.EventID}},
		RequestBody: "body of " + d.ID, ResponseStatus: status, ResponseHeaders: map[string][]string{},
		Duration: time.Millisecond, CreatedAt: now,
	}
	if status >= 300 {
		a.Error = "HTTP 500"
	}
	return hookd.DeliveryResult{DeliveryID: d.ID, State: state, RunAt: now, Attempt: a}
}
