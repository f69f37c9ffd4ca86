package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/hookd/hookd"
)

var _ hookd.EventTypeStore = (*Store)(nil)

const eventTypeColumns = "id, tenant_id, name, description, schema, example, version, deprecated, created_at, updated_at"

// eventTypes is the catalog; lists add the condition that keeps the built-in
// types and one tenant's own.
var eventTypes = &table[*hookd.EventType]{
	name:    "event_types",
	columns: eventTypeColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
		{field: "updated_at", column: "updated_at", kind: sortTime},
	},
	search: []string{"name", "description"},
	scan:   scanEventType,
}

func scanEventType(sc scanner, extra ...any) (*hookd.EventType, error) {
	var (
		t                hookd.EventType
		schema, example  string
		created, updated timeValue
	)
	dest := []any{&t.ID, &t.TenantID, &t.Name, &t.Description, &schema, &example, &t.Version, &t.Deprecated, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	t.Schema = json.RawMessage(schema)
	t.Example = json.RawMessage(example)
	t.CreatedAt = created.Time
	t.UpdatedAt = updated.Time
	return &t, nil
}

func (s *Store) eventTypeArgs(t *hookd.EventType) []any {
	return []any{t.ID, t.TenantID, t.Name, t.Description, string(t.Schema), string(t.Example), t.Version, t.Deprecated,
		s.d.time(t.CreatedAt), s.d.time(t.UpdatedAt)}
}

func normalizeEventType(t *hookd.EventType) {
	t.CreatedAt = storeTime(t.CreatedAt)
	t.UpdatedAt = storeTime(t.UpdatedAt)
}

// CreateEventType stores a tenant's type t; its times are rounded down to
// microseconds in UTC, as stored. Returns ECONFLICT if the tenant already has
// a type of that name or a built-in type has it, and ENOTFOUND if the tenant
// does not exist (a TenantID of "" names no tenant).
func (s *Store) CreateEventType(ctx context.Context, t *hookd.EventType, quota ...hookd.Quota) error {
	const op, noun = "create event type", "event type"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, noun)
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, s.d.rebind(
		"SELECT count(*) FROM event_types WHERE tenant_id = '' AND name = ?"), t.Name).Scan(&n); err != nil {
		return interpretError(err, op, noun)
	}
	if n > 0 {
		return hookd.Errorf(hookd.ECONFLICT, "%s is a built-in event type; choose another name.", t.Name)
	}
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT count(*) FROM tenants WHERE id = ?"), t.TenantID).Scan(&n); err != nil {
		return interpretError(err, op, noun)
	}
	if n == 0 {
		return notFound(op, "tenant")
	}
	if len(quota) > 0 {
		if err := s.checkQuotas(ctx, tx, t.TenantID, quota); err != nil {
			return interpretError(err, op, noun)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(
		"INSERT INTO event_types ("+eventTypeColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), s.eventTypeArgs(t)...); err != nil {
		return interpretError(err, op, noun)
	}
	if err := tx.Commit(); err != nil {
		return interpretError(err, op, noun)
	}
	normalizeEventType(t)
	return nil
}

// PutBuiltinEventTypes stores the built-in types ts in one transaction: it
// adds the missing ones (with their ID and times) and saves the description,
// schema, example, version and deprecation of those that differ, with their
// UpdatedAt; unchanged ones are left as they are. The TenantID of each is
// taken to be "". Concurrent calls are safe: the upsert is one statement per
// type.
func (s *Store) PutBuiltinEventTypes(ctx context.Context, ts []*hookd.EventType) error {
	const op, noun = "put built-in event types", "event type"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, noun)
	}
	defer tx.Rollback()
	q := s.d.rebind("INSERT INTO event_types (" + eventTypeColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, name) DO UPDATE SET description = excluded.description, schema = excluded.schema,
			example = excluded.example, version = excluded.version, deprecated = excluded.deprecated,
			updated_at = excluded.updated_at
		WHERE event_types.description <> excluded.description OR event_types.schema <> excluded.schema
			OR event_types.example <> excluded.example OR event_types.version <> excluded.version
			OR event_types.deprecated <> excluded.deprecated`)
	for _, t := range ts {
		t.TenantID = ""
		if _, err := tx.ExecContext(ctx, q, s.eventTypeArgs(t)...); err != nil {
			return interpretError(err, op, noun)
		}
	}
	if err := tx.Commit(); err != nil {
		return interpretError(err, op, noun)
	}
	for _, t := range ts {
		normalizeEventType(t)
	}
	return nil
}

// EventType returns the type of that name: the built-in one if there is
// one, else the tenant's own. Returns ENOTFOUND if neither exists.
func (s *Store) EventType(ctx context.Context, tenantID, name string) (*hookd.EventType, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+eventTypeColumns+
		" FROM event_types WHERE name = ? AND (tenant_id = '' OR tenant_id = ?) ORDER BY tenant_id LIMIT 1"), name, tenantID)
	t, err := scanEventType(row)
	if err != nil {
		return nil, interpretError(err, "event type", "event type")
	}
	return t, nil
}

// ListEventTypes returns a page of the built-in types and the tenant's own.
// Sort fields: created_at, name, updated_at. Query searches the name and the
// description.
func (s *Store) ListEventTypes(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.EventType], error) {
	return list(ctx, s, eventTypes, p, []string{"(tenant_id = '' OR tenant_id = ?)"}, tenantID)
}

// UpdateEventType saves t's description, schema, example, version,
// deprecation and UpdatedAt (rounded as stored). Returns ENOTFOUND if
// t.TenantID has no type of that name.
func (s *Store) UpdateEventType(ctx context.Context, t *hookd.EventType) error {
	res, err := s.exec(ctx, s.d.rebind(`UPDATE event_types SET description = ?, schema = ?, example = ?,
		version = ?, deprecated = ?, updated_at = ? WHERE tenant_id = ? AND name = ?`),
		t.Description, string(t.Schema), string(t.Example), t.Version, t.Deprecated, s.d.time(t.UpdatedAt), t.TenantID, t.Name)
	if err := mustAffect(res, err); err != nil {
		return interpretError(err, "update event type", "event type")
	}
	t.UpdatedAt = storeTime(t.UpdatedAt)
	return nil
}
