-- A service account's email is unique within its tenant, no longer on the
-- whole instance: a tenant must not learn, by a refused email, that another
-- tenant uses it. HTTP Basic on /hooks/{tenant}/… looks the email up in
-- that tenant; on /api/v1 among the oldest accounts with that email.

-- +goose Up
ALTER TABLE service_accounts DROP CONSTRAINT service_accounts_email_key;
ALTER TABLE service_accounts ADD CONSTRAINT service_accounts_tenant_email_key UNIQUE (tenant_id, email);
CREATE INDEX service_accounts_email_created_at_idx ON service_accounts (email, created_at, id);

-- +goose Down
DROP INDEX service_accounts_email_created_at_idx;
ALTER TABLE service_accounts DROP CONSTRAINT service_accounts_tenant_email_key;
DELETE FROM service_accounts a USING service_accounts b WHERE a.email = b.email AND a.id > b.id;
ALTER TABLE service_accounts ADD CONSTRAINT service_accounts_email_key UNIQUE (email);
