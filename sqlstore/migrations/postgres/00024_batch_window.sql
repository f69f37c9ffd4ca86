-- An endpoint's batching window (hookd.Endpoint.BatchWindow): how long,
-- in milliseconds, hookd may wait to fill a batch; 0 sends at once.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN batch_window_ms INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN batch_window_ms;
