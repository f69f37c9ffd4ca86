package webhookverify_test

import (
	"net/http"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd/console/webhookverify"
)

// TestVerify checks the documented example against the reference library's
// signatures: what it accepts and what it refuses.
func TestVerify(t *testing.T) {
	const (
		current  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		previous = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	)
	body := []byte(`{"id":"evt_1","type":"user.login","timestamp":"2026-11-23T09:41:07Z","data":{}}`)
	sent := time.Date(2026, 11, 23, 9, 41, 7, 0, time.UTC)
	sign := func(secret string) string {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign("msg_1", sent, body)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	headers := func(sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", "1795426867")
		h.Set("webhook-signature", sig)
		return h
	}
	if got := sent.Unix(); got != 1795426867 {
		t.Fatalf("test timestamp %d", got)
	}
	for name, tc := range map[string]struct {
		secret string
		h      http.Header
		body   []byte
		now    time.Time
		want   bool
	}{
		"signed":                    {current, headers(sign(current)), body, sent.Add(time.Minute), true},
		"two signatures, second":    {current, headers(sign(previous) + " " + sign(current)), body, sent, true},
		"two signatures, first":     {previous, headers(sign(previous) + " " + sign(current)), body, sent, true},
		"another secret":            {previous, headers(sign(current)), body, sent, false},
		"changed body":              {current, headers(sign(current)), append([]byte(" "), body...), sent, false},
		"too old":                   {current, headers(sign(current)), body, sent.Add(6 * time.Minute), false},
		"from the future":           {current, headers(sign(current)), body, sent.Add(-6 * time.Minute), false},
		"no signature":              {current, headers(""), body, sent, false},
		"secret that is not base64": {"whsec_%%%", headers(sign(current)), body, sent, false},
	} {
		if got := webhookverify.Verify(tc.secret, tc.h, tc.body, tc.now); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", name, got, tc.want)
		}
	}
	// The library agrees with what the example accepts.
	wh, _ := standardwebhooks.NewWebhook(current)
	h := headers(sign(current))
	if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Errorf("the library refuses the example's signed request: %v", err)
	}
}
