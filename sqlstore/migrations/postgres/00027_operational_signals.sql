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

-- +goose Down
DROP TABLE operational_signals;
