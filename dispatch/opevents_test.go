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
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatal(err)
	}
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

// failThroughSchedule drives a delivery to failing receivers through the
// whole default retry schedule with the clock, one attempt per receiver
// per step, running the drain after each step; no signal may appear
// before the last attempt.
func (w *world) failThroughSchedule(rcs ...*receiver) {
	w.t.Helper()
	schedule := hookd.DefaultRetrySchedule
	for i := 0; i <= len(schedule); i++ {
		for _, rc := range rcs {
			rc.next(w.t)
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
