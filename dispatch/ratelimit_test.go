package dispatch_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// arrivals is a real HTTP receiver that notes when each request arrived.
type arrivals struct {
	*httptest.Server
	mu    sync.Mutex
	times []time.Time
	// status, when set, is answered instead of 200 (with header).
	status func(n int) (int, http.Header)
}

func newArrivals(t *testing.T) *arrivals {
	t.Helper()
	a := &arrivals{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		a.mu.Lock()
		a.times = append(a.times, at)
		n, status := len(a.times), a.status
		a.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			var h http.Header
			code, h = status(n)
			for k, vs := range h {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(a.Close)
	return a
}

// count returns how many requests arrived.
func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

// all returns the arrival times, in order.
func (a *arrivals) all() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	ts := append([]time.Time(nil), a.times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	return ts
}

// waitCount waits until n requests arrived, failing t after waitTimeout.
func (a *arrivals) waitCount(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for a.count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests arrived", a.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// busiestSecond returns the most arrivals in any half-open second
// [t, t+1s) that starts at an arrival, and when it starts.
func busiestSecond(ts []time.Time) (most int, at time.Time) {
	j := 0
	for i := range ts {
		for j < len(ts) && ts[j].Before(ts[i].Add(time.Second)) {
			j++
		}
		if j-i > most {
			most, at = j-i, ts[i]
		}
	}
	return most, at
}

// twoInstances opens two stores on one new PostgreSQL schema, as two
// hookd instances would, each with a small pool.
func twoInstances(t *testing.T) (*sqlstore.Store, *sqlstore.Store) {
	t.Helper()
	dsn := sqlstoretest.PostgresURL(t)
	var stores [2]*sqlstore.Store
	for i := range stores {
		s, err := sqlstore.OpenPostgres(context.Background(), dsn+"&pool_max_conns=8")
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		stores[i] = s
	}
	return stores[0], stores[1]
}

// startSecond runs another dispatcher beside w's, on store s (another
// instance's pool), until the test ends or stop is called; w's app wakes
// both.
func (w *world) startSecond(s *sqlstore.Store) (stop func()) {
	t := w.t
	d := &dispatch.Dispatcher{
		Log: w.logger(), Store: s, Keys: w.app, Client: &dispatch.Client{AllowPrivate: true}, Clock: w.clock,
		Retry: hookd.RetryPolicy{Jitter: -1}, PollInterval: time.Hour, Concurrency: w.d.Concurrency,
		AfterRecord: func(rs []hookd.DeliveryResult, err error) {
			if err != nil {
				t.Errorf("record: %v", err)
			}
			w.recorded <- rs
		},
	}
	first := w.d
	w.app.DeliveriesStored = func(ids ...string) {
		first.Wake(ids...)
		d.Wake(ids...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// publishMany publishes n events of type typ with data, from 8 publishers.
func (w *world) publishMany(n int, typ, data string) {
	w.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for p := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < n; i += 8 {
				if _, _, err := w.app.Publish(context.Background(), w.tenant, app.PublishInput{Type: typ, Data: []byte(data)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		w.t.Fatal(err)
	}
}

const userUpdatedData = `{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"},"changed_fields":["email"]}`

// TestRateLimitAcrossInstances is the acceptance test of rate limits:
// an endpoint limited to 20 requests a second, with 2,000 deliveries
// pending and two hookd instances (two dispatchers, each with its own
// pool, on one PostgreSQL schema), receives at most 20 requests in every
// second at a real receiver over 5 s, and at least 70 in all; none is
// failed or retried. An unlimited endpoint beside it delivers 100 events
// within 8× of its time alone (8 workers per instance). On SQLite, one
// instance.
func TestRateLimitAcrossInstances(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		a, b := twoInstances(t)
		rateLimitAcceptance(t, a, b)
	})
	t.Run("sqlite", func(t *testing.T) {
		rateLimitAcceptance(t, sqlstoretest.SQLite(t), nil)
	})
}

func rateLimitAcceptance(t *testing.T, s, second *sqlstore.Store) {
	const (
		limit     = 20
		pending   = 2000
		unlimited = 100
		measure   = 5 * time.Second
	)
	ctx := context.Background()
	limitedRc, freeRc := newArrivals(t), newArrivals(t)
	// Few workers: a limited endpoint's senders that held workers while
	// they wait for a slot would starve the unlimited endpoint.
	w := newWorld(t, s, func(d *dispatch.Dispatcher) { d.Concurrency = 8 })
	limited := w.endpoint(limitedRc.URL, app.CreateEndpointInput{EventTypes: []string{"user.created"}, RateLimit: ptr(limit)})
	if limited.RateLimit != limit || limited.RateLimitBurst != limit {
		t.Fatalf("limited endpoint: rate limit %d, burst %d", limited.RateLimit, limited.RateLimitBurst)
	}
	w.endpoint(freeRc.URL, app.CreateEndpointInput{EventTypes: []string{"user.updated"}})
	// The limited endpoint's deliveries are held while it is disabled,
	// and all due at once when it is enabled.
	if _, err := w.app.DisableEndpoint(ctx, w.tenant, limited.ID, hookd.DisabledByUser); err != nil {
		t.Fatal(err)
	}
	w.publishMany(pending, "user.created", userData)
	w.start()
	stopSecond := func() {}
	if second != nil {
		stopSecond = w.startSecond(second)
	}

	// The unlimited endpoint alone.
	start := time.Now()
	w.publishMany(unlimited, "user.updated", userUpdatedData)
	freeRc.waitCount(t, unlimited)
	alone := time.Since(start)

	// The limited endpoint's backlog, then the unlimited one's again.
	if _, err := w.app.EnableEndpoint(ctx, w.tenant, limited.ID); err != nil {
		t.Fatal(err)
	}
	measureStart := time.Now()
	// Past the first burst (the default burst is the limit): the instances
	// have claimed their share of the backlog, and the limit holds them.
	limitedRc.waitCount(t, limit+1)
	start = time.Now()
	w.publishMany(unlimited, "user.updated", userUpdatedData)
	freeRc.waitCount(t, 2*unlimited)
	beside := time.Since(start)
	if rest := measure - time.Since(measureStart); rest > 0 {
		time.Sleep(rest) // the receiver measures over 5 s of real time
	}
	w.stop()
	stopSecond()
	got := limitedRc.all()

	most, at := busiestSecond(got)
	t.Logf("limited to %d/s: %d requests in %v (%.1f/s), at most %d in one second (from %v); unlimited endpoint: %d deliveries in %v alone, %v beside it",
		limit, len(got), time.Since(measureStart).Round(time.Millisecond), float64(len(got))/time.Since(measureStart).Seconds(),
		most, at.Sub(measureStart).Round(time.Millisecond), unlimited, alone.Round(time.Millisecond), beside.Round(time.Millisecond))
	if most > limit {
		t.Errorf("%d requests arrived in the second from %v, over the limit of %d", most, at.Sub(measureStart), limit)
	}
	if len(got) < 70 {
		t.Errorf("only %d requests arrived in %v: the limit of %d/s is not used", len(got), measure, limit)
	}
	if len(got) >= pending {
		t.Fatalf("all %d deliveries arrived: the backlog did not last the measure", len(got))
	}
	// A baseline floor of 250 ms: below it, the runs are noise. A busy
	// machine moves either run by 2–4×; limited senders holding the 8
	// workers while they wait would make it 20× (100 deliveries at 20/s).
	if base := max(alone, 250*time.Millisecond); beside > 8*base {
		t.Errorf("the unlimited endpoint took %v beside the limited one, over 8× the %v alone", beside, alone)
	}

	// Deliveries over the limit waited: sent once each, none failed or
	// rescheduled.
	counts := deliveryCounts(t, s, limited.ID)
	t.Logf("the limited endpoint's deliveries by state and attempts: %v", counts)
	for k, n := range counts {
		switch k {
		case stateAttempts{hookd.DeliverySucceeded, 1}, stateAttempts{hookd.DeliveryPending, 0}:
		default:
			t.Errorf("%d deliveries %s after %d attempts: deliveries over the limit must wait, not fail", n, k.state, k.attempts)
		}
	}
	if n := counts[stateAttempts{hookd.DeliverySucceeded, 1}]; n != len(got) {
		t.Errorf("%d deliveries succeeded, %d requests arrived", n, len(got))
	}
}

// stateAttempts is a delivery's state and attempts count.
type stateAttempts struct {
	state    hookd.DeliveryState
	attempts int
}

// deliveryCounts counts the deliveries of an endpoint by state and
// attempts, (a delivery retried has more than one).
func deliveryCounts(t *testing.T, s *sqlstore.Store, endpointID string) map[stateAttempts]int {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(),
		"SELECT state, attempts, count(*) FROM deliveries WHERE endpoint_id = '"+endpointID+"' GROUP BY state, attempts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := map[stateAttempts]int{}
	for rows.Next() {
		var (
			k stateAttempts
			n int
		)
		if err := rows.Scan(&k.state, &k.attempts, &n); err != nil {
			t.Fatal(err)
		}
		counts[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}

// TestBulkReplayRespectsRateLimit replays 60 deliveries of an endpoint
// limited to 20 requests a second: the real receiver gets them all, never
// more than 20 in a second.
func TestBulkReplayRespectsRateLimit(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		const events, limit = 60, 20
		ctx := context.Background()
		rc := newArrivals(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{})
		w.start()
		w.publishMany(events, "user.created", userData)
		rc.waitCount(t, events)
		w.waitRecorded(events)
		if _, err := w.app.UpdateEndpoint(ctx, w.tenant, ep.ID, app.UpdateEndpointInput{RateLimit: ptr(limit)}); err != nil {
			t.Fatal(err)
		}
		rc.mu.Lock()
		rc.times = nil
		rc.mu.Unlock()

		r, err := w.app.StartReplay(ctx, w.tenant, hookd.ReplayFilter{EndpointID: ep.ID})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if n, err := w.app.RunReplays(ctx); err != nil || n != events {
			t.Fatalf("RunReplays resent %d (%v), want %d", n, err, events)
		}
		rc.waitCount(t, events)
		took := time.Since(start)
		w.waitRecorded(events)
		most, at := busiestSecond(rc.all())
		t.Logf("replay %s of %d deliveries at %d/s: %v, at most %d in one second (from %v)", r.ID, events, limit, took.Round(time.Millisecond), most, at.Sub(start).Round(time.Millisecond))
		if most > limit {
			t.Errorf("%d replayed requests arrived in the second from %v, over the limit of %d", most, at.Sub(start), limit)
		}
	})
}

// TestRetryAfterPausesEndpoint has a receiver answer 429 with
// Retry-After: 60 once: its endpoint is paused for 60 s on the
// dispatcher's clock — the events published meanwhile are not sent, use
// no attempt and wait, while another endpoint gets them at once — and
// when the clock passes the pause, every one arrives.
func TestRetryAfterPausesEndpoint(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		paused, other := newReceiver(t), newReceiver(t)
		paused.mu.Lock()
		paused.answer = func(n int, _ *http.Request) (int, http.Header) {
			if n == 1 {
				return http.StatusTooManyRequests, http.Header{"Retry-After": {"60"}}
			}
			return http.StatusOK, nil
		}
		paused.mu.Unlock()
		w := newWorld(t, s, nil)
		ep := w.endpoint(paused.URL, app.CreateEndpointInput{})
		w.endpoint(other.URL, app.CreateEndpointInput{})
		w.start()
		first := w.publish(userData)
		paused.next(t)
		other.next(t)
		w.waitRecorded(2)
		pauseEnd := w.clock.Now().Add(time.Minute)

		const later = 5
		for range later {
			w.publish(userData)
		}
		for range later {
			other.next(t)
		}
		w.waitRecorded(2 * later) // sent to the other, put back for the paused one
		paused.none(t)
		counts := deliveryCounts(t, s, ep.ID)
		if counts[stateAttempts{hookd.DeliveryPending, 0}] != later || counts[stateAttempts{hookd.DeliveryPending, 1}] != 1 {
			t.Fatalf("the paused endpoint's deliveries: %v; want %d pending without attempts and the first pending after one", counts, later)
		}
		_, ds, err := w.app.Event(ctx, w.tenant, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.EndpointID == ep.ID && !d.RunAt.Equal(pauseEnd.Truncate(time.Microsecond)) {
				t.Errorf("the delivery answered 429 is due at %v, want %v", d.RunAt, pauseEnd)
			}
		}
		// Nothing is claimed before the pause ends.
		w.clock.Advance(59 * time.Second)
		w.d.Wake()
		w.publish(userData)
		other.next(t)
		// Put back by a sender here, or never claimed: pending either way.
		waitCounts(t, s, ep.ID, map[stateAttempts]int{{hookd.DeliveryPending, 0}: later + 1, {hookd.DeliveryPending, 1}: 1})
		paused.none(t)

		w.clock.Advance(time.Second)
		w.d.Wake()
		for range later + 2 {
			paused.next(t)
		}
		waitCounts(t, s, ep.ID, map[stateAttempts]int{{hookd.DeliverySucceeded, 1}: later + 1, {hookd.DeliverySucceeded, 2}: 1})
		paused.none(t)
	})
}

// waitCounts waits until the deliveries of an endpoint by state and
// attempts are want, failing t after waitTimeout.
func waitCounts(t *testing.T, s *sqlstore.Store, endpointID string, want map[stateAttempts]int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		got := deliveryCounts(t, s, endpointID)
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries by state and attempts: %v, want %v", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
