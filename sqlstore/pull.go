package sqlstore

// Pull delivery (hookd/pull.go): the payloads of ping and pull endpoints.
//
// How numbers are taken. Publishing stores an event for a ping or pull
// endpoint as a row of endpoint_payloads numbered with the endpoint's
// counter: in the publishing transaction, after everything else it
// writes but the payload itself, it runs
//
//	UPDATE endpoints SET last_txn = last_txn + 1, ping_delivery_id = … WHERE id = ? RETURNING last_txn, ping_delivery_id
//
// and inserts the payload with the number returned (on PostgreSQL both in
// one statement, so that the lock below is held one round trip less).
// The update locks the endpoint's row until the transaction ends (on
// SQLite the single write connection does the same for the whole
// database), so a second publisher to the endpoint waits there until the
// first commits — then it reads the committed counter and takes the next
// number — or rolls back — then the number it gave back is taken again.
// Numbers are therefore given in commit order: when a reader sees payload
// n, every payload numbered below n has committed, and listing with
// after=<the last number seen> never misses one, whatever the number of
// publishers, connections and instances. (A payload may still be missing
// later: pruning deletes payloads with their events after the retention
// period.) A transaction that writes payloads for several endpoints takes
// their numbers in endpoint ID order, as every transaction that locks
// several endpoint rows does, so they never deadlock. The lock is held
// only from the counter's update to the commit: publishers to the same
// endpoint queue for that, not for their whole publication; each waits
// for the previous one's commit, so one endpoint takes about one payload
// per commit (a disk flush) at a time.
//
// The same update claims the endpoint's ping slot (ping_delivery_id) for
// the delivery when the endpoint is in ping mode and has no ping waiting
// or in flight; only then is the delivery stored, as the ping. On
// PostgreSQL, once the transaction has committed, the schema's channel
// (see PayloadsChannel) is told the endpoint IDs, for ListenPayloads in
// other instances (see notify.go).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5"
)

var _ hookd.PullStore = (*Store)(nil)

// testHooks let tests see inside transactions; all nil in production.
type testHooks struct {
	// tookTransaction is called when a publishing transaction took a
	// payload number, before it commits.
	tookTransaction func(endpointID string, txn int64)
	// listening is called when ListenPayloads listens, with its
	// connection's server process ID.
	listening func(pid uint32)
}

// PayloadsChannel is the PostgreSQL notification channel told the IDs of
// the endpoints that were given payloads (comma-separated), for a store in
// the schema public. Notification channels are per database, not per
// schema: a store in another schema uses this name followed by _ and a
// hash of the schema's, so that instances in different schemas of one
// database do not hear each other.
const PayloadsChannel = "hookd_payloads"

// takeTransactionQuery takes the next payload number of an endpoint and,
// for an endpoint in ping mode without a ping waiting or in flight, its
// ping slot for the delivery whose ID is the second argument.
const takeTransactionQuery = "UPDATE endpoints SET last_txn = last_txn + 1, ping_delivery_id = CASE WHEN ? AND mode = 'ping'" +
	" AND ping_delivery_id IS NULL THEN ? ELSE ping_delivery_id END WHERE id = ? RETURNING last_txn, ping_delivery_id"

// takeTransactionAndInsertQuery is takeTransactionQuery that also inserts
// the payload (event ID and creation time the fourth and fifth
// arguments), on PostgreSQL, where a statement may both update and
// insert: one round trip less while the endpoint's row is locked.
const takeTransactionAndInsertQuery = "WITH t AS (" + takeTransactionQuery + ", id, tenant_id)," +
	" p AS (INSERT INTO endpoint_payloads (endpoint_id, txn, tenant_id, event_id, created_at)" +
	" SELECT id, last_txn, tenant_id, ?, ? FROM t) SELECT last_txn, ping_delivery_id FROM t"

// payloadQueries returns qs and the statements storing a payload, which
// any delivery of a publication may be, to prepare before a transaction.
func (s *Store) payloadQueries(qs []string) []string {
	qs = append(qs, s.numberQueries()...)
	if s.d.name == BackendPostgres {
		return append(qs, takeTransactionAndInsertQuery, insertDeliveriesQuery(1, false))
	}
	return append(qs, takeTransactionQuery, insertPayloadsQuery(1), insertDeliveriesQuery(1, false))
}

const payloadColumns = "endpoint_id, txn, tenant_id, event_id, created_at"

// insertPayloadsQuery inserts n payloads.
func insertPayloadsQuery(n int) string {
	return "INSERT INTO endpoint_payloads (" + payloadColumns + ") VALUES " +
		strings.TrimSuffix(strings.Repeat("("+placeholders(5)+"), ", n), ", ")
}

// insertPayloads stores ds, deliveries to ping and pull endpoints, as
// payloads in tx (see the top of this file), and those that take their
// endpoint's ping slot as deliveries. It sets each d.Pull's Transaction
// and Ping. A delivery to an endpoint deleted meanwhile is dropped (its
// Transaction stays 0). With skipTaken, deliveries of an event the
// endpoint already keeps are dropped before any number is taken.
func (s *Store) insertPayloads(ctx context.Context, tx *sql.Tx, ds []*hookd.Delivery, skipTaken bool) error {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b *hookd.Delivery) int {
		if c := strings.Compare(a.EndpointID, b.EndpointID); c != 0 {
			return c
		}
		return strings.Compare(a.EventID, b.EventID)
	})
	if skipTaken {
		var err error
		if ds, err = s.untakenPayloads(ctx, tx, ds); err != nil {
			return err
		}
	}
	if len(ds) == 0 {
		return nil
	}
	q, args := takeTransactionQuery, []any{nil, nil, nil}
	inserted := s.d.name == BackendPostgres
	if inserted {
		q, args = takeTransactionAndInsertQuery, []any{nil, nil, nil, nil, nil}
	}
	take, err := s.txStmt(ctx, tx, q)
	if err != nil {
		return err
	}
	defer take.Close()
	var taken, pings []*hookd.Delivery
	for _, d := range ds {
		var (
			txn  int64
			slot sql.NullString
		)
		args[0], args[1], args[2] = d.Pull.Notify, d.ID, d.EndpointID
		if inserted {
			args[3], args[4] = d.EventID, s.d.time(d.CreatedAt)
		}
		err := take.QueryRowContext(ctx, args...).Scan(&txn, &slot)
		if errors.Is(err, sql.ErrNoRows) {
			continue // the endpoint is gone
		}
		if err != nil {
			return err
		}
		d.Pull.Transaction, d.Pull.Ping = txn, slot.String == d.ID
		if s.hooks.tookTransaction != nil {
			s.hooks.tookTransaction(d.EndpointID, txn)
		}
		taken = append(taken, d)
		if d.Pull.Ping {
			pings = append(pings, d)
		}
	}
	if inserted {
		taken = nil
	}
	args = make([]any, 0, 5*min(len(taken), insertDeliveriesRows))
	for chunk := range slices.Chunk(taken, insertDeliveriesRows) {
		args = args[:0]
		for _, d := range chunk {
			args = append(args, d.EndpointID, d.Pull.Transaction, d.TenantID, d.EventID, s.d.time(d.CreatedAt))
		}
		if err := s.txExec(ctx, tx, insertPayloadsQuery(len(chunk)), args...); err != nil {
			return err
		}
	}
	return s.insertPlainDeliveries(ctx, tx, pings, false)
}

// untakenPayloads returns those of ds whose event the endpoint does not
// keep yet.
func (s *Store) untakenPayloads(ctx context.Context, tx *sql.Tx, ds []*hookd.Delivery) ([]*hookd.Delivery, error) {
	byEvent := map[string][]string{}
	for _, d := range ds {
		byEvent[d.EventID] = append(byEvent[d.EventID], d.EndpointID)
	}
	kept := map[[2]string]bool{}
	for eventID, endpointIDs := range byEvent {
		for chunk := range slices.Chunk(endpointIDs, 500) {
			rows, err := tx.QueryContext(ctx, s.d.rebind("SELECT endpoint_id FROM endpoint_payloads WHERE event_id = ? AND endpoint_id IN ("+
				placeholders(len(chunk))+")"), append([]any{eventID}, anys(chunk)...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, err
				}
				kept[[2]string{eventID, id}] = true
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
	}
	if len(kept) == 0 {
		return ds, nil
	}
	return slices.DeleteFunc(ds, func(d *hookd.Delivery) bool { return kept[[2]string{d.EventID, d.EndpointID}] }), nil
}

// ListenPayloads calls fn with the IDs of the endpoints that other
// instances (and this one) gave payloads, until ctx ends; then it returns
// nil. On PostgreSQL it keeps a connection of its own listening on the
// schema's channel (see PayloadsChannel), and connects again (waiting longer after each failure,
// up to 5 seconds) when it is lost: a notification sent meanwhile is
// missed, which only makes a list-payloads call waiting for it answer at
// the end of its wait rather than at once (nothing is lost: the payload
// is listed by the next call). On SQLite it returns nil at once: a single
// process writes the database, and it knows what it stored.
func (s *Store) ListenPayloads(ctx context.Context, fn func(endpointIDs ...string)) error {
	if s.d.name != BackendPostgres {
		return nil
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		listened, err := s.listenPayloads(ctx, fn)
		if ctx.Err() != nil {
			break
		}
		if listened {
			backoff = 100 * time.Millisecond
		}
		_ = err // the next connection tells whether the database is back
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// listenPayloads connects, listens and calls fn until the connection
// fails or ctx ends; listened says whether it got as far as listening.
func (s *Store) listenPayloads(ctx context.Context, fn func(endpointIDs ...string)) (listened bool, err error) {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return false, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+s.payloadsChannel); err != nil {
		return false, err
	}
	if s.hooks.listening != nil {
		s.hooks.listening(conn.PgConn().PID())
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		if n.Payload != "" {
			fn(strings.Split(n.Payload, ",")...)
		}
	}
}

// Payloads returns up to limit payloads of the tenant's endpoint numbered
// after after, lowest first, with their events. ENOTFOUND when the tenant
// has no such endpoint.
func (s *Store) Payloads(ctx context.Context, tenantID, endpointID string, after int64, limit int) ([]*hookd.Payload, error) {
	const op = "list payloads"
	if limit <= 0 {
		limit = hookd.DefaultPayloadsLimit
	}
	ps, err := queryAll(ctx, s.queryRead, func(sc scanner, extra ...any) (*hookd.Payload, error) {
		var (
			p       hookd.Payload
			created timeValue
		)
		e, err := scanEvent(sc, append([]any{&p.EndpointID, &p.Transaction, &p.TenantID, &p.EventID, &created}, extra...)...)
		if err != nil {
			return nil, err
		}
		p.Event, p.CreatedAt = e, created.Time
		return &p, nil
	}, op, "payload", "SELECT "+prefixed("e.", eventColumns)+", "+prefixed("p.", payloadColumns)+
		" FROM endpoint_payloads p JOIN events e ON e.id = p.event_id"+
		" WHERE p.endpoint_id = ? AND p.tenant_id = ? AND p.txn > ? ORDER BY p.txn LIMIT ?", endpointID, tenantID, after, limit)
	if err != nil || len(ps) > 0 {
		return ps, err
	}
	// None: say whether the endpoint is there.
	var one int
	if err := s.queryRowRead(ctx, "SELECT 1 FROM endpoints WHERE tenant_id = ? AND id = ?", tenantID, endpointID).Scan(&one); err != nil {
		return nil, interpretError(err, op, "endpoint")
	}
	return ps, nil
}

// PullCursor returns where the endpoint's payloads stand. ENOTFOUND when
// there is no such endpoint.
func (s *Store) PullCursor(ctx context.Context, endpointID string) (hookd.PullCursor, error) {
	var e hookd.Endpoint
	err := s.queryRowRead(ctx, "SELECT last_txn, notified_txn, pulled_txn FROM endpoints WHERE id = ?", endpointID).
		Scan(&e.LastTransaction, &e.NotifiedTransaction, &e.PulledTransaction)
	if err != nil {
		return hookd.PullCursor{}, interpretError(err, "pull cursor", "endpoint")
	}
	return e.Cursor(), nil
}

// RecordPull notes a list-payloads call at now that returned payloads up
// to through; see hookd.PullStore. It is one statement but when the
// endpoint was inactive: then a transaction enables it. It updates the
// endpoint's row, so on PostgreSQL it waits for publishers of the
// endpoint that took a number to commit.
func (s *Store) RecordPull(ctx context.Context, tenantID, endpointID string, through int64, now time.Time) (bool, error) {
	const op, noun = "record pull", "endpoint"
	inactive, err := queryAll(ctx, s.queryWrite, func(sc scanner, extra ...any) (bool, error) {
		var inactive bool
		return inactive, sc.Scan(append([]any{&inactive}, extra...)...)
	}, op, noun, "UPDATE endpoints SET last_pulled_at = ?, pull_active_since = ?,"+
		" pulled_txn = CASE WHEN pulled_txn < ? AND ? <= last_txn THEN ? ELSE pulled_txn END"+
		" WHERE tenant_id = ? AND id = ? RETURNING inactive_at IS NOT NULL",
		s.d.time(now), s.d.time(now), through, through, through, tenantID, endpointID)
	switch {
	case err != nil:
		return false, err
	case len(inactive) == 0:
		return false, notFound(op, noun)
	case !inactive[0]:
		return false, nil
	}
	var reactivated bool
	err = s.inTx(ctx, op, noun, func(tx *sql.Tx) error {
		var (
			mode           string
			slot           sql.NullString
			last, notified int64
		)
		// Only one of concurrent pulls enables it.
		err := tx.QueryRowContext(ctx, s.d.rebind("UPDATE endpoints SET enabled = ?, disabled_reason = '', disabled_at = NULL,"+
			" inactive_at = NULL, updated_at = ? WHERE id = ? AND inactive_at IS NOT NULL"+
			" RETURNING mode, ping_delivery_id, last_txn, notified_txn"), true, s.d.time(now), endpointID).
			Scan(&mode, &slot, &last, &notified)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		reactivated = true
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE deliveries SET state = ?, run_at = ?, round_start = attempts, updated_at = ?"+
			" WHERE endpoint_id = ? AND state = ?"), "pending", s.d.time(now), s.d.time(now), endpointID, "held"); err != nil {
			return err
		}
		if mode == string(hookd.ModePing) && !slot.Valid && last > notified {
			_, err := s.queuePing(ctx, tx, endpointID, notified, now)
			return err
		}
		return nil
	})
	return reactivated, err
}

// RequestPing queues a ping notification of the ping endpoint, due at now,
// unless one is waiting or in flight or every payload was announced
// already; see hookd.PullStore. ENOTFOUND when there is no such endpoint.
func (s *Store) RequestPing(ctx context.Context, endpointID string, now time.Time) (bool, error) {
	const op, noun = "request ping", "endpoint"
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR NO KEY UPDATE"
	}
	var queued bool
	err := s.inTx(ctx, op, noun, func(tx *sql.Tx) error {
		var (
			mode           string
			slot           sql.NullString
			last, notified int64
		)
		err := tx.QueryRowContext(ctx, s.d.rebind("SELECT mode, ping_delivery_id, last_txn, notified_txn FROM endpoints WHERE id = ?"+lock),
			endpointID).Scan(&mode, &slot, &last, &notified)
		if err != nil {
			return interpretError(err, op, noun)
		}
		if mode != string(hookd.ModePing) || slot.Valid || last <= notified {
			return nil
		}
		queued, err = s.queuePing(ctx, tx, endpointID, notified, now)
		return interpretError(err, op, "delivery")
	})
	return queued, err
}

// queuePing stores a ping delivery of the endpoint, due at now (held if
// the endpoint is disabled), named after the event of its newest payload
// numbered after notified, and gives it the endpoint's ping slot. The
// caller holds the endpoint's row and has seen the slot free. If the
// endpoint already has a delivery of that event (an earlier ping that
// failed), that delivery starts a new round instead, unless it is running
// (then it takes the slot as it is). It reports false when no payload
// after notified is left (the retention period deleted them).
func (s *Store) queuePing(ctx context.Context, tx *sql.Tx, endpointID string, notified int64, now time.Time) (bool, error) {
	var (
		tenantID, eventID, eventType string
		enabled                      bool
	)
	err := tx.QueryRowContext(ctx, s.d.rebind("SELECT n.tenant_id, n.enabled, p.event_id, e.type FROM endpoints n"+
		" JOIN endpoint_payloads p ON p.endpoint_id = n.id JOIN events e ON e.id = p.event_id"+
		" WHERE n.id = ? AND p.txn > ? ORDER BY p.txn DESC LIMIT 1"), endpointID, notified).
		Scan(&tenantID, &enabled, &eventID, &eventType)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	state := hookd.DeliveryPending
	if !enabled {
		state = hookd.DeliveryHeld
	}
	at := s.d.time(now)
	var id string
	err = tx.QueryRowContext(ctx, s.d.rebind("INSERT INTO deliveries ("+deliveryInsertColumns+") VALUES ("+placeholders(11)+
		") ON CONFLICT (event_id, endpoint_id) DO NOTHING RETURNING id"), hookd.NewID(hookd.PrefixDelivery), tenantID,
		eventID, endpointID, eventType, string(state), 0, at, nil, at, at).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// A running delivery is left alone (not waited for: on
		// PostgreSQL its recorder may hold it while waiting for the
		// endpoint's row, which the caller holds).
		err = tx.QueryRowContext(ctx, s.d.rebind("UPDATE deliveries SET state = ?, run_at = ?, round_start = attempts, updated_at = ?"+
			" WHERE event_id = ? AND endpoint_id = ? AND state <> ? RETURNING id"),
			string(state), at, at, eventID, endpointID, "running").Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, s.d.rebind("SELECT id FROM deliveries WHERE event_id = ? AND endpoint_id = ?"),
			eventID, endpointID).Scan(&id)
	}
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE endpoints SET ping_delivery_id = ? WHERE id = ?"), id, endpointID); err != nil {
		return false, err
	}
	return true, nil
}

// recordPing applies, in tx, what a ping delivery's result r means for
// its endpoint (see RecordDeliveries): on success the announced number,
// and on success or final failure the end of its hold on the slot; after
// a success, the next ping is queued at once if payloads came after the
// highest number announced. The caller updates endpoint rows in ID order.
func (s *Store) recordPing(ctx context.Context, tx *sql.Tx, endpointID string, r hookd.DeliveryResult) error {
	succeeded := r.State == hookd.DeliverySucceeded
	done := succeeded || r.State == hookd.DeliveryFailed
	var (
		mode           string
		slot           sql.NullString
		last, notified int64
	)
	err := tx.QueryRowContext(ctx, s.d.rebind("UPDATE endpoints SET"+
		" notified_txn = CASE WHEN ? AND notified_txn < ? THEN ? ELSE notified_txn END,"+
		" ping_delivery_id = CASE WHEN ? AND ping_delivery_id = ? THEN NULL ELSE ping_delivery_id END"+
		" WHERE id = ? RETURNING mode, ping_delivery_id, last_txn, notified_txn"),
		succeeded, r.PingTransaction, r.PingTransaction, done, r.DeliveryID, endpointID).Scan(&mode, &slot, &last, &notified)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if !succeeded || slot.Valid || mode != string(hookd.ModePing) || last <= notified {
		return nil
	}
	now := r.RunAt
	if r.Attempt != nil {
		now = r.Attempt.CreatedAt
	}
	_, err = s.queuePing(ctx, tx, endpointID, notified, now)
	return err
}

// pingEndpoints returns the endpoint of each delivery among results that
// may matter to a ping slot: those reporting PingTransaction, failed
// ones (a ping that failed without saying what it announced must still
// give its slot up), and ones settled without an attempt (a ping whose
// endpoint is now in pull mode, which the dispatcher sends nothing).
func (s *Store) pingEndpoints(ctx context.Context, tx *sql.Tx, results []hookd.DeliveryResult) (map[string]string, error) {
	var ids []string
	for _, r := range results {
		if r.PingTransaction > 0 || r.State == hookd.DeliveryFailed || (r.State == hookd.DeliverySucceeded && r.Attempt == nil) {
			ids = append(ids, r.DeliveryID)
		}
	}
	out := map[string]string{}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := tx.QueryContext(ctx, s.d.rebind("SELECT d.id, d.endpoint_id FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id"+
			" WHERE d.id IN ("+placeholders(len(chunk))+") AND e.mode IN ('ping', 'pull')"), anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, endpointID string
			if err := rows.Scan(&id, &endpointID); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = endpointID
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeactivatePullEndpoints makes up to limit ping and pull endpoints not
// listed from since before activeBefore inactive at now, and holds their
// pending deliveries (their pings); see hookd.PullStore. On PostgreSQL
// endpoints locked right now (being published to) are skipped until the
// next call.
func (s *Store) DeactivatePullEndpoints(ctx context.Context, activeBefore, now time.Time, limit int) ([]*hookd.Endpoint, error) {
	const op, noun = "deactivate pull endpoints", "endpoint"
	if limit <= 0 {
		return nil, nil
	}
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR NO KEY UPDATE SKIP LOCKED"
	}
	var out []*hookd.Endpoint
	err := s.inTx(ctx, op, noun, func(tx *sql.Tx) error {
		at := s.d.time(now)
		es, err := queryAll(ctx, tx.QueryContext, scanEndpoint, op, noun, s.d.rebind("UPDATE endpoints SET inactive_at = ?,"+
			" enabled = ?, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id IN ("+
			"SELECT id FROM endpoints WHERE mode IN ('ping', 'pull') AND inactive_at IS NULL"+
			" AND COALESCE(pull_active_since, created_at) < ? ORDER BY id LIMIT ?"+lock+") RETURNING "+endpointColumns),
			at, false, hookd.InactiveReason, at, at, s.d.time(activeBefore), limit)
		if err != nil {
			return err
		}
		sortEndpoints(es)
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE deliveries SET state = ?, updated_at = ? WHERE endpoint_id = ? AND state = ?"),
				"held", at, e.ID, "pending"); err != nil {
				return interpretError(err, op, "delivery")
			}
		}
		out = es
		return nil
	})
	return out, err
}

// sortEndpoints sorts es by ID (RETURNING keeps no order).
func sortEndpoints(es []*hookd.Endpoint) {
	slices.SortFunc(es, func(a, b *hookd.Endpoint) int { return strings.Compare(a.ID, b.ID) })
}

// DeleteInactiveEndpoints deletes up to limit endpoints inactive since
// before inactiveBefore, with their payloads and deliveries, and writes
// an audit entry for each, in one transaction; see hookd.PullStore. On
// PostgreSQL endpoints locked right now are skipped until the next call.
func (s *Store) DeleteInactiveEndpoints(ctx context.Context, inactiveBefore, now time.Time, limit int) ([]*hookd.Endpoint, error) {
	const op, noun = "delete inactive endpoints", "endpoint"
	if limit <= 0 {
		return nil, nil
	}
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []*hookd.Endpoint
	err := s.inTx(ctx, op, noun, func(tx *sql.Tx) error {
		es, err := queryAll(ctx, tx.QueryContext, scanEndpoint, op, noun, s.d.rebind("SELECT "+endpointColumns+
			" FROM endpoints WHERE inactive_at < ? ORDER BY id LIMIT ?"+lock), s.d.time(inactiveBefore), limit)
		if err != nil {
			return err
		}
		for _, e := range es {
			if _, err := tx.ExecContext(ctx, s.d.rebind("DELETE FROM endpoints WHERE id = ?"), e.ID); err != nil {
				return interpretError(err, op, noun)
			}
			a := deletedEndpointAudit(e, now)
			if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO audit_log ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?)"),
				a.ID, a.TenantID, a.Action, a.Subject, a.Detail, s.d.time(a.CreatedAt)); err != nil {
				return interpretError(err, op, "audit entry")
			}
		}
		out = es
		return nil
	})
	return out, err
}

// deletedEndpointAudit returns the audit entry of deleting the inactive
// endpoint e at now.
func deletedEndpointAudit(e *hookd.Endpoint, now time.Time) *hookd.AuditEntry {
	const day = "2006-01-02 15:04 UTC"
	last := "never"
	if e.LastPulledAt != nil {
		last = e.LastPulledAt.UTC().Format(day)
	}
	inactive := ""
	if e.InactiveAt != nil {
		inactive = e.InactiveAt.UTC().Format(day)
	}
	return &hookd.AuditEntry{
		ID:       hookd.NewID(hookd.PrefixAudit),
		TenantID: e.TenantID,
		Action:   hookd.AuditEndpointDeleted,
		Subject:  e.ID,
		Detail: fmt.Sprintf("The %s endpoint %q was deleted with its payloads: they were not listed since %s"+
			" (last listed: %s; created %s), and it had been inactive since %s.", e.Mode, e.Name,
			e.ActiveSince().UTC().Format(day), last, e.CreatedAt.UTC().Format(day), inactive),
		CreatedAt: storeTime(now),
	}
}

const auditColumns = "id, tenant_id, action, subject, detail, created_at"

// auditLog is the audit log, of every tenant.
var auditLog = &table[*hookd.AuditEntry]{
	name:    "audit_log",
	columns: auditColumns,
	sorts:   []sortColumn{{field: "created_at", column: "created_at", kind: sortTime}},
	search:  []string{"action", "subject", "tenant_id", "detail"},
	scan: func(sc scanner, extra ...any) (*hookd.AuditEntry, error) {
		var (
			a       hookd.AuditEntry
			created timeValue
		)
		if err := sc.Scan(append([]any{&a.ID, &a.TenantID, &a.Action, &a.Subject, &a.Detail, &created}, extra...)...); err != nil {
			return nil, err
		}
		a.CreatedAt = created.Time
		return &a, nil
	},
}

// ListAuditEntries lists audit entries of every tenant, newest first
// unless p.Sort says "created_at". Query searches the action, subject,
// tenant and detail.
func (s *Store) ListAuditEntries(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.AuditEntry], error) {
	if p.Sort == "" {
		p.Sort = "-created_at"
	}
	return list(ctx, s, auditLog, p, nil)
}
