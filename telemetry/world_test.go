package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// waitTimeout bounds every wait for something asynchronous; it is never
// used to let time pass.
const waitTimeout = 20 * time.Second

// world is a real store, an app on a manual clock, its HTTP API, and a
// dispatcher, wired to observer as hookd serve wires them.
type world struct {
	t        *testing.T
	store    *sqlstore.Store
	app      *app.App
	api      *httpapi.Server
	srv      *httptest.Server
	clock    *hookd.ManualClock
	tenant   string
	key      string
	d        *dispatch.Dispatcher
	recorded chan []hookd.DeliveryResult
	log      *lockedBuffer
	cancel   context.CancelFunc
	done     chan struct{}
}

// observer is what newWorld's observe returns.
type observer interface {
	hookd.DeliveryObserver
	hookd.PublishObserver
}

// newWorld makes a world whose app and dispatcher tell what observe
// returns, called once the API (and so its registry) exists.
func newWorld(t *testing.T, retry hookd.RetryPolicy, observe func(w *world) observer) *world {
	t.Helper()
	ctx := context.Background()
	s := sqlstoretest.SQLite(t)
	// Real time at the start, so the receivers' signature check accepts
	// the timestamp; tests move it by hand.
	clock := hookd.NewManualClock(time.Now())
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: s, clock: clock, recorded: make(chan []hookd.DeliveryResult, 1000), log: &lockedBuffer{}}
	log := slog.New(slog.NewJSONHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.app = app.New(s, clock, box, log)
	tn, err := w.app.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := w.app.SetAPIEnabled(ctx, "acme", true)
	if err != nil {
		t.Fatal(err)
	}
	w.tenant, w.key = tn.ID, acc.Key
	w.api = httpapi.New(w.app, nil, log)
	w.srv = httptest.NewServer(w.api)
	t.Cleanup(w.srv.Close)
	observer := observe(w)
	w.app.Observer = observer
	w.d = &dispatch.Dispatcher{
		Store: s, Keys: w.app, Client: &dispatch.Client{AllowPrivate: true}, Clock: clock, Log: log,
		Retry:        retry,
		PollInterval: time.Hour, // only Wake moves it
		Observer:     observer,
		AfterRecord: func(rs []hookd.DeliveryResult, err error) {
			if err != nil {
				t.Errorf("record: %v", err)
			}
			w.recorded <- rs
		},
	}
	w.app.DeliveriesStored = w.d.Wake
	w.app.Workers = w.d
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		if err := w.d.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(w.stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", w.log.String())
		}
	})
	return w
}

// stop stops the dispatcher and waits for it.
func (w *world) stop() {
	if w.cancel != nil {
		w.cancel()
		<-w.done
		w.cancel = nil
	}
}

// endpoint adds an endpoint for url receiving every event type.
func (w *world) endpoint(url string) *hookd.Endpoint {
	w.t.Helper()
	e, err := w.app.CreateEndpoint(context.Background(), w.tenant, app.CreateEndpointInput{URL: url, Name: "receiver"})
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

const userData = `{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"}}`

// publish publishes a user.created event through the API, with the
// X-Request-Id requestID unless it is "", and returns the event's ID and
// the response's X-Request-Id.
func (w *world) publish(requestID string) (eventID, echoed string) {
	w.t.Helper()
	body := `{"type":"user.created","data":` + userData + `}`
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Token "+w.key)
	req.Header.Set("Content-Type", "application/json")
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusAccepted && res.StatusCode != http.StatusOK {
		w.t.Fatalf("publish: %d %s", res.StatusCode, b)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		w.t.Fatalf("publish answered %s (%v)", b, err)
	}
	return out.ID, res.Header.Get("X-Request-Id")
}

// waitRecorded waits until results for n deliveries have been stored.
func (w *world) waitRecorded(n int) []hookd.DeliveryResult {
	w.t.Helper()
	var all []hookd.DeliveryResult
	for len(all) < n {
		select {
		case rs := <-w.recorded:
			all = append(all, rs...)
		case <-time.After(waitTimeout):
			w.t.Fatalf("%d of %d results recorded", len(all), n)
		}
	}
	return all
}

// scrape returns the metric families /metrics serves, parsed.
func (w *world) scrape() map[string]*dto.MetricFamily {
	w.t.Helper()
	res, err := http.Get(w.srv.URL + "/metrics")
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		w.t.Fatalf("GET /metrics: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		w.t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// receiver is a real HTTP server answering status, sending each request's
// headers on got.
type receiver struct {
	*httptest.Server
	got chan http.Header
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{got: make(chan http.Header, 100)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		rc.got <- r.Header.Clone()
	}))
	t.Cleanup(rc.Close)
	return rc
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
