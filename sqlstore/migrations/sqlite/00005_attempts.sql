-- Attempts: every request sent for a delivery, with its answer, kept as the
-- delivery history. Deliveries learn where their current round of retries
-- began (a resend starts a new one) and what their last attempt answered,
-- so that lists need no join.

-- +goose Up
ALTER TABLE deliveries ADD COLUMN round_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN last_attempt_at TEXT;
ALTER TABLE deliveries ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN last_error TEXT NOT NULL DEFAULT '';

CREATE TABLE attempts (
    id               TEXT    NOT NULL PRIMARY KEY,
    tenant_id        TEXT    NOT NULL,
    delivery_id      TEXT    NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    endpoint_id      TEXT    NOT NULL,
    url              TEXT    NOT NULL,
    request_headers  TEXT    NOT NULL,
    request_body     TEXT    NOT NULL,
    response_status  INTEGER NOT NULL,
    response_headers TEXT    NOT NULL,
    response_body    TEXT    NOT NULL,
    duration_us      INTEGER NOT NULL,
    error            TEXT    NOT NULL,
    created_at       TEXT    NOT NULL
) STRICT;
CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, created_at);
CREATE INDEX events_created_at_idx ON events (created_at);

-- +goose Down
DROP INDEX events_created_at_idx;
DROP TABLE attempts;
ALTER TABLE deliveries DROP COLUMN last_error;
ALTER TABLE deliveries DROP COLUMN last_status;
ALTER TABLE deliveries DROP COLUMN last_attempt_at;
ALTER TABLE deliveries DROP COLUMN round_start;
