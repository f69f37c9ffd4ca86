package sqlstore

// Ordered delivery (hookd.OrderingFIFO).
//
// The order. A delivery to a FIFO endpoint is numbered (deliveries.seq)
// from a counter on the endpoint's row (endpoints.fifo_seq), in the
// publishing transaction, last, as pull.go numbers payloads:
//
//	UPDATE endpoints SET fifo_seq = fifo_seq + 1 WHERE id = ? RETURNING fifo_seq
//
// The update locks the endpoint's row until the transaction ends (on
// SQLite the single write connection serializes every transaction), so a
// second publisher to the endpoint waits for the first to commit, then
// reads the committed counter: numbers follow commit order, whatever the
// number of publishers, connections and instances. A transaction numbering
// deliveries of several endpoints takes them in endpoint ID order, after
// its payloads (which it numbers in endpoint ID order too: the two sets of
// endpoints are disjoint, full mode against ping and pull), so two
// publishers never deadlock. The counter is the endpoint's own, not the
// payloads' last_txn: an endpoint that changes mode keeps its payload
// numbers meaningful.
//
// Claiming. ClaimFIFODeliveries takes the endpoint's row lock first (FOR
// NO KEY UPDATE on PostgreSQL: a publisher's foreign key check, FOR KEY
// SHARE, does not wait for it; a publisher numbering a delivery and a
// second claimer do), so claims of one endpoint are serialized across
// instances; then it claims nothing while any delivery of the endpoint is
// running (one request in flight: a second instance waits for the lock,
// then sees the first one's claim), nor when the first waiting delivery
// in seq order is not due (a retry in backoff blocks those behind it).
// Otherwise it claims, in seq order, the due pending deliveries from the
// first, stopping at the first one not due. The index deliveries_fifo_idx
// (endpoint_id, seq, id) WHERE state IN ('pending', 'running') finds
// them (unnumbered ones first, as SQLite sorts NULL); the queries spell that condition with the same literals, so SQLite
// uses the partial index.
//
// Sending again. A resent or replayed delivery keeps its number, hence
// its place: it goes before the endpoint's waiting deliveries published
// after it (and after the one in flight).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// orderingValue is the stored form of an ordering: "none" for "".
func orderingValue(o hookd.EndpointOrdering) string {
	if o == "" {
		return string(hookd.OrderingNone)
	}
	return string(o)
}

// takeSeqQuery takes the next number of a FIFO endpoint's counter, or n
// numbers (the second argument) at once.
const takeSeqQuery = "UPDATE endpoints SET fifo_seq = fifo_seq + ? WHERE id = ? RETURNING fifo_seq"

// setSeqQuery numbers a delivery.
const setSeqQuery = "UPDATE deliveries SET seq = ? WHERE id = ?"

// takeAndSetSeqQuery is takeSeqQuery and setSeqQuery in one statement, on
// PostgreSQL: the endpoint's lock is held one round trip less.
const takeAndSetSeqQuery = "WITH t AS (UPDATE endpoints SET fifo_seq = fifo_seq + 1 WHERE id = ? RETURNING fifo_seq)" +
	" UPDATE deliveries SET seq = t.fifo_seq FROM t WHERE deliveries.id = ? RETURNING deliveries.seq"

// numberQueries are the statements numberDeliveries uses, to prepare
// before a publishing transaction.
func (s *Store) numberQueries() []string {
	if s.d.name == BackendPostgres {
		return []string{takeAndSetSeqQuery}
	}
	return []string{takeSeqQuery, setSeqQuery}
}

// numberDeliveries numbers ds, deliveries to FIFO endpoints stored in tx,
// in endpoint ID order (see the comment at the top). A delivery not
// stored (an event the endpoint already had, in a resumed fan-out) or
// whose endpoint is gone is left unnumbered.
func (s *Store) numberDeliveries(ctx context.Context, tx *sql.Tx, ds []*hookd.Delivery) error {
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b *hookd.Delivery) int { return strings.Compare(a.EndpointID, b.EndpointID) })
	if s.d.name == BackendPostgres {
		stmt, err := s.txStmt(ctx, tx, takeAndSetSeqQuery)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, d := range ds {
			err := stmt.QueryRowContext(ctx, d.EndpointID, d.ID).Scan(&d.Seq)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return nil
	}
	take, err := s.txStmt(ctx, tx, takeSeqQuery)
	if err != nil {
		return err
	}
	defer take.Close()
	set, err := s.txStmt(ctx, tx, setSeqQuery)
	if err != nil {
		return err
	}
	defer set.Close()
	for _, d := range ds {
		var seq int64
		switch err := take.QueryRowContext(ctx, 1, d.EndpointID).Scan(&seq); {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return err
		}
		res, err := set.ExecContext(ctx, seq, d.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			d.Seq = seq
		}
	}
	return nil
}

// numberWaitingDeliveries numbers, in creation order, the waiting
// deliveries (pending, running or held) of an endpoint that became FIFO
// and have no number yet: they go first, in the order they were
// published. (A publication racing with the change, by a publisher that
// read the endpoint before it, may still store one unnumbered: it is
// sent, but its place is not defined.)
func (s *Store) numberWaitingDeliveries(ctx context.Context, endpointID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ids, err := queryAll(ctx, tx.QueryContext, scanID, "number deliveries", "delivery", s.d.rebind(
		"SELECT id FROM deliveries WHERE endpoint_id = ? AND seq IS NULL AND state IN (?, ?, ?) ORDER BY created_at, id"),
		endpointID, "pending", "running", "held")
	if err != nil || len(ids) == 0 {
		return err
	}
	var last int64
	if err := tx.QueryRowContext(ctx, s.d.rebind(takeSeqQuery), len(ids), endpointID).Scan(&last); err != nil {
		return err
	}
	first := last - int64(len(ids)) + 1
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, s.d.rebind(setSeqQuery), first+int64(i), id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// FIFOEndpoints returns those of ids that are FIFO endpoints (ordering
// fifo, full mode).
func (s *Store) FIFOEndpoints(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, s.queryRead, scanID, "fifo endpoints", "endpoint",
		"SELECT id FROM endpoints WHERE id IN ("+placeholders(len(ids))+") AND ordering = 'fifo' AND mode = 'full'", anys(ids)...)
}

// The FIFO claim's queries (see the comment at the top); the state
// conditions are literals, as in deliveries_fifo_idx.
const (
	fifoRunningQuery = "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE endpoint_id = ? AND state = 'running' LIMIT 1) AS r"
	fifoHeadQuery    = "SELECT id, state, run_at FROM deliveries WHERE endpoint_id = ? AND state IN ('pending', 'running')" +
		" ORDER BY seq, id LIMIT ?"
	// fifoHeadQueryPostgres is fifoHeadQuery with unnumbered deliveries
	// first, as on SQLite (and in the index).
	fifoHeadQueryPostgres = "SELECT id, state, run_at FROM deliveries WHERE endpoint_id = ? AND state IN ('pending', 'running')" +
		" ORDER BY seq NULLS FIRST, id LIMIT ?"
)

// ClaimFIFODeliveries claims the next deliveries of a FIFO endpoint in
// order; see hookd.DeliveryStore and the comment at the top. The
// transaction is tried again, a few times, when PostgreSQL ends it to
// break a deadlock.
func (s *Store) ClaimFIFODeliveries(ctx context.Context, now, leaseUntil time.Time, endpointID string, limit int) ([]*hookd.Delivery, bool, error) {
	for attempt := 1; ; attempt++ {
		ds, fifo, err := s.claimFIFO(ctx, now, leaseUntil, endpointID, max(1, limit))
		if err == nil || !isTransient(err) || attempt == recordAttempts {
			return ds, fifo, err
		}
		select {
		case <-ctx.Done():
			return nil, true, fmt.Errorf("claim fifo deliveries: %w (after %v)", ctx.Err(), err)
		case <-time.After(time.Duration(attempt)*5*time.Millisecond + rand.N(5*time.Millisecond)):
		}
	}
}

func (s *Store) claimFIFO(ctx context.Context, now, leaseUntil time.Time, endpointID string, limit int) ([]*hookd.Delivery, bool, error) {
	const op = "claim fifo deliveries"
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR NO KEY UPDATE"
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, true, interpretError(err, op, "delivery")
	}
	defer tx.Rollback()
	var (
		enabled        bool
		ordering, mode string
	)
	err = tx.QueryRowContext(ctx, s.d.rebind("SELECT enabled, ordering, mode FROM endpoints WHERE id = ?"+lock), endpointID).
		Scan(&enabled, &ordering, &mode)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, true, interpretError(err, op, "endpoint")
	case ordering != string(hookd.OrderingFIFO) || mode != string(hookd.ModeFull):
		return nil, false, nil
	case !enabled:
		return nil, true, nil
	}
	var running int
	if err := tx.QueryRowContext(ctx, s.d.rebind(fifoRunningQuery), endpointID).Scan(&running); err != nil {
		return nil, true, interpretError(err, op, "delivery")
	}
	if running > 0 {
		return nil, true, nil
	}
	head := fifoHeadQuery
	if s.d.name == BackendPostgres {
		head = fifoHeadQueryPostgres
	}
	rows, err := tx.QueryContext(ctx, s.d.rebind(head), endpointID, limit)
	if err != nil {
		return nil, true, interpretError(err, op, "delivery")
	}
	var ids []any
	for rows.Next() {
		var (
			id, state string
			runAt     timeValue
		)
		if err := rows.Scan(&id, &state, &runAt); err != nil {
			rows.Close()
			return nil, true, interpretError(err, op, "delivery")
		}
		if state != string(hookd.DeliveryPending) || runAt.Time.After(now) {
			break
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, true, interpretError(err, op, "delivery")
	}
	if len(ids) == 0 {
		return nil, true, nil
	}
	args := append([]any{"running", s.d.time(leaseUntil), s.d.time(now)}, ids...)
	ds, err := queryAll(ctx, tx.QueryContext, scanDelivery, op, "delivery", s.d.rebind("UPDATE deliveries SET state = ?, lease_until = ?, updated_at = ?"+
		" WHERE id IN ("+placeholders(len(ids))+") AND state = 'pending' RETURNING "+deliveryColumns), args...)
	if err != nil {
		return nil, true, err
	}
	if err := tx.Commit(); err != nil {
		return nil, true, interpretError(err, op, "delivery")
	}
	SortBySeq(ds)
	return ds, true, nil
}

// SortBySeq sorts deliveries of one FIFO endpoint in their order: by Seq
// (unnumbered ones first), then ID.
func SortBySeq(ds []*hookd.Delivery) {
	slices.SortFunc(ds, func(a, b *hookd.Delivery) int {
		if a.Seq != b.Seq {
			if a.Seq < b.Seq {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
}
