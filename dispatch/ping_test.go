package dispatch_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// wantPing returns the exact JSON notice of ep announcing transaction with
// pending payloads, sent at now.
func wantPing(ep *hookd.Endpoint, transaction, pending int64, now time.Time) string {
	return fmt.Sprintf(`{"webhookId":%q,"locator":{"accountId":%q,"endpointId":%q},"transaction":%d,"pending":%d,"timestamp":%q}`,
		ep.ID, ep.TenantID, ep.ID, transaction, pending, now.UTC().Format(time.RFC3339Nano))
}

// onlyResult returns the one result among rs, failing t unless there is
// exactly one.
func onlyResult(t *testing.T, rs []hookd.DeliveryResult) hookd.DeliveryResult {
	t.Helper()
	if len(rs) != 1 {
		t.Fatalf("%d results, want 1: %+v", len(rs), rs)
	}
	return rs[0]
}

// TestPingNotice publishes two events to a ping endpoint before the
// workers run: one ping delivery covers both, and its notice is exactly
// the documented body, naming the highest transaction number and the
// count not yet pulled, signed so that the Standard Webhooks reference
// library verifies it, with the delivery's ID as webhook-id. No event
// data is in it. The recorded result carries the number announced.
func TestPingNotice(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{Mode: "ping"})
		w.publish(userData)
		w.publish(userData)
		w.start()
		r := rc.next(t)
		if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
			t.Fatal(err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if got, want := string(r.Body), wantPing(ep, 2, 2, w.clock.Now()); got != want {
			t.Fatalf("ping body\n got %s\nwant %s", got, want)
		}
		res := onlyResult(t, w.waitRecorded(1))
		if res.PingTransaction != 2 || res.State != hookd.DeliverySucceeded || r.Header.Get("Webhook-Id") != res.DeliveryID {
			t.Fatalf("result %+v, webhook-id %s", res, r.Header.Get("Webhook-Id"))
		}
		c, err := s.PullCursor(context.Background(), ep.ID)
		if err != nil || c.Notified != 2 || c.LastTransaction != 2 || c.Pending != 2 {
			t.Fatalf("cursor after the ping: %+v, %v", c, err)
		}
		rc.none(t)
	})
}

// TestPingHonoursXMLFormat checks that a ping endpoint with format xml gets
// its notice as XML with the same information as the JSON one, signed so
// that the Standard Webhooks reference library verifies it.
func TestPingHonoursXMLFormat(t *testing.T) {
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{Mode: "ping", Format: "xml"})
	w.publish(userData)
	w.publish(userData)
	w.start()
	r := rc.next(t)
	if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
		t.Fatal(err)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
		t.Fatalf("Content-Type %q, want application/xml; body %s", ct, r.Body)
	}
	var ping struct {
		XMLName   xml.Name `xml:"ping"`
		WebhookID string   `xml:"webhookId"`
		Locator   struct {
			AccountID  string `xml:"accountId"`
			EndpointID string `xml:"endpointId"`
		} `xml:"locator"`
		Transaction struct {
			Type  string `xml:"type,attr"`
			Value int64  `xml:",chardata"`
		} `xml:"transaction"`
		Pending   int64  `xml:"pending"`
		Timestamp string `xml:"timestamp"`
	}
	if err := xml.Unmarshal(r.Body, &ping); err != nil {
		t.Fatalf("ping is not XML: %v; body %s", err, r.Body)
	}
	if ping.WebhookID != ep.ID || ping.Locator.AccountID != w.tenant || ping.Locator.EndpointID != ep.ID ||
		ping.Transaction.Value != 2 || ping.Transaction.Type != "number" || ping.Pending != 2 ||
		ping.Timestamp != w.clock.Now().Format(time.RFC3339Nano) || strings.Contains(string(r.Body), "ada@example.com") {
		t.Fatalf("ping = %s", r.Body)
	}
	if res := onlyResult(t, w.waitRecorded(1)); res.PingTransaction != 2 {
		t.Fatalf("result %+v", res)
	}
	rc.none(t)
}

// TestOnePingSettlesSeveralDeliveries gives a ping endpoint several ping
// deliveries at once, as deliveries stored before pings were consolidated
// would: events published while it was in full mode, then one more. The
// workers claim them together and send ONE notice, recorded for all with
// the same outcome: a 500 retries them all at the same time, and the
// retry is again one request that settles them all.
func TestOnePingSettlesSeveralDeliveries(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		rc.answerWith(http.StatusInternalServerError, nil)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
		for range 3 {
			w.publish(userData)
		}
		// Rows like those of a ping endpoint before pings were
		// consolidated: one delivery per event. (The API does not change
		// a full endpoint to ping; the store can.)
		stored, err := s.Endpoint(ctx, w.tenant, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored.Mode = hookd.ModePing
		if err := s.UpdateEndpoint(ctx, stored); err != nil {
			t.Fatal(err)
		}
		w.publish(userData) // payload 1, and a ping delivery
		w.start()

		r := rc.next(t)
		if err := verifyReceived(t, ep.Secrets[0].Secret, r); err != nil {
			t.Fatal(err)
		}
		if got, want := string(r.Body), wantPing(ep, 1, 1, w.clock.Now()); got != want {
			t.Fatalf("ping body\n got %s\nwant %s", got, want)
		}
		rs := w.waitRecorded(4)
		for _, res := range rs {
			if res.State != hookd.DeliveryPending || !res.RunAt.Equal(rs[0].RunAt) || !res.RunAt.After(w.clock.Now()) ||
				res.PingTransaction != 1 || res.Attempt == nil || res.Attempt.ResponseStatus != 500 {
				t.Fatalf("results of one failed ping differ or are wrong: %+v", rs)
			}
		}
		rc.none(t)

		rc.answerWith(http.StatusOK, nil)
		w.clock.Set(rs[0].RunAt)
		w.d.Wake()
		rc.next(t)
		rs = w.waitRecorded(4)
		for _, res := range rs {
			if res.State != hookd.DeliverySucceeded || res.PingTransaction != 1 {
				t.Fatalf("results of the retried ping: %+v", rs)
			}
		}
		rc.none(t)
	})
}

// TestPullEndpointIsSentNothing leaves a ping delivery waiting while the
// endpoint's mode changes to pull: the workers settle it as succeeded
// without a request or an attempt, gives up the endpoint's ping slot, and
// the payloads stay listable.
func TestPullEndpointIsSentNothing(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{Mode: "ping"})
		w.publish(userData)
		// The mode changes in the store: what the workers see when they
		// claim the ping, whichever API changed it.
		stored, err := s.Endpoint(ctx, w.tenant, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		stored.Mode = hookd.ModePull
		if err := s.UpdateEndpoint(ctx, stored); err != nil {
			t.Fatal(err)
		}
		w.start()
		res := onlyResult(t, w.waitRecorded(1))
		if res.State != hookd.DeliverySucceeded || res.Attempt != nil || res.PingTransaction != 0 {
			t.Fatalf("settled ping: %+v", res)
		}
		d, as := w.delivery(res.DeliveryID)
		if d.State != hookd.DeliverySucceeded || len(as) != 0 {
			t.Fatalf("delivery %+v with %d attempts", d, len(as))
		}
		if got, err := s.Endpoint(ctx, w.tenant, ep.ID); err != nil || got.PingDeliveryID != "" {
			t.Fatalf("the settled ping still holds the slot: %q, %v", got.PingDeliveryID, err)
		}
		w.publish(userData)
		list, err := w.app.ListPayloads(ctx, w.tenant, ep.ID, app.ListPayloadsInput{})
		if err != nil || len(list.Payloads) != 2 || list.NextAfter != 2 {
			t.Fatalf("payloads of the pull endpoint: %+v, %v", list, err)
		}
		rc.none(t)
	})
}

// TestTestEndpointOfPingEndpoint sends a test event to a ping endpoint:
// it becomes a payload, and the delivery returned is the ping that
// announces it, here the one already waiting; one ping then covers both
// payloads. A pull endpoint, sent nothing, has nothing to test.
func TestTestEndpointOfPingEndpoint(t *testing.T) {
	ctx := context.Background()
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{Mode: "ping"})
	w.publish(userData)
	stored, err := w.store.Endpoint(ctx, w.tenant, ep.ID)
	if err != nil || stored.PingDeliveryID == "" {
		t.Fatalf("no ping waiting: %+v, %v", stored, err)
	}
	_, d, err := w.app.TestEndpoint(ctx, w.tenant, ep.ID)
	if err != nil || d.ID != stored.PingDeliveryID {
		t.Fatalf("test of a ping endpoint: %+v, %v; want the waiting ping %s", d, err, stored.PingDeliveryID)
	}
	w.start()
	r := rc.next(t)
	if got, want := string(r.Body), wantPing(ep, 2, 2, w.clock.Now()); got != want {
		t.Fatalf("ping body\n got %s\nwant %s", got, want)
	}
	if res := onlyResult(t, w.waitRecorded(1)); res.DeliveryID != d.ID {
		t.Fatalf("result %+v", res)
	}
	rc.none(t)

	stored, err = w.store.Endpoint(ctx, w.tenant, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.Mode = hookd.ModePull
	if err := w.store.UpdateEndpoint(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.app.TestEndpoint(ctx, w.tenant, ep.ID); hookd.ErrorCode(err) != hookd.ECONFLICT {
		t.Fatalf("test of a pull endpoint: %v, want ECONFLICT", err)
	}
}
