package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// A fan-out too large for one transaction is written in chunks: the event
// row records how far it got (fanout_after, the last endpoint in ID order
// whose delivery is stored) and until when its writer owns it
// (fanout_until). Each chunk moves the progress on with a compare-and-set in
// the chunk's own transaction, so a chunk is stored exactly once even when
// a writer that was thought dead wakes up beside the one that took over.

// insertDeliveriesRows is the most deliveries one INSERT writes: a
// statement per row would cost more than the rows themselves, and 11
// arguments per row stay far below both databases' limits.
const insertDeliveriesRows = 64

// insertDeliveriesQuery inserts n deliveries; with skipTaken, those to an
// endpoint that already has a delivery of the event are left out.
func insertDeliveriesQuery(n int, skipTaken bool) string {
	q := "INSERT INTO deliveries (" + deliveryInsertColumns + ") VALUES " +
		strings.TrimSuffix(strings.Repeat("("+placeholders(11)+"), ", n), ", ")
	if skipTaken {
		q += " ON CONFLICT (event_id, endpoint_id) DO NOTHING"
	}
	return q
}

// insertDeliveriesQueries returns the statements insertDeliveries uses for
// n deliveries, to prepare before a transaction.
func insertDeliveriesQueries(n int, skipTaken bool) []string {
	var qs []string
	if n >= insertDeliveriesRows {
		qs = append(qs, insertDeliveriesQuery(insertDeliveriesRows, skipTaken))
	}
	if r := n % insertDeliveriesRows; r > 0 {
		qs = append(qs, insertDeliveriesQuery(r, skipTaken))
	}
	return qs
}

// insertDeliveries writes ds in tx, many rows per statement. Deliveries
// to ping and pull endpoints (d.Pull set) are stored as payloads (see
// insertPayloads), then those to FIFO endpoints (d.Ordered), stored with
// the others, are numbered, last (see numberDeliveries); with skipTaken, those of an event the endpoint
// already keeps are left out.
func (s *Store) insertDeliveries(ctx context.Context, tx *sql.Tx, ds []*hookd.Delivery, skipTaken bool) error {
	var pull, ordered []*hookd.Delivery
	if slices.ContainsFunc(ds, func(d *hookd.Delivery) bool { return d.Pull != nil || d.Ordered }) {
		plain := make([]*hookd.Delivery, 0, len(ds))
		for _, d := range ds {
			switch {
			case d.Pull != nil:
				pull = append(pull, d)
			case d.Ordered:
				ordered = append(ordered, d)
				plain = append(plain, d)
			default:
				plain = append(plain, d)
			}
		}
		ds = plain
	}
	if err := s.insertPlainDeliveries(ctx, tx, ds, skipTaken); err != nil {
		return err
	}
	if len(pull) > 0 {
		if err := s.insertPayloads(ctx, tx, pull, skipTaken); err != nil {
			return err
		}
	}
	if len(ordered) > 0 {
		return s.numberDeliveries(ctx, tx, ordered)
	}
	return nil
}

// insertPlainDeliveries writes ds, none of them for a ping or pull
// endpoint, in tx, many rows per statement, in endpoint ID order: each row
// locks its endpoint's row (FOR KEY SHARE, the foreign key's check), and
// every writer that locks several endpoint rows locks them in that order.
func (s *Store) insertPlainDeliveries(ctx context.Context, tx *sql.Tx, ds []*hookd.Delivery, skipTaken bool) error {
	byEndpoint := func(a, b *hookd.Delivery) int { return strings.Compare(a.EndpointID, b.EndpointID) }
	if !slices.IsSortedFunc(ds, byEndpoint) {
		ds = slices.Clone(ds)
		slices.SortStableFunc(ds, byEndpoint)
	}
	args := make([]any, 0, 11*min(len(ds), insertDeliveriesRows))
	for chunk := range slices.Chunk(ds, insertDeliveriesRows) {
		args = args[:0]
		for _, d := range chunk {
			args = append(args, d.ID, d.TenantID, d.EventID, d.EndpointID, d.EventType, string(d.State),
				d.Attempts, s.d.time(d.RunAt), s.d.nullTime(d.LeaseUntil), s.d.time(d.CreatedAt),
				s.d.time(d.UpdatedAt))
		}
		if err := s.txExec(ctx, tx, insertDeliveriesQuery(len(chunk), skipTaken), args...); err != nil {
			return err
		}
	}
	return nil
}

// fanOutProgressQuery moves a fan-out on, only from where the writer
// believes it is.
const fanOutProgressQuery = "UPDATE events SET fanout_after = ?, fanout_until = ? WHERE id = ? AND tenant_id = ? AND fanout_after = ?"

// WriteFanOut stores the next chunk of e's unfinished fan-out in one
// transaction: the progress first (which, on PostgreSQL, locks the event's
// row, so a second writer of the same fan-out waits and then finds the
// progress moved), then the deliveries.
func (s *Store) WriteFanOut(ctx context.Context, e *hookd.Event, deliveries []*hookd.Delivery, after string, leaseUntil time.Time) error {
	const op = "write fan-out"
	if e.FanOutAfter == "" {
		return hookd.Errorf(hookd.ECONFLICT, "The event's fan-out is finished.")
	}
	if err := s.prepareAll(ctx, append(s.payloadQueries(insertDeliveriesQueries(len(deliveries), true)), fanOutProgressQuery)...); err != nil {
		return interpretError(err, op, "event")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, "event")
	}
	defer tx.Rollback()
	var next, until any
	if after != "" {
		next, until = after, s.d.time(leaseUntil)
	}
	progress, err := s.txStmt(ctx, tx, fanOutProgressQuery)
	if err != nil {
		return interpretError(err, op, "event")
	}
	defer progress.Close()
	res, err := progress.ExecContext(ctx, next, until, e.ID, e.TenantID, e.FanOutAfter)
	if err := mustAffect(res, err); errors.Is(err, sql.ErrNoRows) {
		return hookd.Errorf(hookd.ECONFLICT, "The event's fan-out was taken over, finished or deleted meanwhile.")
	} else if err != nil {
		return interpretError(err, op, "event")
	}
	if err := s.insertDeliveries(ctx, tx, deliveries, true); err != nil {
		return interpretError(err, op, "delivery")
	}
	if err := tx.Commit(); err != nil {
		return interpretError(err, op, "event")
	}
	e.FanOutAfter = after
	for _, d := range deliveries {
		d.RunAt = storeTime(d.RunAt)
		d.LeaseUntil = storeTimePtr(d.LeaseUntil)
		d.CreatedAt = storeTime(d.CreatedAt)
		d.UpdatedAt = storeTime(d.UpdatedAt)
	}
	s.payloadsStored(deliveries)
	return nil
}

// ClaimFanOuts leases up to limit unfinished fan-outs whose writer's lease
// ended before now to the caller. On PostgreSQL the rows are locked with
// SKIP LOCKED, so instances never claim the same one; on SQLite the single
// write connection serializes claims.
func (s *Store) ClaimFanOuts(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*hookd.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Nearly always there is none: look on the read pool first rather
	// than take the writer for nothing.
	var due int
	err := s.queryRowRead(ctx, "SELECT count(*) FROM (SELECT 1 FROM events WHERE fanout_after IS NOT NULL AND fanout_until < ? LIMIT 1) AS due",
		s.d.time(now)).Scan(&due)
	if err != nil || due == 0 {
		return nil, interpretError(err, "claim fan-outs", "event")
	}
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return queryAll(ctx, s.queryWrite, func(sc scanner, extra ...any) (*hookd.Event, error) {
		var after string
		e, err := scanEvent(sc, append([]any{&after}, extra...)...)
		if err != nil {
			return nil, err
		}
		e.FanOutAfter = after
		return e, nil
	}, "claim fan-outs", "event", "UPDATE events SET fanout_until = ? WHERE id IN ("+
		"SELECT id FROM events WHERE fanout_after IS NOT NULL AND fanout_until < ? ORDER BY fanout_until, id LIMIT ?"+lock+
		") RETURNING "+eventColumns+", fanout_after", s.d.time(leaseUntil), s.d.time(now), limit)
}
