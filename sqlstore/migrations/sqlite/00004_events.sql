-- Events and their deliveries. The deliveries table is the queue (pending
-- rows due at run_at are claimed by workers) and the history. Idempotency
-- keys map a tenant's key to the event it created, for 24 hours.

-- +goose Up
CREATE TABLE events (
    id              TEXT NOT NULL PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    data            TEXT NOT NULL,
    timestamp       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX events_tenant_created_at_idx ON events (tenant_id, created_at, id);
CREATE INDEX events_tenant_type_created_at_idx ON events (tenant_id, type, created_at, id);

CREATE TABLE idempotency_keys (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
) STRICT;

CREATE TABLE deliveries (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id TEXT    NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_type  TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    attempts    INTEGER NOT NULL,
    run_at      TEXT    NOT NULL,
    lease_until TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;
CREATE INDEX deliveries_state_run_at_idx ON deliveries (state, run_at);
CREATE INDEX deliveries_tenant_created_at_idx ON deliveries (tenant_id, created_at, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_endpoint_state_idx ON deliveries (endpoint_id, state);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE idempotency_keys;
DROP TABLE events;
