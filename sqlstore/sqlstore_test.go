package sqlstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
	"github.com/hookd/hookd/storetest"
)

func TestSQLite(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) hookd.Store { return sqlstoretest.SQLite(t) })
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv(sqlstoretest.PostgresEnv) == "" {
		t.Skip(sqlstoretest.PostgresEnv + " not set")
	}
	storetest.Exercise(t, func(t *testing.T) hookd.Store { return sqlstoretest.Postgres(t) })
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	dir := filepath.Join(t.TempDir(), "data", "hookd")
	s, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Backend(); got != sqlstore.BackendSQLite {
		t.Errorf("Backend() = %q, want sqlite", got)
	}
	if got, want := s.Path(), filepath.Join(dir, "hookd.db"); got != want {
		t.Errorf("Path() = %q, want %q", got, want)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{dir: 0o700, s.Path(): 0o600, s.Path() + "-wal": 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %v, want %v", name, got, want)
		}
	}

	for _, url := range []string{"mysql://x", "sqlite:///tmp/x.db", "/tmp/x.db", "postgresx://h"} {
		if _, err := sqlstore.Open(ctx, url, t.TempDir()); err == nil {
			t.Errorf("Open(%q) succeeded, want an error", url)
		}
	}
	if _, err := sqlstore.Open(ctx, "", ""); err == nil {
		t.Error(`Open("", "") succeeded, want an error`)
	}
}

func TestOpenOddPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a ?b#c%20d.db")
	s, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
}

func TestOpenPostgresURL(t *testing.T) {
	t.Parallel()
	url := sqlstoretest.PostgresURL(t)
	s, err := sqlstore.Open(t.Context(), url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Backend(); got != sqlstore.BackendPostgres {
		t.Errorf("Backend() = %q, want postgres", got)
	}
	alt := strings.Replace(url, "postgres://", "postgresql://", 1)
	s2, err := sqlstore.Open(t.Context(), alt, "")
	if err != nil {
		t.Fatalf("Open(postgresql://…): %v", err)
	}
	s2.Close()
}

// TestPingNeedsMigrations checks that Ping fails until Migrate has run, and
// that it does not create anything meanwhile.
func TestPingNeedsMigrations(t *testing.T) {
	t.Parallel()
	open := map[string]func(t *testing.T) *sqlstore.Store{
		"sqlite": func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "x.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"postgres": func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.OpenPostgres(t.Context(), sqlstoretest.PostgresURL(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range open {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := open(t)
			defer s.Close()
			for range 2 {
				if err := s.Ping(ctx); err == nil {
					t.Fatal("Ping before Migrate succeeded, want an error")
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping after Migrate: %v", err)
			}
			// Migrating again is a no-op.
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping after second Migrate: %v", err)
			}
			s.Close()
			if err := s.Ping(ctx); err == nil {
				t.Fatal("Ping after Close succeeded, want an error")
			}
		})
	}
}

// TestConcurrentMigrate starts several stores on one empty PostgreSQL schema
// at once, as several hookd instances starting together would.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	url := sqlstoretest.PostgresURL(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			s, err := sqlstore.OpenPostgres(t.Context(), url)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			if err := s.Migrate(t.Context()); err != nil {
				errs <- err
				return
			}
			errs <- s.Ping(t.Context())
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestCreateRoundsTimes checks that Create methods leave in the caller's
// struct the times as stored, so what a caller returns matches a later read.
func TestCreateRoundsTimes(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		ctx := t.Context()
		raw := time.Date(2025, 1, 1, 12, 0, 0, 123456789, time.FixedZone("X", 3600))
		want := raw.UTC().Truncate(time.Microsecond)
		tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "s", Name: "n", Plan: hookd.PlanFree, CreatedAt: raw,
			APIKey: &hookd.APIKey{Hash: []byte{1}, CreatedAt: raw}}
		u := &hookd.ConsoleUser{ID: hookd.NewID(hookd.PrefixConsoleUser), Email: "e@x.example", CreatedAt: raw}
		if err := s.CreateTenant(ctx, tn, u); err != nil {
			t.Fatal(err)
		}
		tok := &hookd.AccessToken{ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID, Hash: []byte{2}, CreatedAt: raw, LastUsedAt: &raw}
		if err := s.CreateAccessToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string]time.Time{
			"tenant": tn.CreatedAt, "api key": tn.APIKey.CreatedAt, "user": u.CreatedAt,
			"token": tok.CreatedAt, "token used": *tok.LastUsedAt,
		} {
			if got != want {
				t.Errorf("%s time = %v, want %v", name, got, want)
			}
		}
		if u.TenantID != tn.ID {
			t.Errorf("user TenantID = %q, want %q", u.TenantID, tn.ID)
		}
		if raw.Nanosecond() != 123456789 {
			t.Error("the caller's own time value changed")
		}
	})
}

// TestDumpAtRest checks that the dump holds what was stored.
func TestDumpAtRest(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		if err := s.PutSetting(t.Context(), "needle", "haystack-value-7f3a"); err != nil {
			t.Fatal(err)
		}
		if dump := sqlstoretest.DumpAtRest(t, s); !bytes.Contains(dump, []byte("haystack-value-7f3a")) {
			t.Fatalf("dump of %d bytes lacks the stored value", len(dump))
		}
	})
}

// TestConcurrentWrites hammers the single SQLite writer and the read pool
// together; busy errors would fail it.
func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		ctx := context.Background()
		tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "busy", Name: "Busy", Plan: hookd.PlanFree, CreatedAt: time.Now()}
		if err := s.CreateTenant(ctx, tn, nil); err != nil {
			t.Fatal(err)
		}
		tok := &hookd.AccessToken{ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID, Name: "t", Hash: []byte("h"), CreatedAt: time.Now()}
		if err := s.CreateAccessToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		for i := range 8 {
			wg.Go(func() {
				for j := range 25 {
					errs <- s.TouchAccessToken(ctx, tok.ID, time.Now())
					_, err := s.AccessTokenByHash(ctx, []byte("h"))
					errs <- err
					if j%5 == 0 {
						_, err := s.ListTenants(ctx, hookd.ListParams{Query: "bu"})
						errs <- err
						errs <- s.PutSetting(ctx, "k", string(rune('a'+i)))
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestConflictMessages checks that unique violations name what is taken, on
// both databases alike.
func TestConflictMessages(t *testing.T) {
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		ctx := t.Context()
		newTenant := func(slug string, key []byte) error {
			tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: slug, Name: slug, Plan: hookd.PlanFree, CreatedAt: time.Now()}
			if key != nil {
				tn.APIKey = &hookd.APIKey{Hash: key, CreatedAt: time.Now()}
			}
			return s.CreateTenant(ctx, tn, nil)
		}
		if err := newTenant("a", []byte("k")); err != nil {
			t.Fatal(err)
		}
		tn, err := s.TenantBySlug(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		acct := func() error {
			return s.CreateServiceAccount(ctx, &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: tn.ID, Email: "x@y.example", CreatedAt: time.Now()})
		}
		if err := acct(); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			err  error
			code string
			want string
		}{
			{newTenant("a", nil), hookd.ECONFLICT, "A tenant with this slug already exists."},
			{newTenant("b", []byte("k")), hookd.ECONFLICT, "Another tenant already has this API key."},
			{acct(), hookd.ECONFLICT, "A service account with this email already exists in the tenant."},
			{s.CreateOAuthClient(ctx, &hookd.OAuthClient{ID: hookd.NewID(hookd.PrefixOAuthClient), TenantID: "ten_missing", SecretHash: []byte("s"), CreatedAt: time.Now()}),
				hookd.ENOTFOUND, "The tenant or OAuth client the OAuth client belongs to was not found."},
		} {
			if hookd.ErrorCode(c.err) != c.code || hookd.ErrorMessage(c.err) != c.want {
				t.Errorf("got %q %q, want %q %q (%v)", hookd.ErrorCode(c.err), hookd.ErrorMessage(c.err), c.code, c.want, c.err)
			}
		}
	})
}
