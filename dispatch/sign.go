package dispatch

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
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
// signature of "msgID.unix-seconds.body" per secret, separated by single
// spaces, in the order of secrets. A Standard Webhooks shared secret
// ("whsec_" and base64; the prefix is optional) gives
// "v1,<base64 HMAC-SHA256>", an Ed25519 secret key ("whsk_" and base64)
// gives "v1a,<base64 Ed25519 signature>". Only the whole seconds of ts are
// signed, as the specification says. It returns ErrNoSecret for an empty
// list and an error naming the position of a secret that is not valid.
func Sign(msgID string, ts time.Time, body []byte, secrets []string) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecret
	}
	var b strings.Builder
	for i, s := range secrets {
		if i > 0 {
			b.WriteByte(' ')
		}
		if hookd.SecretScheme(s) == hookd.SigningEd25519 {
			priv, err := hookd.Ed25519PrivateKey(s)
			if err != nil {
				return "", fmt.Errorf("dispatch: signing secret %d: %w", i, err)
			}
			b.WriteString("v1a,")
			b.WriteString(base64.StdEncoding.EncodeToString(ed25519.Sign(priv, signedContent(msgID, ts, body))))
			continue
		}
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			// The library's error would quote nothing secret, but keep it out anyway.
			return "", fmt.Errorf("dispatch: signing secret %d is not valid base64", i)
		}
		sig, err := wh.Sign(msgID, ts, body)
		if err != nil {
			return "", fmt.Errorf("dispatch: sign with secret %d: %w", i, err)
		}
		b.WriteString(sig)
	}
	return b.String(), nil
}

// signedContent is what a Standard Webhooks signature signs:
// "msgID.unix-seconds.body".
func signedContent(msgID string, ts time.Time, body []byte) []byte {
	msg := make([]byte, 0, len(msgID)+len(body)+24)
	msg = append(msg, msgID...)
	msg = append(msg, '.')
	msg = strconv.AppendInt(msg, ts.Unix(), 10)
	msg = append(msg, '.')
	return append(msg, body...)
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
