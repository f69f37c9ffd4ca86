-- Times are timestamptz (microseconds). IDs and the text lists sort by are
-- COLLATE "C", so PostgreSQL orders them by code point exactly as SQLite does. Hashes and
-- ciphertexts are bytea.

-- +goose Up
CREATE TABLE tenants (
    id                 text        COLLATE "C" NOT NULL PRIMARY KEY,
    slug               text        COLLATE "C" NOT NULL,
    name               text        COLLATE "C" NOT NULL,
    plan               text        NOT NULL,
    created_at         timestamptz NOT NULL,
    api_enabled        boolean     NOT NULL DEFAULT false,
    api_key_ciphertext bytea,
    api_key_hash       bytea,
    api_key_hint       text,
    api_key_created_at timestamptz,
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_api_key_hash_key UNIQUE (api_key_hash)
);
CREATE INDEX tenants_created_at_idx ON tenants (created_at, id);
CREATE INDEX tenants_name_idx ON tenants (name, id);

CREATE TABLE console_users (
    id            text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id     text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         text        COLLATE "C" NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT console_users_tenant_email_key UNIQUE (tenant_id, email)
);

CREATE TABLE oauth_clients (
    id          text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        text        COLLATE "C" NOT NULL,
    secret_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    CONSTRAINT oauth_clients_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE INDEX oauth_clients_tenant_created_at_idx ON oauth_clients (tenant_id, created_at, id);

-- Named tokens have no oauth_client_id; tokens issued to an OAuth client
-- belong to a client of the same tenant and go when it goes.
CREATE TABLE access_tokens (
    id              text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id       text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text        COLLATE "C" NOT NULL,
    prefix          text        NOT NULL,
    hash            bytea       NOT NULL,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    oauth_client_id text        COLLATE "C",
    expires_at      timestamptz,
    CONSTRAINT access_tokens_hash_key UNIQUE (hash),
    CONSTRAINT access_tokens_oauth_client_fkey FOREIGN KEY (tenant_id, oauth_client_id)
        REFERENCES oauth_clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_tenant_created_at_idx ON access_tokens (tenant_id, created_at, id);
CREATE INDEX access_tokens_oauth_client_idx ON access_tokens (tenant_id, oauth_client_id);
CREATE INDEX access_tokens_expires_at_idx ON access_tokens (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE service_accounts (
    id            text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id     text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         text        COLLATE "C" NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    CONSTRAINT service_accounts_email_key UNIQUE (email)
);
CREATE INDEX service_accounts_tenant_created_at_idx ON service_accounts (tenant_id, created_at, id);

CREATE TABLE settings (
    key   text NOT NULL PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE service_accounts;
DROP TABLE access_tokens;
DROP TABLE oauth_clients;
DROP TABLE console_users;
DROP TABLE tenants;
