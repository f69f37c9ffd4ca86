-- Bulk replays (hookd.Replay): background jobs that send again every
-- delivery of a tenant matching a filter, in batches.

-- +goose Up
CREATE TABLE replays (
    id               text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id        text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    filter           TEXT NOT NULL,
    state            TEXT NOT NULL,
    before_at        timestamptz NOT NULL,
    total            INTEGER NOT NULL,
    resent           INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    after_created_at timestamptz,
    after_id         text COLLATE "C",
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz
);
CREATE INDEX replays_tenant_idx ON replays (tenant_id, created_at, id);
CREATE INDEX replays_running_idx ON replays (state, updated_at);

-- +goose Down
DROP TABLE replays;
