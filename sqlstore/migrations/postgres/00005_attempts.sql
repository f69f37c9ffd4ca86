-- Attempts: every request sent for a delivery, with its answer, kept as the
-- delivery history. Deliveries learn where their current round of retries
-- began (a resend starts a new one) and what their last attempt answered,
-- so that lists need no join.

-- +goose Up
ALTER TABLE deliveries
    ADD COLUMN round_start     integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_attempt_at timestamptz,
    ADD COLUMN last_status     integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_error      text        NOT NULL DEFAULT '';

CREATE TABLE attempts (
    id               text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id        text        COLLATE "C" NOT NULL,
    delivery_id      text        COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    endpoint_id      text        COLLATE "C" NOT NULL,
    url              text        NOT NULL,
    request_headers  text        NOT NULL,
    request_body     text        NOT NULL,
    response_status  integer     NOT NULL,
    response_headers text        NOT NULL,
    response_body    text        NOT NULL,
    duration_us      bigint      NOT NULL,
    error            text        NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX attempts_delivery_idx ON attempts (delivery_id, created_at);
CREATE INDEX events_created_at_idx ON events (created_at);

-- +goose Down
DROP INDEX events_created_at_idx;
DROP TABLE attempts;
ALTER TABLE deliveries
    DROP COLUMN last_error,
    DROP COLUMN last_status,
    DROP COLUMN last_attempt_at,
    DROP COLUMN round_start;
