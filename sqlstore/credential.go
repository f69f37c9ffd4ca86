package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.CredentialStore = (*Store)(nil)

const accessTokenColumns = "id, tenant_id, name, prefix, hash, created_at, last_used_at, oauth_client_id, expires_at, scopes"

// namedTokens are the access tokens not issued to an OAuth client; lists
// add the condition "oauth_client_id IS NULL".
var namedTokens = &table[*hookd.AccessToken]{
	name:    "access_tokens",
	columns: accessTokenColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
		{field: "last_used_at", column: "last_used_at", kind: sortNullTime},
	},
	search: []string{"name"},
	scan:   scanAccessToken,
}

func scanAccessToken(sc scanner, extra ...any) (*hookd.AccessToken, error) {
	var (
		t                  hookd.AccessToken
		created, used, exp timeValue
		client             sql.NullString
		scopes             string
	)
	dest := []any{&t.ID, &t.TenantID, &t.Name, &t.Prefix, &t.Hash, &created, &used, &client, &exp, &scopes}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	t.CreatedAt = created.Time
	t.LastUsedAt = used.ptr()
	t.OAuthClientID = client.String
	t.ExpiresAt = exp.ptr()
	t.Scopes = hookd.ParseScopes(scopes)
	return &t, nil
}

// CreateAccessToken stores t; its times are rounded down to microseconds in
// UTC, as stored. Returns ECONFLICT if a token has its hash, and ENOTFOUND if
// its tenant, or its OAuth client within the tenant, does not exist.
func (s *Store) CreateAccessToken(ctx context.Context, t *hookd.AccessToken, quota ...hookd.Quota) error {
	_, err := s.execWithinQuotas(ctx, t.TenantID, quota, s.d.rebind("INSERT INTO access_tokens ("+accessTokenColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		t.ID, t.TenantID, t.Name, t.Prefix, nullBytes(t.Hash), s.d.time(t.CreatedAt), s.d.nullTime(t.LastUsedAt),
		nullString(t.OAuthClientID), s.d.nullTime(t.ExpiresAt), t.Scopes.String())
	if err != nil {
		return interpretError(err, "create access token", "access token")
	}
	t.CreatedAt = storeTime(t.CreatedAt)
	t.LastUsedAt = storeTimePtr(t.LastUsedAt)
	t.ExpiresAt = storeTimePtr(t.ExpiresAt)
	return nil
}

// AccessTokenByHash returns the token with the given hash, named or issued
// to an OAuth client, expired or not. Returns ENOTFOUND if none.
func (s *Store) AccessTokenByHash(ctx context.Context, hash []byte) (*hookd.AccessToken, error) {
	row := s.queryRowRead(ctx, s.d.rebind("SELECT "+accessTokenColumns+" FROM access_tokens WHERE hash = ?"), nullBytes(hash))
	t, err := scanAccessToken(row)
	if err != nil {
		return nil, interpretError(err, "access token by hash", "access token")
	}
	return t, nil
}

// AccessToken returns a named token of the tenant. Returns ENOTFOUND if none.
func (s *Store) AccessToken(ctx context.Context, tenantID, id string) (*hookd.AccessToken, error) {
	row := s.queryRowRead(ctx, s.d.rebind(
		"SELECT "+accessTokenColumns+" FROM access_tokens WHERE tenant_id = ? AND id = ? AND oauth_client_id IS NULL"), tenantID, id)
	t, err := scanAccessToken(row)
	if err != nil {
		return nil, interpretError(err, "access token", "access token")
	}
	return t, nil
}

// ListAccessTokens returns a page of the tenant's named tokens. Sort fields:
// created_at, name, last_used_at (never-used tokens sort as the oldest).
// Query searches the name.
func (s *Store) ListAccessTokens(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.AccessToken], error) {
	return list(ctx, s, namedTokens, p, []string{"tenant_id = ?", "oauth_client_id IS NULL"}, tenantID)
}

// RenameAccessToken renames a named token. Returns ENOTFOUND if none.
func (s *Store) RenameAccessToken(ctx context.Context, tenantID, id, name string) error {
	res, err := s.exec(ctx, s.d.rebind(
		"UPDATE access_tokens SET name = ? WHERE tenant_id = ? AND id = ? AND oauth_client_id IS NULL"), name, tenantID, id)
	return interpretError(mustAffect(res, err), "rename access token", "access token")
}

// DeleteAccessToken deletes a token of the tenant, named or issued to an
// OAuth client. Returns ENOTFOUND if none.
func (s *Store) DeleteAccessToken(ctx context.Context, tenantID, id string) error {
	res, err := s.exec(ctx, s.d.rebind("DELETE FROM access_tokens WHERE tenant_id = ? AND id = ?"), tenantID, id)
	return interpretError(mustAffect(res, err), "delete access token", "access token")
}

// TouchAccessToken records that the token was used at t, in one UPDATE. It
// never moves the last use back in time, and is not an error for a token that
// is gone.
func (s *Store) TouchAccessToken(ctx context.Context, id string, t time.Time) error {
	return s.touch(ctx, "access_tokens", id, t)
}

func (s *Store) touch(ctx context.Context, tbl, id string, t time.Time) error {
	at := s.d.time(t)
	_, err := s.exec(ctx, s.d.rebind("UPDATE "+tbl+
		" SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)"), at, id, at)
	return interpretError(err, "touch "+tbl, "credential")
}

// DeleteExpiredAccessTokens deletes up to limit tokens whose expiry is at or
// before now (the tokens AccessToken.Expired reports), soonest expired first,
// and says how many it deleted. A limit of 0 or less deletes none.
func (s *Store) DeleteExpiredAccessTokens(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.exec(ctx, s.d.rebind(`DELETE FROM access_tokens WHERE id IN (
		SELECT id FROM access_tokens WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)`),
		s.d.time(now), limit)
	if err != nil {
		return 0, interpretError(err, "delete expired access tokens", "access token")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, interpretError(err, "delete expired access tokens", "access token")
	}
	return int(n), nil
}

const serviceAccountColumns = "id, tenant_id, email, password_hash, created_at, last_used_at, scopes"

var serviceAccounts = &table[*hookd.ServiceAccount]{
	name:    "service_accounts",
	columns: serviceAccountColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "email", column: "email", kind: sortText},
	},
	search: []string{"email"},
	scan:   scanServiceAccount,
}

func scanServiceAccount(sc scanner, extra ...any) (*hookd.ServiceAccount, error) {
	var (
		a             hookd.ServiceAccount
		created, used timeValue
		scopes        string
	)
	dest := []any{&a.ID, &a.TenantID, &a.Email, &a.PasswordHash, &created, &used, &scopes}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	a.CreatedAt = created.Time
	a.LastUsedAt = used.ptr()
	a.Scopes = hookd.ParseScopes(scopes)
	return &a, nil
}

// CreateServiceAccount stores a; its times are rounded down to microseconds
// in UTC, as stored. Returns ECONFLICT if its tenant has an account with its
// email already, and ENOTFOUND if its tenant does not exist.
func (s *Store) CreateServiceAccount(ctx context.Context, a *hookd.ServiceAccount, quota ...hookd.Quota) error {
	_, err := s.execWithinQuotas(ctx, a.TenantID, quota, s.d.rebind("INSERT INTO service_accounts ("+serviceAccountColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)"),
		a.ID, a.TenantID, a.Email, a.PasswordHash, s.d.time(a.CreatedAt), s.d.nullTime(a.LastUsedAt), a.Scopes.String())
	if err != nil {
		return interpretError(err, "create service account", "service account")
	}
	a.CreatedAt = storeTime(a.CreatedAt)
	a.LastUsedAt = storeTimePtr(a.LastUsedAt)
	return nil
}

// ServiceAccountsByEmail returns up to limit accounts with the given email,
// of tenantID or, when it is "", of any tenant, the oldest first.
func (s *Store) ServiceAccountsByEmail(ctx context.Context, tenantID, email string, limit int) ([]*hookd.ServiceAccount, error) {
	q, args := "SELECT "+serviceAccountColumns+" FROM service_accounts WHERE email = ?", []any{email}
	if tenantID != "" {
		q, args = q+" AND tenant_id = ?", append(args, tenantID)
	}
	q, args = q+" ORDER BY created_at, id LIMIT ?", append(args, limit)
	return queryAll(ctx, s.queryRead, scanServiceAccount, "service accounts by email", "service account", s.d.rebind(q), args...)
}

// ServiceAccount returns a service account of the tenant. Returns ENOTFOUND
// if none.
func (s *Store) ServiceAccount(ctx context.Context, tenantID, id string) (*hookd.ServiceAccount, error) {
	row := s.queryRowRead(ctx, s.d.rebind(
		"SELECT "+serviceAccountColumns+" FROM service_accounts WHERE tenant_id = ? AND id = ?"), tenantID, id)
	a, err := scanServiceAccount(row)
	if err != nil {
		return nil, interpretError(err, "service account", "service account")
	}
	return a, nil
}

// ListServiceAccounts returns a page of the tenant's accounts. Sort fields:
// created_at, email. Query searches the email.
func (s *Store) ListServiceAccounts(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.ServiceAccount], error) {
	return list(ctx, s, serviceAccounts, p, []string{"tenant_id = ?"}, tenantID)
}

// DeleteServiceAccount deletes an account of the tenant. Returns ENOTFOUND
// if none.
func (s *Store) DeleteServiceAccount(ctx context.Context, tenantID, id string) error {
	res, err := s.exec(ctx, s.d.rebind("DELETE FROM service_accounts WHERE tenant_id = ? AND id = ?"), tenantID, id)
	return interpretError(mustAffect(res, err), "delete service account", "service account")
}

// TouchServiceAccount records that the account was used at t, in one UPDATE.
// It never moves the last use back in time, and is not an error for an
// account that is gone.
func (s *Store) TouchServiceAccount(ctx context.Context, id string, t time.Time) error {
	return s.touch(ctx, "service_accounts", id, t)
}

const oauthClientColumns = "id, tenant_id, name, secret_hash, created_at, scopes"

var oauthClients = &table[*hookd.OAuthClient]{
	name:    "oauth_clients",
	columns: oauthClientColumns,
	sorts: []sortColumn{
		{field: "created_at", column: "created_at", kind: sortTime},
		{field: "name", column: "name", kind: sortText},
	},
	search: []string{"name"},
	scan:   scanOAuthClient,
}

func scanOAuthClient(sc scanner, extra ...any) (*hookd.OAuthClient, error) {
	var (
		c       hookd.OAuthClient
		created timeValue
		scopes  string
	)
	dest := []any{&c.ID, &c.TenantID, &c.Name, &c.SecretHash, &created, &scopes}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.CreatedAt = created.Time
	c.Scopes = hookd.ParseScopes(scopes)
	return &c, nil
}

// CreateOAuthClient stores c; its time is rounded down to microseconds in
// UTC, as stored. Returns ENOTFOUND if its tenant does not exist.
func (s *Store) CreateOAuthClient(ctx context.Context, c *hookd.OAuthClient, quota ...hookd.Quota) error {
	_, err := s.execWithinQuotas(ctx, c.TenantID, quota, s.d.rebind("INSERT INTO oauth_clients ("+oauthClientColumns+") VALUES (?, ?, ?, ?, ?, ?)"),
		c.ID, c.TenantID, c.Name, nullBytes(c.SecretHash), s.d.time(c.CreatedAt), c.Scopes.String())
	if err != nil {
		return interpretError(err, "create OAuth client", "OAuth client")
	}
	c.CreatedAt = storeTime(c.CreatedAt)
	return nil
}

// OAuthClient returns a client by ID, of any tenant when tenantID is "".
// Returns ENOTFOUND if none.
func (s *Store) OAuthClient(ctx context.Context, tenantID, id string) (*hookd.OAuthClient, error) {
	q, args := "SELECT "+oauthClientColumns+" FROM oauth_clients WHERE id = ?", []any{id}
	if tenantID != "" {
		q, args = q+" AND tenant_id = ?", append(args, tenantID)
	}
	c, err := scanOAuthClient(s.queryRowRead(ctx, s.d.rebind(q), args...))
	if err != nil {
		return nil, interpretError(err, "OAuth client", "OAuth client")
	}
	return c, nil
}

// ListOAuthClients returns a page of the tenant's clients. Sort fields:
// created_at, name. Query searches the name.
func (s *Store) ListOAuthClients(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.OAuthClient], error) {
	return list(ctx, s, oauthClients, p, []string{"tenant_id = ?"}, tenantID)
}

// DeleteOAuthClient deletes a client of the tenant and, by cascade, every
// token issued to it. Returns ENOTFOUND if none.
func (s *Store) DeleteOAuthClient(ctx context.Context, tenantID, id string) error {
	res, err := s.exec(ctx, s.d.rebind("DELETE FROM oauth_clients WHERE tenant_id = ? AND id = ?"), tenantID, id)
	return interpretError(mustAffect(res, err), "delete OAuth client", "OAuth client")
}
