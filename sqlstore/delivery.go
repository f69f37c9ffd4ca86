package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ hookd.DeliveryStore = (*Store)(nil)

// deliveryInsertColumns are the columns a new delivery is inserted with; the
// others start at their defaults.
const deliveryInsertColumns = "id, tenant_id, event_id, endpoint_id, event_type, state, attempts, run_at, lease_until, created_at, updated_at"

const deliveryColumns = deliveryInsertColumns + ", round_start, last_attempt_at, last_status, last_error, seq"

// deliveries are the tenants' deliveries; lists add the tenant's condition.
var deliveries = &table[*hookd.Delivery]{
	name:    "deliveries",
	columns: deliveryColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "last_attempt_at", column: "last_attempt_at", kind: sortNullTime},
		{field: "event_type", column: "event_type", kind: sortText},
		{field: "state", column: "state", kind: sortText},
	},
	search: []string{"id", "event_id", "event_type", "endpoint_id"},
	scan:   scanDelivery,
}

func scanDelivery(sc scanner, extra ...any) (*hookd.Delivery, error) {
	var (
		d                       hookd.Delivery
		state                   string
		runAt, created, updated timeValue
		lease, lastAttempt      timeValue
		seq                     sql.NullInt64
	)
	dest := []any{&d.ID, &d.TenantID, &d.EventID, &d.EndpointID, &d.EventType, &state, &d.Attempts,
		&runAt, &lease, &created, &updated, &d.RoundStart, &lastAttempt, &d.LastStatus, &d.LastError, &seq}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	d.State = hookd.DeliveryState(state)
	d.RunAt = runAt.Time
	d.LeaseUntil = lease.ptr()
	d.CreatedAt = created.Time
	d.UpdatedAt = updated.Time
	d.LastAttemptAt = lastAttempt.ptr()
	d.Seq = seq.Int64
	return &d, nil
}

// queryAll runs query with q and scans every row with scan; what names the
// rows in errors.
func queryAll[T any](ctx context.Context, q func(context.Context, string, ...any) (*sql.Rows, error),
	scan func(scanner, ...any) (T, error), op, what, query string, args ...any) ([]T, error) {
	rows, err := q(ctx, query, args...)
	if err != nil {
		return nil, interpretError(err, op, what)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, interpretError(err, op, what)
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, op, what)
	}
	return items, nil
}

// queryDeliveries runs query with q and scans every row as a delivery.
func queryDeliveries(ctx context.Context, q func(context.Context, string, ...any) (*sql.Rows, error),
	op, query string, args ...any) ([]*hookd.Delivery, error) {
	return queryAll(ctx, q, scanDelivery, op, "delivery", query, args...)
}

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// DueEndpoints returns the IDs of the enabled endpoints with pending
// deliveries due at now: one index probe per enabled endpoint.
func (s *Store) DueEndpoints(ctx context.Context, now time.Time) ([]string, error) {
	return queryAll(ctx, s.queryRead, scanID, "due endpoints", "endpoint", "SELECT e.id FROM endpoints e WHERE e.enabled = ?"+
		" AND (e.paused_until IS NULL OR e.paused_until <= ?) AND EXISTS ("+
		"SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id AND d.state = ? AND d.run_at <= ?)",
		true, s.d.time(now), "pending", s.d.time(now))
}

// scanID scans a row of one ID.
func scanID(sc scanner, extra ...any) (string, error) {
	var id string
	return id, sc.Scan(append([]any{&id}, extra...)...)
}

// claimEndpointQuery claims the due deliveries of one enabled endpoint not
// paused (hookd.EndpointRateStore.PauseEndpoint), in the order of the index
// on (endpoint_id, state, run_at, id), so it reads only the rows it claims.
// A FIFO endpoint's deliveries are never claimed so, only in order by
// ClaimFIFODeliveries (fifo.go).
func claimEndpointQuery(d *dialect) string {
	lock := ""
	if d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return "UPDATE deliveries SET state = ?, lease_until = ?, updated_at = ? WHERE id IN (" +
		"SELECT id FROM deliveries WHERE endpoint_id = ? AND state = ? AND run_at <= ?" +
		" AND EXISTS (SELECT 1 FROM endpoints WHERE id = ? AND enabled = ? AND (paused_until IS NULL OR paused_until <= ?) AND (ordering <> 'fifo' OR mode <> 'full'))" +
		" ORDER BY run_at, id LIMIT ?" + lock + ") RETURNING " + deliveryColumns
}

// ClaimEndpointDeliveries claims due deliveries endpoint by endpoint, in one
// transaction. On PostgreSQL the rows are locked with SKIP LOCKED, so
// instances sharing the database never claim the same delivery; on SQLite
// the single write connection serializes claims.
func (s *Store) ClaimEndpointDeliveries(ctx context.Context, now, leaseUntil time.Time, claims []hookd.EndpointClaim) ([]*hookd.Delivery, error) {
	const op = "claim deliveries"
	if len(claims) == 0 {
		return nil, nil
	}
	q := claimEndpointQuery(s.d)
	if err := s.prepareAll(ctx, q); err != nil {
		return nil, interpretError(err, op, "delivery")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, interpretError(err, op, "delivery")
	}
	defer tx.Rollback()
	stmt, err := s.txStmt(ctx, tx, q)
	if err != nil {
		return nil, interpretError(err, op, "delivery")
	}
	defer stmt.Close()
	var all []*hookd.Delivery
	for _, c := range claims {
		if c.Limit <= 0 {
			continue
		}
		ds, err := queryDeliveries(ctx, func(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
			return stmt.QueryContext(ctx, args...)
		}, op, q, "running", s.d.time(leaseUntil), s.d.time(now), c.EndpointID, "pending", s.d.time(now), c.EndpointID, true, s.d.time(now), c.Limit)
		if err != nil {
			return nil, err
		}
		sortByDue(ds)
		all = append(all, ds...)
	}
	if err := tx.Commit(); err != nil {
		return nil, interpretError(err, op, "delivery")
	}
	return all, nil
}

// sortByDue sorts deliveries by RunAt, then ID: RETURNING keeps no order,
// and IDs are UUIDv7, so this is creation order among deliveries due
// together.
func sortByDue(ds []*hookd.Delivery) {
	slices.SortFunc(ds, func(a, b *hookd.Delivery) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// ReleaseExpiredLeases makes running deliveries whose lease ended before
// expiredBefore pending again, due at now: their worker died or lost its
// way. On PostgreSQL rows being updated elsewhere are skipped, so a release
// never deadlocks with a worker recording results.
func (s *Store) ReleaseExpiredLeases(ctx context.Context, expiredBefore, now time.Time) (int, error) {
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	res, err := s.exec(ctx, "UPDATE deliveries SET state = ?, lease_until = NULL, run_at = ?, updated_at = ? WHERE id IN ("+
		"SELECT id FROM deliveries WHERE state = ? AND lease_until < ?"+lock+")",
		"pending", s.d.time(now), s.d.time(now), "running", s.d.time(expiredBefore))
	return affected(res, err, "release expired leases")
}

// ExtendLeases moves the lease of the given deliveries that are still
// running to until. On PostgreSQL rows being recorded right now are
// skipped (their lease no longer matters), so it never deadlocks with the
// recorder.
func (s *Store) ExtendLeases(ctx context.Context, ids []string, until time.Time) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " ORDER BY id FOR UPDATE SKIP LOCKED"
	}
	for chunk := range slices.Chunk(ids, 500) {
		args := append([]any{s.d.time(until), "running"}, anys(chunk)...)
		if _, err := s.exec(ctx, "UPDATE deliveries SET lease_until = ? WHERE id IN (SELECT id FROM deliveries WHERE state = ? AND id IN ("+
			placeholders(len(chunk))+")"+lock+")", args...); err != nil {
			return interpretError(err, "extend leases", "delivery")
		}
	}
	return nil
}

// NextDeliveryDue returns the earliest run_at after after of a pending
// delivery of an enabled endpoint, or nil when there is none.
func (s *Store) NextDeliveryDue(ctx context.Context, after time.Time) (*time.Time, error) {
	var next timeValue
	err := s.queryRowRead(ctx, "SELECT min(d.run_at) FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id"+
		" WHERE d.state = ? AND d.run_at > ? AND e.enabled = ?", "pending", s.d.time(after), true).Scan(&next)
	if err != nil {
		return nil, interpretError(err, "next delivery due", "delivery")
	}
	return next.ptr(), nil
}

// EventsByID returns the events with the given IDs, of any tenant; unknown
// IDs are left out.
func (s *Store) EventsByID(ctx context.Context, ids []string) ([]*hookd.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, s.queryRead, scanEvent, "events by id", "event",
		"SELECT "+eventColumns+" FROM events WHERE id IN ("+placeholders(len(ids))+")", anys(ids)...)
}

// EndpointsByID returns the endpoints with the given IDs, of any tenant;
// unknown IDs are left out.
func (s *Store) EndpointsByID(ctx context.Context, ids []string) ([]*hookd.Endpoint, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, s.queryRead, scanEndpoint, "endpoints by id", "endpoint",
		"SELECT "+endpointColumns+" FROM endpoints WHERE id IN ("+placeholders(len(ids))+")", anys(ids)...)
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

const attemptColumns = "id, tenant_id, delivery_id, endpoint_id, url, request_headers, request_body, response_status, response_headers, response_body, duration_us, error, created_at"

// recordChunk is the most rows one statement of RecordDeliveries writes:
// 13 arguments per attempt stay far below both databases' limits.
const recordChunk = 64

// lockDeliveriesQuery selects which of n delivery IDs exist; on
// PostgreSQL it also locks them, in ID order, so that two recorders that
// share deliveries (one whose lease expired and was claimed again) take
// their rows in the same order and never deadlock.
func lockDeliveriesQuery(d *dialect, n int) string {
	q := "SELECT id FROM deliveries WHERE id IN (" + placeholders(n) + ")"
	if d.name == BackendPostgres {
		q += " ORDER BY id FOR NO KEY UPDATE"
	}
	return q
}

// insertAttemptsQuery inserts n attempts.
func insertAttemptsQuery(n int) string {
	return "INSERT INTO attempts (" + attemptColumns + ") VALUES " +
		strings.TrimSuffix(strings.Repeat("("+placeholders(13)+"), ", n), ", ")
}

// updateDeliveriesQuery moves n running deliveries to their next state
// after an attempt. The VALUES columns are column1… in both databases;
// the casts give PostgreSQL their types.
func updateDeliveriesQuery(d *dialect, n int) string {
	t := d.timeType
	row := "(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS " + t + "), CAST(? AS " + t + "), CAST(? AS INTEGER), CAST(? AS TEXT))"
	return "UPDATE deliveries SET state = v.column2, run_at = v.column3, lease_until = NULL, attempts = attempts + 1," +
		" last_attempt_at = v.column4, last_status = v.column5, last_error = v.column6, updated_at = v.column4" +
		" FROM (VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ") AS v" +
		" WHERE deliveries.id = v.column1 AND deliveries.state = ?"
}

// recordAttempts is how many times RecordDeliveries tries its
// transaction when PostgreSQL ends it to break a deadlock (40P01) or a
// serialization failure (40001): the results were delivered, and giving
// up would send them again after their lease and lose the attempt from
// the history.
const recordAttempts = 8

// RecordDeliveries stores what workers did, in one transaction: each
// attempt, each delivery's next state (only while it is still running, so a
// delivery whose lease expired and was claimed again is not moved back),
// and the endpoints to disable, whose pending deliveries become held. A
// ping's result (PingTransaction set) raises its endpoint's notified
// number on success, and gives up the ping slot on success or final
// failure; after a success, when payloads came after the number
// announced, the next ping is queued at once (see recordPing). Attempts of
// deliveries deleted meanwhile (with their endpoint) are dropped. Rows are
// written many per statement, and locked in one order: deliveries, then
// endpoints, each in ID order.
//
// The transaction is tried again, up to recordAttempts times, when
// PostgreSQL ends it to break a deadlock or a serialization failure.
//
// Endpoints' last_triggered_at is written after the transaction, in
// statements of one row each, and by one store at most once a second per
// endpoint (see touchEndpoints): an endpoint's row, which every delivery
// to it would otherwise update, stays off the delivery path. Only an
// endpoint whose ping result the transaction records, and whose row it
// writes anyway, gets it written exactly, in the transaction: it paces
// the endpoint's pings.
func (s *Store) RecordDeliveries(ctx context.Context, results []hookd.DeliveryResult, endpoints []hookd.EndpointResult) error {
	results = slices.Clone(results)
	slices.SortFunc(results, func(a, b hookd.DeliveryResult) int { return strings.Compare(a.DeliveryID, b.DeliveryID) })
	endpoints = slices.Clone(endpoints)
	slices.SortStableFunc(endpoints, func(a, b hookd.EndpointResult) int { return strings.Compare(a.EndpointID, b.EndpointID) })
	for attempt := 1; ; attempt++ {
		err := s.recordDeliveries(ctx, results, endpoints)
		if err == nil {
			break
		}
		if !isTransient(err) || attempt == recordAttempts {
			return err
		}
		// Whoever won the deadlock finishes first: wait a little, more
		// each time, with jitter so that the losers do not meet again.
		wait := time.Duration(attempt)*10*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return fmt.Errorf("record deliveries: %w (after %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
	}
	s.touchEndpoints(ctx, endpoints)
	return nil
}

// isTransient reports whether err is PostgreSQL ending a transaction to
// break a deadlock (40P01) or a serialization failure (40001): the same
// transaction tried again may well succeed.
func isTransient(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// recordDeliveries is one try of RecordDeliveries' transaction, with
// results and endpoints in ID order.
func (s *Store) recordDeliveries(ctx context.Context, results []hookd.DeliveryResult, endpoints []hookd.EndpointResult) error {
	const op = "record deliveries"
	var queries []string
	for chunk := range slices.Chunk(results, recordChunk) {
		queries = append(queries, lockDeliveriesQuery(s.d, len(chunk)))
		if n := countSent(chunk); n > 0 {
			queries = append(queries, updateDeliveriesQuery(s.d, n), insertAttemptsQuery(n))
		}
	}
	if err := s.prepareAll(ctx, queries...); err != nil {
		return interpretError(err, op, "delivery")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, "delivery")
	}
	defer tx.Rollback()

	// Delivery rows first, chunk by chunk in ID order: each chunk's rows
	// are locked, then written.
	for chunk := range slices.Chunk(results, recordChunk) {
		if err := s.recordChunk(ctx, tx, chunk); err != nil {
			return err
		}
	}
	// Deliveries that failed for good tell of it (operational events;
	// nothing to do on the happy path).
	if err := s.exhaustedSignals(ctx, tx, results); err != nil {
		return interpretError(err, op, "operational signal")
	}
	// Endpoint rows are updated in ID order too, each once for all its
	// work: publishers lock them in that order.
	pingEndpoint, err := s.pingEndpoints(ctx, tx, results)
	if err != nil {
		return interpretError(err, op, "delivery")
	}
	work := map[string]*endpointWork{}
	get := func(id string) *endpointWork {
		w := work[id]
		if w == nil {
			w = &endpointWork{id: id}
			work[id] = w
		}
		return w
	}
	for _, e := range endpoints {
		if e.DisableReason != "" {
			get(e.EndpointID).disable = append(get(e.EndpointID).disable, e)
		}
	}
	triggered := map[string]time.Time{}
	for _, e := range endpoints {
		if e.TriggeredAt.After(triggered[e.EndpointID]) {
			triggered[e.EndpointID] = e.TriggeredAt
		}
	}
	for _, r := range results { // in delivery ID order
		if id, ok := pingEndpoint[r.DeliveryID]; ok {
			get(id).pings = append(get(id).pings, r)
		}
	}
	ids := slices.Sorted(maps.Keys(work))
	for _, id := range ids {
		w := work[id]
		// Before disabling: a ping queued now is held with the others.
		for _, r := range w.pings {
			if err := s.recordPing(ctx, tx, id, r); err != nil {
				return interpretError(err, op, "endpoint")
			}
		}
		// A ping endpoint's row is written here anyway: its
		// last_triggered_at, which paces its pings, is written exactly.
		if at, ok := triggered[id]; ok && len(w.pings) > 0 {
			if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE endpoints SET last_triggered_at = ?"+
				" WHERE id = ? AND (last_triggered_at IS NULL OR last_triggered_at < ?)"), s.d.time(at), id, s.d.time(at)); err != nil {
				return interpretError(err, op, "endpoint")
			}
		}
		for _, e := range w.disable {
			at := s.d.time(e.TriggeredAt)
			res, err := tx.ExecContext(ctx, s.d.rebind("UPDATE endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?,"+
				" updated_at = ? WHERE id = ? AND enabled = ?"), false, e.DisableReason, at, at, e.EndpointID, true)
			if err != nil {
				return interpretError(err, op, "endpoint")
			}
			// An endpoint this transaction disabled tells of it
			// (endpoint.disabled), in the same transaction.
			if n, err := res.RowsAffected(); err != nil {
				return interpretError(err, op, "endpoint")
			} else if n > 0 {
				if err := s.disabledSignal(ctx, tx, e.EndpointID, e); err != nil {
					return interpretError(err, op, "operational signal")
				}
			}
			if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE deliveries SET state = ?, updated_at = ? WHERE endpoint_id = ? AND state = ?"),
				"held", at, e.EndpointID, "pending"); err != nil {
				return interpretError(err, op, "delivery")
			}
		}
	}
	return interpretError(tx.Commit(), op, "delivery")
}

// countSent returns how many of results have an attempt.
func countSent(results []hookd.DeliveryResult) int {
	n := 0
	for _, r := range results {
		if r.Attempt != nil {
			n++
		}
	}
	return n
}

// endpointWork is what RecordDeliveries does to one endpoint's row.
type endpointWork struct {
	id string
	// disable are the results that disable it.
	disable []hookd.EndpointResult
	// pings are the results of its ping deliveries, in delivery ID order.
	pings []hookd.DeliveryResult
}

// recordChunk locks the deliveries of results (at most recordChunk, in ID
// order) that still exist, stores the attempts of those sent, and moves
// them all on, in tx.
func (s *Store) recordChunk(ctx context.Context, tx *sql.Tx, results []hookd.DeliveryResult) error {
	const op = "record deliveries"
	ids := make([]any, len(results))
	for i, r := range results {
		ids[i] = r.DeliveryID
	}
	existing, err := s.txStmt(ctx, tx, lockDeliveriesQuery(s.d, len(results)))
	if err != nil {
		return interpretError(err, op, "delivery")
	}
	defer existing.Close()
	rows, err := existing.QueryContext(ctx, ids...)
	if err != nil {
		return interpretError(err, op, "delivery")
	}
	exists := make(map[string]bool, len(results))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return interpretError(err, op, "delivery")
		}
		exists[id] = true
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return interpretError(err, op, "delivery")
	}

	sent := make([]hookd.DeliveryResult, 0, len(results))
	for _, r := range results {
		if !exists[r.DeliveryID] {
			continue // deleted meanwhile, with its endpoint
		}
		if r.Attempt != nil {
			sent = append(sent, r)
			continue
		}
		// Not sent: only the state moves.
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE deliveries SET state = ?, run_at = ?, lease_until = NULL,"+
			" updated_at = ? WHERE id = ? AND state = ?"), string(r.State), s.d.time(r.RunAt), s.d.time(r.RunAt),
			r.DeliveryID, "running"); err != nil {
			return interpretError(err, op, "delivery")
		}
	}
	if len(sent) == 0 {
		return nil
	}

	updateArgs := make([]any, 0, 6*len(sent)+1)
	insertArgs := make([]any, 0, 13*len(sent))
	for _, r := range sent {
		a := r.Attempt
		reqHeaders, err := json.Marshal(headersOrEmpty(a.RequestHeaders))
		if err != nil {
			return fmt.Errorf("%s: request headers: %w", op, err)
		}
		respHeaders, err := json.Marshal(headersOrEmpty(a.ResponseHeaders))
		if err != nil {
			return fmt.Errorf("%s: response headers: %w", op, err)
		}
		at := s.d.time(a.CreatedAt)
		updateArgs = append(updateArgs, r.DeliveryID, string(r.State), s.d.time(r.RunAt), at, a.ResponseStatus, a.Error)
		insertArgs = append(insertArgs, a.ID, a.TenantID, r.DeliveryID, a.EndpointID, a.URL, string(reqHeaders),
			a.RequestBody, a.ResponseStatus, string(respHeaders), a.ResponseBody, a.Duration.Microseconds(), a.Error, at)
	}
	updateArgs = append(updateArgs, "running")
	if err := s.txExec(ctx, tx, updateDeliveriesQuery(s.d, len(sent)), updateArgs...); err != nil {
		return interpretError(err, op, "delivery")
	}
	if err := s.txExec(ctx, tx, insertAttemptsQuery(len(sent)), insertArgs...); err != nil {
		return interpretError(err, op, "attempt")
	}
	return nil
}

// touchEvery is how often one store writes an endpoint's
// last_triggered_at at most: the value an API reads is at most this much
// older than the endpoint's last attempt this store recorded.
const touchEvery = time.Second

// touchLimit is how many endpoints the store remembers having touched;
// past it the memory starts over (costing one write per endpoint).
const touchLimit = 10000

// touched remembers, per endpoint, the last_triggered_at a store wrote.
type touched struct {
	mu sync.Mutex
	at map[string]time.Time
}

// touchEndpoints moves the last_triggered_at of endpoints forward to
// their TriggeredAt, each in a statement of its own outside any
// transaction (so it holds one row lock at a time, briefly, and never
// deadlocks), and skips an endpoint whose value this store wrote less than
// touchEvery before. A write that fails is left for the endpoint's next
// results: the attempts are stored, and last_triggered_at is a coarse
// figure.
func (s *Store) touchEndpoints(ctx context.Context, endpoints []hookd.EndpointResult) {
	for _, e := range endpoints {
		if e.TriggeredAt.IsZero() {
			continue
		}
		s.touched.mu.Lock()
		last, ok := s.touched.at[e.EndpointID]
		due := !ok || !e.TriggeredAt.Before(last.Add(touchEvery))
		s.touched.mu.Unlock()
		if !due {
			continue
		}
		at := s.d.time(e.TriggeredAt)
		if _, err := s.exec(ctx, "UPDATE endpoints SET last_triggered_at = ?"+
			" WHERE id = ? AND (last_triggered_at IS NULL OR last_triggered_at < ?)", at, e.EndpointID, at); err != nil {
			continue
		}
		s.touched.mu.Lock()
		if s.touched.at == nil || len(s.touched.at) >= touchLimit {
			s.touched.at = map[string]time.Time{}
		}
		if e.TriggeredAt.After(s.touched.at[e.EndpointID]) {
			s.touched.at[e.EndpointID] = e.TriggeredAt
		}
		s.touched.mu.Unlock()
	}
}

// txExec runs q (with ? placeholders) in tx, as a cached statement if
// prepareAll put it in the cache.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) error {
	stmt, err := s.txStmt(ctx, tx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	_, err = stmt.ExecContext(ctx, args...)
	return err
}

func headersOrEmpty(h map[string][]string) map[string][]string {
	if h == nil {
		return map[string][]string{}
	}
	return h
}

// Delivery returns a delivery of the tenant. Returns ENOTFOUND if none.
func (s *Store) Delivery(ctx context.Context, tenantID, id string) (*hookd.Delivery, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+deliveryColumns+" FROM deliveries WHERE tenant_id = ? AND id = ?"), tenantID, id)
	d, err := scanDelivery(row)
	if err != nil {
		return nil, interpretError(err, "delivery", "delivery")
	}
	return d, nil
}

// ListDeliveries returns a page of the tenant's deliveries that match f.
// Sort fields: created_at, last_attempt_at, event_type, state. Query
// searches the delivery, event and endpoint IDs and the event type.
func (s *Store) ListDeliveries(ctx context.Context, tenantID string, f hookd.DeliveryFilter, p hookd.ListParams) (hookd.Page[*hookd.Delivery], error) {
	where, args := s.deliveryWhere(tenantID, f)
	return list(ctx, s, deliveries, p, where, args...)
}

// deliveryWhere returns the conditions (with ? placeholders) and
// arguments picking the tenant's deliveries that f matches.
func (s *Store) deliveryWhere(tenantID string, f hookd.DeliveryFilter) ([]string, []any) {
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.EndpointID != "" {
		add("endpoint_id = ?", f.EndpointID)
	}
	if f.EventType != "" {
		add("event_type = ?", f.EventType)
	}
	if f.EventID != "" {
		add("event_id = ?", f.EventID)
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", s.d.time(f.Since))
	}
	if !f.Until.IsZero() {
		add("created_at < ?", s.d.time(f.Until))
	}
	return where, args
}

// ListAttempts returns every attempt of a delivery of the tenant, oldest
// first; none for an unknown delivery.
func (s *Store) ListAttempts(ctx context.Context, tenantID, deliveryID string) ([]*hookd.Attempt, error) {
	const op = "list attempts"
	rows, err := s.queryRead(ctx, s.d.rebind("SELECT "+attemptColumns+
		" FROM attempts WHERE tenant_id = ? AND delivery_id = ? ORDER BY created_at, id"), tenantID, deliveryID)
	if err != nil {
		return nil, interpretError(err, op, "attempt")
	}
	defer rows.Close()
	as := []*hookd.Attempt{}
	for rows.Next() {
		var (
			a                       hookd.Attempt
			reqHeaders, respHeaders string
			durationMicros          int64
			created                 timeValue
		)
		if err := rows.Scan(&a.ID, &a.TenantID, &a.DeliveryID, &a.EndpointID, &a.URL, &reqHeaders, &a.RequestBody,
			&a.ResponseStatus, &respHeaders, &a.ResponseBody, &durationMicros, &a.Error, &created); err != nil {
			return nil, interpretError(err, op, "attempt")
		}
		if err := json.Unmarshal([]byte(reqHeaders), &a.RequestHeaders); err != nil {
			return nil, fmt.Errorf("%s: request headers of %s: %w", op, a.ID, err)
		}
		if err := json.Unmarshal([]byte(respHeaders), &a.ResponseHeaders); err != nil {
			return nil, fmt.Errorf("%s: response headers of %s: %w", op, a.ID, err)
		}
		a.Duration = time.Duration(durationMicros) * time.Microsecond
		a.CreatedAt = created.Time
		as = append(as, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, op, "attempt")
	}
	return as, nil
}

// stateForEndpoint is an SQL expression for the state a delivery that is
// sent again takes: pending when its endpoint is enabled, held otherwise.
const stateForEndpoint = "CASE WHEN (SELECT enabled FROM endpoints WHERE endpoints.id = deliveries.endpoint_id) = ? THEN 'pending' ELSE 'held' END"

// ResendDelivery starts a new round of a delivery of the tenant, due at
// now: pending, or held while its endpoint is disabled. Returns ENOTFOUND
// if none, ECONFLICT if it is being sent right now.
func (s *Store) ResendDelivery(ctx context.Context, tenantID, id string, now time.Time) (*hookd.Delivery, error) {
	const op = "resend delivery"
	ds, err := queryDeliveries(ctx, s.queryWrite, op, ("UPDATE deliveries SET state = " + stateForEndpoint +
		", run_at = ?, round_start = attempts, updated_at = ? WHERE tenant_id = ? AND id = ? AND state <> ? RETURNING " + deliveryColumns),
		true, s.d.time(now), s.d.time(now), tenantID, id, "running")
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		if _, err := s.Delivery(ctx, tenantID, id); err != nil {
			return nil, err
		}
		return nil, hookd.Errorf(hookd.ECONFLICT, "The delivery is being sent right now; resend it once this attempt is recorded.")
	}
	return ds[0], nil
}

// RecoverDeliveries starts a new round, due at now, of every failed
// delivery of the tenant's endpoint created at or after since, and returns
// how many.
func (s *Store) RecoverDeliveries(ctx context.Context, tenantID, endpointID string, since, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.d.rebind("UPDATE deliveries SET state = "+stateForEndpoint+
		", run_at = ?, round_start = attempts, updated_at = ? WHERE tenant_id = ? AND endpoint_id = ? AND state = ? AND created_at >= ?"),
		true, s.d.time(now), s.d.time(now), tenantID, endpointID, "failed", s.d.time(since))
	return affected(res, err, "recover deliveries")
}

// HoldDeliveries makes the pending deliveries of an endpoint held.
func (s *Store) HoldDeliveries(ctx context.Context, endpointID string, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.d.rebind("UPDATE deliveries SET state = ?, updated_at = ? WHERE endpoint_id = ? AND state = ?"),
		"held", s.d.time(now), endpointID, "pending")
	return affected(res, err, "hold deliveries")
}

// ReleaseHeldDeliveries makes the held deliveries of an endpoint pending,
// due at now, each in a new round of retries.
func (s *Store) ReleaseHeldDeliveries(ctx context.Context, endpointID string, now time.Time) (int, error) {
	res, err := s.exec(ctx, s.d.rebind("UPDATE deliveries SET state = ?, run_at = ?, round_start = attempts, updated_at = ?"+
		" WHERE endpoint_id = ? AND state = ?"), "pending", s.d.time(now), s.d.time(now), endpointID, "held")
	return affected(res, err, "release held deliveries")
}

// PruneHistory deletes up to limit events created before before, none of
// whose deliveries still waits (pending, running or held), with their
// deliveries and attempts, and returns how many events it deleted.
func (s *Store) PruneHistory(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.exec(ctx, s.d.rebind("DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.created_at < ?"+
		" AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.state IN (?, ?, ?))"+
		" ORDER BY e.created_at LIMIT ?)"), s.d.time(before), "pending", "running", "held", limit)
	n, err := affected(res, err, "prune history")
	if err != nil {
		return 0, err
	}
	// Idempotency keys answer for a day only; older ones are dead weight.
	_, err = s.exec(ctx, s.d.rebind("DELETE FROM idempotency_keys WHERE created_at < ?"),
		s.d.time(before.Add(-hookd.IdempotencyWindow)))
	return n, interpretError(err, "prune idempotency keys", "idempotency key")
}

// affected returns the rows res affected.
func affected(res sql.Result, err error, op string) (int, error) {
	if err != nil {
		return 0, interpretError(err, op, "delivery")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, interpretError(err, op, "delivery")
	}
	return int(n), nil
}
