-- +goose Up
-- Issue 11: a call that was not authenticated as its tenant keeps no body,
-- only its size and SHA-256, and cannot be replayed; the log is pruned by
-- received_at.
ALTER TABLE inbound_calls ADD COLUMN authenticated boolean NOT NULL DEFAULT false;
ALTER TABLE inbound_calls ADD COLUMN body_size bigint NOT NULL DEFAULT 0;
ALTER TABLE inbound_calls ADD COLUMN body_sha256 text NOT NULL DEFAULT '';
-- Calls logged before: a caller was accepted unless none was named or the
-- credential was another tenant's.
UPDATE inbound_calls SET body_size = length(body), body_sha256 = encode(sha256(body), 'hex'),
    authenticated = (caller <> '' AND NOT (status = 401 AND problem = 'The credentials are not valid for this tenant.'));
UPDATE inbound_calls SET body = '\x'::bytea, headers = '{}' WHERE NOT authenticated;
CREATE INDEX inbound_calls_received_at_idx ON inbound_calls (received_at);

-- +goose Down
DROP INDEX inbound_calls_received_at_idx;
ALTER TABLE inbound_calls DROP COLUMN body_sha256;
ALTER TABLE inbound_calls DROP COLUMN body_size;
ALTER TABLE inbound_calls DROP COLUMN authenticated;
