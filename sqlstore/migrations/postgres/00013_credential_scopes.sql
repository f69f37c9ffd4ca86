-- Credential scopes: what each access token, OAuth client and service
-- account may do, as space-separated scope names (RFC 6749 §3.3). Existing
-- access tokens, OAuth clients and the tokens issued to them get the
-- default of new ones: every scope but "credentials", so a token can no
-- longer reveal the API key or mint credentials until an admin grants it
-- that scope on a new token. Existing service accounts get "inbound" only:
-- they call /hooks, and can no longer use /api/v1 unless recreated with
-- more scopes. access_tokens.expires_at, set until now only on tokens
-- issued to OAuth clients, may now be set on named tokens too.

-- +goose Up
ALTER TABLE access_tokens ADD COLUMN scopes text NOT NULL DEFAULT 'read webhooks directory inbound';
ALTER TABLE oauth_clients ADD COLUMN scopes text NOT NULL DEFAULT 'read webhooks directory inbound';
ALTER TABLE service_accounts ADD COLUMN scopes text NOT NULL DEFAULT 'inbound';

-- +goose Down
ALTER TABLE service_accounts DROP COLUMN scopes;
ALTER TABLE oauth_clients DROP COLUMN scopes;
ALTER TABLE access_tokens DROP COLUMN scopes;
