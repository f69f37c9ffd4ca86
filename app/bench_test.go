package app_test

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkAuthenticate measures the credential check every API call pays,
// per credential kind, on each database.
func BenchmarkAuthenticate(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			var s *sqlstore.Store
			if backend == "sqlite" {
				s = sqlstoretest.SQLite(b)
			} else {
				s = sqlstoretest.Postgres(b)
			}
			ctx := context.Background()
			a, _ := newApp(b, s)
			tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"})
			if err != nil {
				b.Fatal(err)
			}
			acc, err := a.SetAPIEnabled(ctx, "acme", true)
			if err != nil {
				b.Fatal(err)
			}
			_, token, err := a.CreateAccessToken(ctx, admin(tn), app.NewAccessToken{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.CreateServiceAccount(ctx, admin(tn), "bot@acme.example", "a-long-password", nil); err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct{ name, scheme, cred string }{
				{"api_key", "Token", acc.Key},
				{"access_token", "Bearer", token},
				{"service_account", "Basic", base64.StdEncoding.EncodeToString([]byte("bot@acme.example:a-long-password"))},
			} {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if _, err := a.Authenticate(ctx, c.scheme, c.cred); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
