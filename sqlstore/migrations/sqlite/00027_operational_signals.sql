-- Operational signals (hookd.OperationalSignal): the outbox of operational
-- events (endpoint.disabled, endpoint.enabled, endpoint.failing,
-- delivery.exhausted), written in the transaction of the change they tell
-- of and drained by the operational-events job. Rows go once the tenant's
-- event is published and the operator's URL has taken them.

-- +goose Up
CREATE TABLE operational_signals (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type              TEXT    NOT NULL,
    endpoint_id       TEXT    NOT NULL,
    data              TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    published         INTEGER NOT NULL DEFAULT 0,
    operator_done     INTEGER NOT NULL DEFAULT 0,
    operator_attempts INTEGER NOT NULL DEFAULT 0,
    operator_error    TEXT    NOT NULL DEFAULT '',
    next_at           TEXT    NOT NULL
);
CREATE INDEX operational_signals_next_idx ON operational_signals (next_at, id);

-- Endpoints that are failing (endpoint.failing was sent and they have not
-- recovered since), and the index that counts attempts over a window.
CREATE TABLE endpoint_health (
    endpoint_id   TEXT NOT NULL PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL,
    failing_since TEXT NOT NULL
);
CREATE INDEX attempts_created_at_idx ON attempts (created_at, endpoint_id, response_status);

-- +goose Down
DROP INDEX attempts_created_at_idx;
DROP TABLE endpoint_health;
DROP TABLE operational_signals;
