-- A tenant setting: every endpoint of the tenant must have an https URL.
-- Off for every existing tenant. The store switches it on only while the
-- tenant has no endpoint whose URL is not https.

-- +goose Up
ALTER TABLE tenants ADD COLUMN require_https_endpoints INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tenants DROP COLUMN require_https_endpoints;
