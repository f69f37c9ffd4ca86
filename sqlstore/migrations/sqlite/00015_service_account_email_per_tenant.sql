-- A service account's email is unique within its tenant, no longer on the
-- whole instance: a tenant must not learn, by a refused email, that another
-- tenant uses it. HTTP Basic on /hooks/{tenant}/… looks the email up in
-- that tenant; on /api/v1 among the oldest accounts with that email.
-- SQLite cannot drop a table constraint, so the table is rebuilt; nothing
-- refers to it. It keeps the scopes column of migration 00013.

-- +goose Up
CREATE TABLE service_accounts_new (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    scopes        TEXT NOT NULL DEFAULT 'inbound',
    CONSTRAINT service_accounts_tenant_email_key UNIQUE (tenant_id, email)
) STRICT;
INSERT INTO service_accounts_new (id, tenant_id, email, password_hash, created_at, last_used_at, scopes)
    SELECT id, tenant_id, email, password_hash, created_at, last_used_at, scopes FROM service_accounts;
DROP TABLE service_accounts;
ALTER TABLE service_accounts_new RENAME TO service_accounts;
CREATE INDEX service_accounts_tenant_created_at_idx ON service_accounts (tenant_id, created_at, id);
CREATE INDEX service_accounts_email_created_at_idx ON service_accounts (email, created_at, id);

-- +goose Down
CREATE TABLE service_accounts_old (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    scopes        TEXT NOT NULL DEFAULT 'inbound',
    CONSTRAINT service_accounts_email_key UNIQUE (email)
) STRICT;
INSERT INTO service_accounts_old (id, tenant_id, email, password_hash, created_at, last_used_at, scopes)
    SELECT id, tenant_id, email, password_hash, created_at, last_used_at, scopes FROM service_accounts
    WHERE id IN (SELECT min(id) FROM service_accounts GROUP BY email);
DROP TABLE service_accounts;
ALTER TABLE service_accounts_old RENAME TO service_accounts;
CREATE INDEX service_accounts_tenant_created_at_idx ON service_accounts (tenant_id, created_at, id);
