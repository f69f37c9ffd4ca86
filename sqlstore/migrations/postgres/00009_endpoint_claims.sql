-- Workers claim each endpoint's due deliveries in order: this index serves
-- that claim without reading other endpoints' rows (the one it replaces
-- made a claim that skipped busy endpoints read every due delivery).
-- +goose Up
CREATE INDEX deliveries_endpoint_due_idx ON deliveries (endpoint_id, state, run_at, id);
DROP INDEX deliveries_endpoint_state_idx;

-- +goose Down
CREATE INDEX deliveries_endpoint_state_idx ON deliveries (endpoint_id, state);
DROP INDEX deliveries_endpoint_due_idx;
