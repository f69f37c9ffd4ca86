// Package webhookpull is the receiver of ping and pull endpoints that the
// webhooks documentation shows: its source is the example, and its test
// runs it against hookd's API.
package webhookpull

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hookd/hookd/console/webhookverify"
)

// Payload is one event kept for the endpoint, with its transaction number.
type Payload struct {
	Transaction int64 `json:"transaction"`
	Event       struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	} `json:"event"`
}

// Receiver hands every payload of one ping or pull endpoint to Handle,
// once each and in transaction order, as long as Handle succeeds.
type Receiver struct {
	BaseURL    string // where hookd is, such as https://hooks.example.com
	Token      string // an API key or access token of the tenant
	EndpointID string // ep_…
	Secret     string // the endpoint's signing secret (whsec_…), to check notices
	// Handle does the work of one payload. Make it idempotent: a payload
	// handled just before a crash comes again if After was not saved.
	Handle func(ctx context.Context, p Payload) error
	// After is the last transaction handled: load it from your storage
	// before Run. Save stores it after each payload (nil keeps it in
	// memory only).
	After int64
	Save  func(after int64) error
	// Client makes the list calls; nil uses http.DefaultClient.
	Client *http.Client

	once    sync.Once
	notices chan struct{}
}

// ServeHTTP answers hookd's notice of a ping endpoint: it checks the
// signature, answers 204 at once and wakes Run, which does the pulling.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || !webhookverify.Verify(rc.Secret, r.Header, body, time.Now()) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
	select {
	case rc.wake() <- struct{}{}:
	default: // Run is busy and will look again anyway.
	}
}

func (rc *Receiver) wake() chan struct{} {
	rc.once.Do(func() { rc.notices = make(chan struct{}, 1) })
	return rc.notices
}

// Run pulls until ctx ends or a call fails (run it again after a pause;
// on 429, after the Retry-After it names). With wait 0 (a ping endpoint)
// it pulls what is waiting, then sleeps until a notice comes or an hour
// has passed. With wait > 0 (up to 30 s; a pull-only endpoint) it keeps a
// long poll open: each call answers as soon as there is a new payload.
func (rc *Receiver) Run(ctx context.Context, wait time.Duration) error {
	hourly := time.NewTicker(time.Hour) // a lost notice, and the 7-day timer
	defer hourly.Stop()
	for {
		more, err := rc.pull(ctx, wait)
		if err != nil {
			return err
		}
		if more || wait > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-rc.wake():
		case <-hourly.C:
		}
	}
}

// pull lists up to 1,000 payloads after rc.After, handles them in order and
// saves the new cursor. It reports whether more are waiting.
func (rc *Receiver) pull(ctx context.Context, wait time.Duration) (more bool, err error) {
	q := url.Values{"after": {strconv.FormatInt(rc.After, 10)}, "limit": {"1000"}}
	if wait > 0 {
		q.Set("wait", strconv.Itoa(int(wait/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		rc.BaseURL+"/api/v1/endpoints/"+url.PathEscape(rc.EndpointID)+"/payloads?"+q.Encode(), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Token "+rc.Token)
	client := rc.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		problem, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return false, fmt.Errorf("list payloads: %s: %s", resp.Status, problem)
	}
	var page struct {
		Data      []Payload `json:"data"`
		NextAfter int64     `json:"next_after"`
		HasMore   bool      `json:"has_more"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return false, fmt.Errorf("list payloads: %w", err)
	}
	for _, p := range page.Data {
		if p.Transaction <= rc.After {
			continue // seen already
		}
		if err := rc.Handle(ctx, p); err != nil {
			return false, err // the next Run starts again from this one
		}
		rc.After = p.Transaction
		if rc.Save != nil {
			if err := rc.Save(rc.After); err != nil {
				return false, err
			}
		}
	}
	return page.HasMore, nil
}
