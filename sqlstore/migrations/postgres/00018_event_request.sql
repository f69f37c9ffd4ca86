-- What tied an event to the API call that published it: the call's
-- request ID (X-Request-Id, or one hookd made) and, when tracing is on,
-- the W3C traceparent of the publication's span. Delivery attempts log
-- the one and continue the trace of the other. NULL for events published
-- otherwise, or before this migration.
-- +goose Up
ALTER TABLE events ADD COLUMN request_id text;
ALTER TABLE events ADD COLUMN traceparent text;

-- +goose Down
ALTER TABLE events DROP COLUMN traceparent;
ALTER TABLE events DROP COLUMN request_id;
