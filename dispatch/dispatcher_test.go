package dispatch_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// verifyReceived checks a request's signature with the Standard Webhooks reference
// library, not with hookd's code.
func verifyReceived(t *testing.T, secret string, r received) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("reference library refuses secret %q: %v", secret, err)
	}
	return wh.Verify(r.Body, r.Header)
}

func TestDeliverJSON(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL+"/hook?key={VerificationKey}", app.CreateEndpointInput{
			Headers: map[string]string{"X-Team": "platform"},
		})
		w.start()
		e := w.publish(userData)

		r := rc.next(t)
		if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
			t.Fatalf("reference library: %v", err)
		}
		var body struct {
			ID, Type, Timestamp string
			Data                json.RawMessage
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("body %s: %v", r.Body, err)
		}
		if body.ID != e.ID || body.Type != "user.created" || string(body.Data) != userData ||
			body.Timestamp != e.Timestamp.Format(time.RFC3339Nano) {
			t.Errorf("body = %s", r.Body)
		}
		for name, want := range map[string]string{
			"Webhook-Id":               e.ID,
			"Content-Type":             "application/json",
			"User-Agent":               "hookd/" + hookd.Version,
			"X-Team":                   "platform",
			"X-Hookd-Verification-Key": ep.VerificationKey,
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if r.Path != "/hook?key="+ep.VerificationKey {
			t.Errorf("path = %q, want the verification key substituted", r.Path)
		}

		w.waitRecorded(1)
		d, as := w.delivery(w.onlyDelivery(e).ID)
		if d.State != hookd.DeliverySucceeded || d.Attempts != 1 || d.LastStatus != 200 || d.LastAttemptAt == nil {
			t.Errorf("delivery = %+v", d)
		}
		if len(as) != 1 {
			t.Fatalf("attempts = %d, want 1", len(as))
		}
		a := as[0]
		if a.ResponseStatus != 200 || a.ResponseBody != "received OK" || a.RequestBody != string(r.Body) ||
			a.RequestHeaders["Webhook-Signature"][0] != r.Header.Get("Webhook-Signature") || a.Error != "" ||
			a.URL != rc.URL+"/hook?key="+hookd.MaskSecret(ep.VerificationKey) || a.Duration <= 0 || len(a.ResponseHeaders["Content-Type"]) == 0 {
			t.Errorf("attempt = %+v", a)
		}
		got, err := w.app.Endpoint(context.Background(), w.tenant, ep.ID)
		if err != nil || got.LastTriggeredAt == nil {
			t.Errorf("endpoint last_triggered_at = %v, %v", got.LastTriggeredAt, err)
		}
	})
}

func TestDeliverXML(t *testing.T) {
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{Format: "xml"})
	w.start()
	e := w.publish(userData)
	r := rc.next(t)
	if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
		t.Fatalf("reference library: %v", err)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("content-type %q", ct)
	}
	var doc struct {
		XMLName xml.Name `xml:"event"`
		ID      string   `xml:"id,attr"`
		Type    string   `xml:"type,attr"`
		Email   string   `xml:"data>user>email"`
	}
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, r.Body)
	}
	if doc.ID != e.ID || doc.Type != "user.created" || doc.Email != "ada@example.com" {
		t.Errorf("XML = %s", r.Body)
	}
}

func TestDeliverBatch(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{MaxEventsPerRequest: ptr(3)})
		// Five events wait before the dispatcher starts: a request of three,
		// then one of two.
		var ids []string
		for range 5 {
			ids = append(ids, w.publish(userData).ID)
		}
		w.start()
		var got []string
		for len(got) < 5 {
			r := rc.next(t)
			if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
				t.Fatalf("reference library: %v", err)
			}
			var body struct {
				Events []struct{ ID, Type string }
			}
			if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Events) == 0 || len(body.Events) > 3 {
				t.Fatalf("batch body %s: %v", r.Body, err)
			}
			for i, ev := range body.Events {
				if i > 0 && ev.ID < body.Events[i-1].ID {
					t.Errorf("batch out of order: %s", r.Body)
				}
				got = append(got, ev.ID)
			}
		}
		rc.none(t)
		// The two requests go out side by side; each keeps the order.
		slices.Sort(got)
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("events %v, want %v", got, ids)
		}
		w.waitRecorded(5)
	})
}

func TestDeliverRotatedSecret(t *testing.T) {
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
	old := ep.Secrets[0].Secret
	current, expires, err := w.app.RotateEndpointSecret(context.Background(), w.tenant, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.start()
	w.publish(userData)
	r := rc.next(t)
	if n := len(strings.Fields(r.Header.Get("Webhook-Signature"))); n != 2 {
		t.Fatalf("%d signatures during the overlap, want 2", n)
	}
	for _, secret := range []string{old, current} {
		if err := verifyReceived(t, secret, r); err != nil {
			t.Errorf("during the overlap, secret %s…: %v", secret[:10], err)
		}
	}
	w.waitRecorded(1)

	// After the overlap the old secret no longer signs.
	w.clock.Set(expires.Add(time.Second))
	w.publish(userData)
	r = rc.next(t)
	wh, _ := standardwebhooks.NewWebhook(old)
	if err := wh.VerifyIgnoringTimestamp(r.Body, r.Header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
		t.Errorf("old secret after the overlap: %v, want no matching signature", err)
	}
	wh, _ = standardwebhooks.NewWebhook(current)
	if err := wh.VerifyIgnoringTimestamp(r.Body, r.Header); err != nil {
		t.Errorf("new secret after the overlap: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRetryScheduleThenDisable(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		rc.answerWith(http.StatusInternalServerError, nil)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		e := w.publish(userData)
		id := w.onlyDelivery(e).ID

		schedule := hookd.DefaultRetrySchedule
		for i := 0; i <= len(schedule); i++ {
			r := rc.next(t)
			if r.Header.Get("Webhook-Id") != e.ID {
				t.Fatalf("attempt %d: webhook-id %q, want the event's id every time", i+1, r.Header.Get("Webhook-Id"))
			}
			w.waitRecorded(1)
			d, _ := w.delivery(id)
			if d.Attempts != i+1 || d.LastStatus != 500 {
				t.Fatalf("after attempt %d: %+v", i+1, d)
			}
			if i == len(schedule) {
				break
			}
			if want := w.clock.Now().Add(schedule[i]); d.State != hookd.DeliveryPending || !d.RunAt.Equal(want.Truncate(time.Microsecond)) {
				t.Fatalf("after attempt %d: state %s run_at %v, want pending at +%v", i+1, d.State, d.RunAt, schedule[i])
			}
			w.clock.Advance(schedule[i])
			w.d.Wake()
		}
		d, as := w.delivery(id)
		if d.State != hookd.DeliveryFailed || len(as) != 9 {
			t.Fatalf("after the last retry: state %s, %d attempts; want failed after 9", d.State, len(as))
		}
		got, err := w.app.Endpoint(ctx, w.tenant, ep.ID)
		if err != nil || got.Enabled || !strings.Contains(got.DisabledReason, "failed 9 attempts") || got.DisabledAt == nil {
			t.Fatalf("endpoint after the last retry: enabled %v, reason %q, %v", got.Enabled, got.DisabledReason, err)
		}

		// Events keep being recorded, held, while it is disabled.
		held := w.publish(userData)
		if hd := w.onlyDelivery(held); hd.State != hookd.DeliveryHeld {
			t.Fatalf("delivery to a disabled endpoint: %s, want held", hd.State)
		}
		rc.none(t)

		// Re-enabling sends what accumulated; the failed one waits for a
		// recovery.
		rc.answerWith(http.StatusOK, nil)
		if _, err := w.app.EnableEndpoint(ctx, w.tenant, ep.ID); err != nil {
			t.Fatal(err)
		}
		if r := rc.next(t); r.Header.Get("Webhook-Id") != held.ID {
			t.Fatalf("after enabling: got %s, want the held event", r.Header.Get("Webhook-Id"))
		}
		w.waitRecorded(1)
		rc.none(t)
		n, err := w.app.RecoverEndpoint(ctx, w.tenant, ep.ID, e.CreatedAt)
		if err != nil || n != 1 {
			t.Fatalf("recover: %d, %v; want 1", n, err)
		}
		if r := rc.next(t); r.Header.Get("Webhook-Id") != e.ID {
			t.Fatalf("after recovery: got %s, want the failed event", r.Header.Get("Webhook-Id"))
		}
		w.waitRecorded(1)
		if d, as := w.delivery(id); d.State != hookd.DeliverySucceeded || len(as) != 10 || d.RoundStart != 9 {
			t.Fatalf("recovered delivery: %+v with %d attempts", d, len(as))
		}
		if n, err := w.app.RecoverEndpoint(ctx, w.tenant, ep.ID, e.CreatedAt); err != nil || n != 0 {
			t.Fatalf("second recover: %d, %v; want 0", n, err)
		}
	})
}

func TestGoneDisablesAtOnce(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		rc.answerWith(http.StatusGone, nil)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		e := w.publish(userData)
		rc.next(t)
		w.waitRecorded(1)
		got, _ := w.app.Endpoint(ctx, w.tenant, ep.ID)
		if got.Enabled || !strings.Contains(got.DisabledReason, "410") {
			t.Fatalf("after 410: enabled %v, reason %q", got.Enabled, got.DisabledReason)
		}
		if d := w.onlyDelivery(e); d.State != hookd.DeliveryHeld || d.Attempts != 1 {
			t.Fatalf("delivery answered 410: %+v, want held", d)
		}
		rc.answerWith(http.StatusNoContent, nil)
		if _, err := w.app.EnableEndpoint(ctx, w.tenant, ep.ID); err != nil {
			t.Fatal(err)
		}
		rc.next(t)
		w.waitRecorded(1)
		if d := w.onlyDelivery(e); d.State != hookd.DeliverySucceeded {
			t.Fatalf("after enabling: %s", d.State)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			rc := newReceiver(t)
			rc.answerWith(status, http.Header{"Retry-After": {"600"}})
			w := newWorld(t, sqlstoretest.SQLite(t), nil)
			w.endpoint(rc.URL, app.CreateEndpointInput{})
			w.start()
			e := w.publish(userData)
			rc.next(t)
			w.waitRecorded(1)
			d := w.onlyDelivery(e)
			if want := w.clock.Now().Add(10 * time.Minute).Truncate(time.Microsecond); d.State != hookd.DeliveryPending || !d.RunAt.Equal(want) {
				t.Fatalf("after %d with Retry-After: 600: %s at %v, want pending at %v", status, d.State, d.RunAt, want)
			}
		})
	}
	// A Retry-After on another status is not honoured.
	rc := newReceiver(t)
	rc.answerWith(http.StatusInternalServerError, http.Header{"Retry-After": {"600"}})
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	w.endpoint(rc.URL, app.CreateEndpointInput{})
	w.start()
	e := w.publish(userData)
	rc.next(t)
	w.waitRecorded(1)
	if d := w.onlyDelivery(e); !d.RunAt.Equal(w.clock.Now().Add(5 * time.Second).Truncate(time.Microsecond)) {
		t.Fatalf("500 with Retry-After: run_at %v, want the schedule's 5 s", d.RunAt)
	}
}

func TestRedirectIsAFailure(t *testing.T) {
	rc := newReceiver(t)
	rc.answerWith(http.StatusFound, http.Header{"Location": {"/elsewhere"}})
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	w.endpoint(rc.URL, app.CreateEndpointInput{})
	w.start()
	e := w.publish(userData)
	rc.next(t)
	w.waitRecorded(1)
	rc.none(t) // not followed
	if d := w.onlyDelivery(e); d.State != hookd.DeliveryPending || d.LastStatus != http.StatusFound {
		t.Fatalf("after a 302: %+v, want pending retry", d)
	}
}

func TestResend(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		e := w.publish(userData)
		first := rc.next(t)
		w.waitRecorded(1)
		id := w.onlyDelivery(e).ID
		d, err := w.app.ResendDelivery(ctx, w.tenant, id)
		if err != nil || d.State != hookd.DeliveryPending {
			t.Fatalf("resend: %+v, %v", d, err)
		}
		again := rc.next(t)
		if string(again.Body) != string(first.Body) || again.Header.Get("Webhook-Id") != e.ID {
			t.Errorf("resent request differs: %s", again.Body)
		}
		w.waitRecorded(1)
		if d, as := w.delivery(id); d.State != hookd.DeliverySucceeded || len(as) != 2 {
			t.Fatalf("after resend: %s with %d attempts", d.State, len(as))
		}
		if _, err := w.app.ResendDelivery(ctx, w.tenant, "dlv_nope"); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Errorf("resend unknown: %v", err)
		}
	})
}

func TestTestEndpoint(t *testing.T) {
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{EventTypes: []string{"ticket.created"}})
	w.start()
	_, d, err := w.app.TestEndpoint(context.Background(), w.tenant, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := rc.next(t)
	var body struct {
		Type string
		Data struct {
			EndpointID string `json:"endpoint_id"`
		}
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Type != "webhook.test" || body.Data.EndpointID != ep.ID {
		t.Fatalf("test event %s: %v", r.Body, err)
	}
	w.waitRecorded(1)
	if got, _ := w.delivery(d.ID); got.State != hookd.DeliverySucceeded {
		t.Fatalf("test delivery %s", got.State)
	}
}

func TestRefusesPrivateDestinations(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, func(d *dispatch.Dispatcher) { d.Client = &dispatch.Client{} })
		// A name that resolves to 127.0.0.1 is refused like the address.
		port := rc.URL[strings.LastIndex(rc.URL, ":"):]
		w.endpoint("http://localhost"+port+"/", app.CreateEndpointInput{})
		w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		e := w.publish(userData)
		w.waitRecorded(2)
		rc.none(t)
		_, ds, _ := w.app.Event(context.Background(), w.tenant, e.ID)
		for _, d := range ds {
			_, as := w.delivery(d.ID)
			if d.State != hookd.DeliveryPending || len(as) != 1 || !strings.Contains(as[0].Error, "refused") || as[0].ResponseStatus != 0 {
				t.Errorf("delivery to %s: %+v, attempt %+v", d.EndpointID, d, as[0])
			}
		}
	})
}

func TestTimeoutIsRecorded(t *testing.T) {
	block := make(chan struct{})
	rc := newReceiver(t)
	rc.mu.Lock()
	rc.answer = func(int, *http.Request) (int, http.Header) { <-block; return 200, nil }
	rc.mu.Unlock()
	t.Cleanup(func() { close(block) })
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	w.endpoint(rc.URL, app.CreateEndpointInput{TimeoutSeconds: ptr(1)})
	w.start()
	e := w.publish(userData)
	w.waitRecorded(1)
	d, as := w.delivery(w.onlyDelivery(e).ID)
	if d.State != hookd.DeliveryPending || !strings.Contains(as[0].Error, "timed out") || d.LastError == "" {
		t.Fatalf("after a timeout: %+v, attempt error %q", d, as[0].Error)
	}
}

func TestExpiredLeaseIsClaimedAgain(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		w.endpoint(rc.URL, app.CreateEndpointInput{})
		e := w.publish(userData)
		// A process claims it and dies.
		now := w.clock.Now()
		if claimed := sqlstoretest.ClaimDue(t, s, now, now.Add(dispatch.DefaultLease), 10); len(claimed) != 1 {
			t.Fatalf("claim: %v", claimed)
		}
		if again := sqlstoretest.ClaimDue(t, s, now, now.Add(dispatch.DefaultLease), 10); len(again) != 0 {
			t.Fatalf("claimed twice: %v", again)
		}
		w.start()
		rc.none(t)
		w.clock.Advance(dispatch.DefaultLease + time.Second)
		// The dispatcher does not sweep by itself (serve's scheduled job
		// does): the sweep finds the expired lease and wakes it.
		if n, err := w.d.SweepLeases(context.Background()); err != nil || n != 1 {
			t.Fatalf("SweepLeases: %d, %v; want 1 released", n, err)
		}
		if r := rc.next(t); r.Header.Get("Webhook-Id") != e.ID {
			t.Fatalf("got %s", r.Header.Get("Webhook-Id"))
		}
		w.waitRecorded(1)
	})
}

func TestPrune(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		var old []*hookd.Event
		for range 5 {
			old = append(old, w.publish(userData))
		}
		w.waitRecorded(5)
		w.stop()
		// One old delivery still waits (its endpoint is disabled): its
		// event is kept.
		if _, err := w.app.DisableEndpoint(ctx, w.tenant, ep.ID, ""); err != nil {
			t.Fatal(err)
		}
		waiting := w.publish(userData)
		w.clock.Advance(31 * 24 * time.Hour)
		fresh := w.publish(userData)

		p := &dispatch.Pruner{Store: s, Clock: w.clock, Batch: 2}
		n, err := p.PruneOnce(ctx)
		if err != nil || n != 5 {
			t.Fatalf("pruned %d, %v; want 5", n, err)
		}
		for _, e := range old {
			if _, _, err := w.app.Event(ctx, w.tenant, e.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
				t.Errorf("old event %s: %v, want gone", e.ID, err)
			}
		}
		for _, e := range []*hookd.Event{waiting, fresh} {
			if _, ds, err := w.app.Event(ctx, w.tenant, e.ID); err != nil || len(ds) != 1 {
				t.Errorf("event %s: %v, %v; want kept", e.ID, ds, err)
			}
		}
		page, err := w.app.ListDeliveries(ctx, w.tenant, hookd.DeliveryFilter{}, hookd.ListParams{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("deliveries left: %d, %v", len(page.Items), err)
		}
	})
}

// TestHandOver checks that while the workers run, a publish hands its
// deliveries to them, stored already claimed, and that before they run the
// deliveries wait in the store and go first.
func TestHandOver(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		w.endpoint(rc.URL+"/hook", app.CreateEndpointInput{})
		publish := func(key string) (*hookd.Event, *hookd.Delivery, bool) {
			t.Helper()
			e, ds, replayed, err := w.app.PublishWithDeliveries(ctx, w.tenant, app.PublishInput{
				Type: "user.created", Data: []byte(userData), IdempotencyKey: key})
			if err != nil || len(ds) != 1 {
				t.Fatalf("publish: %v, %d deliveries", err, len(ds))
			}
			return e, ds[0], replayed
		}

		first, d, _ := publish("")
		if d.State != hookd.DeliveryPending || d.LeaseUntil != nil {
			t.Errorf("published before the workers run: %s, lease %v; want pending", d.State, d.LeaseUntil)
		}
		w.start()
		if r := rc.next(t); r.Header.Get("Webhook-Id") != first.ID {
			t.Errorf("first sent %s, want the event waiting in the store, %s", r.Header.Get("Webhook-Id"), first.ID)
		}
		w.waitRecorded(1)

		second, d, _ := publish("k")
		if d.State != hookd.DeliveryRunning || d.LeaseUntil == nil || !d.LeaseUntil.Equal(w.clock.Now().Add(dispatch.DefaultLease).Truncate(time.Microsecond)) {
			t.Errorf("published while the workers run: %s, lease %v; want running, leased", d.State, d.LeaseUntil)
		}
		if r := rc.next(t); r.Header.Get("Webhook-Id") != second.ID {
			t.Errorf("sent %s, want %s", r.Header.Get("Webhook-Id"), second.ID)
		}
		w.waitRecorded(1)
		if got, attempts := w.delivery(d.ID); got.State != hookd.DeliverySucceeded || len(attempts) != 1 {
			t.Errorf("handed-over delivery: %s after %d attempts, want succeeded after 1", got.State, len(attempts))
		}

		// A replay stores nothing, so hands nothing over.
		if again, _, replayed := publish("k"); !replayed || again.ID != second.ID {
			t.Fatalf("replay: %s, replayed %v", again.ID, replayed)
		}
		third, _, _ := publish("")
		if r := rc.next(t); r.Header.Get("Webhook-Id") != third.ID {
			t.Errorf("after the replay sent %s, want %s", r.Header.Get("Webhook-Id"), third.ID)
		}
		w.waitRecorded(1)
		rc.none(t)
	})
}
