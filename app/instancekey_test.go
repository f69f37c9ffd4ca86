package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestCheckInstanceKey checks that an app whose instance key differs from
// the one the database was set up with is refused, both when the check
// value was recorded at the first start and, for a database from before the
// check, by a tenant's sealed API key; the right key passes every time.
func TestCheckInstanceKey(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		other := func() *app.App {
			box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
			if err != nil {
				t.Fatal(err)
			}
			return app.New(s, a.Clock, box, nil)
		}
		// A database from before the check: a sealed API key, no check value.
		if _, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		if err := other().CheckInstanceKey(ctx); !errors.Is(err, app.ErrWrongInstanceKey) {
			t.Fatalf("another key against a tenant's sealed API key: %v, want ErrWrongInstanceKey", err)
		}
		if err := a.CheckInstanceKey(ctx); err != nil {
			t.Fatalf("the right key: %v", err)
		}
		// Now the check value is recorded: a wrong key is refused by it.
		if err := other().CheckInstanceKey(ctx); !errors.Is(err, app.ErrWrongInstanceKey) {
			t.Fatalf("another key against the check value: %v, want ErrWrongInstanceKey", err)
		}
		if err := a.CheckInstanceKey(ctx); err != nil {
			t.Fatalf("the right key again: %v", err)
		}
	})
}

// TestCheckInstanceKeyOnEmptyDatabase checks that the first instance on an
// empty database records its key, and a second with another key is refused.
func TestCheckInstanceKeyOnEmptyDatabase(t *testing.T) {
	s := sqlstoretest.SQLite(t)
	ctx := context.Background()
	a, _ := newApp(t, s)
	if err := a.CheckInstanceKey(ctx); err != nil {
		t.Fatalf("first start: %v", err)
	}
	b, _ := newApp(t, s)
	if err := b.CheckInstanceKey(ctx); !errors.Is(err, app.ErrWrongInstanceKey) {
		t.Fatalf("second key: %v, want ErrWrongInstanceKey", err)
	}
}
