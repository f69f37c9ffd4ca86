-- Times are TEXT in the fixed-width form 2006-01-02T15:04:05.000000Z (UTC,
-- microseconds), so they compare and sort as strings. Hashes and ciphertexts
-- are BLOBs.

-- +goose Up
CREATE TABLE tenants (
    id                 TEXT    NOT NULL PRIMARY KEY,
    slug               TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    plan               TEXT    NOT NULL,
    created_at         TEXT    NOT NULL,
    api_enabled        INTEGER NOT NULL DEFAULT 0,
    api_key_ciphertext BLOB,
    api_key_hash       BLOB,
    api_key_hint       TEXT,
    api_key_created_at TEXT,
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_api_key_hash_key UNIQUE (api_key_hash)
) STRICT;
CREATE INDEX tenants_created_at_idx ON tenants (created_at, id);
CREATE INDEX tenants_name_idx ON tenants (name, id);

CREATE TABLE console_users (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT console_users_tenant_email_key UNIQUE (tenant_id, email)
) STRICT;

CREATE TABLE oauth_clients (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    CONSTRAINT oauth_clients_tenant_id_key UNIQUE (tenant_id, id)
) STRICT;
CREATE INDEX oauth_clients_tenant_created_at_idx ON oauth_clients (tenant_id, created_at, id);

-- Named tokens have no oauth_client_id; tokens issued to an OAuth client
-- belong to a client of the same tenant and go when it goes.
CREATE TABLE access_tokens (
    id              TEXT NOT NULL PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    hash            BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    oauth_client_id TEXT,
    expires_at      TEXT,
    CONSTRAINT access_tokens_hash_key UNIQUE (hash),
    CONSTRAINT access_tokens_oauth_client_fkey FOREIGN KEY (tenant_id, oauth_client_id)
        REFERENCES oauth_clients (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX access_tokens_tenant_created_at_idx ON access_tokens (tenant_id, created_at, id);
CREATE INDEX access_tokens_oauth_client_idx ON access_tokens (tenant_id, oauth_client_id);
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE service_accounts (
    id            TEXT NOT NULL PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    CONSTRAINT service_accounts_email_key UNIQUE (email)
) STRICT;
CREATE INDEX service_accounts_tenant_created_at_idx ON service_accounts (tenant_id, created_at, id);

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE settings;
DROP TABLE service_accounts;
DROP TABLE access_tokens;
DROP TABLE oauth_clients;
DROP TABLE console_users;
DROP TABLE tenants;
