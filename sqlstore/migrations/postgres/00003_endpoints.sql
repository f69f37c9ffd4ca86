-- Endpoints: where a tenant's events are delivered. event_types and headers
-- are JSON text. The signing secrets and the verification key are sealed
-- (encrypted) by the app; the plaintext is never stored.

-- +goose Up
CREATE TABLE endpoints (
    id                         text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id                  text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                       text        COLLATE "C" NOT NULL,
    url                        text        COLLATE "C" NOT NULL,
    description                text        COLLATE "C" NOT NULL,
    event_types                text        NOT NULL,
    all_event_types            boolean     NOT NULL,
    enabled                    boolean     NOT NULL,
    disabled_reason            text        NOT NULL,
    disabled_at                timestamptz,
    last_triggered_at          timestamptz,
    verify_tls                 boolean     NOT NULL,
    format                     text        NOT NULL,
    max_events_per_request     integer     NOT NULL,
    mode                       text        NOT NULL,
    headers                    text        NOT NULL,
    verification_key           bytea       NOT NULL,
    verification_key_header    text        NOT NULL,
    timeout_seconds            integer     NOT NULL,
    secret                     bytea       NOT NULL,
    previous_secret            bytea,
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL
);
CREATE INDEX endpoints_tenant_created_at_idx ON endpoints (tenant_id, created_at, id);

-- +goose Down
DROP TABLE endpoints;
