package app_test

import "github.com/hookd/hookd"

// admin is a principal with every scope that never expires, as the API key
// and console users are.
func admin(t *hookd.Tenant) *hookd.Principal {
	return &hookd.Principal{Kind: hookd.CredentialAPIKey, TenantID: t.ID, Tenant: t, CredentialID: "key:test", Scopes: hookd.AllScopes()}
}
