package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestMigrateRefusesNewerSchema checks that a hookd whose migrations end
// before the database's schema version (a newer hookd migrated it) refuses
// to run against it, naming both versions, instead of misreading it.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrating again an up-to-date database: %v", err)
		}
		// What a newer hookd would leave: a migration this one lacks.
		if _, err := s.DB().ExecContext(ctx, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)"); err != nil {
			t.Fatal(err)
		}
		err := s.Migrate(ctx)
		if !errors.Is(err, sqlstore.ErrSchemaTooNew) || !strings.Contains(err.Error(), "99999") {
			t.Fatalf("Migrate on a newer schema: %v, want ErrSchemaTooNew naming version 99999", err)
		}
	})
}

// TestConcurrentStartsMigrateOnce checks that instances starting at the
// same moment on an empty PostgreSQL database migrate it exactly once:
// every migration is recorded once and every instance ends up ready.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	url := sqlstoretest.PostgresURL(t)
	ctx := context.Background()
	const instances = 4
	stores := make([]*sqlstore.Store, instances)
	for i := range stores {
		s, err := sqlstore.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	errs := make(chan error, instances)
	start := make(chan struct{})
	for _, s := range stores {
		go func() {
			<-start
			errs <- s.Migrate(ctx)
		}()
	}
	close(start)
	for range stores {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	var rows, distinct int
	if err := stores[0].DB().QueryRowContext(ctx,
		"SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || rows == 0 {
		t.Errorf("goose_db_version has %d rows for %d versions: some migration ran more than once", rows, distinct)
	}
	for i, s := range stores {
		if err := s.Ping(ctx); err != nil {
			t.Errorf("instance %d not ready after the concurrent start: %v", i, err)
		}
	}
}
