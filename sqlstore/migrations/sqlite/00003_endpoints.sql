-- Endpoints: where a tenant's events are delivered. event_types and headers
-- are JSON text. The signing secrets and the verification key are sealed
-- (encrypted) by the app; the plaintext is never stored.

-- +goose Up
CREATE TABLE endpoints (
    id                         TEXT    NOT NULL PRIMARY KEY,
    tenant_id                  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name                       TEXT    NOT NULL,
    url                        TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    event_types                TEXT    NOT NULL,
    all_event_types            INTEGER NOT NULL,
    enabled                    INTEGER NOT NULL,
    disabled_reason            TEXT    NOT NULL,
    disabled_at                TEXT,
    last_triggered_at          TEXT,
    verify_tls                 INTEGER NOT NULL,
    format                     TEXT    NOT NULL,
    max_events_per_request     INTEGER NOT NULL,
    mode                       TEXT    NOT NULL,
    headers                    TEXT    NOT NULL,
    verification_key           BLOB    NOT NULL,
    verification_key_header    TEXT    NOT NULL,
    timeout_seconds            INTEGER NOT NULL,
    secret                     BLOB    NOT NULL,
    previous_secret            BLOB,
    previous_secret_expires_at TEXT,
    created_at                 TEXT    NOT NULL,
    updated_at                 TEXT    NOT NULL
) STRICT;
CREATE INDEX endpoints_tenant_created_at_idx ON endpoints (tenant_id, created_at, id);

-- +goose Down
DROP TABLE endpoints;
