package dispatch

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Header names of a signed delivery, per the Standard Webhooks specification.
const (
	HeaderID        = standardwebhooks.HeaderWebhookID        // "webhook-id"
	HeaderTimestamp = standardwebhooks.HeaderWebhookTimestamp // "webhook-timestamp"
	HeaderSignature = standardwebhooks.HeaderWebhookSignature // "webhook-signature"
)

// ErrNoSecret is returned by Sign when it is given no secret to sign with.
var ErrNoSecret = errors.New("dispatch: no signing secret")

// Sign returns the value of the webhook-signature header for a message: one
// "v1,<base64 HMAC-SHA256 of msgID.unix-seconds.body>" per secret, separated
// by single spaces, in the order of secrets. Each secret is a Standard
// Webhooks secret, "whsec_" followed by base64 (the prefix is optional). Only
// the whole seconds of ts are signed, as the specification says. It returns
// ErrNoSecret for an empty list and an error naming the position of a secret
// that is not valid base64.
func Sign(msgID string, ts time.Time, body []byte, secrets []string) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecret
	}
	var b strings.Builder
	for i, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			// The library's error would quote nothing secret, but keep it out anyway.
			return "", fmt.Errorf("dispatch: signing secret %d is not valid base64", i)
		}
		sig, err := wh.Sign(msgID, ts, body)
		if err != nil {
			return "", fmt.Errorf("dispatch: sign with secret %d: %w", i, err)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sig)
	}
	return b.String(), nil
}

// SetSignatureHeaders signs body with Sign and sets the webhook-id,
// webhook-timestamp (Unix seconds) and webhook-signature headers on h.
func SetSignatureHeaders(h http.Header, msgID string, ts time.Time, body []byte, secrets []string) error {
	sig, err := Sign(msgID, ts, body, secrets)
	if err != nil {
		return err
	}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}
