// Package sqlstoretest gives tests of any package a real, migrated
// sqlstore.Store: SQLite in a temporary directory always, and PostgreSQL in a
// schema of its own when HOOKD_TEST_POSTGRES_URL is set.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore"
)

// PostgresEnv is the environment variable naming the PostgreSQL database
// tests may use, such as postgres://root@127.0.0.1:5432/test?sslmode=disable.
const PostgresEnv = "HOOKD_TEST_POSTGRES_URL"

// SQLite returns a migrated store in a new SQLite database under t.TempDir(),
// closed when the test ends.
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// PostgresURL makes a new, empty schema in the database HOOKD_TEST_POSTGRES_URL
// names and returns a URL that selects it (through search_path), fit for
// sqlstore.Open or for HOOKD_DATABASE_URL of a hookd process. The schema is
// dropped when the test ends. It skips the test if the variable is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " not set")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresEnv)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "hookd_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Errorf("open postgres: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres returns a migrated store in a new schema of the database
// HOOKD_TEST_POSTGRES_URL names, closed and dropped when the test ends. It
// skips the test if the variable is not set.
func Postgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	dsn := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlstore.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close postgres store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return s
}

// Each runs f as the subtests "sqlite" and "postgres", each with a store of
// its own. The postgres subtest skips unless HOOKD_TEST_POSTGRES_URL is set.
func Each(t *testing.T, f func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

// Backend names a store kind and opens a new store of it.
type Backend struct {
	Name string
	Open func(testing.TB) *sqlstore.Store
}

// Backends returns the stores a benchmark runs on: SQLite, and PostgreSQL
// when HOOKD_TEST_POSTGRES_URL is set (a benchmark is left out rather
// than skipped without it).
func Backends() []Backend {
	bs := []Backend{{"sqlite", SQLite}}
	if os.Getenv(PostgresEnv) != "" {
		bs = append(bs, Backend{"postgres", Postgres})
	}
	return bs
}

// DumpAtRest returns everything s keeps at rest, for tests that scan for
// secrets kept in plaintext. On SQLite it is the raw bytes of the database
// file and its write-ahead log, as they are (no checkpoint). On PostgreSQL it
// is every row of every table in the store's schema as text (bytea in hex).
func DumpAtRest(t testing.TB, s *sqlstore.Store) []byte {
	t.Helper()
	if s.Backend() == sqlstore.BackendSQLite {
		var out []byte
		for _, name := range []string{s.Path(), s.Path() + "-wal"} {
			b, err := os.ReadFile(name)
			if err != nil && !os.IsNotExist(err) {
				t.Fatalf("read %s: %v", name, err)
			}
			out = append(out, b...)
		}
		return out
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := s.DB()
	rows, err := db.QueryContext(ctx,
		"SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("list tables: %v", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list tables: %v", err)
	}
	rows.Close()

	var out strings.Builder
	for _, table := range tables {
		quoted := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
		rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT t::text FROM %s t", quoted))
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			fmt.Fprintf(&out, "%s %s\n", table, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		rows.Close()
	}
	return []byte(out.String())
}
