-- Limits shared by every instance on the database (hookd.LimitStore): the
-- per-credential request windows of the API rate limit, and the failure
-- windows of the sign-in and HTTP Basic throttles. Rows whose windows have
-- ended are pruned (PruneLimits).

-- +goose Up
-- rate_limits takes a write per allowed API request, so it is UNLOGGED (no
-- WAL: after a PostgreSQL crash or on a failed-over replica it starts
-- empty, which only forgets windows of at most a second and running
-- penalties) and leaves room on each page for HOT updates.
CREATE UNLOGGED TABLE rate_limits (
    key           text          COLLATE "C" NOT NULL PRIMARY KEY,
    hits          timestamptz[] NOT NULL, -- the latest allowed requests, newest first, at most the limit
    blocked_until timestamptz   NOT NULL, -- the end of the penalty, the zero time when none
    expires_at    timestamptz   NOT NULL  -- when the row no longer limits anything
) WITH (fillfactor = 70);

CREATE TABLE limit_failures (
    key         text        COLLATE "C" NOT NULL PRIMARY KEY,
    failures    integer     NOT NULL,
    window_ends timestamptz NOT NULL
);

-- +goose Down
DROP TABLE limit_failures;
DROP TABLE rate_limits;
