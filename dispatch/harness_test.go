package dispatch_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
)

// waitTimeout bounds every wait for something asynchronous; it is never
// used to let time pass.
const waitTimeout = 20 * time.Second

// received is one request a receiver got.
type received struct {
	Header http.Header
	Body   []byte
	Path   string
}

// receiver is a real HTTP server that records what it gets and answers
// with what answer says (200 by default).
type receiver struct {
	*httptest.Server
	got chan received

	mu     sync.Mutex
	answer func(n int, r *http.Request) (status int, header http.Header)
	n      int
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan received, 10000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.n++
		n, answer := rc.n, rc.answer
		rc.mu.Unlock()
		status, header := http.StatusOK, http.Header(nil)
		if answer != nil {
			status, header = answer(n, r)
		}
		for k, vs := range header {
			w.Header()[k] = vs
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("received " + http.StatusText(status)))
		rc.got <- received{Header: r.Header.Clone(), Body: body, Path: r.URL.RequestURI()}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// answerWith makes the receiver answer status (and header) from now on.
func (rc *receiver) answerWith(status int, header http.Header) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = func(int, *http.Request) (int, http.Header) { return status, header }
}

// next returns the next request, failing t if none comes.
func (rc *receiver) next(t *testing.T) received {
	t.Helper()
	select {
	case r := <-rc.got:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("the receiver got no request")
		return received{}
	}
}

// none fails t if the receiver has a request waiting.
func (rc *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-rc.got:
		t.Fatalf("unexpected request %s", r.Body)
	default:
	}
}

// world is a store, an app on a manual clock, a tenant, and a dispatcher
// that runs until the test ends.
type world struct {
	t        *testing.T
	store    *sqlstore.Store
	app      *app.App
	clock    *hookd.ManualClock
	tenant   string
	d        *dispatch.Dispatcher
	recorded chan []hookd.DeliveryResult
	cancel   context.CancelFunc
	done     chan struct{}
	// configure, if set, changes each new dispatcher before it runs.
	configure func(d *dispatch.Dispatcher)
	log       *lockedBuffer // the dispatchers' log lines
}

// newWorld makes a world on s. The dispatcher allows private destinations
// (receivers are on loopback) and has no jitter unless configure changes
// it; it starts when start is called.
func newWorld(t *testing.T, s *sqlstore.Store, configure func(d *dispatch.Dispatcher)) *world {
	t.Helper()
	// The clock starts at the real time so the reference library accepts
	// webhook-timestamp; tests move it by hand.
	clock := hookd.NewManualClock(time.Now())
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	tn, err := a.CreateTenant(context.Background(), app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, store: s, app: a, clock: clock, tenant: tn.ID, recorded: make(chan []hookd.DeliveryResult, 10000), configure: configure}
	w.newDispatcher()
	return w
}

// newDispatcher gives w a new dispatcher (a Dispatcher runs once), wired
// to its app as a server would.
func (w *world) newDispatcher() {
	t := w.t
	w.d = &dispatch.Dispatcher{
		Log:          w.logger(),
		Store:        w.store,
		Keys:         w.app,
		Client:       &dispatch.Client{AllowPrivate: true},
		Clock:        w.clock,
		Retry:        hookd.RetryPolicy{Jitter: -1},
		PollInterval: time.Hour, // only Wake moves it, so tests are deterministic
		AfterRecord: func(rs []hookd.DeliveryResult, err error) {
			if err != nil {
				t.Errorf("record: %v", err)
			}
			w.recorded <- rs
		},
	}
	if w.configure != nil {
		w.configure(w.d)
	}
	w.app.DeliveriesStored = w.d.Wake
	w.app.Workers = w.d
}

// restart stops the dispatcher, and starts a new one.
func (w *world) restart() {
	w.stop()
	w.newDispatcher()
	w.start()
}

// start runs the dispatcher until the test ends.
func (w *world) start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		if err := w.d.Run(ctx); err != nil {
			w.t.Errorf("Run: %v", err)
		}
	}()
	w.t.Cleanup(w.stop)
}

// stop stops the dispatcher and waits for it.
func (w *world) stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
	w.cancel = nil
}

// endpoint adds an endpoint for url with in's options.
func (w *world) endpoint(url string, in app.CreateEndpointInput) *hookd.Endpoint {
	w.t.Helper()
	in.URL = url
	if in.Name == "" {
		in.Name = "receiver"
	}
	e, err := w.app.CreateEndpoint(context.Background(), w.tenant, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

// publish publishes a user.created event and returns it.
func (w *world) publish(data string) *hookd.Event {
	w.t.Helper()
	e, _, err := w.app.Publish(context.Background(), w.tenant, app.PublishInput{Type: "user.created", Data: []byte(data)})
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

// waitRecorded waits until results for n deliveries have been stored and
// returns them.
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

// delivery returns a delivery and its attempts.
func (w *world) delivery(id string) (*hookd.Delivery, []*hookd.Attempt) {
	w.t.Helper()
	d, as, err := w.app.Delivery(context.Background(), w.tenant, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return d, as
}

// onlyDelivery returns the one delivery of an event.
func (w *world) onlyDelivery(e *hookd.Event) *hookd.Delivery {
	w.t.Helper()
	_, ds, err := w.app.Event(context.Background(), w.tenant, e.ID)
	if err != nil || len(ds) != 1 {
		w.t.Fatalf("deliveries of %s: %v, %v; want one", e.ID, ds, err)
	}
	return ds[0]
}

const userData = `{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"}}`

// logger returns a logger whose lines the test prints if it fails, so a
// dispatcher's errors (a claim or a preparation that failed) show.
func (w *world) logger() *slog.Logger {
	if w.log == nil {
		w.log = &lockedBuffer{}
		t := w.t
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("dispatcher log:\n%s", w.log.String())
			}
		})
	}
	return slog.New(slog.NewTextHandler(w.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
