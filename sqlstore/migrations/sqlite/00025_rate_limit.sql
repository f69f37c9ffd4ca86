-- An endpoint's rate limit (hookd.Endpoint.RateLimit, RateLimitBurst) and
-- the pause a 429 or 503 answer with Retry-After puts it in
-- (paused_until). Its rate slots are kept in the memory of the one process
-- using the database (sqlstore/endpoint_rate.go); on PostgreSQL, shared by
-- every instance, in the table endpoint_rate_slots.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN rate_limit_burst INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoints ADD COLUMN paused_until TEXT;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN paused_until;
ALTER TABLE endpoints DROP COLUMN rate_limit_burst;
ALTER TABLE endpoints DROP COLUMN rate_limit;
