-- +goose Up
-- Issue 11: a call that was not authenticated as its tenant keeps no body,
-- only its size and SHA-256, and cannot be replayed; the log is pruned by
-- received_at.
ALTER TABLE inbound_calls ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_calls ADD COLUMN body_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_calls ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT '';
-- Calls logged before: a caller was accepted unless none was named or the
-- credential was another tenant's. SQLite has no SHA-256, so their hash
-- stays empty.
UPDATE inbound_calls SET body_size = length(body),
    authenticated = CASE WHEN caller <> '' AND NOT (status = 401 AND problem = 'The credentials are not valid for this tenant.')
        THEN 1 ELSE 0 END;
UPDATE inbound_calls SET body = X'', headers = '{}' WHERE authenticated = 0;
CREATE INDEX inbound_calls_received_at_idx ON inbound_calls (received_at);

-- +goose Down
DROP INDEX inbound_calls_received_at_idx;
ALTER TABLE inbound_calls DROP COLUMN body_sha256;
ALTER TABLE inbound_calls DROP COLUMN body_size;
ALTER TABLE inbound_calls DROP COLUMN authenticated;
