package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// fifoWorld is a store with a FIFO endpoint and n deliveries to it,
// published one by one (so numbered 1 to n).
type fifoWorld struct {
	s        *sqlstore.Store
	endpoint *hookd.Endpoint
	ds       []*hookd.Delivery // in publishing order
	now      time.Time
}

func newFIFOWorld(t *testing.T, s *sqlstore.Store, n int) *fifoWorld {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "acme", Name: "Acme", Plan: hookd.PlanPlatinum, CreatedAt: now}
	if err := s.CreateTenant(ctx, tn, nil); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	ep := &hookd.Endpoint{
		ID: hookd.NewID(hookd.PrefixEndpoint), TenantID: tn.ID, Name: "E", URL: "https://e.example/hook",
		EventTypes: []string{}, AllEventTypes: true, Enabled: true, VerifyTLS: true, Format: hookd.FormatJSON,
		MaxEventsPerRequest: 1, Mode: hookd.ModeFull, Ordering: hookd.OrderingFIFO, Headers: map[string]string{},
		SealedVerificationKey: []byte("sealed key"), VerificationKeyHeader: hookd.DefaultVerificationKeyHeader,
		TimeoutSeconds: 15, Secrets: []hookd.EndpointSecret{{Sealed: []byte("sealed secret")}},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	w := &fifoWorld{s: s, endpoint: ep, now: now}
	for range n {
		w.publish(t)
	}
	return w
}

// publish publishes one event to the endpoint and returns its delivery.
func (w *fifoWorld) publish(t *testing.T) *hookd.Delivery {
	t.Helper()
	e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.endpoint.TenantID, Type: "user.created",
		Data: json.RawMessage(`{"n":1}`), Timestamp: w.now, CreatedAt: w.now}
	d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID, EndpointID: w.endpoint.ID,
		EventType: e.Type, State: hookd.DeliveryPending, RunAt: w.now, CreatedAt: w.now, UpdatedAt: w.now, Ordered: true}
	if _, err := w.s.PublishEvent(t.Context(), e, []*hookd.Delivery{d}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	w.ds = append(w.ds, d)
	return d
}

// claim claims up to limit deliveries in order at now and returns their
// numbers.
func claimSeqs(t *testing.T, s *sqlstore.Store, endpointID string, now time.Time, limit int) []int64 {
	t.Helper()
	ds, fifo, err := s.ClaimFIFODeliveries(t.Context(), now, now.Add(time.Minute), endpointID, limit)
	if err != nil || !fifo {
		t.Fatalf("claim: fifo %v, %v", fifo, err)
	}
	return seqsOf(ds)
}

func seqsOf(ds []*hookd.Delivery) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.Seq)
	}
	return out
}

// result is a delivery's result at now: with an attempt when sent.
func fifoResult(d *hookd.Delivery, state hookd.DeliveryState, runAt time.Time, sent bool) hookd.DeliveryResult {
	r := hookd.DeliveryResult{DeliveryID: d.ID, State: state, RunAt: runAt}
	if sent {
		status := 200
		if state != hookd.DeliverySucceeded {
			status = 500
		}
		r.Attempt = &hookd.Attempt{ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID,
			EndpointID: d.EndpointID, URL: "https://e.example/hook", ResponseStatus: status, CreatedAt: runAt}
	}
	return r
}

// TestClaimFIFO: deliveries to a FIFO endpoint are numbered in publishing
// order; the usual claim never takes them; the FIFO claim takes them in
// order, nothing while one is running, nothing while the first waiting
// one is in backoff (a retry blocks those behind it), and nothing while
// the endpoint is disabled; a resent delivery keeps its place.
func TestClaimFIFO(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		w := newFIFOWorld(t, s, 6)
		for i, d := range w.ds {
			if d.Seq != int64(i+1) {
				t.Fatalf("delivery %d numbered %d", i, d.Seq)
			}
		}
		now := w.now
		if ds, err := s.ClaimEndpointDeliveries(ctx, now, now.Add(time.Minute), []hookd.EndpointClaim{{EndpointID: w.endpoint.ID, Limit: 10}}); err != nil || len(ds) != 0 {
			t.Fatalf("the usual claim took %d deliveries of a FIFO endpoint (%v)", len(ds), err)
		}
		if ids, err := s.FIFOEndpoints(ctx, []string{w.endpoint.ID, "ep_other"}); err != nil || !slices.Equal(ids, []string{w.endpoint.ID}) {
			t.Fatalf("FIFO endpoints: %v, %v", ids, err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, now, 3); !slices.Equal(got, []int64{1, 2, 3}) {
			t.Fatalf("first claim: %v, want [1 2 3]", got)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, now, 3); len(got) != 0 {
			t.Fatalf("claimed %v while 1 to 3 are running", got)
		}
		// 1 succeeded, 2 failed (retry in a minute), 3 given back unsent.
		retry := now.Add(time.Minute)
		if err := s.RecordDeliveries(ctx, []hookd.DeliveryResult{
			fifoResult(w.ds[0], hookd.DeliverySucceeded, now, true),
			fifoResult(w.ds[1], hookd.DeliveryPending, retry, true),
			fifoResult(w.ds[2], hookd.DeliveryPending, now, false),
		}, nil); err != nil {
			t.Fatal(err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, now.Add(30*time.Second), 3); len(got) != 0 {
			t.Fatalf("claimed %v while 2 waits for its retry", got)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, retry, 2); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("claim once the retry is due: %v, want [2 3]", got)
		}
		if err := s.RecordDeliveries(ctx, []hookd.DeliveryResult{
			fifoResult(w.ds[1], hookd.DeliverySucceeded, retry, true),
			fifoResult(w.ds[2], hookd.DeliverySucceeded, retry, true),
		}, nil); err != nil {
			t.Fatal(err)
		}
		// Disabled: nothing, even due.
		ep, err := s.Endpoint(ctx, w.endpoint.TenantID, w.endpoint.ID)
		if err != nil {
			t.Fatal(err)
		}
		ep.Enabled = false
		if err := s.UpdateEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, retry, 3); len(got) != 0 {
			t.Fatalf("claimed %v of a disabled endpoint", got)
		}
		ep.Enabled = true
		if err := s.UpdateEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, retry, 10); !slices.Equal(got, []int64{4, 5, 6}) {
			t.Fatalf("claim once enabled: %v, want [4 5 6]", got)
		}
		// A delivery sent again keeps its place: after the ones running,
		// before those published after it.
		w.publish(t)
		w.publish(t)
		if _, err := s.ResendDelivery(ctx, w.endpoint.TenantID, w.ds[1].ID, retry); err != nil {
			t.Fatal(err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, retry, 10); len(got) != 0 {
			t.Fatalf("claimed %v while 4 to 6 are running", got)
		}
		var rs []hookd.DeliveryResult
		for _, d := range w.ds[3:6] {
			rs = append(rs, fifoResult(d, hookd.DeliverySucceeded, retry, true))
		}
		if err := s.RecordDeliveries(ctx, rs, nil); err != nil {
			t.Fatal(err)
		}
		if got := claimSeqs(t, s, w.endpoint.ID, retry, 10); !slices.Equal(got, []int64{2, 7, 8}) {
			t.Fatalf("claim after resending 2: %v, want [2 7 8]", got)
		}
		// Not FIFO any more: the FIFO claim says so.
		ep.Ordering = hookd.OrderingNone
		if err := s.UpdateEndpoint(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if _, fifo, err := s.ClaimFIFODeliveries(ctx, retry, retry, ep.ID, 1); err != nil || fifo {
			t.Fatalf("claim of an endpoint no longer FIFO: fifo %v, %v", fifo, err)
		}
	})
}

// TestClaimFIFOConcurrent has 8 workers, on two store pools on
// PostgreSQL, claim a FIFO endpoint's 300 deliveries and record them as
// fast as they can: a claim never gets anything while another worker
// holds deliveries it has not recorded, and the claims, one after the
// other, take the numbers 1 to 300 in order.
func TestClaimFIFOConcurrent(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s := sqlstoretest.SQLite(t)
		testClaimFIFOConcurrent(t, s, s)
	})
	t.Run("postgres", func(t *testing.T) {
		url := sqlstoretest.PostgresURL(t)
		var stores []*sqlstore.Store
		for i := range 2 {
			s, err := sqlstore.OpenPostgres(t.Context(), url)
			if err == nil && i == 0 {
				err = s.Migrate(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			stores = append(stores, s)
		}
		testClaimFIFOConcurrent(t, stores...)
	})
}

func testClaimFIFOConcurrent(t *testing.T, stores ...*sqlstore.Store) {
	const n = 300
	w := newFIFOWorld(t, stores[0], n)
	var (
		holding atomic.Bool
		mu      sync.Mutex
		order   []int64
		done    atomic.Int64
		wg      sync.WaitGroup
	)
	for i := range 8 {
		s := stores[i%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for done.Load() < n && !t.Failed() {
				ds, _, err := s.ClaimFIFODeliveries(ctx, w.now, w.now.Add(time.Hour), w.endpoint.ID, 1+i%4)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					continue
				}
				if !holding.CompareAndSwap(false, true) {
					t.Errorf("claimed %v while another worker holds deliveries", seqsOf(ds))
					return
				}
				mu.Lock()
				order = append(order, seqsOf(ds)...)
				mu.Unlock()
				var rs []hookd.DeliveryResult
				for _, d := range ds {
					rs = append(rs, fifoResult(d, hookd.DeliverySucceeded, w.now, true))
				}
				holding.Store(false) // before the results commit: no claim may get anything until then
				if err := s.RecordDeliveries(ctx, rs, nil); err != nil {
					t.Error(err)
					return
				}
				done.Add(int64(len(ds)))
			}
		}()
	}
	wg.Wait()
	for i, seq := range order {
		if seq != int64(i+1) {
			t.Fatalf("claim %d took number %d, want %d (%v)", i, seq, i+1, order[:i+1])
		}
	}
	if len(order) != n {
		t.Fatalf("claimed %d, want %d", len(order), n)
	}
}
