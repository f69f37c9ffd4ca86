-- An endpoint's rate limit (hookd.Endpoint.RateLimit, RateLimitBurst), its
-- rate slots shared by every instance (sqlstore/endpoint_rate.go), and the
-- pause a 429 or 503 answer with Retry-After puts it in (paused_until).

-- +goose Up
ALTER TABLE endpoints ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN rate_limit_burst INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN paused_until timestamptz;
-- endpoint_rate_slots takes two writes per request to a limited endpoint,
-- so it is UNLOGGED (no WAL: after a PostgreSQL crash or on a failed-over
-- replica it starts empty, which frees every slot at once: the limit may
-- be passed once, for at most a second) and leaves room on each page for
-- HOT updates.
CREATE UNLOGGED TABLE endpoint_rate_slots (
    endpoint_id text        COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    slot        INTEGER     NOT NULL,
    busy_until  timestamptz NOT NULL,
    PRIMARY KEY (endpoint_id, slot)
) WITH (fillfactor = 70);

-- +goose Down
DROP TABLE endpoint_rate_slots;
ALTER TABLE endpoints DROP COLUMN paused_until;
ALTER TABLE endpoints DROP COLUMN rate_limit_burst;
ALTER TABLE endpoints DROP COLUMN rate_limit;
