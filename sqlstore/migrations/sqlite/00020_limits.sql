-- SQLite serves one process, whose limits stay in memory: nothing to keep.
-- The migration exists so that both dialects share their version numbers.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
