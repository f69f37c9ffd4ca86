package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// BackupSQLite writes a consistent copy of the SQLite database to path,
// which must not exist, while the store stays in use: VACUUM INTO runs in
// a read transaction on a read connection, so writers go on meanwhile and
// the copy is the database as of that transaction's start. The copy is a
// complete database (no write-ahead log beside it), compacted. On
// PostgreSQL it returns an error: use pg_dump (docs/operations.md).
func (s *Store) BackupSQLite(ctx context.Context, path string) error {
	if s.d.name != BackendSQLite {
		return errors.New("sqlstore: backup: the database is PostgreSQL; back it up with pg_dump (docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlstore: backup: %s exists already; choose a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	// The read pool is query_only, which refuses VACUUM INTO (it writes,
	// if to another file): one connection of its own, in a read
	// transaction on the source, leaves the writer free.
	name := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(s.path)
	db, err := openSQLitePool(ctx, name+"?_pragma=busy_timeout(10000)", 1)
	if err != nil {
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("sqlstore: backup to %s: %w", path, err)
	}
	return nil
}

// CheckIntegrity runs SQLite's integrity check and returns an error naming
// the first problem it reports; on PostgreSQL it only checks that the
// database answers.
func (s *Store) CheckIntegrity(ctx context.Context) error {
	if s.d.name != BackendSQLite {
		return s.db.PingContext(ctx)
	}
	var result string
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA integrity_check(1)").Scan(&result); err != nil {
		return fmt.Errorf("sqlstore: integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("sqlstore: integrity check: %s", result)
	}
	return nil
}
