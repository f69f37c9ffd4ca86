package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// Operational events (issue 14, item 6).

// opMessage is an operational event as a receiver reads it: a tenant's
// delivery ({id,type,timestamp,data}) or the operator's request (the same
// with tenant_id).
type opMessage struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	TenantID string `json:"tenant_id"`
	Data     struct {
		Endpoint hookd.OperationalEndpoint `json:"endpoint"`
		Reason   string                    `json:"reason"`
		Cause    string                    `json:"cause"`
		Delivery hookd.ExhaustedDelivery   `json:"delivery"`
	} `json:"data"`
	raw json.RawMessage // data
}

// opWorld is a world whose app sends operational signals to an operator
// receiver, signed with the returned secret.
func opWorld(t *testing.T, s *sqlstore.Store) (*world, *receiver, string) {
	t.Helper()
	w := newWorld(t, s, nil)
	op := newReceiver(t)
	secret := hookd.NewSigningSecret(hookd.SigningHMACSHA256)
	w.app.Operator = &dispatch.OperatorWebhook{URL: op.URL, Secret: secret, Client: &dispatch.Client{AllowPrivate: true}, Clock: w.clock}
	return w, op, secret
}

// readSigned checks r's signature with the reference library (the
// timestamp is the injected clock's, which has moved on from the real
// time, so it is compared with the clock instead of the real time) and
// decodes it.
func readSigned(t *testing.T, w *world, secret string, r received) opMessage {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.VerifyIgnoringTimestamp(r.Body, r.Header); err != nil {
		t.Fatalf("signature of %s: %v", r.Body, err)
	}
	if ts := r.Header.Get("Webhook-Timestamp"); ts != strconv.FormatInt(w.clock.Now().Unix(), 10) {
		t.Fatalf("webhook-timestamp %s, want the clock's %d", ts, w.clock.Now().Unix())
	}
	var m opMessage
	var raw struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatal(err)
	}
	m.raw = raw.Data
	return m
}

// drain runs the operational-events job once and returns how many signals
// it finished.
func (w *world) drain() int {
	w.t.Helper()
	n, err := w.app.RunOperationalSignals(context.Background())
	if err != nil {
		w.t.Fatalf("run operational signals: %v", err)
	}
	return n
}

// pendingSignals returns the signals due now.
func (w *world) pendingSignals() []*hookd.OperationalSignal {
	w.t.Helper()
	sigs, err := w.store.DueOperationalSignals(context.Background(), w.clock.Now().Add(48*time.Hour), 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return sigs
}

// nextWaking returns rc's next request, waking the dispatcher every
// 100 ms while none has come. A single Wake right after advancing the
// clock can be lost when a claim round that read the time before the
// advance takes it (its DueEndpoints looks at the earlier time); the
// harness's poll is an hour, so the test wakes again rather than wait.
func (w *world) nextWaking(rc *receiver) received {
	w.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		w.d.Wake()
		select {
		case r := <-rc.got:
			return r
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			w.t.Fatal("the receiver got no request")
		}
	}
}

// failThroughSchedule drives a delivery to failing receivers through the
// whole default retry schedule with the clock, one attempt per receiver
// per step, running the drain after each step; no signal may appear
// before the last attempt.
func (w *world) failThroughSchedule(rcs ...*receiver) {
	w.t.Helper()
	schedule := hookd.DefaultRetrySchedule
	for i := 0; i <= len(schedule); i++ {
		for _, rc := range rcs {
			w.nextWaking(rc)
		}
		w.waitRecorded(len(rcs))
		if i == len(schedule) {
			break
		}
		if sigs := w.pendingSignals(); len(sigs) > 0 {
			w.t.Fatalf("after attempt %d: %d operational signals, want none before the last retry", i+1, len(sigs))
		}
		w.clock.Advance(schedule[i])
		w.d.Wake()
	}
}

// TestOperationalEventEndpointDisabled is the acceptance test of issue 14,
// item 6: an endpoint disabled after its last retry produces
// endpoint.disabled at the tenant's subscribed endpoint and at the
// operator's URL.
func TestOperationalEventEndpointDisabled(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w, op, opSecret := opWorld(t, s)
		rcA, rcB := newReceiver(t), newReceiver(t)
		rcA.answerWith(http.StatusInternalServerError, nil)
		a := w.endpoint(rcA.URL, app.CreateEndpointInput{Name: "crm", EventTypes: []string{hookd.EventUserCreated}})
		b := w.endpoint(rcB.URL, app.CreateEndpointInput{Name: "on-call", EventTypes: []string{hookd.EventEndpointDisabled}})
		w.start()
		e := w.publish(userData)
		w.failThroughSchedule(rcA)
		if got, err := w.app.Endpoint(ctx, w.tenant, a.ID); err != nil || got.Enabled {
			t.Fatalf("A after its last retry: enabled %v, %v", got.Enabled, err)
		}
		if n := w.drain(); n != 2 { // delivery.exhausted and endpoint.disabled
			t.Fatalf("drain finished %d signals, want 2", n)
		}

		// B, subscribed to endpoint.disabled only, gets exactly one.
		got := readSigned(t, w, b.Secrets[0].Secret, rcB.next(t))
		w.waitRecorded(1)
		if got.Type != hookd.EventEndpointDisabled || got.Data.Endpoint != (hookd.OperationalEndpoint{ID: a.ID, Name: "crm", URL: rcA.URL}) ||
			got.Data.Cause != hookd.DisabledCauseFailures || got.Data.Reason == "" {
			t.Fatalf("B got %+v, want endpoint.disabled about A", got)
		}

		// The operator gets both signals, with the tenant.
		var types []string
		for range 2 {
			m := readSigned(t, w, opSecret, op.next(t))
			if m.TenantID != w.tenant || m.Data.Endpoint.ID != a.ID {
				t.Fatalf("operator got %+v, want tenant %s, endpoint %s", m, w.tenant, a.ID)
			}
			if m.Type == hookd.EventDeliveryExhausted && (m.Data.Delivery.EventID != e.ID || m.Data.Delivery.Attempts != 9 ||
				m.Data.Delivery.LastStatus != 500 || m.Data.Delivery.EventType != hookd.EventUserCreated) {
				t.Fatalf("operator's delivery.exhausted: %+v", m.Data.Delivery)
			}
			if m.Type == hookd.EventEndpointDisabled && m.Data.Reason != got.Data.Reason {
				t.Fatalf("operator's endpoint.disabled says %q, the tenant's %q", m.Data.Reason, got.Data.Reason)
			}
			types = append(types, m.Type)
		}
		slices.Sort(types)
		if fmt.Sprint(types) != "[delivery.exhausted endpoint.disabled]" {
			t.Fatalf("operator got %v", types)
		}

		// Draining again sends nothing: the signals are done.
		if n := w.drain(); n != 0 || len(w.pendingSignals()) != 0 {
			t.Fatalf("second drain: %d, %d left", n, len(w.pendingSignals()))
		}
		rcB.none(t)
		op.none(t)
		rcA.none(t)
	})
}

// TestOperationalEventsNoLoop: a tenant whose only on-call endpoint,
// subscribed to every operational event and to user.created, always
// fails. Its failure tells of itself to nobody (it is the only
// subscriber, and never hears about itself), so everything settles after
// a bounded, exact number of signals and events, and stays quiet however
// far the clock moves.
func TestOperationalEventsNoLoop(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w, op, _ := opWorld(t, s)
		rc := newReceiver(t)
		rc.answerWith(http.StatusInternalServerError, nil)
		x := w.endpoint(rc.URL, app.CreateEndpointInput{Name: "on-call", EventTypes: []string{hookd.EventUserCreated,
			hookd.EventEndpointDisabled, hookd.EventEndpointEnabled, hookd.EventEndpointFailing, hookd.EventDeliveryExhausted}})
		w.start()
		w.publish(userData)
		w.failThroughSchedule(rc)
		if n := w.drain(); n != 2 { // delivery.exhausted and endpoint.disabled about X
			t.Fatalf("drain finished %d signals, want 2", n)
		}
		// Enabled again (still failing): endpoint.enabled, not sent to X.
		if _, err := w.app.EnableEndpoint(ctx, w.tenant, x.ID); err != nil {
			t.Fatal(err)
		}
		if n := w.drain(); n != 1 {
			t.Fatalf("drain after enabling finished %d signals, want 1", n)
		}
		for range 3 {
			op.next(t)
		}
		// Quiet from here on: no request, no signal, no delivery waiting.
		for range 5 {
			w.clock.Advance(30 * time.Hour)
			w.d.Wake()
			if n := w.drain(); n != 0 {
				t.Fatalf("a later drain finished %d signals, want 0", n)
			}
		}
		rc.none(t)
		op.none(t)
		events, err := w.app.ListEvents(ctx, w.tenant, "", hookd.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range events.Items {
			types = append(types, e.Type)
			if _, ds, err := w.app.Event(ctx, w.tenant, e.ID); err != nil || (e.Type != hookd.EventUserCreated && len(ds) != 0) {
				t.Fatalf("%s has deliveries %v (%v); an operational event about X must not go to X", e.Type, ds, err)
			}
		}
		slices.Sort(types)
		if fmt.Sprint(types) != "[delivery.exhausted endpoint.disabled endpoint.enabled user.created]" {
			t.Fatalf("events %v", types)
		}
		for _, st := range []hookd.DeliveryState{hookd.DeliveryPending, hookd.DeliveryRunning, hookd.DeliveryHeld} {
			page, err := w.app.ListDeliveries(ctx, w.tenant, hookd.DeliveryFilter{State: st}, hookd.ListParams{})
			if err != nil || len(page.Items) != 0 {
				t.Fatalf("%s deliveries: %d, %v; want none", st, len(page.Items), err)
			}
		}
	})
}

// TestOperationalEventsChain: endpoint A fails; on-call endpoint Y
// receives A's operational events and fails them too. Y's failures of
// operational events make no delivery.exhausted; Y's disabling is told to
// the operator and to nobody else (Y is the only subscriber). Bounded:
// three signals in all.
func TestOperationalEventsChain(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		w, op, _ := opWorld(t, s)
		rcA, rcY := newReceiver(t), newReceiver(t)
		rcA.answerWith(http.StatusInternalServerError, nil)
		rcY.answerWith(http.StatusServiceUnavailable, nil)
		w.endpoint(rcA.URL, app.CreateEndpointInput{Name: "crm", EventTypes: []string{hookd.EventUserCreated}})
		y := w.endpoint(rcY.URL, app.CreateEndpointInput{Name: "on-call", EventTypes: []string{hookd.EventEndpointDisabled, hookd.EventDeliveryExhausted}})
		w.start()
		w.publish(userData)
		w.failThroughSchedule(rcA)
		if n := w.drain(); n != 2 {
			t.Fatalf("drain finished %d signals, want 2", n)
		}
		// Y gets both of A's, and fails them through the schedule.
		schedule := hookd.DefaultRetrySchedule
		for i := 0; i <= len(schedule); i++ {
			w.nextWaking(rcY)
			w.nextWaking(rcY)
			w.waitRecorded(2)
			if i < len(schedule) {
				w.clock.Advance(schedule[i])
				w.d.Wake()
			}
		}
		sigs := w.pendingSignals()
		if len(sigs) != 1 || sigs[0].Type != hookd.EventEndpointDisabled || sigs[0].EndpointID != y.ID {
			t.Fatalf("signals after Y failed: %+v, want only endpoint.disabled about Y", sigs)
		}
		if n := w.drain(); n != 1 {
			t.Fatalf("drain finished %d, want 1", n)
		}
		for range 3 {
			op.next(t)
		}
		for range 3 {
			w.clock.Advance(30 * time.Hour)
			w.d.Wake()
			if n := w.drain(); n != 0 {
				t.Fatalf("a later drain finished %d signals, want 0", n)
			}
		}
		rcA.none(t)
		rcY.none(t)
		op.none(t)
	})
}

// TestOperationalEventsByHand: enabling and disabling by hand tell of it
// too; a drain cut short between publishing and saving does not publish
// twice; the operational names are reserved.
func TestOperationalEventsByHand(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w, op, opSecret := opWorld(t, s)
		rcA, rcB := newReceiver(t), newReceiver(t)
		a := w.endpoint(rcA.URL, app.CreateEndpointInput{Name: "crm", EventTypes: []string{hookd.EventUserCreated}})
		b := w.endpoint(rcB.URL, app.CreateEndpointInput{Name: "on-call", EventTypes: []string{hookd.EventEndpointDisabled, hookd.EventEndpointEnabled}})
		w.start()
		if _, err := w.app.DisableEndpoint(ctx, w.tenant, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		// Disabling a disabled endpoint changes nothing and tells nothing.
		if _, err := w.app.DisableEndpoint(ctx, w.tenant, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		if n := w.drain(); n != 1 {
			t.Fatalf("drain after disabling: %d, want 1", n)
		}
		m := readSigned(t, w, b.Secrets[0].Secret, rcB.next(t))
		w.waitRecorded(1)
		if m.Type != hookd.EventEndpointDisabled || m.Data.Cause != hookd.DisabledCauseUser || m.Data.Reason != hookd.DisabledByUser || m.Data.Endpoint.ID != a.ID {
			t.Fatalf("B got %+v", m)
		}
		if m := readSigned(t, w, opSecret, op.next(t)); m.Type != hookd.EventEndpointDisabled || m.TenantID != w.tenant {
			t.Fatalf("operator got %+v", m)
		}

		if _, err := w.app.EnableEndpoint(ctx, w.tenant, a.ID); err != nil {
			t.Fatal(err)
		}
		// A run that published the event and stopped before saving the
		// signal: the next run publishes nothing new.
		sigs := w.pendingSignals()
		if len(sigs) != 1 || sigs[0].Type != hookd.EventEndpointEnabled {
			t.Fatalf("signals after enabling: %+v", sigs)
		}
		if _, err := w.app.PublishSignal(ctx, sigs[0]); err != nil {
			t.Fatal(err)
		}
		m = readSigned(t, w, b.Secrets[0].Secret, rcB.next(t))
		w.waitRecorded(1)
		if m.Type != hookd.EventEndpointEnabled || m.Data.Endpoint.ID != a.ID {
			t.Fatalf("B got %+v", m)
		}
		if n := w.drain(); n != 1 {
			t.Fatalf("drain after enabling: %d, want 1", n)
		}
		if m := readSigned(t, w, opSecret, op.next(t)); m.Type != hookd.EventEndpointEnabled {
			t.Fatalf("operator got %+v", m)
		}
		if n := w.drain(); n != 0 {
			t.Fatalf("drain again: %d, want 0", n)
		}
		rcB.none(t)
		op.none(t)
		enabled, err := w.app.ListEvents(ctx, w.tenant, hookd.EventEndpointEnabled, hookd.ListParams{})
		if err != nil || len(enabled.Items) != 1 {
			t.Fatalf("endpoint.enabled events: %d, %v; want 1", len(enabled.Items), err)
		}

		// Only hookd publishes them.
		if _, _, err := w.app.Publish(ctx, w.tenant, app.PublishInput{Type: sigs[0].Type, Data: sigs[0].Data}); hookd.ErrorCode(err) != hookd.EINVALID {
			t.Errorf("a tenant publishing %s: %v, want EINVALID", sigs[0].Type, err)
		}

		// The names are the catalog's: a tenant cannot take them.
		for _, name := range []string{hookd.EventEndpointDisabled, hookd.EventEndpointEnabled, hookd.EventEndpointFailing, hookd.EventDeliveryExhausted} {
			_, err := w.app.CreateEventType(ctx, w.tenant, app.CreateEventTypeInput{Name: name, Description: "mine",
				Schema: json.RawMessage(`{"type":"object"}`), Example: json.RawMessage(`{}`)})
			if hookd.ErrorCode(err) != hookd.ECONFLICT {
				t.Errorf("creating %s: %v, want ECONFLICT", name, err)
			}
			desc := "mine"
			if _, err := w.app.UpdateEventType(ctx, w.tenant, name, app.UpdateEventTypeInput{Description: &desc}); hookd.ErrorCode(err) != hookd.EFORBIDDEN {
				t.Errorf("changing %s: %v, want EFORBIDDEN", name, err)
			}
		}
	})
}

// TestOperatorRetries: the operator's URL failing is retried with a
// growing wait, without publishing the tenant's event again, and given up
// after hookd.OperatorGiveUp.
func TestOperatorRetries(t *testing.T) {
	w, op, _ := opWorld(t, sqlstoretest.SQLite(t))
	ctx := context.Background()
	op.answerWith(http.StatusBadGateway, nil)
	rc := newReceiver(t)
	a := w.endpoint(rc.URL, app.CreateEndpointInput{EventTypes: []string{hookd.EventUserCreated}})
	if _, err := w.app.DisableEndpoint(ctx, w.tenant, a.ID, ""); err != nil {
		t.Fatal(err)
	}
	if n := w.drain(); n != 0 {
		t.Fatalf("drain with the operator failing: %d done", n)
	}
	op.next(t)
	if n := w.drain(); n != 0 {
		t.Fatal("a signal was retried before its wait")
	}
	op.none(t)
	w.clock.Advance(hookd.OperatorRetry(1))
	w.drain()
	op.next(t)
	sigs := w.pendingSignals()
	if len(sigs) != 1 || !sigs[0].Published || sigs[0].OperatorAttempts != 2 || sigs[0].OperatorError == "" {
		t.Fatalf("signal after two failed requests: %+v", sigs)
	}
	attempts := 2
	for w.clock.Advance(time.Hour); len(w.pendingSignals()) > 0; w.clock.Advance(time.Hour) {
		w.drain()
		op.next(t)
		attempts++
		if attempts > 40 {
			t.Fatal("never given up")
		}
	}
	if attempts < 20 {
		t.Fatalf("given up after %d requests, before a day", attempts)
	}
	events, err := w.app.ListEvents(ctx, w.tenant, hookd.EventEndpointDisabled, hookd.ListParams{})
	if err != nil || len(events.Items) != 1 {
		t.Fatalf("endpoint.disabled events: %d, %v; want 1", len(events.Items), err)
	}
}

// TestOperationalEventEndpointFailing: an endpoint whose success rate
// falls under the threshold (default: 50 % of at least 10 attempts in 15
// minutes) is reported once; not again while it still fails; and again
// after it has recovered and fails anew.
func TestOperationalEventEndpointFailing(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w, op, opSecret := opWorld(t, s)
		rcF, rcB := newReceiver(t), newReceiver(t)
		rcF.answerWith(http.StatusInternalServerError, nil)
		f := w.endpoint(rcF.URL, app.CreateEndpointInput{Name: "flaky", EventTypes: []string{hookd.EventUserCreated}})
		b := w.endpoint(rcB.URL, app.CreateEndpointInput{Name: "on-call", EventTypes: []string{hookd.EventEndpointFailing}})
		w.start()
		health := func(want int) {
			t.Helper()
			n, err := w.app.RunEndpointHealth(ctx)
			if err != nil || n != want {
				t.Fatalf("endpoint health reported %d failing (%v), want %d", n, err, want)
			}
		}
		burst := func() {
			t.Helper()
			for range 10 {
				w.publish(userData)
			}
			for range 10 {
				rcF.next(t)
			}
			w.waitRecorded(10)
		}

		// Nine failed attempts are too few to judge.
		for range 9 {
			w.publish(userData)
			rcF.next(t)
		}
		w.waitRecorded(9)
		health(0)
		w.publish(userData)
		rcF.next(t)
		w.waitRecorded(1)
		health(1)
		if n := w.drain(); n != 1 {
			t.Fatalf("drain: %d, want 1", n)
		}
		m := readSigned(t, w, b.Secrets[0].Secret, rcB.next(t))
		w.waitRecorded(1)
		var data hookd.EndpointFailingData
		if err := json.Unmarshal(mustBody(t, m), &data); err != nil {
			t.Fatal(err)
		}
		if m.Type != hookd.EventEndpointFailing || data.Endpoint.ID != f.ID || data.Attempts != 10 || data.Succeeded != 0 ||
			data.SuccessRate != 0 || data.WindowSeconds != 900 || data.Threshold != 0.5 || data.MinAttempts != 10 {
			t.Fatalf("B got %s %+v", m.Type, data)
		}
		if m := readSigned(t, w, opSecret, op.next(t)); m.Type != hookd.EventEndpointFailing || m.TenantID != w.tenant {
			t.Fatalf("operator got %+v", m)
		}

		// Still failing (the retries fail too): quiet.
		w.clock.Advance(hookd.DefaultRetrySchedule[0])
		for range 10 {
			w.nextWaking(rcF)
		}
		w.waitRecorded(10)
		health(0)
		if n := w.drain(); n != 0 {
			t.Fatalf("drain while still failing: %d", n)
		}

		// Recovered: the window holds only successes.
		rcF.answerWith(http.StatusOK, nil)
		w.clock.Advance(16 * time.Minute)
		for range 10 {
			w.nextWaking(rcF)
		}
		w.waitRecorded(10)
		health(0)
		if ids, err := s.FailingEndpoints(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("failing endpoints after recovery: %v, %v", ids, err)
		}

		// Failing anew: reported again.
		rcF.answerWith(http.StatusInternalServerError, nil)
		w.clock.Advance(16 * time.Minute)
		burst()
		health(1)
		if n := w.drain(); n != 1 {
			t.Fatalf("drain: %d, want 1", n)
		}
		if m := readSigned(t, w, b.Secrets[0].Secret, rcB.next(t)); m.Type != hookd.EventEndpointFailing || m.Data.Endpoint.ID != f.ID {
			t.Fatalf("B got %+v", m)
		}
		w.waitRecorded(1)
		op.next(t)
		rcB.none(t)
	})
}

// mustBody returns the data of m as JSON.
func mustBody(t *testing.T, m opMessage) []byte {
	t.Helper()
	return m.raw
}

// TestOperatorDownSparesTheRest: once the operator's URL fails in a run,
// the run sends it nothing more, and the tenants' events are published
// all the same.
func TestOperatorDownSparesTheRest(t *testing.T) {
	w, op, _ := opWorld(t, sqlstoretest.SQLite(t))
	ctx := context.Background()
	op.answerWith(http.StatusServiceUnavailable, nil)
	for _, name := range []string{"one", "two", "three"} {
		rc := newReceiver(t)
		e := w.endpoint(rc.URL, app.CreateEndpointInput{Name: name, EventTypes: []string{hookd.EventUserCreated}})
		if _, err := w.app.DisableEndpoint(ctx, w.tenant, e.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.drain(); n != 0 {
		t.Fatalf("drain with the operator down: %d done", n)
	}
	op.next(t)
	op.none(t)
	sigs := w.pendingSignals()
	attempts := 0
	for _, s := range sigs {
		if !s.Published || s.OperatorDone {
			t.Fatalf("signal %+v: want published, the operator's part pending", s)
		}
		attempts += s.OperatorAttempts
	}
	if len(sigs) != 3 || attempts != 1 {
		t.Fatalf("%d signals, %d operator attempts; want 3 and 1", len(sigs), attempts)
	}
	events, err := w.app.ListEvents(ctx, w.tenant, hookd.EventEndpointDisabled, hookd.ListParams{})
	if err != nil || len(events.Items) != 3 {
		t.Fatalf("endpoint.disabled events: %d, %v; want 3", len(events.Items), err)
	}
	// Back up: the next runs send them all.
	op.answerWith(http.StatusNoContent, nil)
	w.clock.Advance(time.Hour)
	if n := w.drain(); n != 3 {
		t.Fatalf("drain with the operator back: %d, want 3", n)
	}
	for range 3 {
		op.next(t)
	}
}
