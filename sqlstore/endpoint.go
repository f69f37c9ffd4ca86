package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.EndpointStore = (*Store)(nil)

const endpointColumns = "id, tenant_id, name, url, description, event_types, all_event_types, enabled, disabled_reason, " +
	"disabled_at, last_triggered_at, verify_tls, format, max_events_per_request, mode, headers, verification_key, " +
	"verification_key_header, timeout_seconds, secret, previous_secret, previous_secret_expires_at, created_at, updated_at, " +
	"sealed_headers, last_txn, notified_txn, pulled_txn, ping_delivery_id, last_pulled_at, pull_active_since, inactive_at, " +
	"event_filter, batch_window_ms, rate_limit, rate_limit_burst, ordering"

// endpoints are the tenants' endpoints; lists add the tenant's condition.
var endpoints = &table[*hookd.Endpoint]{
	name:    "endpoints",
	columns: endpointColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
		{field: "url", column: "url", kind: sortText},
		{field: "last_triggered_at", column: "last_triggered_at", kind: sortNullTime},
	},
	search: []string{"name", "url", "description"},
	scan:   scanEndpoint,
}

func scanEndpoint(sc scanner, extra ...any) (*hookd.Endpoint, error) {
	var (
		e                                 hookd.Endpoint
		eventTypes, headers, format, mode string
		disabled, triggered, prevExp      timeValue
		created, updated                  timeValue
		current, previous, sealedHeaders  []byte
		pingDelivery, filter              sql.NullString
		batchWindowMS                     int64
		ordering                          string
		lastPulled, activeSince, inactive timeValue
	)
	dest := []any{&e.ID, &e.TenantID, &e.Name, &e.URL, &e.Description, &eventTypes, &e.AllEventTypes, &e.Enabled,
		&e.DisabledReason, &disabled, &triggered, &e.VerifyTLS, &format, &e.MaxEventsPerRequest, &mode, &headers,
		&e.SealedVerificationKey, &e.VerificationKeyHeader, &e.TimeoutSeconds, &current, &previous, &prevExp,
		&created, &updated, &sealedHeaders, &e.LastTransaction, &e.NotifiedTransaction, &e.PulledTransaction,
		&pingDelivery, &lastPulled, &activeSince, &inactive, &filter, &batchWindowMS, &e.RateLimit, &e.RateLimitBurst, &ordering}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(eventTypes), &e.EventTypes); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored event types of endpoint %s: %w", e.ID, err)
	}
	// headers is "{}" but for an endpoint stored before headers were
	// sealed (see SealEndpointHeaders).
	if err := json.Unmarshal([]byte(headers), &e.Headers); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored headers of endpoint %s: %w", e.ID, err)
	}
	e.SealedHeaders = sealedHeaders
	e.Format = hookd.EndpointFormat(format)
	e.Mode = hookd.EndpointMode(mode)
	e.DisabledAt = disabled.ptr()
	e.LastTriggeredAt = triggered.ptr()
	e.Secrets = []hookd.EndpointSecret{{Sealed: current}}
	if previous != nil {
		e.Secrets = append(e.Secrets, hookd.EndpointSecret{Sealed: previous, ExpiresAt: prevExp.ptr()})
	}
	if filter.Valid {
		f, errs := storedFilters.parse(filter.String)
		if errs != nil {
			return nil, fmt.Errorf("sqlstore: bad stored filter of endpoint %s: %s", e.ID, errs[0].Message)
		}
		e.Filter = f
	}
	e.BatchWindow = time.Duration(batchWindowMS) * time.Millisecond
	e.Ordering = hookd.EndpointOrdering(ordering)
	e.PingDeliveryID = pingDelivery.String
	e.LastPulledAt = lastPulled.ptr()
	e.PullActiveSince = activeSince.ptr()
	e.InactiveAt = inactive.ptr()
	e.CreatedAt = created.Time
	e.UpdatedAt = updated.Time
	return &e, nil
}

// endpointValues returns the stored forms of e's event types, headers and
// secrets; e must have one or two secrets. Headers are stored sealed only
// (the headers column is "{}"): e must not have headers that are not
// sealed.
func endpointValues(e *hookd.Endpoint) (eventTypes, headers string, current, previous []byte, prevExp *time.Time, err error) {
	if len(e.Secrets) < 1 || len(e.Secrets) > 2 {
		return "", "", nil, nil, nil, fmt.Errorf("sqlstore: endpoint %s has %d secrets, want 1 or 2", e.ID, len(e.Secrets))
	}
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	if len(e.Headers) > 0 && e.SealedHeaders == nil {
		return "", "", nil, nil, nil, fmt.Errorf("sqlstore: endpoint %s has headers that are not sealed", e.ID)
	}
	tb, err := json.Marshal(types)
	if err != nil {
		return "", "", nil, nil, nil, err
	}
	current = e.Secrets[0].Sealed
	if len(e.Secrets) == 2 {
		previous, prevExp = e.Secrets[1].Sealed, e.Secrets[1].ExpiresAt
	}
	return string(tb), "{}", current, previous, prevExp, nil
}

// filterValue is the stored form of a filter: its JSON, or NULL for none.
func filterValue(f *hookd.Filter) any {
	if f == nil {
		return nil
	}
	return string(f.JSON())
}

// normalizeEndpoint makes e as it reads back: times rounded as stored,
// empty lists and maps rather than nil, ordering none rather than "", and
// no plaintext secrets.
func normalizeEndpoint(e *hookd.Endpoint) {
	if e.EventTypes == nil {
		e.EventTypes = []string{}
	}
	if e.Headers == nil {
		e.Headers = map[string]string{}
	}
	e.Ordering = hookd.EndpointOrdering(orderingValue(e.Ordering))
	e.DisabledAt = storeTimePtr(e.DisabledAt)
	e.LastTriggeredAt = storeTimePtr(e.LastTriggeredAt)
	e.LastPulledAt = storeTimePtr(e.LastPulledAt)
	e.PullActiveSince = storeTimePtr(e.PullActiveSince)
	e.InactiveAt = storeTimePtr(e.InactiveAt)
	e.CreatedAt = storeTime(e.CreatedAt)
	e.UpdatedAt = storeTime(e.UpdatedAt)
	for i := range e.Secrets {
		e.Secrets[i].ExpiresAt = storeTimePtr(e.Secrets[i].ExpiresAt)
	}
}

// CreateEndpoint stores e; its times are rounded down to microseconds in
// UTC, as stored, and nil lists and maps become empty ones. Returns
// ENOTFOUND if its tenant does not exist, and EINVALID if e's URL is not
// https while the tenant requires https endpoints.
func (s *Store) CreateEndpoint(ctx context.Context, e *hookd.Endpoint, quota ...hookd.Quota) error {
	const op, noun = "create endpoint", "endpoint"
	types, headers, current, previous, prevExp, err := endpointValues(e)
	if err != nil {
		return interpretError(err, op, noun)
	}
	_, err = s.execEndpoint(ctx, e, quota, s.d.rebind("INSERT INTO endpoints ("+endpointColumns+
		") VALUES ("+placeholders(37)+")"),
		e.ID, e.TenantID, e.Name, e.URL, e.Description, types, e.AllEventTypes, e.Enabled, e.DisabledReason,
		s.d.nullTime(e.DisabledAt), s.d.nullTime(e.LastTriggeredAt), e.VerifyTLS, string(e.Format),
		e.MaxEventsPerRequest, string(e.Mode), headers, nullBytes(e.SealedVerificationKey), e.VerificationKeyHeader,
		e.TimeoutSeconds, nullBytes(current), nullBytes(previous), s.d.nullTime(prevExp),
		s.d.time(e.CreatedAt), s.d.time(e.UpdatedAt), nullBytes(e.SealedHeaders), e.LastTransaction,
		e.NotifiedTransaction, e.PulledTransaction, nullString(e.PingDeliveryID), s.d.nullTime(e.LastPulledAt),
		s.d.nullTime(e.PullActiveSince), s.d.nullTime(e.InactiveAt), filterValue(e.Filter), e.BatchWindow.Milliseconds(),
		e.RateLimit, e.RateLimitBurst, orderingValue(e.Ordering))
	if err != nil {
		return interpretError(err, op, noun)
	}
	normalizeEndpoint(e)
	return nil
}

// Endpoint returns an endpoint of the tenant. Returns ENOTFOUND if none.
func (s *Store) Endpoint(ctx context.Context, tenantID, id string) (*hookd.Endpoint, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+endpointColumns+" FROM endpoints WHERE tenant_id = ? AND id = ?"), tenantID, id)
	e, err := scanEndpoint(row)
	if err != nil {
		return nil, interpretError(err, "endpoint", "endpoint")
	}
	return e, nil
}

// ListEndpoints returns a page of the tenant's endpoints. Sort fields:
// created_at, name, url, last_triggered_at. Query searches the name, URL and
// description.
func (s *Store) ListEndpoints(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Endpoint], error) {
	return list(ctx, s, endpoints, p, []string{"tenant_id = ?"}, tenantID)
}

// UpdateEndpoint saves everything of e but its ID, TenantID, CreatedAt,
// LastTriggeredAt and the pull state that publishing, pinging and pulling
// move concurrently (LastTransaction, NotifiedTransaction,
// PulledTransaction, PingDeliveryID, LastPulledAt), in one UPDATE: of the
// pull state it saves PullActiveSince and InactiveAt, which the app owns
// (enabling an endpoint restarts its inactivity timer). Returns ENOTFOUND if e.TenantID has no
// endpoint e.ID, and EINVALID if e's URL is not https while the tenant
// requires https endpoints.
func (s *Store) UpdateEndpoint(ctx context.Context, e *hookd.Endpoint) error {
	const op, noun = "update endpoint", "endpoint"
	types, headers, current, previous, prevExp, err := endpointValues(e)
	if err != nil {
		return interpretError(err, op, noun)
	}
	res, err := s.execEndpoint(ctx, e, nil, s.d.rebind(`UPDATE endpoints SET name = ?, url = ?, description = ?,
		event_types = ?, all_event_types = ?, enabled = ?, disabled_reason = ?, disabled_at = ?, verify_tls = ?,
		format = ?, max_events_per_request = ?, mode = ?, headers = ?, verification_key = ?,
		verification_key_header = ?, timeout_seconds = ?, secret = ?, previous_secret = ?,
		previous_secret_expires_at = ?, sealed_headers = ?, pull_active_since = ?, inactive_at = ?, event_filter = ?,
		batch_window_ms = ?, rate_limit = ?, rate_limit_burst = ?, ordering = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		e.Name, e.URL, e.Description, types, e.AllEventTypes, e.Enabled, e.DisabledReason, s.d.nullTime(e.DisabledAt),
		e.VerifyTLS, string(e.Format), e.MaxEventsPerRequest, string(e.Mode), headers,
		nullBytes(e.SealedVerificationKey), e.VerificationKeyHeader, e.TimeoutSeconds, nullBytes(current),
		nullBytes(previous), s.d.nullTime(prevExp), nullBytes(e.SealedHeaders), s.d.nullTime(e.PullActiveSince),
		s.d.nullTime(e.InactiveAt), filterValue(e.Filter), e.BatchWindow.Milliseconds(), e.RateLimit, e.RateLimitBurst, orderingValue(e.Ordering),
		s.d.time(e.UpdatedAt), e.TenantID, e.ID)
	if err := mustAffect(res, err); err != nil {
		return interpretError(err, op, noun)
	}
	if e.FIFO() {
		if err := s.numberWaitingDeliveries(ctx, e.ID); err != nil {
			return interpretError(err, op, "delivery")
		}
	}
	lastTriggered := e.LastTriggeredAt
	normalizeEndpoint(e)
	e.LastTriggeredAt = storeTimePtr(lastTriggered)
	return nil
}

// execEndpoint runs q, which stores e. An https URL is stored at once; any
// other URL is stored in a transaction that first reads the tenant's
// require_https_endpoints under a lock on the tenant's row (FOR KEY SHARE on
// PostgreSQL, which SetRequireHTTPSEndpoints's FOR UPDATE waits for), and
// refuses the URL if it is set.
func (s *Store) execEndpoint(ctx context.Context, e *hookd.Endpoint, quotas []hookd.Quota, q string, args ...any) (sql.Result, error) {
	if hookd.IsHTTPSURL(e.URL) {
		return s.execWithinQuotas(ctx, e.TenantID, quotas, q, args...)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if len(quotas) > 0 {
		if err := s.checkQuotas(ctx, tx, e.TenantID, quotas); err != nil {
			return nil, err
		}
	}
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR KEY SHARE"
	}
	var required bool
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT require_https_endpoints FROM tenants WHERE id = ?"+lock), e.TenantID).Scan(&required); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notFound("tenant of endpoint", "tenant")
		}
		return nil, err
	}
	if required {
		return nil, hookd.Invalid("The tenant requires https for endpoints.", hookd.HTTPSRequired("body.url"))
	}
	res, err := tx.ExecContext(ctx, s.d.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return res, tx.Commit()
}

// DeleteEndpoint deletes an endpoint. Returns ENOTFOUND if none.
func (s *Store) DeleteEndpoint(ctx context.Context, tenantID, id string) error {
	res, err := s.exec(ctx, s.d.rebind("DELETE FROM endpoints WHERE tenant_id = ? AND id = ?"), tenantID, id)
	return interpretError(mustAffect(res, err), "delete endpoint", "endpoint")
}

// SealEndpointHeaders seals the custom headers of up to limit endpoints
// still stored in clear, in one transaction: it reads them (locking the
// rows on PostgreSQL, so instances starting together seal each endpoint
// once), calls seal for each, and stores the sealed headers with "{}" in
// the clear column. It returns how many it sealed.
func (s *Store) SealEndpointHeaders(ctx context.Context, limit int, seal func(e *hookd.Endpoint) ([]byte, error)) (int, error) {
	const op, noun = "seal endpoint headers", "endpoint"
	if limit <= 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, interpretError(err, op, noun)
	}
	defer tx.Rollback()
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	clear, err := queryAll(ctx, tx.QueryContext, scanEndpoint, op, noun, s.d.rebind("SELECT "+endpointColumns+
		" FROM endpoints WHERE sealed_headers IS NULL AND headers <> ? ORDER BY id LIMIT ?"+lock), "{}", limit)
	if err != nil {
		return 0, err
	}
	for _, e := range clear {
		sealed, err := seal(e)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE endpoints SET headers = ?, sealed_headers = ? WHERE id = ?"),
			"{}", nullBytes(sealed), e.ID); err != nil {
			return 0, interpretError(err, op, noun)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, interpretError(err, op, noun)
	}
	return len(clear), nil
}
