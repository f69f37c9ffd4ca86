package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// pullWorld is a tenant with a ping and a pull endpoint.
type pullWorld struct {
	tenant     *hookd.Tenant
	ping, pull *hookd.Endpoint
}

func newPullWorld(t testing.TB, s *sqlstore.Store) *pullWorld {
	t.Helper()
	ctx := t.Context()
	now := time.Now()
	tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "acme", Name: "Acme", Plan: hookd.PlanPlatinum, CreatedAt: now}
	if err := s.CreateTenant(ctx, tn, nil); err != nil {
		t.Fatal(err)
	}
	w := &pullWorld{tenant: tn}
	for _, mode := range []hookd.EndpointMode{hookd.ModePing, hookd.ModePull} {
		ep := &hookd.Endpoint{
			ID: hookd.NewID(hookd.PrefixEndpoint), TenantID: tn.ID, Name: string(mode), URL: "https://" + string(mode) + ".example/hook",
			EventTypes: []string{}, AllEventTypes: true, Enabled: true, VerifyTLS: true, Format: hookd.FormatJSON,
			MaxEventsPerRequest: 1, Mode: mode, Headers: map[string]string{}, TimeoutSeconds: 15,
			Secrets: []hookd.EndpointSecret{{Sealed: []byte("sealed")}}, SealedVerificationKey: []byte("sealed key"),
			VerificationKeyHeader: hookd.DefaultVerificationKeyHeader, CreatedAt: now, UpdatedAt: now,
		}
		if err := s.CreateEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if mode == hookd.ModePing {
			w.ping = ep
		} else {
			w.pull = ep
		}
	}
	return w
}

// publish publishes one event to both endpoints through s and returns it
// with its deliveries.
func (w *pullWorld) publish(ctx context.Context, s *sqlstore.Store) (*hookd.Event, []*hookd.Delivery, error) {
	now := time.Now()
	e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.tenant.ID, Type: "user.created",
		Data: json.RawMessage(`{}`), Timestamp: now, CreatedAt: now}
	var ds []*hookd.Delivery
	for _, ep := range []*hookd.Endpoint{w.ping, w.pull} {
		ds = append(ds, &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID,
			EndpointID: ep.ID, EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now,
			Pull: &hookd.PullDelivery{Notify: ep.Mode == hookd.ModePing}})
	}
	_, err := s.PublishEvent(ctx, e, ds)
	return e, ds, err
}

// eachPullBackend runs f with two stores on one database (on PostgreSQL,
// two pools on one schema; on SQLite, one store twice: a database file has
// one writer).
func eachPullBackend(t *testing.T, f func(t *testing.T, a, b *sqlstore.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s := sqlstoretest.SQLite(t)
		f(t, s, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := sqlstoretest.PostgresURL(t)
		var stores []*sqlstore.Store
		for i := range 2 {
			s, err := sqlstore.OpenPostgres(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if i == 0 {
				if err := s.Migrate(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			stores = append(stores, s)
		}
		f(t, stores[0], stores[1])
	})
}

// TestPayloadsNeverMissed publishes from 8 goroutines through two stores
// while a reader lists each endpoint's payloads after the last number it
// saw: it must see every payload once, numbered 1, 2, 3, … in order, and
// the ping endpoint must have exactly one ping.
func TestPayloadsNeverMissed(t *testing.T) {
	t.Parallel()
	eachPullBackend(t, func(t *testing.T, a, b *sqlstore.Store) {
		ctx := t.Context()
		w := newPullWorld(t, a)
		const publishers, perPublisher = 8, 100
		var (
			mu        sync.Mutex
			published = map[string]map[string]int64{w.ping.ID: {}, w.pull.ID: {}} // endpoint → event → number
			pings     atomic.Int64
			wg        sync.WaitGroup
			done      = make(chan struct{})
			errs      = make(chan error, publishers+1)
		)
		for i := range publishers {
			s := []*sqlstore.Store{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perPublisher {
					e, ds, err := w.publish(ctx, s)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, d := range ds {
						published[d.EndpointID][e.ID] = d.Pull.Transaction
						if d.Pull.Ping {
							pings.Add(1)
						}
					}
					mu.Unlock()
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()

		// The reader, on a's pool.
		seen := map[string]map[string]int64{w.ping.ID: {}, w.pull.ID: {}}
		last := map[string]int64{}
		reads := 0
		read := func() (int, error) {
			n := 0
			for _, ep := range []*hookd.Endpoint{w.ping, w.pull} {
				ps, err := a.Payloads(ctx, w.tenant.ID, ep.ID, last[ep.ID], 37)
				if err != nil {
					return n, err
				}
				reads++
				for _, p := range ps {
					if p.Transaction != last[ep.ID]+1 {
						return n, fmt.Errorf("%s: after %d came %d", ep.Name, last[ep.ID], p.Transaction)
					}
					if _, dup := seen[ep.ID][p.EventID]; dup {
						return n, fmt.Errorf("%s: event %s seen twice", ep.Name, p.EventID)
					}
					seen[ep.ID][p.EventID] = p.Transaction
					last[ep.ID] = p.Transaction
					n++
				}
			}
			return n, nil
		}
	loop:
		for {
			select {
			case err := <-errs:
				t.Fatal(err)
			case <-done:
				break loop
			default:
			}
			if _, err := read(); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		for {
			n, err := read()
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		for _, ep := range []*hookd.Endpoint{w.ping, w.pull} {
			if len(published[ep.ID]) != publishers*perPublisher {
				t.Fatalf("%s: published %d, want %d", ep.Name, len(published[ep.ID]), publishers*perPublisher)
			}
			if !mapsEqual(seen[ep.ID], published[ep.ID]) {
				t.Fatalf("%s: the reader saw %d payloads, %d published, or with other numbers", ep.Name, len(seen[ep.ID]), len(published[ep.ID]))
			}
		}
		if n := pings.Load(); n != 1 {
			t.Fatalf("%d payloads became the ping, want 1", n)
		}
		ds, err := a.ListDeliveries(ctx, w.tenant.ID, hookd.DeliveryFilter{}, hookd.ListParams{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Items) != 1 || ds.Items[0].EndpointID != w.ping.ID {
			t.Fatalf("deliveries = %d, want the one ping", len(ds.Items))
		}
		t.Logf("%d publishes through 2 stores, %d reads of payloads", publishers*perPublisher, reads)
	})
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestPayloadNumberTakenBeforeCommit stalls a publication after it took
// its number: a second publication to the endpoint waits (on PostgreSQL,
// for the row lock of the first, seen in pg_stat_activity), the reader
// sees neither meanwhile, and once the first commits both are listed in
// order. A transaction that takes a number earlier and commits later can
// therefore never be skipped by after=<last seen>.
func TestPayloadNumberTakenBeforeCommit(t *testing.T) {
	t.Parallel()
	eachPullBackend(t, func(t *testing.T, a, b *sqlstore.Store) {
		ctx := t.Context()
		w := newPullWorld(t, a)
		for range 2 {
			if _, _, err := w.publish(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		took, release := make(chan int64, 1), make(chan struct{})
		var stalled atomic.Bool
		sqlstore.SetTookTransaction(a, func(endpointID string, txn int64) {
			if endpointID == w.pull.ID && stalled.CompareAndSwap(false, true) {
				took <- txn
				<-release
			}
		})
		first := make(chan error, 1)
		go func() {
			_, _, err := w.publish(ctx, a)
			first <- err
		}()
		if txn := <-took; txn != 3 {
			t.Fatalf("stalled publication took %d, want 3", txn)
		}
		second := make(chan error, 1)
		var secondDeliveries []*hookd.Delivery
		go func() {
			_, ds, err := w.publish(ctx, b)
			secondDeliveries = ds
			second <- err
		}()

		if b.Backend() == sqlstore.BackendPostgres {
			// Show that the second publication waits for the row lock of
			// the first, which took its number.
			deadline := time.Now().Add(30 * time.Second)
			for {
				var waiting int
				err := b.DB().QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"+
					" AND wait_event_type = 'Lock' AND query LIKE '%UPDATE endpoints SET last_txn = last_txn + 1%'").Scan(&waiting)
				if err != nil {
					t.Fatal(err)
				}
				if waiting > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the second publication never waited for the endpoint's row lock")
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		// Meanwhile the reader sees nothing after 2, however often it looks.
		for range 20 {
			for _, ep := range []*hookd.Endpoint{w.ping, w.pull} {
				ps, err := a.Payloads(ctx, w.tenant.ID, ep.ID, 2, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) > 0 {
					t.Fatalf("%s: the reader saw %d while number 3 was not committed", ep.Name, ps[0].Transaction)
				}
			}
			select {
			case err := <-second:
				t.Fatalf("the second publication finished (%v) while the first held number 3", err)
			default:
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		for _, d := range secondDeliveries {
			if d.Pull.Transaction != 4 {
				t.Fatalf("second publication's number = %d, want 4", d.Pull.Transaction)
			}
		}
		for _, ep := range []*hookd.Endpoint{w.ping, w.pull} {
			ps, err := a.Payloads(ctx, w.tenant.ID, ep.ID, 2, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range ps {
				got = append(got, p.Transaction)
			}
			if !slices.Equal(got, []int64{3, 4}) {
				t.Fatalf("%s: after release the reader sees %v, want [3 4]", ep.Name, got)
			}
		}
	})
}

// TestPayloadNumberGivenBack: a publication that rolls back after taking
// a number gives it back; the next one takes it.
func TestPayloadNumberGivenBack(t *testing.T) {
	t.Parallel()
	eachPullBackend(t, func(t *testing.T, a, b *sqlstore.Store) {
		ctx := t.Context()
		w := newPullWorld(t, a)
		if _, _, err := w.publish(ctx, a); err != nil {
			t.Fatal(err)
		}
		pubCtx, cancel := context.WithCancel(ctx)
		var once atomic.Bool
		sqlstore.SetTookTransaction(a, func(endpointID string, txn int64) {
			if once.CompareAndSwap(false, true) {
				cancel() // the transaction rolls back
			}
		})
		if _, _, err := w.publish(pubCtx, a); err == nil {
			t.Fatal("a publication whose context ended meanwhile succeeded")
		}
		_, ds, err := w.publish(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Pull.Transaction != 2 {
				t.Fatalf("number after a rollback = %d, want 2", d.Pull.Transaction)
			}
		}
	})
}

// TestListenPayloads: on PostgreSQL, a publication through one store
// wakes the listener of another on the same schema, also after its
// connection was cut; on SQLite ListenPayloads returns at once.
func TestListenPayloads(t *testing.T) {
	t.Parallel()
	eachPullBackend(t, func(t *testing.T, a, b *sqlstore.Store) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		w := newPullWorld(t, a)
		if a.Backend() == sqlstore.BackendSQLite {
			if err := a.ListenPayloads(ctx, func(...string) { t.Error("called on SQLite") }); err != nil {
				t.Fatal(err)
			}
			return
		}
		heard := make(chan []string, 100)
		pids := make(chan uint32, 10)
		sqlstore.SetListening(a, func(pid uint32) { pids <- pid })
		returned := make(chan error, 1)
		go func() { returned <- a.ListenPayloads(ctx, func(ids ...string) { heard <- ids }) }()

		// hear publishes through b until the listener reports both
		// endpoints of one publication.
		hear := func() {
			t.Helper()
			deadline := time.After(30 * time.Second)
			for {
				if _, _, err := w.publish(ctx, b); err != nil {
					t.Fatal(err)
				}
				select {
				case ids := <-heard:
					slices.Sort(ids)
					want := []string{w.ping.ID, w.pull.ID}
					slices.Sort(want)
					if !slices.Equal(ids, want) {
						t.Fatalf("heard %v, want %v", ids, want)
					}
					return
				case <-time.After(200 * time.Millisecond):
				case <-deadline:
					t.Fatal("the listener never heard a publication")
				}
			}
		}
		pid := <-pids
		hear()
		// Cut its connection: it listens again and hears the next.
		if _, err := b.DB().ExecContext(ctx, "SELECT pg_terminate_backend($1)", int(pid)); err != nil {
			t.Fatal(err)
		}
		select {
		case again := <-pids:
			if again == pid {
				t.Fatal("listening again on the same server process")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the listener did not connect again")
		}
		for len(heard) > 0 {
			<-heard
		}
		hear()
		cancel()
		select {
		case err := <-returned:
			if err != nil {
				t.Fatalf("ListenPayloads returned %v, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("ListenPayloads did not return when its context ended")
		}
	})
}

// TestPingsAnnounceEverything publishes to three ping endpoints from 6
// goroutines (through two stores on PostgreSQL) while two workers claim
// the pings, read the cursor as the dispatcher does when it sends one,
// and record the outcome (every fourth a failure to retry): once all is
// quiet, every payload was announced, no slot is left taken, no
// transaction deadlocked, and there were fewer pings than payloads.
func TestPingsAnnounceEverything(t *testing.T) {
	t.Parallel()
	eachPullBackend(t, func(t *testing.T, a, b *sqlstore.Store) {
		ctx := t.Context()
		w := newPullWorld(t, a)
		eps := []*hookd.Endpoint{w.ping}
		for i := range 2 {
			ep := *w.ping
			ep.ID, ep.Name = hookd.NewID(hookd.PrefixEndpoint), fmt.Sprintf("ping %d", i+2)
			if err := a.CreateEndpoint(ctx, &ep); err != nil {
				t.Fatal(err)
			}
			eps = append(eps, &ep)
		}
		const publishers, perPublisher = 6, 40
		var (
			wg, workers sync.WaitGroup
			published   = make(chan struct{})
			errs        = make(chan error, publishers+2)
			sent        atomic.Int64
		)
		for i := range publishers {
			s := []*sqlstore.Store{a, b}[i%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range perPublisher {
					now := time.Now()
					e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.tenant.ID, Type: "user.created",
						Data: json.RawMessage(`{}`), Timestamp: now, CreatedAt: now}
					var ds []*hookd.Delivery
					for k := range eps { // in a different order each time
						ep := eps[(i+j+k)%len(eps)]
						ds = append(ds, &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID,
							EndpointID: ep.ID, EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now,
							UpdatedAt: now, Pull: &hookd.PullDelivery{Notify: true}})
					}
					if _, err := s.PublishEvent(ctx, e, ds); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(published) }()

		// work claims and records one round; it reports whether it found
		// anything to send.
		var attempts atomic.Int64
		work := func(s *sqlstore.Store) (bool, error) {
			now := time.Now()
			var claims []hookd.EndpointClaim
			for _, ep := range eps {
				claims = append(claims, hookd.EndpointClaim{EndpointID: ep.ID, Limit: 5})
			}
			ds, err := s.ClaimEndpointDeliveries(ctx, now, now.Add(time.Minute), claims)
			if err != nil || len(ds) == 0 {
				return false, err
			}
			var results []hookd.DeliveryResult
			var endpoints []hookd.EndpointResult
			for _, d := range ds {
				c, err := s.PullCursor(ctx, d.EndpointID)
				if err != nil {
					return false, err
				}
				state, status := hookd.DeliverySucceeded, 200
				if attempts.Add(1)%4 == 0 {
					state, status = hookd.DeliveryPending, 503
				} else {
					sent.Add(1)
				}
				results = append(results, hookd.DeliveryResult{DeliveryID: d.ID, State: state, RunAt: now, PingTransaction: c.LastTransaction,
					Attempt: &hookd.Attempt{ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID,
						EndpointID: d.EndpointID, URL: "https://ping.example/hook", ResponseStatus: status, CreatedAt: now}})
				endpoints = append(endpoints, hookd.EndpointResult{EndpointID: d.EndpointID, TriggeredAt: now})
			}
			return true, s.RecordDeliveries(ctx, results, endpoints)
		}
		for _, s := range []*sqlstore.Store{a, b} {
			workers.Add(1)
			go func() {
				defer workers.Done()
				quiet := 0
				for quiet < 3 {
					found, err := work(s)
					if err != nil {
						errs <- err
						return
					}
					select {
					case <-published:
						if found {
							quiet = 0
						} else {
							quiet++
						}
					default:
					}
				}
			}()
		}
		workers.Wait()
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		<-published
		// The workers stopped after three empty rounds each; a last one
		// must find nothing either.
		for _, s := range []*sqlstore.Store{a, b} {
			if found, err := work(s); err != nil || found {
				t.Fatalf("after the workers stopped: found %v, %v", found, err)
			}
		}
		for _, ep := range eps {
			got, err := a.Endpoint(ctx, w.tenant.ID, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastTransaction != publishers*perPublisher || got.NotifiedTransaction != got.LastTransaction || got.PingDeliveryID != "" {
				t.Fatalf("%s: last %d, notified %d, slot %q; want %d announced and the slot free", ep.Name,
					got.LastTransaction, got.NotifiedTransaction, got.PingDeliveryID, publishers*perPublisher)
			}
		}
		if n := sent.Load(); n >= int64(len(eps)*publishers*perPublisher) {
			t.Fatalf("%d pings sent for %d payloads: none consolidated", n, len(eps)*publishers*perPublisher)
		}
		t.Logf("%d payloads announced by %d pings (%d attempts)", len(eps)*publishers*perPublisher, sent.Load(), attempts.Load())
	})
}
