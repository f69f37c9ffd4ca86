-- An endpoint's rate limit (hookd.Endpoint.RateLimit, RateLimitBurst), its
-- rate slots (sqlstore/endpoint_rate.go), and the pause a 429 or 503
-- answer with Retry-After puts it in (paused_until).

-- +goose Up
ALTER TABLE endpoints ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN rate_limit_burst INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN paused_until TEXT;
CREATE TABLE endpoint_rate_slots (
    endpoint_id TEXT    NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    slot        INTEGER NOT NULL,
    busy_until  TEXT    NOT NULL,
    PRIMARY KEY (endpoint_id, slot)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE endpoint_rate_slots;
ALTER TABLE endpoints DROP COLUMN paused_until;
ALTER TABLE endpoints DROP COLUMN rate_limit_burst;
ALTER TABLE endpoints DROP COLUMN rate_limit;
