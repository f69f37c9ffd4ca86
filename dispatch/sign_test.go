package dispatch_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/dispatch"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	secretC = "whsec_dGhpcyBpcyBhIHdyb25nIHNlY3JldCAxMjM0"
)

func TestHeaderNames(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		dispatch.HeaderID:        "webhook-id",
		dispatch.HeaderTimestamp: "webhook-timestamp",
		dispatch.HeaderSignature: "webhook-signature",
	} {
		if got != want {
			t.Errorf("header %q, want %q", got, want)
		}
	}
}

// verify checks a signed message the way a receiver would, with the reference
// library and not with hookd's code.
func verify(t *testing.T, secret string, h http.Header, body []byte) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(body, h)
}

func TestSignVerifiesWithReferenceLibrary(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"msg_1","type":"user.created","timestamp":"2025-01-01T00:00:00Z","data":{"a":1}}`)
	ts := time.Now()
	tests := []struct {
		name     string
		secrets  []string
		verifies []string
	}{
		{"one secret", []string{secretA}, []string{secretA}},
		{"two secrets during rotation", []string{secretB, secretA}, []string{secretA, secretB}},
		{"secret without prefix", []string{strings.TrimPrefix(secretA, "whsec_")}, []string{secretA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if err := dispatch.SetSignatureHeaders(h, "msg_1", ts, body, tt.secrets); err != nil {
				t.Fatal(err)
			}
			sig := h.Get(dispatch.HeaderSignature)
			parts := strings.Split(sig, " ")
			if len(parts) != len(tt.secrets) {
				t.Fatalf("signature %q has %d parts, want %d", sig, len(parts), len(tt.secrets))
			}
			for _, p := range parts {
				if !strings.HasPrefix(p, "v1,") {
					t.Errorf("signature part %q lacks v1,", p)
				}
			}
			for _, s := range tt.verifies {
				if err := verify(t, s, h, body); err != nil {
					t.Errorf("verify with %s: %v", s[:10], err)
				}
			}
			if err := verify(t, secretC, h, body); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("wrong secret: err = %v, want ErrNoMatchingSignature", err)
			}
			if err := verify(t, tt.verifies[0], h, append([]byte(nil), append(body, ' ')...)); err == nil {
				t.Error("changed body verified")
			}
		})
	}
}

func TestSignMatchesSpecExample(t *testing.T) {
	t.Parallel()
	// The example of the Standard Webhooks specification.
	got, err := dispatch.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`), []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	if _, err := dispatch.Sign("msg_1", time.Now(), nil, nil); !errors.Is(err, dispatch.ErrNoSecret) {
		t.Errorf("no secrets: err = %v, want ErrNoSecret", err)
	}
	_, err := dispatch.Sign("msg_1", time.Now(), nil, []string{secretA, "whsec_not*base64!"})
	if err == nil || !strings.Contains(err.Error(), "secret 1") || strings.Contains(err.Error(), "not*base64") {
		t.Errorf("bad secret: err = %v, want one naming secret 1 without quoting it", err)
	}
}
