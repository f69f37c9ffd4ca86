-- Operational signals (hookd.OperationalSignal): the outbox of operational
-- events (endpoint.disabled, endpoint.enabled, endpoint.failing,
-- delivery.exhausted), written in the transaction of the change they tell
-- of and drained by the operational-events job. Rows go once the tenant's
-- event is published and the operator's URL has taken them.

-- +goose Up
CREATE TABLE operational_signals (
    id                text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id         text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    type              text        NOT NULL,
    endpoint_id       text COLLATE "C" NOT NULL,
    data              text        NOT NULL,
    created_at        timestamptz NOT NULL,
    published         boolean     NOT NULL DEFAULT false,
    operator_done     boolean     NOT NULL DEFAULT false,
    operator_attempts integer     NOT NULL DEFAULT 0,
    operator_error    text        NOT NULL DEFAULT '',
    next_at           timestamptz NOT NULL
);
CREATE INDEX operational_signals_next_idx ON operational_signals (next_at, id);

-- Endpoints that are failing (endpoint.failing was sent and they have not
-- recovered since), and the index that counts attempts over a window.
CREATE TABLE endpoint_health (
    endpoint_id   text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES endpoints (id) ON DELETE CASCADE,
    tenant_id     text COLLATE "C" NOT NULL,
    failing_since timestamptz NOT NULL
);
CREATE INDEX attempts_created_at_idx ON attempts (created_at, endpoint_id, response_status);

-- +goose Down
DROP INDEX attempts_created_at_idx;
DROP TABLE endpoint_health;
DROP TABLE operational_signals;
