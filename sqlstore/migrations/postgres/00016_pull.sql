-- Pull delivery (hookd/pull.go): the events kept for ping and pull
-- endpoints, numbered per endpoint, and each endpoint's pull state. The
-- counter (last_txn) is updated in the same transaction that stores a
-- payload, as its last step, so numbers are taken in commit order.
-- ping_delivery_id is the one ping notification waiting or in flight.
-- audit_log keeps what hookd did on its own, such as deleting an endpoint
-- nobody pulled from; it outlives the tenant's rows on purpose.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN last_txn bigint NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN notified_txn bigint NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN pulled_txn bigint NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN ping_delivery_id text COLLATE "C";
ALTER TABLE endpoints ADD COLUMN last_pulled_at timestamptz;
ALTER TABLE endpoints ADD COLUMN pull_active_since timestamptz;
ALTER TABLE endpoints ADD COLUMN inactive_at timestamptz;
-- The lifecycle's pass over inactive endpoints reads only those.
CREATE INDEX endpoints_inactive_idx ON endpoints (inactive_at) WHERE inactive_at IS NOT NULL;

CREATE TABLE endpoint_payloads (
    endpoint_id text        COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    txn         bigint      NOT NULL,
    tenant_id   text        COLLATE "C" NOT NULL,
    event_id    text        COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (endpoint_id, txn)
);
-- An event is kept once per endpoint: a resumed fan-out chunk cannot
-- store it twice. The index also serves deleting an event's payloads.
CREATE UNIQUE INDEX endpoint_payloads_event_idx ON endpoint_payloads (event_id, endpoint_id);

CREATE TABLE audit_log (
    id         text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  text        COLLATE "C" NOT NULL,
    action     text        COLLATE "C" NOT NULL,
    subject    text        COLLATE "C" NOT NULL,
    detail     text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE endpoint_payloads;
DROP INDEX endpoints_inactive_idx;
ALTER TABLE endpoints DROP COLUMN inactive_at;
ALTER TABLE endpoints DROP COLUMN pull_active_since;
ALTER TABLE endpoints DROP COLUMN last_pulled_at;
ALTER TABLE endpoints DROP COLUMN ping_delivery_id;
ALTER TABLE endpoints DROP COLUMN pulled_txn;
ALTER TABLE endpoints DROP COLUMN notified_txn;
ALTER TABLE endpoints DROP COLUMN last_txn;
