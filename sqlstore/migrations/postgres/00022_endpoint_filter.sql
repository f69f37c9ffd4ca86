-- An endpoint's payload filter (hookd.Filter): the JSON of a condition on
-- the events it receives, NULL for none.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN event_filter TEXT;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN event_filter;
