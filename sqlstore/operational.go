package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// Operational signals (hookd.OperationalSignal): the outbox of operational
// events, written in the transaction of the change they tell of.

const signalColumns = "id, tenant_id, type, endpoint_id, data, created_at, published, operator_done, operator_attempts, operator_error, next_at"

func scanSignal(sc scanner, extra ...any) (*hookd.OperationalSignal, error) {
	var (
		s               hookd.OperationalSignal
		data            string
		created, nextAt timeValue
	)
	if err := sc.Scan(append([]any{&s.ID, &s.TenantID, &s.Type, &s.EndpointID, &data, &created, &s.Published,
		&s.OperatorDone, &s.OperatorAttempts, &s.OperatorError, &nextAt}, extra...)...); err != nil {
		return nil, err
	}
	s.Data, s.CreatedAt, s.NextAt = []byte(data), created.Time, nextAt.Time
	return &s, nil
}

// execer is a *sql.Tx or a *sql.DB.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertSignal stores sig in ex (the change's transaction).
func (s *Store) insertSignal(ctx context.Context, ex execer, sig *hookd.OperationalSignal) error {
	_, err := ex.ExecContext(ctx, s.d.rebind("INSERT INTO operational_signals ("+signalColumns+") VALUES ("+placeholders(11)+")"),
		sig.ID, sig.TenantID, sig.Type, sig.EndpointID, string(sig.Data), s.d.time(sig.CreatedAt), sig.Published,
		sig.OperatorDone, sig.OperatorAttempts, sig.OperatorError, s.d.time(sig.NextAt))
	return err
}

// DueOperationalSignals returns up to limit signals due at now (NextAt at
// or before it), the earliest first.
func (s *Store) DueOperationalSignals(ctx context.Context, now time.Time, limit int) ([]*hookd.OperationalSignal, error) {
	return queryAll(ctx, s.db.QueryContext, scanSignal, "list operational signals", "operational signal",
		s.d.rebind("SELECT "+signalColumns+" FROM operational_signals WHERE next_at <= ? ORDER BY next_at, id LIMIT ?"),
		s.d.time(now), limit)
}

// SaveOperationalSignal stores what the drain did with sig: it is deleted
// when done (sig.Done), its progress saved otherwise. A signal gone is not
// an error.
func (s *Store) SaveOperationalSignal(ctx context.Context, sig *hookd.OperationalSignal) error {
	const op, noun = "save operational signal", "operational signal"
	if sig.Done() {
		_, err := s.db.ExecContext(ctx, s.d.rebind("DELETE FROM operational_signals WHERE id = ?"), sig.ID)
		return interpretError(err, op, noun)
	}
	_, err := s.db.ExecContext(ctx, s.d.rebind("UPDATE operational_signals SET published = ?, operator_done = ?,"+
		" operator_attempts = ?, operator_error = ?, next_at = ? WHERE id = ?"), sig.Published, sig.OperatorDone,
		sig.OperatorAttempts, sig.OperatorError, s.d.time(sig.NextAt), sig.ID)
	return interpretError(err, op, noun)
}

// AddOperationalSignal stores sig on its own.
func (s *Store) AddOperationalSignal(ctx context.Context, sig *hookd.OperationalSignal) error {
	return interpretError(s.insertSignal(ctx, s.db, sig), "add operational signal", "operational signal")
}

// SetEndpointEnabled enables or disables e (e.Enabled, with its
// DisabledReason, DisabledAt, PullActiveSince, InactiveAt and UpdatedAt)
// unless it already is, and stores signal, if not nil, in the same
// transaction. It reports whether it changed the endpoint. Returns
// ENOTFOUND if e.TenantID has no endpoint e.ID.
func (s *Store) SetEndpointEnabled(ctx context.Context, e *hookd.Endpoint, signal *hookd.OperationalSignal) (bool, error) {
	const op, noun = "set endpoint enabled", "endpoint"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, interpretError(err, op, noun)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.d.rebind("UPDATE endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?,"+
		" pull_active_since = ?, inactive_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND enabled = ?"),
		e.Enabled, e.DisabledReason, s.d.nullTime(e.DisabledAt), s.d.nullTime(e.PullActiveSince), s.d.nullTime(e.InactiveAt),
		s.d.time(e.UpdatedAt), e.TenantID, e.ID, !e.Enabled)
	if err != nil {
		return false, interpretError(err, op, noun)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, interpretError(err, op, noun)
	}
	if n == 0 {
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind("SELECT 1 FROM endpoints WHERE tenant_id = ? AND id = ?"), e.TenantID, e.ID).Scan(&one)
		return false, interpretError(err, op, noun)
	}
	if signal != nil {
		if err := s.insertSignal(ctx, tx, signal); err != nil {
			return false, interpretError(err, op, "operational signal")
		}
	}
	if err := tx.Commit(); err != nil {
		return false, interpretError(err, op, noun)
	}
	lastTriggered := e.LastTriggeredAt
	normalizeEndpoint(e)
	e.LastTriggeredAt = storeTimePtr(lastTriggered)
	return true, nil
}

// disabledSignal stores, in tx, the endpoint.disabled signal of endpoint
// id, just disabled by RecordDeliveries.
func (s *Store) disabledSignal(ctx context.Context, tx *sql.Tx, id string, r hookd.EndpointResult) error {
	var tenantID string
	var ep hookd.OperationalEndpoint
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT tenant_id, name, url FROM endpoints WHERE id = ?"), id).
		Scan(&tenantID, &ep.Name, &ep.URL); err != nil {
		return err
	}
	ep.ID = id
	sig, err := hookd.NewOperationalSignal(tenantID, hookd.EventEndpointDisabled, id, hookd.EndpointDisabledData{
		Endpoint: ep, Reason: r.DisableReason, Cause: hookd.DisabledCause(r.DisableReason), DisabledAt: storeTime(r.TriggeredAt),
	}, r.TriggeredAt)
	if err != nil {
		return err
	}
	return s.insertSignal(ctx, tx, sig)
}

// exhaustedSignals stores, in tx, a delivery.exhausted signal for each of
// results that failed for good and that tx moved to failed (its last
// attempt is this result's), unless its event is an operational one: those
// never make operational events of their own, so they cannot loop.
func (s *Store) exhaustedSignals(ctx context.Context, tx *sql.Tx, results []hookd.DeliveryResult) error {
	for _, r := range results {
		if r.State != hookd.DeliveryFailed || r.Attempt == nil {
			continue
		}
		var (
			tenantID string
			ep       hookd.OperationalEndpoint
			d        hookd.ExhaustedDelivery
			last     timeValue
		)
		err := tx.QueryRowContext(ctx, s.d.rebind("SELECT d.tenant_id, d.event_id, d.event_type, d.attempts, d.last_status,"+
			" d.last_error, d.last_attempt_at, e.id, e.name, e.url FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id"+
			" WHERE d.id = ? AND d.state = ? AND d.last_attempt_at = ?"), r.DeliveryID, string(hookd.DeliveryFailed),
			s.d.time(r.Attempt.CreatedAt)).Scan(&tenantID, &d.EventID, &d.EventType, &d.Attempts, &d.LastStatus, &d.LastError,
			&last, &ep.ID, &ep.Name, &ep.URL)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && hookd.IsOperationalEventType(d.EventType)) {
			continue // not moved by this transaction, or an operational event's
		}
		if err != nil {
			return fmt.Errorf("read the exhausted delivery %s: %w", r.DeliveryID, err)
		}
		d.ID, d.LastAttemptAt = r.DeliveryID, last.Time
		sig, err := hookd.NewOperationalSignal(tenantID, hookd.EventDeliveryExhausted, ep.ID,
			hookd.DeliveryExhaustedData{Endpoint: ep, Delivery: d}, r.Attempt.CreatedAt)
		if err != nil {
			return err
		}
		if err := s.insertSignal(ctx, tx, sig); err != nil {
			return err
		}
	}
	return nil
}

// CountAttempts returns, for each endpoint with attempts created in
// (since, until], how many and how many were answered 2xx, by endpoint ID.
// It reads the attempts_created_at_idx index only.
func (s *Store) CountAttempts(ctx context.Context, since, until time.Time) ([]hookd.AttemptCounts, error) {
	return queryAll(ctx, s.db.QueryContext, func(sc scanner, _ ...any) (hookd.AttemptCounts, error) {
		var c hookd.AttemptCounts
		err := sc.Scan(&c.EndpointID, &c.Attempts, &c.Succeeded)
		return c, err
	}, "count attempts", "attempt", s.d.rebind("SELECT endpoint_id, COUNT(*),"+
		" COALESCE(SUM(CASE WHEN response_status BETWEEN 200 AND 299 THEN 1 ELSE 0 END), 0)"+
		" FROM attempts WHERE created_at > ? AND created_at <= ? GROUP BY endpoint_id ORDER BY endpoint_id"),
		s.d.time(since), s.d.time(until))
}

// FailingEndpoints returns the IDs of the endpoints marked failing.
func (s *Store) FailingEndpoints(ctx context.Context) ([]string, error) {
	return queryAll(ctx, s.db.QueryContext, func(sc scanner, _ ...any) (string, error) {
		var id string
		err := sc.Scan(&id)
		return id, err
	}, "list failing endpoints", "endpoint", "SELECT endpoint_id FROM endpoint_health ORDER BY endpoint_id")
}

// MarkEndpointFailing marks the endpoint sig is about failing, unless it
// is already (or gone), and stores sig with it, in one transaction.
func (s *Store) MarkEndpointFailing(ctx context.Context, sig *hookd.OperationalSignal) (bool, error) {
	const op, noun = "mark endpoint failing", "endpoint"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, interpretError(err, op, noun)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO endpoint_health (endpoint_id, tenant_id, failing_since)"+
		" SELECT id, tenant_id, ? FROM endpoints WHERE id = ? ON CONFLICT (endpoint_id) DO NOTHING"),
		s.d.time(sig.CreatedAt), sig.EndpointID)
	if err != nil {
		return false, interpretError(err, op, noun)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, interpretError(err, op, noun)
	}
	if err := s.insertSignal(ctx, tx, sig); err != nil {
		return false, interpretError(err, op, "operational signal")
	}
	return true, interpretError(tx.Commit(), op, noun)
}

// ClearEndpointFailing unmarks the endpoints.
func (s *Store) ClearEndpointFailing(ctx context.Context, endpointIDs []string) error {
	for chunk := range slices.Chunk(endpointIDs, recordChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		if _, err := s.db.ExecContext(ctx, s.d.rebind("DELETE FROM endpoint_health WHERE endpoint_id IN ("+placeholders(len(chunk))+")"), args...); err != nil {
			return interpretError(err, "clear failing endpoints", "endpoint")
		}
	}
	return nil
}
