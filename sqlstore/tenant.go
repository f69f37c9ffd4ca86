package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hookd/hookd"
)

var _ hookd.TenantStore = (*Store)(nil)

const tenantColumns = "id, slug, name, plan, created_at, api_enabled, api_key_ciphertext, api_key_hash, api_key_hint, api_key_created_at, " +
	"require_https_endpoints"

var tenants = &table[*hookd.Tenant]{
	name:    "tenants",
	columns: tenantColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "slug", column: "slug", kind: sortText},
		{field: "name", column: "name", kind: sortText},
	},
	search: []string{"slug", "name"},
	scan:   scanTenant,
}

func scanTenant(sc scanner, extra ...any) (*hookd.Tenant, error) {
	var (
		t          hookd.Tenant
		plan       string
		created    timeValue
		ciphertext []byte
		hash       []byte
		hint       sql.NullString
		keyCreated timeValue
	)
	dest := []any{&t.ID, &t.Slug, &t.Name, &plan, &created, &t.APIEnabled, &ciphertext, &hash, &hint, &keyCreated, &t.RequireHTTPSEndpoints}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	t.Plan = hookd.Plan(plan)
	t.CreatedAt = created.Time
	if hash != nil {
		t.APIKey = &hookd.APIKey{Ciphertext: ciphertext, Hash: hash, Hint: hint.String, CreatedAt: keyCreated.Time}
	}
	return &t, nil
}

// apiKeyArgs returns the four API key columns of t as query arguments.
func (s *Store) apiKeyArgs(k *hookd.APIKey) []any {
	if k == nil {
		return []any{nil, nil, nil, nil}
	}
	return []any{nullBytes(k.Ciphertext), nullBytes(k.Hash), k.Hint, s.d.time(k.CreatedAt)}
}

// normalizeTenant rounds t's times as the store keeps them.
func normalizeTenant(t *hookd.Tenant) {
	t.CreatedAt = storeTime(t.CreatedAt)
	if t.APIKey != nil {
		t.APIKey.CreatedAt = storeTime(t.APIKey.CreatedAt)
	}
}

// CreateTenant stores t and, if u is not nil, its first console user, in one
// transaction; u.TenantID is set to t.ID. The times of t and u are rounded
// down to microseconds in UTC, as stored. Returns ECONFLICT if the slug, the
// API key or the user's email within the tenant is taken.
func (s *Store) CreateTenant(ctx context.Context, t *hookd.Tenant, u *hookd.ConsoleUser) error {
	const op = "create tenant"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return interpretError(err, op, "tenant")
	}
	defer tx.Rollback()

	args := append([]any{t.ID, t.Slug, t.Name, string(t.Plan), s.d.time(t.CreatedAt), t.APIEnabled}, s.apiKeyArgs(t.APIKey)...)
	args = append(args, t.RequireHTTPSEndpoints)
	if _, err := tx.ExecContext(ctx, s.d.rebind(
		"INSERT INTO tenants ("+tenantColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), args...); err != nil {
		return interpretError(err, op, "tenant")
	}
	if u != nil {
		if _, err := tx.ExecContext(ctx, s.d.rebind(
			"INSERT INTO console_users (id, tenant_id, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?)"),
			u.ID, t.ID, u.Email, u.PasswordHash, s.d.time(u.CreatedAt)); err != nil {
			return interpretError(err, op, "console user")
		}
	}
	if err := tx.Commit(); err != nil {
		return interpretError(err, op, "tenant")
	}
	normalizeTenant(t)
	if u != nil {
		u.TenantID = t.ID
		u.CreatedAt = storeTime(u.CreatedAt)
	}
	return nil
}

// Tenant returns the tenant with the given ID. Returns ENOTFOUND if none.
func (s *Store) Tenant(ctx context.Context, id string) (*hookd.Tenant, error) {
	return s.tenantWhere(ctx, "tenant", "id = ?", id)
}

// TenantBySlug returns the tenant with the given slug. Returns ENOTFOUND if
// none.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (*hookd.Tenant, error) {
	return s.tenantWhere(ctx, "tenant by slug", "slug = ?", slug)
}

// TenantByAPIKeyHash returns the tenant whose API key has the given hash.
// Returns ENOTFOUND if none.
func (s *Store) TenantByAPIKeyHash(ctx context.Context, hash []byte) (*hookd.Tenant, error) {
	if len(hash) == 0 {
		return nil, notFound("tenant by API key", "tenant")
	}
	return s.tenantWhere(ctx, "tenant by API key", "api_key_hash = ?", hash)
}

func (s *Store) tenantWhere(ctx context.Context, op, where string, arg any) (*hookd.Tenant, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+tenantColumns+" FROM tenants WHERE "+where), arg)
	t, err := scanTenant(row)
	if err != nil {
		return nil, interpretError(err, op, "tenant")
	}
	return t, nil
}

// ListTenants returns a page of tenants. Sort fields: created_at, slug, name.
// Query searches slug and name.
func (s *Store) ListTenants(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Tenant], error) {
	return list(ctx, s, tenants, p, nil)
}

// UpdateTenant saves t's name, plan, API switch and API key, but not
// RequireHTTPSEndpoints, which only SetRequireHTTPSEndpoints changes; the
// key's time is rounded as stored. Returns ENOTFOUND if the tenant does not exist, and
// ECONFLICT if another tenant has the API key.
func (s *Store) UpdateTenant(ctx context.Context, t *hookd.Tenant) error {
	const op = "update tenant"
	args := append([]any{t.Name, string(t.Plan), t.APIEnabled}, s.apiKeyArgs(t.APIKey)...)
	args = append(args, t.ID)
	res, err := s.exec(ctx, s.d.rebind(`UPDATE tenants SET name = ?, plan = ?, api_enabled = ?,
		api_key_ciphertext = ?, api_key_hash = ?, api_key_hint = ?, api_key_created_at = ? WHERE id = ?`), args...)
	if err := mustAffect(res, err); err != nil {
		return interpretError(err, op, "tenant")
	}
	if t.APIKey != nil {
		t.APIKey.CreatedAt = storeTime(t.APIKey.CreatedAt)
	}
	return nil
}

// SetRequireHTTPSEndpoints sets whether the tenant's endpoints must be https,
// in one transaction that holds the tenant's row: switching on while the
// tenant has endpoints whose URL is not https changes nothing and returns
// them, oldest first. CreateEndpoint and UpdateEndpoint read the setting
// under the same row lock (on SQLite every write transaction is exclusive),
// so an http endpoint cannot be stored between the check and the change.
// Returns ENOTFOUND if the tenant does not exist.
func (s *Store) SetRequireHTTPSEndpoints(ctx context.Context, tenantID string, on bool) ([]*hookd.Endpoint, error) {
	const op, noun = "set require https endpoints", "tenant"
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, interpretError(err, op, noun)
	}
	defer tx.Rollback()
	lock := ""
	if s.d.name == BackendPostgres {
		lock = " FOR UPDATE"
	}
	var was bool
	if err := tx.QueryRowContext(ctx, s.d.rebind("SELECT require_https_endpoints FROM tenants WHERE id = ?"+lock), tenantID).Scan(&was); err != nil {
		return nil, interpretError(err, op, noun)
	}
	if on && !was {
		blocking, err := s.nonHTTPSEndpoints(ctx, tx, tenantID)
		if err != nil {
			return nil, interpretError(err, op, noun)
		}
		if len(blocking) > 0 {
			return blocking, nil
		}
	}
	if on != was {
		if _, err := tx.ExecContext(ctx, s.d.rebind("UPDATE tenants SET require_https_endpoints = ? WHERE id = ?"), on, tenantID); err != nil {
			return nil, interpretError(err, op, noun)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, interpretError(err, op, noun)
	}
	return nil, nil
}

// nonHTTPSEndpoints returns the tenant's endpoints whose URL is not https,
// oldest first. It reads every endpoint of the tenant and decides with
// hookd.IsHTTPSURL, so that the store and the app agree on what https is.
func (s *Store) nonHTTPSEndpoints(ctx context.Context, tx *sql.Tx, tenantID string) ([]*hookd.Endpoint, error) {
	rows, err := tx.QueryContext(ctx, s.d.rebind(
		"SELECT "+endpointColumns+" FROM endpoints WHERE tenant_id = ? ORDER BY created_at, id"), tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hookd.Endpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		if !hookd.IsHTTPSURL(e.URL) {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

const consoleUserColumns = "id, tenant_id, email, password_hash, created_at"

func scanConsoleUser(sc scanner) (*hookd.ConsoleUser, error) {
	var (
		u       hookd.ConsoleUser
		created timeValue
	)
	if err := sc.Scan(&u.ID, &u.TenantID, &u.Email, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = created.Time
	return &u, nil
}

// ConsoleUserByEmail returns a console user of the tenant. Returns ENOTFOUND
// if none.
func (s *Store) ConsoleUserByEmail(ctx context.Context, tenantID, email string) (*hookd.ConsoleUser, error) {
	u, err := scanConsoleUser(s.rdb.QueryRowContext(ctx, s.d.rebind(
		"SELECT "+consoleUserColumns+" FROM console_users WHERE tenant_id = ? AND email = ?"), tenantID, email))
	if err != nil {
		return nil, interpretError(err, "console user by email", "console user")
	}
	return u, nil
}

// ConsoleUser returns a console user of the tenant by ID. Returns ENOTFOUND
// if none.
func (s *Store) ConsoleUser(ctx context.Context, tenantID, id string) (*hookd.ConsoleUser, error) {
	u, err := scanConsoleUser(s.rdb.QueryRowContext(ctx, s.d.rebind(
		"SELECT "+consoleUserColumns+" FROM console_users WHERE tenant_id = ? AND id = ?"), tenantID, id))
	if err != nil {
		return nil, interpretError(err, "console user", "console user")
	}
	return u, nil
}

// ConsoleUsersByEmail returns every console user with the given email, of
// any tenant, oldest first.
func (s *Store) ConsoleUsersByEmail(ctx context.Context, email string) ([]*hookd.ConsoleUser, error) {
	const op, noun = "console users by email", "console user"
	rows, err := s.rdb.QueryContext(ctx, s.d.rebind(
		"SELECT "+consoleUserColumns+" FROM console_users WHERE email = ? ORDER BY created_at, id"), email)
	if err != nil {
		return nil, interpretError(err, op, noun)
	}
	defer rows.Close()
	var users []*hookd.ConsoleUser
	for rows.Next() {
		u, err := scanConsoleUser(rows)
		if err != nil {
			return nil, interpretError(err, op, noun)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, op, noun)
	}
	return users, nil
}

// mustAffect returns err, or sql.ErrNoRows if the statement changed no row.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
