package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.InboundStore = (*Store)(nil)

// Provisioning destinations.

const destinationColumns = "id, tenant_id, name, type, mapping, signature, signature_header, signature_encoding, " +
	"signing_secret, created_at, updated_at"

var destinations = &table[*hookd.ProvisioningDestination]{
	name:    "provisioning_destinations",
	columns: destinationColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
	},
	search: []string{"name"},
	scan:   scanDestination,
}

func scanDestination(sc scanner, extra ...any) (*hookd.ProvisioningDestination, error) {
	var (
		d                    hookd.ProvisioningDestination
		typ, mapping, scheme string
		created, updated     timeValue
	)
	dest := []any{&d.ID, &d.TenantID, &d.Name, &typ, &mapping, &scheme, &d.SignatureHeader, &d.SignatureEncoding,
		&d.SealedSigningSecret, &created, &updated}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(mapping), &d.Mapping); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored mapping of destination %s: %w", d.ID, err)
	}
	d.Type = hookd.DestinationType(typ)
	d.Signature = hookd.SignatureScheme(scheme)
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	return &d, nil
}

// mappingValue returns the stored form of a mapping.
func mappingValue(m map[string]string) (string, error) {
	if m == nil {
		m = map[string]string{}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// normalizeDestination makes d as it reads back.
func normalizeDestination(d *hookd.ProvisioningDestination) {
	if d.Mapping == nil {
		d.Mapping = map[string]string{}
	}
	d.SigningSecret = ""
	d.CreatedAt, d.UpdatedAt = storeTime(d.CreatedAt), storeTime(d.UpdatedAt)
}

// CreateProvisioningDestination stores d.
func (s *Store) CreateProvisioningDestination(ctx context.Context, d *hookd.ProvisioningDestination, quota ...hookd.Quota) error {
	const op, noun = "create provisioning destination", "provisioning destination"
	mapping, err := mappingValue(d.Mapping)
	if err != nil {
		return interpretError(err, op, noun)
	}
	_, err = s.execWithinQuotas(ctx, d.TenantID, quota, s.d.rebind("INSERT INTO provisioning_destinations ("+destinationColumns+
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		d.ID, d.TenantID, d.Name, string(d.Type), mapping, string(d.Signature), d.SignatureHeader, d.SignatureEncoding,
		nullBytes(d.SealedSigningSecret), s.d.time(d.CreatedAt), s.d.time(d.UpdatedAt))
	if err != nil {
		return interpretError(err, op, noun)
	}
	normalizeDestination(d)
	return nil
}

// ProvisioningDestination returns a destination of the tenant.
func (s *Store) ProvisioningDestination(ctx context.Context, tenantID, id string) (*hookd.ProvisioningDestination, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+destinationColumns+
		" FROM provisioning_destinations WHERE tenant_id = ? AND id = ?"), tenantID, id)
	d, err := scanDestination(row)
	if err != nil {
		return nil, interpretError(err, "provisioning destination", "provisioning destination")
	}
	return d, nil
}

// ListProvisioningDestinations returns a page of the tenant's destinations.
func (s *Store) ListProvisioningDestinations(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.ProvisioningDestination], error) {
	return list(ctx, s, destinations, p, []string{"tenant_id = ?"}, tenantID)
}

// UpdateProvisioningDestination saves everything of d but its ID, TenantID
// and CreatedAt.
func (s *Store) UpdateProvisioningDestination(ctx context.Context, d *hookd.ProvisioningDestination) error {
	const op, noun = "update provisioning destination", "provisioning destination"
	mapping, err := mappingValue(d.Mapping)
	if err != nil {
		return interpretError(err, op, noun)
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`UPDATE provisioning_destinations SET name = ?, type = ?, mapping = ?,
		signature = ?, signature_header = ?, signature_encoding = ?, signing_secret = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`),
		d.Name, string(d.Type), mapping, string(d.Signature), d.SignatureHeader, d.SignatureEncoding,
		nullBytes(d.SealedSigningSecret), s.d.time(d.UpdatedAt), d.TenantID, d.ID)
	if err := mustAffect(res, err); err != nil {
		return interpretError(err, op, noun)
	}
	normalizeDestination(d)
	return nil
}

// DeleteProvisioningDestination deletes a destination.
func (s *Store) DeleteProvisioningDestination(ctx context.Context, tenantID, id string) error {
	res, err := s.db.ExecContext(ctx, s.d.rebind("DELETE FROM provisioning_destinations WHERE tenant_id = ? AND id = ?"), tenantID, id)
	return interpretError(mustAffect(res, err), "delete provisioning destination", "provisioning destination")
}

// The inbound log.

const inboundCallColumns = "id, tenant_id, received_at, kind, destination_id, operation, method, path, source_ip, " +
	"caller, headers, body, body_truncated, status, problem, errors, result_type, result_id, replay_of, " +
	"authenticated, body_size, body_sha256"

var inboundCalls = &table[*hookd.InboundCall]{
	name:    "inbound_calls",
	columns: inboundCallColumns,
	sorts: []sortColumn{
		{field: "received_at", column: "received_at", kind: sortTime},
	},
	search: []string{"path", "kind", "source_ip", "problem"},
	scan:   scanInboundCall,
}

// storedFieldError is a field error as the errors column keeps it.
type storedFieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

func scanInboundCall(sc scanner, extra ...any) (*hookd.InboundCall, error) {
	var (
		c             hookd.InboundCall
		kind, op      string
		headers, errs string
		received      timeValue
	)
	dest := []any{&c.ID, &c.TenantID, &received, &kind, &c.DestinationID, &op, &c.Method, &c.Path, &c.SourceIP,
		&c.Caller, &headers, &c.Body, &c.BodyTruncated, &c.Status, &c.Problem, &errs, &c.ResultType, &c.ResultID,
		&c.ReplayOf, &c.Authenticated, &c.BodySize, &c.BodySHA256}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(headers), &c.Headers); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored headers of inbound call %s: %w", c.ID, err)
	}
	var fes []storedFieldError
	if err := json.Unmarshal([]byte(errs), &fes); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored errors of inbound call %s: %w", c.ID, err)
	}
	c.Errors = make([]hookd.FieldError, len(fes))
	for i, f := range fes {
		c.Errors[i] = hookd.FieldError{Location: f.Location, Message: f.Message}
	}
	if c.Body == nil {
		c.Body = []byte{}
	}
	c.Kind = hookd.InboundKind(kind)
	c.Operation = hookd.ProvisioningOperation(op)
	c.ReceivedAt = received.Time
	return &c, nil
}

// inboundCallArgs returns the values of inboundCallColumns for c, after
// making its nil headers, body and errors empty.
func inboundCallArgs(s *Store, c *hookd.InboundCall) ([]any, error) {
	if c.Headers == nil {
		c.Headers = http.Header{}
	}
	if c.Body == nil {
		c.Body = []byte{}
	}
	if c.Errors == nil {
		c.Errors = []hookd.FieldError{}
	}
	headers, err := json.Marshal(c.Headers)
	if err != nil {
		return nil, err
	}
	fes := make([]storedFieldError, len(c.Errors))
	for i, f := range c.Errors {
		fes[i] = storedFieldError{Location: f.Location, Message: f.Message}
	}
	errs, err := json.Marshal(fes)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.TenantID, s.d.time(c.ReceivedAt), string(c.Kind), c.DestinationID, string(c.Operation), c.Method,
		c.Path, c.SourceIP, c.Caller, string(headers), c.Body, c.BodyTruncated, c.Status, c.Problem, string(errs),
		c.ResultType, c.ResultID, c.ReplayOf, c.Authenticated, c.BodySize, c.BodySHA256}, nil
}

// CreateInboundCall stores c; nil headers, body and errors become empty
// ones, and ReceivedAt is rounded as stored.
func (s *Store) CreateInboundCall(ctx context.Context, c *hookd.InboundCall) error {
	const op, noun = "create inbound call", "inbound call"
	args, err := inboundCallArgs(s, c)
	if err != nil {
		return interpretError(err, op, noun)
	}
	_, err = s.db.ExecContext(ctx, s.d.rebind("INSERT INTO inbound_calls ("+inboundCallColumns+
		") VALUES ("+placeholders(len(args))+")"), args...)
	if err != nil {
		return interpretError(err, op, noun)
	}
	c.ReceivedAt = storeTime(c.ReceivedAt)
	return nil
}

// CreateInboundCallForSlug stores c in the log of the tenant with that
// slug, in one INSERT … SELECT that runs whether or not the tenant exists.
// On PostgreSQL its commit does not wait for the WAL to be flushed
// (synchronous_commit off, for this transaction only): a commit that wrote
// a row would otherwise take a disk flush longer than one that wrote none,
// telling which slugs exist; a crash may lose the last such calls, which
// are a log of failed calls only.
func (s *Store) CreateInboundCallForSlug(ctx context.Context, slug string, c *hookd.InboundCall) error {
	const op, noun = "create inbound call", "inbound call"
	args, err := inboundCallArgs(s, c)
	if err != nil {
		return interpretError(err, op, noun)
	}
	// The tenant's id comes from the SELECT: its value is left out.
	values := strings.Split(placeholders(len(args)), ", ")
	values[1] = "t.id"
	args = append(append(args[:1:1], args[2:]...), slug)
	q := s.d.rebind("INSERT INTO inbound_calls (" + inboundCallColumns + ") SELECT " + strings.Join(values, ", ") +
		" FROM tenants t WHERE t.slug = ? RETURNING tenant_id")
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, noun)
	}
	defer tx.Rollback()
	if s.d.name == BackendPostgres {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return interpretError(err, op, noun)
		}
	}
	var tenantID string
	err = tx.QueryRowContext(ctx, q, args...).Scan(&tenantID)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return interpretError(err, op, noun)
	}
	if err := tx.Commit(); err != nil {
		return interpretError(err, op, noun)
	}
	if !found {
		return hookd.Errorf(hookd.ENOTFOUND, "There is no tenant %q.", slug)
	}
	c.TenantID = tenantID
	c.ReceivedAt = storeTime(c.ReceivedAt)
	return nil
}

// InboundCall returns a call of the tenant's log.
func (s *Store) InboundCall(ctx context.Context, tenantID, id string) (*hookd.InboundCall, error) {
	row := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+inboundCallColumns+" FROM inbound_calls WHERE tenant_id = ? AND id = ?"), tenantID, id)
	c, err := scanInboundCall(row)
	if err != nil {
		return nil, interpretError(err, "inbound call", "inbound call")
	}
	return c, nil
}

// ListInboundCalls returns a page of the tenant's log, only failed calls if
// failedOnly.
func (s *Store) ListInboundCalls(ctx context.Context, tenantID string, failedOnly bool, p hookd.ListParams) (hookd.Page[*hookd.InboundCall], error) {
	where := []string{"tenant_id = ?"}
	if failedOnly {
		where = append(where, "(status < 200 OR status > 299)")
	}
	return list(ctx, s, inboundCalls, p, where, tenantID)
}

// PruneInboundCalls deletes up to limit calls received before before,
// oldest first.
func (s *Store) PruneInboundCalls(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.exec(ctx, "DELETE FROM inbound_calls WHERE id IN (SELECT id FROM inbound_calls WHERE received_at < ?"+
		" ORDER BY received_at LIMIT ?)", s.d.time(before), limit)
	return inboundAffected(res, err, "prune inbound calls")
}

// inboundCallBytes is what a stored call counts for against
// hookd.InboundLogLimits.MaxBytes: its variable-length columns.
const inboundCallBytes = "LENGTH(body) + LENGTH(headers) + LENGTH(path) + LENGTH(problem) + LENGTH(errors)"

// TrimInboundCalls deletes up to limit of the tenant's oldest calls
// beyond keep: those past the newest MaxCalls, and those past the newest
// that fit in MaxBytes.
func (s *Store) TrimInboundCalls(ctx context.Context, tenantID string, keep hookd.InboundLogLimits, limit int) (int, error) {
	maxCalls, maxBytes := int64(keep.MaxCalls), keep.MaxBytes
	if maxCalls <= 0 {
		maxCalls = math.MaxInt64
	}
	if maxBytes <= 0 {
		maxBytes = math.MaxInt64
	}
	res, err := s.exec(ctx, "DELETE FROM inbound_calls WHERE id IN (SELECT id FROM ("+
		"SELECT id, ROW_NUMBER() OVER w AS n, SUM("+inboundCallBytes+") OVER w AS kept"+
		" FROM inbound_calls WHERE tenant_id = ? WINDOW w AS (ORDER BY received_at DESC, id DESC)"+
		") ranked WHERE n > ? OR kept > ? ORDER BY n DESC LIMIT ?)", tenantID, maxCalls, maxBytes, limit)
	return inboundAffected(res, err, "trim inbound calls")
}

// inboundAffected returns the rows res affected.
func inboundAffected(res sql.Result, err error, op string) (int, error) {
	if err != nil {
		return 0, interpretError(err, op, "inbound call")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, interpretError(err, op, "inbound call")
	}
	return int(n), nil
}
