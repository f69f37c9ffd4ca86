package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
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
	{"EndpointState", func(t *testing.T, s hookd.Store) {
		// The pull state round-trips; UpdateEndpoint saves the timer and
		// the inactive mark, never the numbers, slot or last pull, which
		// move while the app holds an older copy.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		want := newEndpoint(tn, "Ping", t0)
		want.Mode = hookd.ModePing
		want.LastTransaction, want.NotifiedTransaction, want.PulledTransaction = 7, 5, 3
		want.LastPulledAt, want.PullActiveSince = ptr(at(time.Hour+1500*time.Nanosecond)), ptr(at(2*time.Hour))
		want.InactiveAt = ptr(at(3 * time.Hour))
		must(t, s.CreateEndpoint(ctx, want))
		if !want.LastPulledAt.Equal(at(time.Hour + time.Microsecond)) {
			t.Fatalf("LastPulledAt after create = %v, want rounded down to microseconds", want.LastPulledAt)
		}
		wantEqual(t, "Endpoint", reread(t, s, want), want)

		stale := reread(t, s, want)
		_, ds := pullPublish(t, s, tn, at(time.Minute), stale)
		if ds[0].Pull.Transaction != 8 || !ds[0].Pull.Ping {
			t.Fatalf("payload = %s, want number 8 and the ping", show(ds[0].Pull))
		}
		_, err := s.RecordPull(ctx, tn.ID, want.ID, 8, at(4*time.Hour))
		must(t, err)
		stale.Name = "Renamed"
		stale.InactiveAt, stale.PullActiveSince = nil, ptr(at(5*time.Hour))
		stale.UpdatedAt = at(5 * time.Hour)
		must(t, s.UpdateEndpoint(ctx, stale))
		got := wantPullState(t, s, want, 8, 5, 8, ds[0].ID)
		if got.Name != "Renamed" || got.InactiveAt != nil || !got.PullActiveSince.Equal(at(5*time.Hour)) ||
			!got.LastPulledAt.Equal(at(4*time.Hour)) {
			t.Fatalf("after update: %s", show(got))
		}
		page, err := s.ListEndpoints(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		wantEqual(t, "listed endpoint", page.Items[0], got)
	}},

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

// pullLifecycleTests cover the inactivity lifecycle and the audit log.
var pullLifecycleTests = []storeTest{
	{"Deactivate", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		old := pullEndpoint(t, s, tn, "Old ping", hookd.ModePing, t0)
		pulled := pullEndpoint(t, s, tn, "Pulled", hookd.ModePull, t0)
		young := pullEndpoint(t, s, tn, "Young", hookd.ModePull, at(2*time.Hour))
		full := createEndpoint(t, s, tn, "Full", t0)
		oldPull := pullEndpoint(t, s, tn, "Old pull", hookd.ModePull, t0)
		_, ds := pullPublish(t, s, tn, t0, old, full)
		_, err := s.RecordPull(ctx, tn.ID, pulled.ID, 0, at(3*time.Hour))
		must(t, err)

		now := at(10 * time.Hour)
		// Not active since before 2h: old and old pull (pulled was
		// listed at 3h, young created at 2h, full is not pulling).
		got, err := s.DeactivatePullEndpoints(ctx, at(2*time.Hour), now, 1)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("deactivated %d with limit 1", len(got))
		}
		more, err := s.DeactivatePullEndpoints(ctx, at(2*time.Hour), now, 10)
		must(t, err)
		got = append(got, more...)
		wantEqual(t, "deactivated", sortedIDs(got), sortedIDs([]*hookd.Endpoint{old, oldPull}))
		for _, e := range got {
			if e.Enabled || e.DisabledReason != hookd.InactiveReason || e.DisabledAt == nil || !e.DisabledAt.Equal(now) ||
				e.InactiveAt == nil || !e.InactiveAt.Equal(now) {
				t.Fatalf("deactivated endpoint = %s", show(e))
			}
			wantEqual(t, "deactivated endpoint read back", reread(t, s, e), e)
		}
		for _, e := range []*hookd.Endpoint{full, young} {
			if got := reread(t, s, e); !got.Enabled || got.InactiveAt != nil {
				t.Fatalf("%s changed: %s", e.Name, show(got))
			}
		}
		// The ping waiting is held; the full endpoint's delivery is not.
		for _, d := range endpointDeliveries(t, s, old) {
			if d.ID != ds[0].ID || d.State != hookd.DeliveryHeld {
				t.Fatalf("ping of the inactive endpoint = %s, want %s held", show(d), ds[0].ID)
			}
		}
		if d := endpointDeliveries(t, s, full); d[0].State != hookd.DeliveryPending {
			t.Fatalf("full endpoint's delivery = %s", d[0].State)
		}
		// A later pass takes the two still active, not those inactive.
		again, err := s.DeactivatePullEndpoints(ctx, now, now, 10)
		must(t, err)
		wantEqual(t, "second pass", sortedIDs(again), sortedIDs([]*hookd.Endpoint{pulled, young}))
		// Payloads are still kept; the ping waiting covers them.
		_, ds2 := pullPublish(t, s, tn, now, reread(t, s, old))
		if ds2[0].Pull.Transaction != 2 || ds2[0].Pull.Ping {
			t.Fatalf("payload to the inactive endpoint = %s", show(ds2[0].Pull))
		}
	}},

	{"Reactivate", func(t *testing.T, s hookd.Store) {
		// Listing an inactive endpoint enables it: its held ping is
		// released in a new round, or, with no ping waiting and payloads
		// not announced, one is queued.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		held := pullEndpoint(t, s, tn, "Held", hookd.ModePing, t0)
		failed := pullEndpoint(t, s, tn, "Failed", hookd.ModePing, t0)
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		_, ds := pullPublish(t, s, tn, t0, held, failed, pull)
		var heldPing *hookd.Delivery
		for _, d := range ds {
			if d.EndpointID == held.ID {
				heldPing = d
			}
		}
		d := claimOne(t, s, failed, at(time.Minute))
		recordPing(t, s, d, hookd.DeliveryFailed, at(time.Minute), 1, "")
		deact := at(8 * 24 * time.Hour)
		got, err := s.DeactivatePullEndpoints(ctx, at(7*24*time.Hour), deact, 10)
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("deactivated %d, want 3", len(got))
		}

		now := deact.Add(time.Hour)
		for _, ep := range []*hookd.Endpoint{held, failed, pull} {
			reactivated, err := s.RecordPull(ctx, tn.ID, ep.ID, 0, now)
			must(t, err)
			if !reactivated {
				t.Fatalf("RecordPull of inactive %s did not reactivate it", ep.Name)
			}
			got := reread(t, s, ep)
			if !got.Enabled || got.InactiveAt != nil || got.DisabledReason != "" || got.DisabledAt != nil ||
				!got.PullActiveSince.Equal(now) || !got.LastPulledAt.Equal(now) {
				t.Fatalf("reactivated %s = %s", ep.Name, show(got))
			}
			again, err := s.RecordPull(ctx, tn.ID, ep.ID, 0, now)
			must(t, err)
			if again {
				t.Fatalf("second RecordPull of %s reactivated it again", ep.Name)
			}
		}
		p := claimOne(t, s, held, now)
		if p.ID != heldPing.ID || p.RunAt != now {
			t.Fatalf("released ping = %s, want %s due %v", show(p), heldPing.ID, now)
		}
		q := claimOne(t, s, failed, now)
		wantPullState(t, s, failed, 1, 0, 0, q.ID)
		if q.ID != d.ID || q.RoundStart != 1 {
			t.Fatalf("queued ping of the endpoint whose ping failed = %s, want %s in a new round", show(q), d.ID)
		}
		if n := len(endpointDeliveries(t, s, pull)); n != 0 {
			t.Fatalf("pull endpoint has %d deliveries after reactivation", n)
		}

		// Concurrent pulls of an inactive endpoint enable it once.
		_, err = s.DeactivatePullEndpoints(ctx, now.Add(time.Hour), now.Add(time.Hour), 10)
		must(t, err)
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
			n    int
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.RecordPull(ctx, tn.ID, pull.ID, 0, now.Add(2*time.Hour))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				if r {
					n++
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 || n != 1 {
			t.Fatalf("concurrent pulls: %d reactivated, errors %v; want 1", n, errs)
		}
	}},

	{"DeleteInactive", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		gone := pullEndpoint(t, s, tn, "Gone", hookd.ModePing, t0)
		stays := pullEndpoint(t, s, tn, "Stays", hookd.ModePull, t0)
		active := pullEndpoint(t, s, tn, "Active", hookd.ModePull, t0)
		full := createEndpoint(t, s, tn, "Full", t0)
		e, _ := pullPublish(t, s, tn, t0, gone, stays, active, full)
		_, err := s.RecordPull(ctx, tn.ID, active.ID, 0, at(20*time.Hour))
		must(t, err)
		// The app owns the inactive mark: set it at known times.
		deactivateOne := func(ep *hookd.Endpoint, when time.Time) {
			t.Helper()
			got := reread(t, s, ep)
			got.InactiveAt, got.Enabled, got.DisabledReason, got.DisabledAt = ptr(when), false, hookd.InactiveReason, ptr(when)
			must(t, s.UpdateEndpoint(ctx, got))
		}
		deactivateOne(gone, at(time.Hour))
		deactivateOne(stays, at(3*time.Hour))

		now := at(30 * time.Hour)
		// Inactive since before 1h: none (strictly before).
		deleted, err := s.DeleteInactiveEndpoints(ctx, at(time.Hour), now, 10)
		must(t, err)
		if len(deleted) != 0 {
			t.Fatalf("deleted %s, want none", show(deleted))
		}
		deleted, err = s.DeleteInactiveEndpoints(ctx, at(2*time.Hour), now, 10)
		must(t, err)
		if len(deleted) != 1 || deleted[0].ID != gone.ID {
			t.Fatalf("deleted %s, want %s", show(deleted), gone.ID)
		}
		_, err = s.Endpoint(ctx, tn.ID, gone.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.Payloads(ctx, tn.ID, gone.ID, 0, 10)
		wantCode(t, err, hookd.ENOTFOUND)
		if n := len(endpointDeliveries(t, s, gone)); n != 0 {
			t.Fatalf("deleted endpoint keeps %d deliveries", n)
		}
		// The event and the others' payloads and deliveries stay.
		_, err = s.Event(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "payloads of the endpoint that stays", payloadTxns(t, s, stays, 0), []int64{1})
		if n := len(endpointDeliveries(t, s, full)); n != 1 {
			t.Fatalf("full endpoint has %d deliveries, want 1", n)
		}

		page, err := s.ListAuditEntries(ctx, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 1 {
			t.Fatalf("audit entries = %s, want 1", show(page.Items))
		}
		a := page.Items[0]
		if a.Action != hookd.AuditEndpointDeleted || a.TenantID != tn.ID || a.Subject != gone.ID || !a.CreatedAt.Equal(now) ||
			!strings.HasPrefix(a.ID, hookd.PrefixAudit) || !strings.Contains(a.Detail, `"Gone"`) ||
			!strings.Contains(a.Detail, at(time.Hour).Format("2006-01-02")) {
			t.Fatalf("audit entry = %s", show(a))
		}
		if n, err := s.DeleteInactiveEndpoints(ctx, at(2*time.Hour), now, 0); err != nil || len(n) != 0 {
			t.Fatalf("limit 0 deleted %d, %v", len(n), err)
		}
	}},

	{"AuditList", func(t *testing.T, s hookd.Store) {
		// Newest first, paged by cursor, across tenants.
		ctx := t.Context()
		var want []string // newest first
		for i := range 5 {
			tn := newTenant(t, s, fmt.Sprintf("t%d", i))
			ep := pullEndpoint(t, s, tn, "E", hookd.ModePull, t0)
			_, err := s.DeactivatePullEndpoints(ctx, at(time.Hour), at(time.Hour), 10)
			must(t, err)
			// Two deleted in the same instant tie on created_at.
			now := at(time.Duration(2+i/2) * time.Hour)
			deleted, err := s.DeleteInactiveEndpoints(ctx, at(2*time.Hour), now, 10)
			must(t, err)
			if len(deleted) != 1 || deleted[0].ID != ep.ID {
				t.Fatalf("deleted %s, want %s", show(deleted), ep.ID)
			}
		}
		all, err := s.ListAuditEntries(ctx, hookd.ListParams{Limit: 100})
		must(t, err)
		for _, a := range all.Items {
			want = append(want, a.ID)
		}
		if len(want) != 5 {
			t.Fatalf("audit entries = %d, want 5", len(want))
		}
		for i := 1; i < len(all.Items); i++ {
			a, b := all.Items[i-1], all.Items[i]
			if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
				t.Fatalf("audit entries not newest first: %s", show(all.Items))
			}
		}
		var got []string
		p := hookd.ListParams{Limit: 2}
		for {
			page, err := s.ListAuditEntries(ctx, p)
			must(t, err)
			for _, a := range page.Items {
				got = append(got, a.ID)
			}
			if page.NextCursor == "" {
				break
			}
			p.Cursor = page.NextCursor
		}
		wantEqual(t, "paged audit entries", got, want)
		asc, err := s.ListAuditEntries(ctx, hookd.ListParams{Sort: "created_at", Limit: 100})
		must(t, err)
		var ascIDs []string
		for _, a := range asc.Items {
			ascIDs = append(ascIDs, a.ID)
		}
		slices.Reverse(ascIDs)
		wantEqual(t, "oldest first, reversed", ascIDs, want)
		_, err = s.ListAuditEntries(ctx, hookd.ListParams{Sort: "name"})
		wantField(t, err, "query.sort")
	}},

	{"FanOut", func(t *testing.T, s hookd.Store) {
		// A fan-out in chunks numbers each endpoint's payload once, even
		// when a chunk names an endpoint whose payload an earlier one
		// stored.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		var eps []*hookd.Endpoint
		for i := range 4 {
			mode := hookd.ModePull
			if i%2 == 0 {
				mode = hookd.ModePing
			}
			eps = append(eps, pullEndpoint(t, s, tn, fmt.Sprintf("E%d", i), mode, t0))
		}
		slices.SortFunc(eps, func(a, b *hookd.Endpoint) int { return strings.Compare(a.ID, b.ID) })
		pullPublish(t, s, tn, t0, eps...) // every endpoint has payload 1
		e := evNewEvent(tn, "user.created", "", at(time.Second))
		e.FanOutAfter = eps[1].ID
		_, err := s.PublishEvent(ctx, e, []*hookd.Delivery{pullDelivery(e, eps[0]), pullDelivery(e, eps[1])})
		must(t, err)
		stale := *e
		chunk := []*hookd.Delivery{pullDelivery(e, eps[1]), pullDelivery(e, eps[2])}
		must(t, s.WriteFanOut(ctx, e, chunk, eps[2].ID, at(time.Minute)))
		if chunk[0].Pull.Transaction != 0 || chunk[1].Pull.Transaction != 2 {
			t.Fatalf("chunk numbers = %d, %d; want 0 (kept already) and 2", chunk[0].Pull.Transaction, chunk[1].Pull.Transaction)
		}
		// A stale writer stores nothing and takes no number.
		err = s.WriteFanOut(ctx, &stale, []*hookd.Delivery{pullDelivery(e, eps[2]), pullDelivery(e, eps[3])}, "", at(time.Minute))
		wantCode(t, err, hookd.ECONFLICT)
		must(t, s.WriteFanOut(ctx, e, []*hookd.Delivery{pullDelivery(e, eps[3])}, "", at(time.Minute)))
		for _, ep := range eps {
			wantEqual(t, "payloads of "+ep.Name, payloadTxns(t, s, ep, 0), seq(1, 2))
			ps, err := s.Payloads(ctx, tn.ID, ep.ID, 1, 10)
			must(t, err)
			if ps[0].EventID != e.ID {
				t.Fatalf("payload 2 of %s is event %s, want %s", ep.Name, ps[0].EventID, e.ID)
			}
		}
	}},

	{"Directory", func(t *testing.T, s hookd.Store) {
		// A directory change publishes to ping and pull endpoints too.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		pub := dirPublication(tn, "organization.created", t0)
		pub.Deliveries = append(pub.Deliveries, pullDelivery(pub.Event, pull))
		must(t, s.CreateOrganization(ctx, newOrganization(tn, "Org", t0), pub))
		if pub.Deliveries[0].Pull.Transaction != 1 {
			t.Fatalf("payload number = %d, want 1", pub.Deliveries[0].Pull.Transaction)
		}
		wantEqual(t, "payloads", payloadTxns(t, s, pull, 0), []int64{1})
	}},

	{"Prune", func(t *testing.T, s hookd.Store) {
		// Pruning history deletes old payloads with their events, but not
		// an event a ping waits on; numbers are never reused.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ping := pullEndpoint(t, s, tn, "Ping", hookd.ModePing, t0)
		pull := pullEndpoint(t, s, tn, "Pull", hookd.ModePull, t0)
		for i := range 3 {
			pullPublish(t, s, tn, at(time.Duration(i)*time.Hour), ping, pull)
		}
		n, err := s.PruneHistory(ctx, at(150*time.Minute), 100)
		must(t, err)
		if n != 2 {
			t.Fatalf("pruned %d events, want 2 (the first carries the waiting ping)", n)
		}
		wantEqual(t, "ping payloads", payloadTxns(t, s, ping, 0), []int64{1})
		wantEqual(t, "pull payloads", payloadTxns(t, s, pull, 0), []int64{1})
		_, ds := pullPublish(t, s, tn, at(4*time.Hour), pull)
		if ds[0].Pull.Transaction != 4 {
			t.Fatalf("number after pruning = %d, want 4", ds[0].Pull.Transaction)
		}
	}},
}

// sortedIDs returns the IDs of eps, sorted.
func sortedIDs(eps []*hookd.Endpoint) []string {
	ids := idsOf(eps)
	slices.Sort(ids)
	return ids
}
