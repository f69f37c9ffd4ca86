package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hookd/hookd"
)

// OperatorWebhook sends operational signals of every tenant to the
// operator's webhook URL (serve's --operator-webhook-url), signed as
// deliveries are (Standard Webhooks, webhook-id the signal's ID, so a
// signal sent again has the same ID) and through the same destination
// policy (Client). The body is
//
//	{"id": "sig_…", "type": "endpoint.disabled", "timestamp": "…", "tenant_id": "ten_…", "data": {…}}
//
// where data is the tenant's event's data. It implements
// app.OperatorNotifier.
type OperatorWebhook struct {
	URL string
	// Secret signs the requests: a Standard Webhooks secret (whsec_…)
	// or an Ed25519 key (whsk_…).
	Secret string
	Client *Client
	Clock  hookd.Clock
	// UserAgent defaults to "hookd/" + hookd.Version.
	UserAgent string
}

// operatorMessage is the body of a request to the operator's URL.
type operatorMessage struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	TenantID  string          `json:"tenant_id"`
	Data      json.RawMessage `json:"data"`
}

// Notify posts s to the operator's URL and returns nil on a 2xx answer.
func (o *OperatorWebhook) Notify(ctx context.Context, s *hookd.OperationalSignal) error {
	body, err := json.Marshal(operatorMessage{ID: s.ID, Type: s.Type, Timestamp: s.CreatedAt.UTC().Format(timestampFormat),
		TenantID: s.TenantID, Data: s.Data})
	if err != nil {
		return err
	}
	now := o.Clock.Now()
	sig, err := Sign(s.ID, now, body, []string{o.Secret})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ua := o.UserAgent
	if ua == "" {
		ua = "hookd/" + hookd.Version
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderID, s.ID)
	req.Header.Set(HeaderTimestamp, fmt.Sprint(now.Unix()))
	req.Header.Set(HeaderSignature, sig)
	resp, err := o.Client.Send(ctx, req, SendOptions{})
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the operator's webhook URL answered HTTP %d", resp.StatusCode)
	}
	return nil
}
