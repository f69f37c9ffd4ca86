package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
	"github.com/jackc/pgx/v5/pgconn"
)

// recordWorld is a PostgreSQL store with one endpoint and n deliveries to
// it claimed by a worker, ready to be recorded.
type recordWorld struct {
	s        *sqlstore.Store
	tenant   *hookd.Tenant
	endpoint *hookd.Endpoint
	claimed  []*hookd.Delivery
	now      time.Time
}

func newRecordWorld(t *testing.T, n int) *recordWorld {
	t.Helper()
	ctx := t.Context()
	s := sqlstoretest.Postgres(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "acme", Name: "Acme", Plan: hookd.PlanPlatinum, CreatedAt: now}
	if err := s.CreateTenant(ctx, tn, nil); err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	ep := &hookd.Endpoint{
		ID: hookd.NewID(hookd.PrefixEndpoint), TenantID: tn.ID, Name: "E", URL: "https://e.example/hook",
		EventTypes: []string{}, AllEventTypes: true, Enabled: true, VerifyTLS: true, Format: hookd.FormatJSON,
		MaxEventsPerRequest: 1, Mode: hookd.ModeFull, Headers: map[string]string{},
		SealedVerificationKey: []byte("sealed key"), VerificationKeyHeader: hookd.DefaultVerificationKeyHeader,
		TimeoutSeconds: 15, Secrets: []hookd.EndpointSecret{{Sealed: []byte("sealed secret")}},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateEndpoint(ctx, ep); err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	for range n {
		e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: tn.ID, Type: "user.created",
			Data: json.RawMessage(`{"n":1}`), Timestamp: now, CreatedAt: now}
		d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: tn.ID, EventID: e.ID, EndpointID: ep.ID,
			EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now}
		if _, err := s.PublishEvent(ctx, e, []*hookd.Delivery{d}); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	claimed := sqlstoretest.ClaimDue(t, s, now, now.Add(time.Minute), n)
	if len(claimed) != n {
		t.Fatalf("claimed %d deliveries, want %d", len(claimed), n)
	}
	return &recordWorld{s: s, tenant: tn, endpoint: ep, claimed: claimed, now: now}
}

// results returns a successful result, with its attempt, for each claimed
// delivery, and the endpoint's result.
func (w *recordWorld) results() ([]hookd.DeliveryResult, []hookd.EndpointResult) {
	var rs []hookd.DeliveryResult
	for _, d := range w.claimed {
		rs = append(rs, hookd.DeliveryResult{DeliveryID: d.ID, State: hookd.DeliverySucceeded, RunAt: w.now,
			Attempt: &hookd.Attempt{ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID,
				EndpointID: d.EndpointID, URL: w.endpoint.URL, ResponseStatus: 200, Duration: time.Millisecond, CreatedAt: w.now}})
	}
	return rs, []hookd.EndpointResult{{EndpointID: w.endpoint.ID, TriggeredAt: w.now}}
}

// checkRecorded fails the test unless every claimed delivery succeeded
// with exactly one attempt in its history.
func (w *recordWorld) checkRecorded(t *testing.T) {
	t.Helper()
	for _, d := range w.claimed {
		got, err := w.s.Delivery(t.Context(), w.tenant.ID, d.ID)
		if err != nil {
			t.Fatalf("delivery %s: %v", d.ID, err)
		}
		as, err := w.s.ListAttempts(t.Context(), w.tenant.ID, d.ID)
		if err != nil {
			t.Fatalf("attempts of %s: %v", d.ID, err)
		}
		if got.State != hookd.DeliverySucceeded || got.Attempts != 1 || len(as) != 1 {
			t.Errorf("delivery %s: %s after %d attempts, %d in its history; want succeeded after 1, in its history", d.ID, got.State, got.Attempts, len(as))
		}
	}
}

// TestRecordKeepsEndpointRowOff checks that recording holds no lock on
// the endpoint's row while it holds its deliveries' rows: a transaction
// that locks the endpoint row first and then a delivery row (as deleting
// the endpoint does, its deliveries going with it) must not deadlock with
// the recorder, whose results must all be stored.
func TestRecordKeepsEndpointRowOff(t *testing.T) {
	w := newRecordWorld(t, 4)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tx, err := w.s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SELECT id FROM endpoints WHERE id = $1 FOR UPDATE", w.endpoint.ID); err != nil {
		t.Fatalf("lock the endpoint: %v", err)
	}

	recorded := make(chan error, 1)
	results, endpoints := w.results()
	go func() { recorded <- w.s.RecordDeliveries(ctx, results, endpoints) }()
	// The recorder's transaction commits without the endpoint row; only
	// last_triggered_at, after it, waits for it. Once the deliveries are
	// recorded, the other transaction can take their rows.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var state string
		if err := w.s.DB().QueryRowContext(ctx, "SELECT state FROM deliveries WHERE id = $1", w.claimed[len(w.claimed)-1].ID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state == string(hookd.DeliverySucceeded) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recorder's transaction did not commit while another held the endpoint's row")
		}
		time.Sleep(10 * time.Millisecond) // polling another connection's transaction
	}
	if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET updated_at = updated_at WHERE id = $1", w.claimed[0].ID); err != nil {
		t.Fatalf("the other transaction, on a recorded delivery's row: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-recorded; err != nil {
		t.Fatalf("record deliveries: %v", err)
	}
	w.checkRecorded(t)
	ep, err := w.s.Endpoint(ctx, w.tenant.ID, w.endpoint.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ep.LastTriggeredAt == nil || !ep.LastTriggeredAt.Equal(w.now) {
		t.Errorf("last_triggered_at = %v, want %v", ep.LastTriggeredAt, w.now)
	}
}

// TestRecordRetriesDeadlock checks that the recorder locks its deliveries
// in ID order, then makes PostgreSQL break a real deadlock by ending the
// recorder's transaction (40P01): RecordDeliveries tries again and stores
// every attempt, none lost from the history.
func TestRecordRetriesDeadlock(t *testing.T) {
	w := newRecordWorld(t, 2)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tx, err := w.s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// This transaction waits long before it looks for a deadlock, so the
	// recorder (after PostgreSQL's default second) is the one ended.
	if _, err := tx.ExecContext(ctx, "SET LOCAL deadlock_timeout = '20s'"); err != nil {
		t.Skipf("cannot set deadlock_timeout (needs a superuser): %v", err)
	}
	first, last := w.claimed[0].ID, w.claimed[1].ID
	if last < first {
		first, last = last, first
	}
	var pid int
	if err := tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	// The recorder locks in ID order: first, then last. Take last now.
	if _, err := tx.ExecContext(ctx, "SELECT id FROM deliveries WHERE id = $1 FOR UPDATE", last); err != nil {
		t.Fatal(err)
	}
	recorded := make(chan error, 1)
	results, endpoints := w.results()
	go func() { recorded <- w.s.RecordDeliveries(ctx, results, endpoints) }()
	// Once the recorder holds first and waits for last, take first: a
	// deadlock, which PostgreSQL breaks by ending the recorder's try.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := w.s.DB().QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", pid).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the recorder did not come to wait for the locked delivery")
		}
		time.Sleep(10 * time.Millisecond) // polling another connection's transaction
	}
	// It waits for last holding first: rows are locked in ID order.
	var got string
	err = w.s.DB().QueryRowContext(ctx, "SELECT id FROM deliveries WHERE id = $1 FOR UPDATE NOWAIT", first).Scan(&got)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "55P03" {
		t.Fatalf("while the recorder waits for the later delivery, locking the earlier one gave %v; want it held by the recorder (lock_not_available)", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE deliveries SET updated_at = updated_at WHERE id = $1", first); err != nil {
		t.Fatalf("the other transaction was ended instead of the recorder's: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-recorded; err != nil {
		t.Fatalf("record deliveries after a deadlock: %v", err)
	}
	w.checkRecorded(t)
}
