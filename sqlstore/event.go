package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hookd/hookd"
)

var _ hookd.EventStore = (*Store)(nil)

const eventColumns = "id, tenant_id, type, data, timestamp, idempotency_key, created_at, request_id, traceparent"

// events are the tenants' events; lists add the tenant's condition.
var events = &table[*hookd.Event]{
	name:    "events",
	columns: eventColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "type", column: "type", kind: sortText},
	},
	search: []string{"type"},
	scan:   scanEvent,
}

func scanEvent(sc scanner, extra ...any) (*hookd.Event, error) {
	var (
		e                  hookd.Event
		data               string
		timestamp, created timeValue
		requestID, trace   sql.NullString
	)
	dest := []any{&e.ID, &e.TenantID, &e.Type, &data, &timestamp, &e.IdempotencyKey, &created, &requestID, &trace}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.Data = json.RawMessage(data)
	e.Timestamp = timestamp.Time
	e.CreatedAt = created.Time
	e.RequestID, e.TraceParent = requestID.String, trace.String
	return &e, nil
}

// SubscribedEndpoints returns every endpoint of the tenant, enabled or not,
// that subscribes to eventType, oldest first.
func (s *Store) SubscribedEndpoints(ctx context.Context, tenantID, eventType string) ([]*hookd.Endpoint, error) {
	const op = "subscribed endpoints"
	// A tenant has few endpoints: read them all and let Subscribes decide.
	// (A LIKE on the JSON list would make SQLite re-plan the statement on
	// every call, which costs more than it saves.)
	rows, err := s.queryRead(ctx, "SELECT "+endpointColumns+" FROM endpoints WHERE tenant_id = ? ORDER BY created_at, id", tenantID)
	if err != nil {
		return nil, interpretError(err, op, "endpoint")
	}
	defer rows.Close()
	var es []*hookd.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, interpretError(err, op, "endpoint")
		}
		if e.Subscribes(eventType) {
			es = append(es, e)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, op, "endpoint")
	}
	return es, nil
}

var (
	insertEventQuery = "INSERT INTO events (" + eventColumns + ", fanout_after, fanout_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

// PublishEvent stores e and its deliveries in one transaction (with the
// progress of its fan-out, if e.FanOutAfter says it is unfinished), unless
// e.IdempotencyKey was used by the tenant less than hookd.IdempotencyWindow
// before e.CreatedAt: then it stores nothing and returns that event. The
// key's row is claimed with an upsert, so racing publishers serialize on
// it. Times of e and the deliveries are rounded as stored.
func (s *Store) PublishEvent(ctx context.Context, e *hookd.Event, deliveries []*hookd.Delivery) (*hookd.Event, error) {
	const op = "publish event"
	if err := s.prepareAll(ctx, append(s.payloadQueries(insertDeliveriesQueries(len(deliveries), false)), insertEventQuery)...); err != nil {
		return nil, interpretError(err, op, "event")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, interpretError(err, op, "event")
	}
	defer tx.Rollback()

	if e.IdempotencyKey != "" {
		var claimed string
		err := tx.QueryRowContext(ctx, s.d.rebind(`INSERT INTO idempotency_keys (tenant_id, key, event_id, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, key) DO UPDATE
			SET event_id = excluded.event_id, created_at = excluded.created_at
			WHERE idempotency_keys.created_at <= ? RETURNING event_id`),
			e.TenantID, e.IdempotencyKey, e.ID, s.d.time(e.CreatedAt),
			s.d.time(e.CreatedAt.Add(-hookd.IdempotencyWindow))).Scan(&claimed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			// The key is younger than the window: answer with its event.
			row := tx.QueryRowContext(ctx, s.d.rebind("SELECT "+prefixed("e.", eventColumns)+
				" FROM events e JOIN idempotency_keys k ON k.tenant_id = e.tenant_id AND k.event_id = e.id"+
				" WHERE k.tenant_id = ? AND k.key = ?"), e.TenantID, e.IdempotencyKey)
			existing, err := scanEvent(row)
			if err != nil {
				return nil, interpretError(err, op, "event")
			}
			return existing, nil
		case err != nil:
			return nil, interpretError(err, op, "idempotency key")
		}
	}

	if err := s.insertEvent(ctx, tx, op, e, deliveries); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, interpretError(err, op, "event")
	}
	normalizeEvent(e, deliveries)
	s.payloadsStored(deliveries)
	return nil, nil
}

// insertEvent writes e and its deliveries in tx: the part of publishing that
// a directory change shares, in its own transaction, with PublishEvent.
// Errors are interpreted, with op naming the caller's operation.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, op string, e *hookd.Event, deliveries []*hookd.Delivery) error {
	insert, err := s.txStmt(ctx, tx, insertEventQuery)
	if err != nil {
		return interpretError(err, op, "event")
	}
	defer insert.Close()
	// An unfinished fan-out is leased to its writer from the start.
	var fanOutAfter, fanOutUntil any
	if e.FanOutAfter != "" {
		fanOutAfter, fanOutUntil = e.FanOutAfter, s.d.time(e.CreatedAt.Add(hookd.FanOutLease))
	}
	if _, err := insert.ExecContext(ctx, e.ID, e.TenantID, e.Type, string(e.Data), s.d.time(e.Timestamp),
		e.IdempotencyKey, s.d.time(e.CreatedAt), nullString(e.RequestID), nullString(e.TraceParent),
		fanOutAfter, fanOutUntil); err != nil {
		return interpretError(err, op, "event")
	}
	return interpretError(s.insertDeliveries(ctx, tx, deliveries, false), op, "delivery")
}

// insertPublication writes pub, if not nil, in tx; see insertEvent.
func (s *Store) insertPublication(ctx context.Context, tx *sql.Tx, op string, pub *hookd.Publication) error {
	if pub == nil {
		return nil
	}
	if pub.Event == nil {
		return fmt.Errorf("sqlstore: %s: a publication without an event", op)
	}
	return s.insertEvent(ctx, tx, op, pub.Event, pub.Deliveries)
}

// normalizeEvent makes e and its deliveries as they read back: times
// rounded as stored.
func normalizeEvent(e *hookd.Event, deliveries []*hookd.Delivery) {
	e.Timestamp = storeTime(e.Timestamp)
	e.CreatedAt = storeTime(e.CreatedAt)
	for _, d := range deliveries {
		d.RunAt = storeTime(d.RunAt)
		d.LeaseUntil = storeTimePtr(d.LeaseUntil)
		d.CreatedAt = storeTime(d.CreatedAt)
		d.UpdatedAt = storeTime(d.UpdatedAt)
	}
}

// publicationStored is normalizeEvent for pub, which may be nil, once
// it has committed; it also has the endpoints given payloads notified.
func (s *Store) publicationStored(pub *hookd.Publication) {
	if pub != nil && pub.Event != nil {
		normalizeEvent(pub.Event, pub.Deliveries)
		s.payloadsStored(pub.Deliveries)
	}
}

// prefixed returns the comma-separated columns, each with prefix p.
func prefixed(p, columns string) string {
	return p + strings.ReplaceAll(columns, ", ", ", "+p)
}

// Event returns an event of the tenant. Returns ENOTFOUND if none.
func (s *Store) Event(ctx context.Context, tenantID, id string) (*hookd.Event, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+eventColumns+" FROM events WHERE tenant_id = ? AND id = ?"), tenantID, id)
	e, err := scanEvent(row)
	if err != nil {
		return nil, interpretError(err, "event", "event")
	}
	return e, nil
}

// ListEvents returns a page of the tenant's events, of eventType only
// unless it is "". Sort fields: created_at, type. Query searches the type.
func (s *Store) ListEvents(ctx context.Context, tenantID, eventType string, p hookd.ListParams) (hookd.Page[*hookd.Event], error) {
	if eventType != "" {
		return list(ctx, s, events, p, []string{"tenant_id = ?", "type = ?"}, tenantID, eventType)
	}
	return list(ctx, s, events, p, []string{"tenant_id = ?"}, tenantID)
}

// ListDeliveriesForEvent returns every delivery of an event of the tenant,
// oldest first.
func (s *Store) ListDeliveriesForEvent(ctx context.Context, tenantID, eventID string) ([]*hookd.Delivery, error) {
	return queryDeliveries(ctx, s.queryRead, "list deliveries for event", "SELECT "+deliveryColumns+
		" FROM deliveries WHERE tenant_id = ? AND event_id = ? ORDER BY created_at, id", tenantID, eventID)
}
