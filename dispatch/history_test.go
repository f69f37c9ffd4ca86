package dispatch_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestAttemptHistoryMasksSecrets sends a delivery whose URL carries the
// verification key and whose custom headers carry the receiver's
// credentials: the receiver gets them all in clear, and the attempt kept in
// the delivery history shows each only masked.
func TestAttemptHistoryMasksSecrets(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		const (
			bearer = "Bearer rcv-7f3a9c2e4b1d8f60a5"
			apiKey = "k9Xw2LmQ7rT4"
			short  = "abc12"
		)
		ep := w.endpoint(rc.URL+"/hook?key={VerificationKey}&team=blue", app.CreateEndpointInput{
			Headers:               map[string]string{"Authorization": bearer, "X-Api-Key": apiKey, "X-Pin": short},
			VerificationKeyHeader: "X-Receiver-Key",
		})
		// A receiver that is gone: the error of its attempt names the URL.
		gone := newReceiver(t)
		gone.Close()
		goneEp := w.endpoint(gone.URL+"/hook?key={VerificationKey}", app.CreateEndpointInput{})
		w.start()
		e := w.publish(userData)

		r := rc.next(t)
		for name, want := range map[string]string{
			"Authorization": bearer, "X-Api-Key": apiKey, "X-Pin": short, "X-Receiver-Key": ep.VerificationKey,
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("receiver got %s = %q, want %q", name, got, want)
			}
		}
		if want := "/hook?key=" + ep.VerificationKey + "&team=blue"; r.Path != want {
			t.Errorf("receiver got path %q, want %q", r.Path, want)
		}

		w.waitRecorded(2)
		_, ds, err := w.app.Event(t.Context(), w.tenant, e.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries: %v, %v", ds, err)
		}
		var a *hookd.Attempt
		for _, dl := range ds {
			d, as := w.delivery(dl.ID)
			if len(as) != 1 {
				t.Fatalf("attempts = %d, want 1", len(as))
			}
			if dl.EndpointID == ep.ID {
				a = as[0]
				continue
			}
			failed := as[0]
			if failed.Error == "" || strings.Contains(failed.Error, goneEp.VerificationKey) ||
				strings.Contains(d.LastError, goneEp.VerificationKey) || strings.Contains(failed.URL, goneEp.VerificationKey) {
				t.Errorf("failed attempt keeps the verification key: URL %q, error %q, last error %q", failed.URL, failed.Error, d.LastError)
			}
		}
		stored, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{ep.VerificationKey, bearer, "rcv-7f3a9c2e4b1d8f60a5", apiKey, short} {
			if strings.Contains(string(stored), secret) {
				t.Errorf("the stored attempt holds %q in clear: %s", secret, stored)
			}
		}
		wantURL := rc.URL + "/hook?key=" + hookd.MaskSecret(ep.VerificationKey) + "&team=blue"
		if a.URL != wantURL {
			t.Errorf("stored URL = %q, want %q", a.URL, wantURL)
		}
		for name, want := range map[string]string{
			"Authorization":  hookd.MaskSecret(bearer),
			"X-Api-Key":      hookd.MaskSecret(apiKey),
			"X-Pin":          hookd.MaskSecret(short),
			"X-Receiver-Key": hookd.MaskSecret(ep.VerificationKey),
			// Headers hookd sets are kept as sent.
			"Webhook-Signature": r.Header.Get("Webhook-Signature"),
			"Content-Type":      "application/json",
		} {
			if got := http.Header(a.RequestHeaders).Get(name); got != want {
				t.Errorf("stored %s = %q, want %q", name, got, want)
			}
		}
	})
}

func TestMaskSecret(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"abc12", "••••"},
		{"k9Xw2LmQ7rT4", "k9…"},
		{"Q2h9xVt3m8ZkLr4sWp7cYb1nJd6fGa5e", "Q2h9…"},
		{"Bearer rcv-7f3a9c2e4b1d8f60a5", "Bear…"},
		{"ééééééééé", "éé…"}, // whole characters, not bytes
	} {
		if got := hookd.MaskSecret(tt.in); got != tt.want {
			t.Errorf("MaskSecret(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
