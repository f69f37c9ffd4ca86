-- Bulk replays (hookd.Replay): background jobs that send again every
-- delivery of a tenant matching a filter, in batches.

-- +goose Up
CREATE TABLE replays (
    id               TEXT NOT NULL PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    filter           TEXT NOT NULL,
    state            TEXT NOT NULL,
    before_at        TEXT NOT NULL,
    total            INTEGER NOT NULL,
    resent           INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    after_created_at TEXT,
    after_id         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    finished_at      TEXT
);
CREATE INDEX replays_tenant_idx ON replays (tenant_id, created_at, id);
CREATE INDEX replays_running_idx ON replays (state, updated_at);

-- +goose Down
DROP TABLE replays;
