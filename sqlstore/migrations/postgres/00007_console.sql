-- The web console: signed-in browsers, kept by the SHA-256 of their token.
-- A session with no tenant and no user is the operator's.

-- +goose Up
CREATE TABLE console_sessions (
    id           text        COLLATE "C" NOT NULL PRIMARY KEY,
    hash         bytea       NOT NULL,
    tenant_id    text        COLLATE "C" REFERENCES tenants (id) ON DELETE CASCADE,
    user_id      text        COLLATE "C" REFERENCES console_users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    ip_address   text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    CONSTRAINT console_sessions_hash_key UNIQUE (hash),
    CONSTRAINT console_sessions_owner_check CHECK ((tenant_id IS NULL) = (user_id IS NULL))
);
CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);
CREATE INDEX console_sessions_user_idx ON console_sessions (user_id);
CREATE INDEX console_sessions_tenant_idx ON console_sessions (tenant_id);

-- Sign-in looks a user up by email across tenants.
CREATE INDEX console_users_email_idx ON console_users (email, created_at, id);

-- The console's History lists a tenant's deliveries of one event, of one
-- endpoint, or sorted by event type or by when they were last sent; with
-- only (tenant_id, created_at, id) each of these read every delivery of
-- the tenant. The sort by last attempt sorts a never-sent delivery as the
-- oldest, with the same expression as the store's lists.
CREATE INDEX deliveries_tenant_event_idx ON deliveries (tenant_id, event_id, created_at, id);
CREATE INDEX deliveries_tenant_endpoint_idx ON deliveries (tenant_id, endpoint_id, created_at, id);
CREATE INDEX deliveries_tenant_type_idx ON deliveries (tenant_id, event_type, id);
CREATE INDEX deliveries_tenant_last_attempt_idx ON deliveries (tenant_id, (COALESCE(last_attempt_at, '0001-01-01 00:00:00+00'::timestamptz)), id);

-- +goose Down
DROP INDEX deliveries_tenant_last_attempt_idx;
DROP INDEX deliveries_tenant_type_idx;
DROP INDEX deliveries_tenant_endpoint_idx;
DROP INDEX deliveries_tenant_event_idx;
DROP INDEX console_users_email_idx;
DROP TABLE console_sessions;
