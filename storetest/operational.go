package storetest

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// Operational signals (issue 14, item 6).

// opPublish stores an event of typ of tn with a running delivery to ep.
func opPublish(t *testing.T, s hookd.Store, tn *hookd.Tenant, ep *hookd.Endpoint, typ string) *hookd.Delivery {
	t.Helper()
	e := evNewEvent(tn, typ, "", t0)
	d := evNewDelivery(e, ep, hookd.DeliveryRunning)
	d.LeaseUntil = ptr(at(time.Hour))
	_, err := s.PublishEvent(t.Context(), e, []*hookd.Delivery{d})
	must(t, err)
	return d
}

// opSignals returns every signal, by type then endpoint.
func opSignals(t *testing.T, s hookd.Store) []*hookd.OperationalSignal {
	t.Helper()
	sigs, err := s.DueOperationalSignals(t.Context(), at(1000*time.Hour), 1000)
	must(t, err)
	slices.SortFunc(sigs, func(a, b *hookd.OperationalSignal) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.EndpointID, b.EndpointID))
	})
	return sigs
}

var operationalTests = []storeTest{
	{"RecordDeliveriesWritesSignals", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, b := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "B", t0)
		normal := opPublish(t, s, tn, a, "user.created")
		operational := opPublish(t, s, tn, a, hookd.EventEndpointDisabled)
		ok := opPublish(t, s, tn, b, "user.created")
		retried := opPublish(t, s, tn, b, "user.created")
		now := at(time.Hour)
		reason := "delivery " + normal.ID + " failed 9 attempts in a row, the last: HTTP 500"
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{
			result(normal, hookd.DeliveryFailed, now, 500),
			result(operational, hookd.DeliveryFailed, now, 500),
			result(ok, hookd.DeliverySucceeded, now, 200),
			result(retried, hookd.DeliveryPending, now, 500),
		}, []hookd.EndpointResult{
			{EndpointID: a.ID, TriggeredAt: now, DisableReason: reason},
			{EndpointID: a.ID, TriggeredAt: now, DisableReason: "again"},
			{EndpointID: b.ID, TriggeredAt: now},
		}))
		sigs := opSignals(t, s)
		// One delivery.exhausted (not for the operational event's
		// delivery), one endpoint.disabled; nothing for B.
		if len(sigs) != 2 || sigs[0].Type != hookd.EventDeliveryExhausted || sigs[1].Type != hookd.EventEndpointDisabled {
			t.Fatalf("signals: %s", show(sigs))
		}
		var ex hookd.DeliveryExhaustedData
		must(t, json.Unmarshal(sigs[0].Data, &ex))
		wantEqual(t, "delivery.exhausted", ex, hookd.DeliveryExhaustedData{
			Endpoint: hookd.OperationalEndpoint{ID: a.ID, Name: "A", URL: a.URL},
			Delivery: hookd.ExhaustedDelivery{ID: normal.ID, EventID: normal.EventID, EventType: "user.created", Attempts: 1,
				LastStatus: 500, LastError: "HTTP 500", LastAttemptAt: now},
		})
		var dis hookd.EndpointDisabledData
		must(t, json.Unmarshal(sigs[1].Data, &dis))
		wantEqual(t, "endpoint.disabled", dis, hookd.EndpointDisabledData{
			Endpoint: hookd.OperationalEndpoint{ID: a.ID, Name: "A", URL: a.URL}, Reason: reason,
			Cause: hookd.DisabledCauseFailures, DisabledAt: now,
		})
		for _, sig := range sigs {
			if sig.TenantID != tn.ID || sig.EndpointID != a.ID || sig.Published || sig.OperatorDone || !sig.NextAt.Equal(now) {
				t.Errorf("signal %s: %s", sig.Type, show(sig))
			}
		}

		// Recording the same results again (a second recorder whose
		// lease had expired) moves nothing and tells nothing.
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{result(normal, hookd.DeliveryFailed, at(2*time.Hour), 500)},
			[]hookd.EndpointResult{{EndpointID: a.ID, TriggeredAt: at(2 * time.Hour), DisableReason: reason}}))
		if got := opSignals(t, s); len(got) != 2 {
			t.Fatalf("signals after recording again: %s", show(got))
		}

		// 410 Gone disables with cause gone.
		gone := opPublish(t, s, tn, b, "user.created")
		must(t, s.RecordDeliveries(ctx, []hookd.DeliveryResult{result(gone, hookd.DeliveryHeld, now, 410)},
			[]hookd.EndpointResult{{EndpointID: b.ID, TriggeredAt: now, DisableReason: hookd.GoneReason}}))
		sigs = opSignals(t, s)
		if len(sigs) != 3 {
			t.Fatalf("signals after 410: %s", show(sigs))
		}
		for _, sig := range sigs {
			if sig.EndpointID == b.ID {
				must(t, json.Unmarshal(sig.Data, &dis))
				if sig.Type != hookd.EventEndpointDisabled || dis.Cause != hookd.DisabledCauseGone {
					t.Fatalf("after 410: %s", show(sig))
				}
			}
		}
	}},
	{"SetEndpointEnabled", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a := createEndpoint(t, s, tn, "A", t0)
		off := *a
		off.Enabled, off.DisabledReason, off.DisabledAt, off.UpdatedAt = false, hookd.DisabledByUser, ptr(at(time.Minute)), at(time.Minute)
		sig, err := hookd.NewOperationalSignal(tn.ID, hookd.EventEndpointDisabled, a.ID, map[string]any{"endpoint": map[string]any{"id": a.ID}}, at(time.Minute))
		must(t, err)
		changed, err := s.SetEndpointEnabled(ctx, &off, sig)
		must(t, err)
		if !changed {
			t.Fatal("disabling an enabled endpoint changed nothing")
		}
		got, err := s.Endpoint(ctx, tn.ID, a.ID)
		must(t, err)
		if got.Enabled || got.DisabledReason != hookd.DisabledByUser || !got.DisabledAt.Equal(at(time.Minute)) {
			t.Fatalf("after disabling: %s", show(got))
		}
		// Again: already disabled, no change, no signal.
		again := off
		sig2, err := hookd.NewOperationalSignal(tn.ID, hookd.EventEndpointDisabled, a.ID, map[string]any{}, at(2*time.Minute))
		must(t, err)
		changed, err = s.SetEndpointEnabled(ctx, &again, sig2)
		must(t, err)
		if changed {
			t.Fatal("disabling a disabled endpoint changed it")
		}
		if sigs := opSignals(t, s); len(sigs) != 1 || sigs[0].ID != sig.ID {
			t.Fatalf("signals: %s", show(sigs))
		}
		missing := off
		missing.ID = hookd.NewID(hookd.PrefixEndpoint)
		_, err = s.SetEndpointEnabled(ctx, &missing, nil)
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"DrainSignals", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		var ids []string
		for i := range 3 {
			sig, err := hookd.NewOperationalSignal(tn.ID, hookd.EventEndpointEnabled, "ep_x", map[string]int{"n": i}, at(time.Duration(3-i)*time.Minute))
			must(t, err)
			must(t, s.AddOperationalSignal(ctx, sig))
			ids = append(ids, sig.ID)
		}
		due, err := s.DueOperationalSignals(ctx, at(2*time.Minute), 10)
		must(t, err)
		// Due at +1 and +2 minutes, earliest first.
		if len(due) != 2 || due[0].ID != ids[2] || due[1].ID != ids[1] || string(due[0].Data) != `{"n":2}` {
			t.Fatalf("due: %s", show(due))
		}
		due[0].Published, due[0].OperatorAttempts, due[0].OperatorError, due[0].NextAt = true, 1, "HTTP 502", at(time.Hour)
		must(t, s.SaveOperationalSignal(ctx, due[0]))
		due[1].Published, due[1].OperatorDone = true, true
		must(t, s.SaveOperationalSignal(ctx, due[1]))
		all := opSignals(t, s)
		if len(all) != 2 {
			t.Fatalf("after saving: %s", show(all))
		}
		for _, sig := range all {
			if sig.ID == ids[1] {
				t.Fatal("a done signal was kept")
			}
			if sig.ID == ids[2] && (!sig.Published || sig.OperatorAttempts != 1 || sig.OperatorError != "HTTP 502" || !sig.NextAt.Equal(at(time.Hour))) {
				t.Fatalf("saved progress: %s", show(sig))
			}
		}
		if due, err := s.DueOperationalSignals(ctx, at(2*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("due after saving: %s, %v", show(due), err)
		}
	}},
	{"Failing", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		a, b := createEndpoint(t, s, tn, "A", t0), createEndpoint(t, s, tn, "B", t0)
		var results []hookd.DeliveryResult
		for i, status := range []int{500, 200, 503, 204} {
			results = append(results, result(opPublish(t, s, tn, a, "user.created"), hookd.DeliveryPending, at(time.Duration(i+1)*time.Minute), status))
		}
		results = append(results, result(opPublish(t, s, tn, b, "user.created"), hookd.DeliverySucceeded, at(10*time.Minute), 200))
		must(t, s.RecordDeliveries(ctx, results, nil))
		// (since, until]: at +1 minute is out, at +4 in.
		counts, err := s.CountAttempts(ctx, at(time.Minute), at(4*time.Minute))
		must(t, err)
		wantEqual(t, "counts", counts, []hookd.AttemptCounts{{EndpointID: a.ID, Attempts: 3, Succeeded: 2}})
		counts, err = s.CountAttempts(ctx, t0, at(time.Hour))
		must(t, err)
		want := []hookd.AttemptCounts{{EndpointID: a.ID, Attempts: 4, Succeeded: 2}, {EndpointID: b.ID, Attempts: 1, Succeeded: 1}}
		slices.SortFunc(want, func(x, y hookd.AttemptCounts) int { return strings.Compare(x.EndpointID, y.EndpointID) })
		wantEqual(t, "counts", counts, want)

		mark := func(id string) bool {
			t.Helper()
			sig, err := hookd.NewOperationalSignal(tn.ID, hookd.EventEndpointFailing, id, map[string]any{}, at(time.Hour))
			must(t, err)
			ok, err := s.MarkEndpointFailing(ctx, sig)
			must(t, err)
			return ok
		}
		if !mark(a.ID) || mark(a.ID) || mark(hookd.NewID(hookd.PrefixEndpoint)) {
			t.Fatal("marking: want once, not again, not for an endpoint gone")
		}
		ids, err := s.FailingEndpoints(ctx)
		must(t, err)
		wantEqual(t, "failing", ids, []string{a.ID})
		if sigs := opSignals(t, s); len(sigs) != 1 || sigs[0].Type != hookd.EventEndpointFailing {
			t.Fatalf("signals: %s", show(sigs))
		}
		must(t, s.ClearEndpointFailing(ctx, []string{a.ID, b.ID}))
		ids, err = s.FailingEndpoints(ctx)
		must(t, err)
		if len(ids) != 0 {
			t.Fatalf("failing after clearing: %v", ids)
		}
		if !mark(a.ID) {
			t.Fatal("a cleared endpoint cannot be marked again")
		}
	}},
}
