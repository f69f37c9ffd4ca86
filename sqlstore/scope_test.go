package sqlstore_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestExistingCredentialsLoseCredentialsScopeOnUpgrade checks migration
// 00013 on credentials made before it: access tokens and OAuth clients get
// every scope but credentials, service accounts inbound only, so no
// credential of an upgraded instance can reveal the API key or mint
// credentials until an admin grants it.
func TestExistingCredentialsLoseCredentialsScopeOnUpgrade(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "acme", Name: "Acme", Plan: hookd.PlanEnterprise, CreatedAt: now}
		if err := s.CreateTenant(ctx, tn, nil); err != nil {
			t.Fatal(err)
		}
		c := &hookd.OAuthClient{ID: hookd.NewID(hookd.PrefixOAuthClient), TenantID: tn.ID, Name: "app", SecretHash: []byte("c"), CreatedAt: now}
		tok := &hookd.AccessToken{ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID, Name: "ci", Prefix: "p", Hash: []byte("t"), CreatedAt: now}
		sa := &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: tn.ID, Email: "hr@acme.example", PasswordHash: "x", CreatedAt: now}
		if err := s.CreateOAuthClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAccessToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateServiceAccount(ctx, sa); err != nil {
			t.Fatal(err)
		}
		// Back to the schema before scopes, then up again, as an upgrade.
		if err := sqlstore.MigrateDownTo(ctx, s, 12); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		gotTok, err := s.AccessToken(ctx, tn.ID, tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		gotClient, err := s.OAuthClient(ctx, tn.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		gotSA, err := s.ServiceAccount(ctx, tn.ID, sa.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]hookd.Scopes{"access token": gotTok.Scopes, "OAuth client": gotClient.Scopes} {
			if got.String() != hookd.DefaultTokenScopes().String() {
				t.Errorf("%s scopes after upgrade = %q, want %q", name, got, hookd.DefaultTokenScopes())
			}
		}
		if got := gotSA.Scopes.String(); got != "inbound" {
			t.Errorf("service account scopes after upgrade = %q, want inbound", got)
		}
	})
}
