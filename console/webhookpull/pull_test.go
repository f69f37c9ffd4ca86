package webhookpull_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/console/webhookpull"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// hookdAPI is hookd's HTTP API over a real store, with a tenant whose API
// is enabled.
type hookdAPI struct {
	t      *testing.T
	app    *app.App
	url    string
	tenant *hookd.Tenant
	key    string
}

func newHookdAPI(t *testing.T, s *sqlstore.Store) *hookdAPI {
	t.Helper()
	ctx := context.Background()
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	clock := hookd.SystemClock{}
	a := app.New(s, clock, box, nil)
	tenant, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	access, err := a.SetAPIEnabled(ctx, "acme", true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(a, &httpapi.RateLimiter{Clock: clock}, nil))
	t.Cleanup(srv.Close)
	return &hookdAPI{t: t, app: a, url: srv.URL, tenant: tenant, key: access.Key}
}

func (h *hookdAPI) endpoint(mode, endpointURL string) *hookd.Endpoint {
	h.t.Helper()
	e, err := h.app.CreateEndpoint(context.Background(), h.tenant.ID, app.CreateEndpointInput{Name: mode, Mode: mode, URL: endpointURL})
	if err != nil {
		h.t.Fatal(err)
	}
	return e
}

func (h *hookdAPI) publish(n int) []string {
	h.t.Helper()
	ctx := context.Background()
	et, err := h.app.EventType(ctx, h.tenant.ID, "user.created")
	if err != nil {
		h.t.Fatal(err)
	}
	var ids []string
	for range n {
		e, _, err := h.app.Publish(ctx, h.tenant.ID, app.PublishInput{Type: "user.created", Data: et.Example})
		if err != nil {
			h.t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// handled collects what a Receiver handles.
type handled struct {
	mu     sync.Mutex
	txns   []int64
	events []string
	saved  []int64
	grew   chan struct{}
}

func newHandled() *handled { return &handled{grew: make(chan struct{}, 1)} }

func (h *handled) handle(_ context.Context, p webhookpull.Payload) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.txns = append(h.txns, p.Transaction)
	h.events = append(h.events, p.Event.ID)
	select {
	case h.grew <- struct{}{}:
	default:
	}
	return nil
}

func (h *handled) save(after int64) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.saved = append(h.saved, after)
	return nil
}

// waitFor waits until n payloads were handled.
func (h *handled) waitFor(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		h.mu.Lock()
		got := len(h.events)
		h.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-h.grew:
		case <-deadline:
			t.Fatalf("%d of %d payloads handled within %s", got, n, within)
		}
	}
}

// check fails unless the handled payloads are the events, in order, with
// the transaction numbers 1, 2, 3, …, each once.
func (h *handled) check(t *testing.T, events []string) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.Equal(h.events, events) {
		t.Fatalf("handled %d events, want the %d published in order", len(h.events), len(events))
	}
	for i, n := range h.txns {
		if n != int64(i+1) {
			t.Fatalf("payload %d has transaction %d", i, n)
		}
	}
}

// TestReceiverPulls runs the documented receiver on a pull endpoint: it
// drains a backlog larger than one page, then gets each new payload from
// its long poll, once each and in order, saving its cursor.
func TestReceiverPulls(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		h := newHookdAPI(t, s)
		e := h.endpoint("pull", "")
		events := h.publish(hookd.MaxPayloadsLimit + 3)

		got := newHandled()
		rc := &webhookpull.Receiver{BaseURL: h.url, Token: h.key, EndpointID: e.ID, Handle: got.handle, Save: got.save}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- rc.Run(ctx, 10*time.Second) }()
		got.waitFor(t, len(events), 30*time.Second)
		for range 3 {
			events = append(events, h.publish(1)...)
			got.waitFor(t, len(events), 5*time.Second) // well within the wait: the long poll answered
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run ended with %v, want the context's end", err)
		}
		got.check(t, events)
		if last := got.saved[len(got.saved)-1]; last != int64(len(events)) || rc.After != last || len(got.saved) != len(events) {
			t.Fatalf("saved %d times, last %d; After %d; want %d each", len(got.saved), last, rc.After, len(events))
		}

		// A receiver that starts from a saved cursor gets only what
		// follows it, and stops at the first payload it cannot handle.
		failed := errors.New("disk full")
		var again []int64
		rc = &webhookpull.Receiver{BaseURL: h.url, Token: h.key, EndpointID: e.ID, After: int64(len(events) - 3),
			Handle: func(_ context.Context, p webhookpull.Payload) error {
				if p.Transaction == int64(len(events)) {
					return failed
				}
				again = append(again, p.Transaction)
				return nil
			}}
		if err := rc.Run(context.Background(), 0); !errors.Is(err, failed) {
			t.Fatalf("Run ended with %v, want the handler's error", err)
		}
		if n := int64(len(events)); !slices.Equal(again, []int64{n - 2, n - 1}) || rc.After != n-1 {
			t.Fatalf("from a saved cursor: handled %v, After %d; want [%d %d], %d", again, rc.After, n-2, n-1, n-1)
		}

		// A wrong token is an error, not an empty list.
		rc = &webhookpull.Receiver{BaseURL: h.url, Token: "wrong", EndpointID: e.ID, Handle: got.handle}
		if err := rc.Run(context.Background(), 0); err == nil || !bytes.Contains([]byte(err.Error()), []byte("401")) {
			t.Fatalf("with a wrong token Run ended with %v, want a 401", err)
		}
	})
}

// TestReceiverNotices runs the documented receiver on a ping endpoint: it
// drains what is waiting, then pulls again when a notice signed with the
// endpoint's secret comes, and refuses a notice that is not.
func TestReceiverNotices(t *testing.T) {
	h := newHookdAPI(t, sqlstoretest.SQLite(t))
	e := h.endpoint("ping", "https://receiver.example/hookd")
	signingSecret, err := h.app.EndpointSecret(context.Background(), h.tenant.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	events := h.publish(3)

	got := newHandled()
	rc := &webhookpull.Receiver{BaseURL: h.url, Token: h.key, EndpointID: e.ID, Secret: signingSecret, Handle: got.handle}
	receiver := httptest.NewServer(rc)
	defer receiver.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rc.Run(ctx, 0) }()
	got.waitFor(t, 3, 10*time.Second)

	events = append(events, h.publish(2)...)
	notice := func(signWith string) int {
		t.Helper()
		body := fmt.Appendf(nil, `{"webhookId":%q,"locator":{"accountId":%q,"endpointId":%q},"transaction":5,"pending":2,"timestamp":%q}`,
			e.ID, h.tenant.ID, e.ID, time.Now().UTC().Format(time.RFC3339))
		wh, err := standardwebhooks.NewWebhook(signWith)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign("msg_1", time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, receiver.URL, bytes.NewReader(body))
		req.Header.Set("webhook-id", "msg_1")
		req.Header.Set("webhook-timestamp", fmt.Sprint(time.Now().Unix()))
		req.Header.Set("webhook-signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := notice("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"); status != http.StatusUnauthorized {
		t.Fatalf("a notice signed with another secret: %d, want 401", status)
	}
	if status := notice(signingSecret); status != http.StatusNoContent {
		t.Fatalf("the notice: %d, want 204", status)
	}
	got.waitFor(t, 5, 10*time.Second) // Run sleeps an hour unless woken
	if status := notice(signingSecret); status != http.StatusNoContent {
		t.Fatalf("the notice again: %d, want 204", status)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run ended with %v", err)
	}
	got.check(t, events) // the repeated notice brought nothing twice
}
