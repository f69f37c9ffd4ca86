package dispatch_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestPingHonoursXMLFormat checks that a ping endpoint with format xml gets
// its notice as XML (it always got JSON), signed so that the Standard
// Webhooks reference library verifies it, with the same content as the
// JSON notice.
func TestPingHonoursXMLFormat(t *testing.T) {
	rc := newReceiver(t)
	w := newWorld(t, sqlstoretest.SQLite(t), nil)
	ep := w.endpoint(rc.URL, app.CreateEndpointInput{Mode: "ping", Format: "xml"})
	a, b := w.publish(userData), w.publish(userData)
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
			AccountID string   `xml:"accountId"`
			EventIDs  []string `xml:"eventIds>item"`
			Timestamp string   `xml:"timestamp"`
		} `xml:"locator"`
	}
	if err := xml.Unmarshal(r.Body, &ping); err != nil {
		t.Fatalf("ping is not XML: %v; body %s", err, r.Body)
	}
	if ping.WebhookID != ep.ID || ping.Locator.AccountID != w.tenant || ping.Locator.Timestamp == "" ||
		strings.Join(ping.Locator.EventIDs, ",") != a.ID+","+b.ID || strings.Contains(string(r.Body), "ada@example.com") {
		t.Fatalf("ping = %s", r.Body)
	}
	w.waitRecorded(2)
	rc.none(t)
}
