package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// pullEndpoint stores an endpoint of tn in the given mode.
func pullEndpoint(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string, mode hookd.EndpointMode, created time.Time) *hookd.Endpoint {
	t.Helper()
	ep := newEndpoint(tn, name, created)
	ep.Mode = mode
	must(t, s.CreateEndpoint(t.Context(), ep))
	return ep
}

// pullDelivery returns the delivery the app builds for e to ep: with Pull
// set for a ping or pull endpoint, held for a disabled endpoint.
func pullDelivery(e *hookd.Event, ep *hookd.Endpoint) *hookd.Delivery {
	state := hookd.DeliveryPending
	if !ep.Enabled {
		state = hookd.DeliveryHeld
	}
	d := evNewDelivery(e, ep, state)
	if ep.Mode.Pulls() {
		d.Pull = &hookd.PullDelivery{Notify: ep.Mode == hookd.ModePing}
	}
	return d
}

// pullPublish publishes an event of tn at now to eps and returns it with
// its deliveries (Pull filled in by the store).
func pullPublish(t *testing.T, s hookd.Store, tn *hookd.Tenant, now time.Time, eps ...*hookd.Endpoint) (*hookd.Event, []*hookd.Delivery) {
	t.Helper()
	e := evNewEvent(tn, "user.created", "", now)
	var ds []*hookd.Delivery
	for _, ep := range eps {
		ds = append(ds, pullDelivery(e, ep))
	}
	_, err := s.PublishEvent(t.Context(), e, ds)
	must(t, err)
	return e, ds
}

// payloadTxns returns the numbers of the payloads of ep after after, and
// checks each against its event.
func payloadTxns(t *testing.T, s hookd.Store, ep *hookd.Endpoint, after int64) []int64 {
	t.Helper()
	ps, err := s.Payloads(t.Context(), ep.TenantID, ep.ID, after, hookd.MaxPayloadsLimit)
	must(t, err)
	txns := []int64{}
	for _, p := range ps {
		if p.EndpointID != ep.ID || p.TenantID != ep.TenantID || p.Event == nil || p.Event.ID != p.EventID {
			t.Fatalf("payload %d = %s, want one of %s with its event", p.Transaction, show(p), ep.ID)
		}
		txns = append(txns, p.Transaction)
	}
	return txns
}

// seq returns from, from+1, …, to.
func seq(from, to int64) []int64 {
	out := []int64{}
	for n := from; n <= to; n++ {
		out = append(out, n)
	}
	return out
}

// reread reads ep back.
func reread(t *testing.T, s hookd.Store, ep *hookd.Endpoint) *hookd.Endpoint {
	t.Helper()
	got, err := s.Endpoint(t.Context(), ep.TenantID, ep.ID)
	must(t, err)
	return got
}

// endpointDeliveries returns every delivery of ep, oldest first.
func endpointDeliveries(t *testing.T, s hookd.Store, ep *hookd.Endpoint) []*hookd.Delivery {
	t.Helper()
	page, err := s.ListDeliveries(t.Context(), ep.TenantID, hookd.DeliveryFilter{EndpointID: ep.ID}, hookd.ListParams{Limit: hookd.MaxListLimit})
	must(t, err)
	return page.Items
}

// claimOne claims the due deliveries of ep at now and fails t unless
// there is exactly one.
func claimOne(t *testing.T, s hookd.Store, ep *hookd.Endpoint, now time.Time) *hookd.Delivery {
	t.Helper()
	ds, err := s.ClaimEndpointDeliveries(t.Context(), now, now.Add(time.Minute), []hookd.EndpointClaim{{EndpointID: ep.ID, Limit: 10}})
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("claimed %d deliveries of %s, want 1: %s", len(ds), ep.Name, show(ds))
	}
	return ds[0]
}

// recordPing records the result of a ping that announced txn.
func recordPing(t *testing.T, s hookd.Store, d *hookd.Delivery, state hookd.DeliveryState, now time.Time, txn int64, disable string) {
	t.Helper()
	status := 200
	if state != hookd.DeliverySucceeded {
		status = 500
	}
	r := result(d, state, now, status)
	r.PingTransaction = txn
	var eps []hookd.EndpointResult
	eps = append(eps, hookd.EndpointResult{EndpointID: d.EndpointID, TriggeredAt: now, DisableReason: disable})
	must(t, s.RecordDeliveries(t.Context(), []hookd.DeliveryResult{r}, eps))
}

// wantPullState fails t unless ep's stored pull state is as given.
func wantPullState(t *testing.T, s hookd.Store, ep *hookd.Endpoint, last, notified, pulled int64, ping string) *hookd.Endpoint {
	t.Helper()
	got := reread(t, s, ep)
	if got.LastTransaction != last || got.NotifiedTransaction != notified || got.PulledTransaction != pulled || got.PingDeliveryID != ping {
		t.Fatalf("pull state of %s = last %d, notified %d, pulled %d, ping %q; want %d, %d, %d, %q", ep.Name,
			got.LastTransaction, got.NotifiedTransaction, got.PulledTransaction, got.PingDeliveryID, last, notified, pulled, ping)
	}
	c, err := s.PullCursor(t.Context(), ep.ID)
	must(t, err)
	wantEqual(t, "PullCursor", c, got.Cursor())
	return got
}

var pullTests = []storeTest{
	{"Numbers", func(t *testing.T, s hookd.Store) {
		// Each endpoint numbers its payloads 1, 2, 3, … on its own; the
		// deliveries of other endpoints of the same event are stored as
		// ever, and a pull endpoint gets no delivery.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ping := pullEndpoint(t, s, tn, "Ping", hookd.ModePing, t0)
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		full := createEndpoint(t, s, tn, "Full", t0)
		var events []*hookd.Event
		for i := range 5 {
			eps := []*hookd.Endpoint{full, ping, pull}
			if i%2 == 1 {
				eps = []*hookd.Endpoint{pull, full}
			}
			e, ds := pullPublish(t, s, tn, at(time.Duration(i)*time.Second), eps...)
			events = append(events, e)
			for _, d := range ds {
				switch d.EndpointID {
				case full.ID:
					if d.Pull != nil || !d.Stored() {
						t.Fatalf("delivery to a full endpoint = %s", show(d))
					}
				case pull.ID:
					if d.Pull.Transaction != int64(i+1) || d.Pull.Ping || d.Stored() {
						t.Fatalf("event %d to pull = %s, want number %d, no ping", i, show(d.Pull), i+1)
					}
				}
			}
		}
		wantEqual(t, "pull payloads", payloadTxns(t, s, pull, 0), seq(1, 5))
		wantEqual(t, "ping payloads", payloadTxns(t, s, ping, 0), seq(1, 3))
		wantEqual(t, "pull payloads after 3", payloadTxns(t, s, pull, 3), seq(4, 5))
		wantEqual(t, "pull payloads after 5", payloadTxns(t, s, pull, 5), []int64{})
		ps, err := s.Payloads(ctx, tn.ID, pull.ID, 1, 2)
		must(t, err)
		if len(ps) != 2 || ps[0].Transaction != 2 || ps[1].EventID != events[2].ID {
			t.Fatalf("Payloads(after 1, limit 2) = %s", show(ps))
		}
		wantEqual(t, "payload event", ps[1].Event, events[2])
		if !ps[0].CreatedAt.Equal(events[1].CreatedAt) {
			t.Fatalf("payload CreatedAt = %v, want the event's %v", ps[0].CreatedAt, events[1].CreatedAt)
		}
		if n := len(endpointDeliveries(t, s, pull)); n != 0 {
			t.Fatalf("pull endpoint has %d deliveries, want none", n)
		}
		if n := len(endpointDeliveries(t, s, full)); n != 5 {
			t.Fatalf("full endpoint has %d deliveries, want 5", n)
		}
		wantPullState(t, s, pull, 5, 0, 0, "")
	}},

	{"TenantIsolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		other := newTenant(t, s, "other")
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		pullPublish(t, s, tn, t0, pull)
		_, err := s.Payloads(ctx, other.ID, pull.ID, 0, 10)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.Payloads(ctx, tn.ID, "ep_missing", 0, 10)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.RecordPull(ctx, other.ID, pull.ID, 1, at(time.Minute))
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.PullCursor(ctx, "ep_missing")
		wantCode(t, err, hookd.ENOTFOUND)
		wantPullState(t, s, pull, 1, 0, 0, "")
		// An endpoint with nothing yet lists nothing, without error.
		empty := pullEndpoint(t, s, other, "Empty", hookd.ModePull, t0)
		wantEqual(t, "payloads of an empty endpoint", payloadTxns(t, s, empty, 0), []int64{})
	}},

	{"Consolidation", func(t *testing.T, s hookd.Store) {
		// One ping at a time: payloads stored while it waits make none;
		// its success with newer payloads queues the next at once, named
		// after the newest payload; a success covering everything does not.
		tn := newTenant(t, s, "acme")
		ep := pullEndpoint(t, s, tn, "Ping", hookd.ModePing, t0)
		_, ds := pullPublish(t, s, tn, at(time.Second), ep)
		first := ds[0]
		if !first.Pull.Ping || first.Pull.Transaction != 1 || !first.Stored() {
			t.Fatalf("first payload = %s, want the ping", show(first.Pull))
		}
		for i := range 3 {
			_, ds := pullPublish(t, s, tn, at(time.Duration(2+i)*time.Second), ep)
			if ds[0].Pull.Ping || ds[0].Stored() {
				t.Fatalf("payload %d became a ping while one waits", i+2)
			}
		}
		wantPullState(t, s, ep, 4, 0, 0, first.ID)
		if got := dlIDs(endpointDeliveries(t, s, ep)); !slices.Equal(got, []string{first.ID}) {
			t.Fatalf("deliveries = %v, want only the ping %s", got, first.ID)
		}

		// The ping goes out announcing 2 (say payloads 3 and 4 came after
		// it read the cursor): the next is queued at once.
		now := at(time.Minute)
		d := claimOne(t, s, ep, now)
		recordPing(t, s, d, hookd.DeliverySucceeded, now, 2, "")
		got := reread(t, s, ep)
		if got.NotifiedTransaction != 2 || got.PingDeliveryID == "" || got.PingDeliveryID == first.ID {
			t.Fatalf("after a ping of 2 of 4: %s, want notified 2 and a new ping", show(got.Cursor()))
		}
		next := claimOne(t, s, ep, now)
		if next.ID != got.PingDeliveryID || next.EventID == first.EventID {
			t.Fatalf("next ping = %s, want %s", show(next), got.PingDeliveryID)
		}
		ps, err := s.Payloads(t.Context(), tn.ID, ep.ID, 3, 1)
		must(t, err)
		if next.EventID != ps[0].EventID {
			t.Fatalf("next ping names event %s, want that of payload 4, %s", next.EventID, ps[0].EventID)
		}
		// It announces everything: no ping after it.
		recordPing(t, s, next, hookd.DeliverySucceeded, now, 4, "")
		wantPullState(t, s, ep, 4, 4, 0, "")
		if ds, err := s.ClaimEndpointDeliveries(t.Context(), now, now.Add(time.Minute),
			[]hookd.EndpointClaim{{EndpointID: ep.ID, Limit: 10}}); err != nil || len(ds) != 0 {
			t.Fatalf("claim after everything was announced = %s, %v; want none", show(ds), err)
		}
		// A new payload makes a new ping.
		_, ds = pullPublish(t, s, tn, at(2*time.Minute), ep)
		if !ds[0].Pull.Ping || ds[0].Pull.Transaction != 5 {
			t.Fatalf("payload after everything was announced = %s, want a ping", show(ds[0].Pull))
		}
		wantPullState(t, s, ep, 5, 4, 0, ds[0].ID)
	}},

	{"PingRetryAndFailure", func(t *testing.T, s hookd.Store) {
		// A ping retried keeps the slot; its final failure frees it (and
		// the endpoint is disabled as for any delivery); payloads then
		// make a held ping; RequestPing queues one only when needed.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := pullEndpoint(t, s, tn, "Ping", hookd.ModePing, t0)
		_, ds := pullPublish(t, s, tn, t0, ep)
		ping := ds[0]
		now := at(time.Minute)
		d := claimOne(t, s, ep, now)
		r := result(d, hookd.DeliveryPending, now, 500)
		r.RunAt, r.PingTransaction = now.Add(time.Minute), 1
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{r}, nil))
		wantPullState(t, s, ep, 1, 0, 0, ping.ID)
		pullPublish(t, s, tn, now, ep)
		now = now.Add(time.Minute)
		d = claimOne(t, s, ep, now)
		recordPing(t, s, d, hookd.DeliveryFailed, now, 2, "failed")
		got := wantPullState(t, s, ep, 2, 0, 0, "")
		if got.Enabled {
			t.Fatal("endpoint still enabled after its ping failed for good")
		}
		// RequestPing does not queue for a disabled... it queues a held one.
		_, ds = pullPublish(t, s, tn, now, got)
		if !ds[0].Pull.Ping || ds[0].State != hookd.DeliveryHeld {
			t.Fatalf("payload to a disabled ping endpoint = %s (%s), want a held ping", show(ds[0].Pull), ds[0].State)
		}
		wantPullState(t, s, ep, 3, 0, 0, ds[0].ID)
		queued, err := s.RequestPing(ctx, ep.ID, now)
		must(t, err)
		if queued {
			t.Fatal("RequestPing queued a second ping")
		}
	}},

	{"RequestPing", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := pullEndpoint(t, s, tn, "Ping", hookd.ModePing, t0)
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		// Nothing to announce.
		for _, e := range []*hookd.Endpoint{ep, pull} {
			queued, err := s.RequestPing(ctx, e.ID, t0)
			must(t, err)
			if queued {
				t.Fatalf("RequestPing(%s) with no payload queued one", e.Name)
			}
		}
		_, err := s.RequestPing(ctx, "ep_missing", t0)
		wantCode(t, err, hookd.ENOTFOUND)
		// The first ping fails for good: its slot is free, payloads 1-2
		// unannounced. RequestPing queues a ping named after payload 2's
		// event.
		pullPublish(t, s, tn, t0, ep, pull)
		_, ds := pullPublish(t, s, tn, t0, ep, pull)
		now := at(time.Minute)
		d := claimOne(t, s, ep, now)
		recordPing(t, s, d, hookd.DeliveryFailed, now, 2, "")
		wantPullState(t, s, ep, 2, 0, 0, "")
		queued, err := s.RequestPing(ctx, ep.ID, now)
		must(t, err)
		if !queued {
			t.Fatal("RequestPing with unannounced payloads queued none")
		}
		got := reread(t, s, ep)
		if got.PingDeliveryID == "" {
			t.Fatal("RequestPing left the slot empty")
		}
		next := claimOne(t, s, ep, now)
		if next.ID != got.PingDeliveryID || next.EventID != ds[0].EventID {
			t.Fatalf("queued ping = %s, want %s of event %s", show(next), got.PingDeliveryID, ds[0].EventID)
		}
		if queued, err := s.RequestPing(ctx, ep.ID, now); err != nil || queued {
			t.Fatalf("RequestPing with a ping in flight = %v, %v; want false", queued, err)
		}
		queued, err = s.RequestPing(ctx, pull.ID, now)
		must(t, err)
		if queued {
			t.Fatal("RequestPing queued a ping for a pull endpoint")
		}

		// When the newest payload's event already has a delivery (the
		// ping that failed), that delivery starts a new round.
		lone := pullEndpoint(t, s, tn, "Lone", hookd.ModePing, t0)
		_, ds = pullPublish(t, s, tn, t0, lone)
		d = claimOne(t, s, lone, now)
		recordPing(t, s, d, hookd.DeliveryFailed, now, 1, "")
		wantPullState(t, s, lone, 1, 0, 0, "")
		later := now.Add(time.Hour)
		queued, err = s.RequestPing(ctx, lone.ID, later)
		must(t, err)
		if !queued {
			t.Fatal("RequestPing after a failed ping queued none")
		}
		wantPullState(t, s, lone, 1, 0, 0, ds[0].ID)
		again := claimOne(t, s, lone, later)
		if again.ID != ds[0].ID || again.Attempts != 1 || again.RoundStart != 1 {
			t.Fatalf("ping again = %s, want %s in a new round after 1 attempt", show(again), ds[0].ID)
		}
	}},

	{"RecordPull", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		for range 3 {
			pullPublish(t, s, tn, t0, ep)
		}
		now := at(time.Hour)
		reactivated, err := s.RecordPull(ctx, tn.ID, ep.ID, 2, now)
		must(t, err)
		if reactivated {
			t.Fatal("RecordPull of an active endpoint reactivated it")
		}
		got := wantPullState(t, s, ep, 3, 0, 2, "")
		if got.Cursor().Pending != 1 {
			t.Fatalf("Pending = %d, want 1", got.Cursor().Pending)
		}
		if got.LastPulledAt == nil || !got.LastPulledAt.Equal(now) || got.PullActiveSince == nil || !got.PullActiveSince.Equal(now) {
			t.Fatalf("after a pull: last pulled %v, active since %v; want %v", got.LastPulledAt, got.PullActiveSince, now)
		}
		// Pulled never moves back, nor past the last number.
		_, err = s.RecordPull(ctx, tn.ID, ep.ID, 1, now.Add(time.Minute))
		must(t, err)
		wantPullState(t, s, ep, 3, 0, 2, "")
		_, err = s.RecordPull(ctx, tn.ID, ep.ID, 9, now.Add(time.Minute))
		must(t, err)
		got = wantPullState(t, s, ep, 3, 0, 2, "")
		if !got.LastPulledAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("last pulled = %v, want %v", got.LastPulledAt, now.Add(time.Minute))
		}
	}},
}

// sortedIDs returns the IDs of eps, sorted.
func sortedIDs(eps []*hookd.Endpoint) []string {
	ids := idsOf(eps)
	slices.SortFunc(ids, strings.Compare)
	return ids
}
