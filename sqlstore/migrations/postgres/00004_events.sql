-- Events and their deliveries. The deliveries table is the queue (pending
-- rows due at run_at are claimed by workers) and the history. Idempotency
-- keys map a tenant's key to the event it created, for 24 hours.

-- +goose Up
CREATE TABLE events (
    id              text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id       text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type            text        COLLATE "C" NOT NULL,
    data            text        NOT NULL,
    timestamp       timestamptz NOT NULL,
    idempotency_key text        COLLATE "C" NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX events_tenant_created_at_idx ON events (tenant_id, created_at, id);
CREATE INDEX events_tenant_type_created_at_idx ON events (tenant_id, type, created_at, id);

CREATE TABLE idempotency_keys (
    tenant_id  text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key        text        COLLATE "C" NOT NULL,
    event_id   text        COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE deliveries (
    id          text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id    text        COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    endpoint_id text        COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    event_type  text        COLLATE "C" NOT NULL,
    state       text        NOT NULL,
    attempts    integer     NOT NULL,
    run_at      timestamptz NOT NULL,
    lease_until timestamptz,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX deliveries_state_run_at_idx ON deliveries (state, run_at);
CREATE INDEX deliveries_tenant_created_at_idx ON deliveries (tenant_id, created_at, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_endpoint_state_idx ON deliveries (endpoint_id, state);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE idempotency_keys;
DROP TABLE events;
