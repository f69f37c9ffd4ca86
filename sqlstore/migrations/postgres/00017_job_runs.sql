-- Periodic background jobs run once per period across every instance
-- sharing the database: the instance whose claim moves next_run_at on
-- runs the job (hookd.JobStore).

-- +goose Up
CREATE TABLE job_runs (
    name        text        COLLATE "C" NOT NULL PRIMARY KEY,
    holder      text        NOT NULL,
    last_run_at timestamptz NOT NULL,
    next_run_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE job_runs;
