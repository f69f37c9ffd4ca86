-- A fan-out too large for one transaction is written in chunks. An event
-- whose fan-out is unfinished records how far it got (fanout_after: the
-- last endpoint, in ID order, whose delivery is stored) and until when its
-- writer owns it (fanout_until); a writer that died is taken over after
-- that. One delivery per event and endpoint makes a resumed chunk unable
-- to duplicate one; the unique index also serves lookups by event.
-- +goose Up
ALTER TABLE events ADD COLUMN fanout_after TEXT;
ALTER TABLE events ADD COLUMN fanout_until TEXT;
CREATE INDEX events_fanout_idx ON events (fanout_until) WHERE fanout_after IS NOT NULL;
CREATE UNIQUE INDEX deliveries_event_endpoint_key ON deliveries (event_id, endpoint_id);
DROP INDEX deliveries_event_idx;

-- +goose Down
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
DROP INDEX deliveries_event_endpoint_key;
DROP INDEX events_fanout_idx;
ALTER TABLE events DROP COLUMN fanout_until;
ALTER TABLE events DROP COLUMN fanout_after;
