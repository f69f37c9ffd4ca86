package dispatch_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// fifoReceiver is a real HTTP server that records the webhook-id of every
// request in arrival order, the most requests it ever had at once, and
// answers 500 the first time it sees an event whose arrival (counting
// distinct events) fail says to fail.
type fifoReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals []string // every request, in order
	answers  []int    // the status each got
	seen     map[string]bool
	inFlight int
	most     int
	fail     func(distinct int) bool
	progress chan struct{}
}

func newFIFOReceiver(t *testing.T, fail func(distinct int) bool) *fifoReceiver {
	rc := &fifoReceiver{seen: map[string]bool{}, fail: fail, progress: make(chan struct{}, 1)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := r.Header.Get("Webhook-Id")
		rc.mu.Lock()
		rc.inFlight++
		rc.most = max(rc.most, rc.inFlight)
		status := http.StatusOK
		if !rc.seen[id] {
			rc.seen[id] = true
			if rc.fail != nil && rc.fail(len(rc.seen)) {
				status = http.StatusInternalServerError
			}
		}
		rc.arrivals = append(rc.arrivals, id)
		rc.answers = append(rc.answers, status)
		rc.inFlight--
		rc.mu.Unlock()
		w.WriteHeader(status)
		select {
		case rc.progress <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// succeeded returns the events answered 200, in arrival order.
func (rc *fifoReceiver) succeeded() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for i, id := range rc.arrivals {
		if rc.answers[i] == http.StatusOK {
			out = append(out, id)
		}
	}
	return out
}

// fifoInstance is one hookd process: an app and its dispatcher on a store
// other instances may share.
type fifoInstance struct {
	app *app.App
	d   *dispatch.Dispatcher
}

// startFIFOInstances runs an app and a dispatcher per store until the
// test ends, sharing the clock and key box as processes sharing a
// configuration do. failed is told of each recorded failure.
func startFIFOInstances(t *testing.T, clock hookd.Clock, failed chan<- struct{}, stores ...*sqlstore.Store) []*fifoInstance {
	t.Helper()
	return startFIFOInstancesWith(t, clock, failed, nil, stores...)
}

// startFIFOInstancesWith is startFIFOInstances with configure, if not nil,
// changing each dispatcher before it runs.
func startFIFOInstancesWith(t *testing.T, clock hookd.Clock, failed chan<- struct{}, configure func(*dispatch.Dispatcher), stores ...*sqlstore.Store) []*fifoInstance {
	t.Helper()
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var out []*fifoInstance
	for _, s := range stores {
		a := app.New(s, clock, box, nil)
		d := &dispatch.Dispatcher{
			Store:        s,
			Keys:         a,
			Client:       &dispatch.Client{AllowPrivate: true},
			Clock:        clock,
			Retry:        hookd.RetryPolicy{Jitter: -1},
			PollInterval: time.Hour, // wake-driven: the test moves the clock and wakes
			AfterRecord: func(rs []hookd.DeliveryResult, err error) {
				if err != nil {
					t.Errorf("record: %v", err)
				}
				for _, r := range rs {
					if r.Attempt != nil && r.State != hookd.DeliverySucceeded {
						select {
						case failed <- struct{}{}:
						default:
						}
					}
				}
			},
		}
		if configure != nil {
			configure(d)
		}
		a.DeliveriesStored = d.Wake
		a.Workers = d
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := d.Run(ctx); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
		t.Cleanup(func() {
			cancel()
			<-done
		})
		out = append(out, &fifoInstance{app: a, d: d})
	}
	return out
}

// publishConcurrently publishes n user.created events to the tenant with
// 8 publishers, spread over the instances, and returns their IDs.
func publishConcurrently(t *testing.T, instances []*fifoInstance, tenantID string, n int) []string {
	t.Helper()
	const publishers = 8
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids []string
	)
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := instances[p%len(instances)].app
			for i := p; i < n; i += publishers {
				e, _, err := a.Publish(context.Background(), tenantID, app.PublishInput{Type: "user.created",
					Data: []byte(strings.Replace(userData, `"usr_1"`, fmt.Sprintf(`"usr_%d"`, i), 1))})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, e.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ids
}

// seqOrder returns the events of ids in the order of their deliveries'
// numbers to endpointID: the commit order. It fails t unless every
// delivery is numbered, each number once.
func seqOrder(t *testing.T, a *app.App, tenantID, endpointID string, ids []string) []string {
	t.Helper()
	type numbered struct {
		event string
		seq   int64
	}
	var all []numbered
	for _, id := range ids {
		_, ds, err := a.Event(context.Background(), tenantID, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.EndpointID == endpointID {
				if d.Seq <= 0 {
					t.Fatalf("delivery %s of event %s is not numbered", d.ID, id)
				}
				all = append(all, numbered{id, d.Seq})
			}
		}
	}
	slices.SortFunc(all, func(a, b numbered) int { return int(a.seq - b.seq) })
	out := make([]string, len(all))
	for i, n := range all {
		if i > 0 && n.seq == all[i-1].seq {
			t.Fatalf("two deliveries numbered %d", n.seq)
		}
		out[i] = n.event
	}
	return out
}

// TestFIFOOrder publishes 500 events with 8 concurrent publishers to a
// FIFO endpoint: they arrive in commit order (the order of the numbers
// the publishing transactions took), each exactly once, one request at a
// time; when the receiver fails every 10th event once (500 on first
// sight), its retry comes before anything published after it, and the
// order holds. On PostgreSQL two instances (two store pools, two
// dispatchers) publish and deliver.
func TestFIFOOrder(t *testing.T) {
	for _, failing := range []bool{false, true} {
		name := "answering"
		if failing {
			name = "failing every 10th once"
		}
		t.Run(name, func(t *testing.T) {
			t.Run("sqlite", func(t *testing.T) { testFIFOOrder(t, failing, sqlstoretest.SQLite(t)) })
			t.Run("postgres", func(t *testing.T) { testFIFOOrder(t, failing, twoPostgresStores(t)...) })
		})
	}
}

// twoPostgresStores returns two stores, two pools, on one new schema:
// two hookd instances sharing a database.
func twoPostgresStores(t *testing.T) []*sqlstore.Store {
	t.Helper()
	url := sqlstoretest.PostgresURL(t)
	var stores []*sqlstore.Store
	for i := range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		s, err := sqlstore.OpenPostgres(ctx, url)
		if err == nil && i == 0 {
			err = s.Migrate(ctx)
		}
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		stores = append(stores, s)
	}
	return stores
}

func testFIFOOrder(t *testing.T, failing bool, stores ...*sqlstore.Store) {
	const events = 500
	ctx := context.Background()
	clock := hookd.NewManualClock(time.Now())
	failed := make(chan struct{}, 1)
	instances := startFIFOInstances(t, clock, failed, stores...)
	a := instances[0].app
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}
	var fail func(int) bool
	if failing {
		fail = func(distinct int) bool { return distinct%10 == 0 }
	}
	rc := newFIFOReceiver(t, fail)
	ep, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "ordered", URL: rc.URL, Ordering: "fifo"})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Ordering != hookd.OrderingFIFO {
		t.Fatalf("ordering %q, want fifo", ep.Ordering)
	}
	ids := publishConcurrently(t, instances, tn.ID, events)
	if len(ids) != events {
		t.FailNow()
	}

	// Each failure waits for its retry: move the clock past it and wake
	// the dispatchers. Nothing else moves the clock.
	deadline := time.After(2 * waitTimeout)
	for len(rc.succeeded()) < events {
		select {
		case <-failed:
			clock.Advance(time.Hour)
			for _, in := range instances {
				in.d.Wake()
			}
		case <-rc.progress:
		case <-deadline:
			t.Fatalf("%d of %d events arrived", len(rc.succeeded()), events)
		}
	}
	want := seqOrder(t, a, tn.ID, ep.ID, ids)
	got := rc.succeeded()
	if !slices.Equal(got, want) {
		first := 0
		for first < min(len(got), len(want)) && got[first] == want[first] {
			first++
		}
		t.Fatalf("%d events arrived, not in commit order: first difference at %d", len(got), first)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.most != 1 {
		t.Errorf("%d requests at once, want 1", rc.most)
	}
	// A failed request is sent again right after, before anything else.
	for i, status := range rc.answers {
		if status != http.StatusOK && (i+1 >= len(rc.arrivals) || rc.arrivals[i+1] != rc.arrivals[i]) {
			t.Fatalf("request %d failed, and the next one is not its retry", i)
		}
	}
	if failing && len(rc.arrivals) != events+events/10 {
		t.Errorf("%d requests, want %d (every 10th twice)", len(rc.arrivals), events+events/10)
	}
}

// TestFIFOReplay replays, in bulk, the 50 succeeded deliveries of a FIFO
// endpoint (published by 8 concurrent publishers): they arrive again in
// their order, one at a time.
func TestFIFOReplay(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		const events = 50
		ctx := context.Background()
		clock := hookd.NewManualClock(time.Now())
		instances := startFIFOInstances(t, clock, make(chan struct{}, 1), s)
		a := instances[0].app
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
		if err != nil {
			t.Fatal(err)
		}
		rc := newFIFOReceiver(t, nil)
		ep, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "ordered", URL: rc.URL, Ordering: "fifo"})
		if err != nil {
			t.Fatal(err)
		}
		ids := publishConcurrently(t, instances, tn.ID, events)
		waitArrivals(t, rc, events)
		want := seqOrder(t, a, tn.ID, ep.ID, ids)
		if got := rc.succeeded(); !slices.Equal(got, want) {
			t.Fatalf("first delivery not in order")
		}
		// The results are stored before the last request's sender ends.
		waitFor(t, "the deliveries succeeded", func() bool {
			p, err := a.PreviewReplay(ctx, tn.ID, hookd.ReplayFilter{EndpointID: ep.ID, State: hookd.DeliverySucceeded})
			return err == nil && p.Count == events
		})
		r, err := a.StartReplay(ctx, tn.ID, hookd.ReplayFilter{EndpointID: ep.ID})
		if err != nil || r.Total != events {
			t.Fatalf("start replay: %+v, %v", r, err)
		}
		if n, err := a.RunReplays(ctx); err != nil || n != events {
			t.Fatalf("RunReplays resent %d (%v), want %d", n, err, events)
		}
		waitArrivals(t, rc, 2*events)
		if got := rc.succeeded()[events:]; !slices.Equal(got, want) {
			t.Fatalf("replayed out of order:\n got %v\nwant %v", got, want)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.most != 1 {
			t.Errorf("%d requests at once, want 1", rc.most)
		}
	})
}

// waitArrivals waits until rc answered n requests with success.
func waitArrivals(t *testing.T, rc *fifoReceiver, n int) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for len(rc.succeeded()) < n {
		select {
		case <-rc.progress:
		case <-deadline:
			t.Fatalf("%d of %d requests arrived", len(rc.succeeded()), n)
		}
	}
}

// waitFor polls cond until it holds, failing t after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFIFOExhausted: when a FIFO endpoint's delivery fails its last retry,
// the endpoint is disabled and the deliveries behind it are held, none
// sent; enabled again, it receives them in order, from the one after the
// failed delivery.
func TestFIFOExhausted(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		const events = 10
		ctx := context.Background()
		clock := hookd.NewManualClock(time.Now())
		failed := make(chan struct{}, 1)
		instances := startFIFOInstancesWith(t, clock, failed, func(d *dispatch.Dispatcher) {
			d.Retry = hookd.RetryPolicy{Jitter: -1, Schedule: []time.Duration{time.Minute}} // 2 attempts
		}, s)
		a := instances[0].app
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
		if err != nil {
			t.Fatal(err)
		}
		rc := newFIFOReceiver(t, func(distinct int) bool { return distinct == 3 })
		ep, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "ordered", URL: rc.URL, Ordering: "fifo"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range events {
			e, _, err := a.Publish(ctx, tn.ID, app.PublishInput{Type: "user.created",
				Data: []byte(strings.Replace(userData, `"usr_1"`, fmt.Sprintf(`"usr_%d"`, i), 1))})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		<-failed // the first attempt of the 3rd
		rc.mu.Lock()
		rc.seen[ids[2]] = false // it fails again
		rc.mu.Unlock()
		clock.Advance(time.Hour)
		instances[0].d.Wake()
		waitFor(t, "the endpoint is disabled", func() bool {
			e, err := a.Endpoint(ctx, tn.ID, ep.ID)
			return err == nil && !e.Enabled
		})
		if got := rc.succeeded(); !slices.Equal(got, ids[:2]) {
			t.Fatalf("before the endpoint was disabled: %v, want the first 2", got)
		}
		waitFor(t, "the rest is held", func() bool {
			p, err := a.PreviewReplay(ctx, tn.ID, hookd.ReplayFilter{EndpointID: ep.ID, State: hookd.DeliveryHeld})
			return err == nil && p.Count == events-3
		})
		rc.mu.Lock()
		rc.fail = nil
		rc.mu.Unlock()
		if _, err := a.EnableEndpoint(ctx, tn.ID, ep.ID); err != nil {
			t.Fatal(err)
		}
		instances[0].d.Wake()
		waitArrivals(t, rc, events-1)
		want := append(slices.Clone(ids[:2]), ids[3:]...)
		if got := rc.succeeded(); !slices.Equal(got, want) {
			t.Fatalf("after enabling: %v, want %v", got, want)
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if rc.most != 1 {
			t.Errorf("%d requests at once, want 1", rc.most)
		}
	})
}
