// Package sqlstore keeps hookd's data in SQLite or PostgreSQL through
// database/sql. One Store serves both: the SQL is portable, and the few places
// where the two differ (placeholders, column types, time values) live in a
// small dialect. Driver errors become hookd errors in one place,
// interpretError. Schemas are goose migrations embedded in the binary.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Backends a Store runs on.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// Store is a hookd.Store on SQLite or PostgreSQL. It is safe for concurrent
// use. Make one with Open, OpenSQLite or OpenPostgres, and call Migrate before
// use.
type Store struct {
	// db takes every write; on SQLite it is the single write connection.
	db *sql.DB
	// rdb takes reads outside transactions; on SQLite it is a pool of
	// read-only connections, on PostgreSQL it is db.
	rdb *sql.DB
	d   *dialect
	// path is the SQLite database file, "" on PostgreSQL.
	path string
	// url is the PostgreSQL database's, "" on SQLite.
	url string
	// payloadsChannel is the PostgreSQL notification channel of the
	// store's schema (see PayloadsChannel), "" on SQLite.
	payloadsChannel string
	provider        *goose.Provider
	// migrated is set once Ping has seen every migration applied; later
	// Pings only check that the database answers.
	migrated atomic.Bool
	stmts    statements
	// checkpoints copies SQLite's write-ahead log into the database file;
	// nil on PostgreSQL.
	checkpoints *checkpointer

	// hooks are set by tests only (export_test.go).
	hooks testHooks
	// notify sends the notifications of payloads on PostgreSQL.
	notify notifier
	// touched keeps the endpoints' last_triggered_at off the delivery
	// path (see touchEndpoints).
	touched touched
	// rateSlots are the endpoints' rate slots on SQLite, whose one
	// process keeps them in memory (see endpoint_rate.go).
	rateSlots memoryRateSlots

	// MinFreeBytes is the fewest bytes free on the file system of an
	// SQLite database for Checks to report the disk ready; 0 means
	// DefaultMinFreeBytes. Set it before use.
	MinFreeBytes uint64
}

// DefaultMinFreeBytes is the default of Store.MinFreeBytes: 64 MiB.
const DefaultMinFreeBytes = 64 << 20

var _ hookd.Store = (*Store)(nil)

// Open opens the database that databaseURL names: "" is SQLite in the file
// hookd.db under dataDir (which is made, mode 0700, if missing);
// "postgres://…" and "postgresql://…" are PostgreSQL. Any other URL is an
// error. Open does not migrate; call Migrate.
func Open(ctx context.Context, databaseURL, dataDir string) (*Store, error) {
	switch {
	case databaseURL == "":
		if dataDir == "" {
			return nil, errors.New("sqlstore: no database URL and no data directory")
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlstore: make data directory: %w", err)
		}
		return OpenSQLite(ctx, filepath.Join(dataDir, "hookd.db"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return OpenPostgres(ctx, databaseURL)
	default:
		return nil, errors.New("sqlstore: the database URL must start with postgres:// or postgresql://, or be empty for SQLite")
	}
}

// OpenSQLite opens (creating it, mode 0600, if missing) the SQLite database
// in the file at path. Writes go through one connection in WAL mode; reads go
// through a separate pool. It does not migrate; call Migrate.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlstore: no SQLite database path")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlstore: create database file: %w", err)
	}

	// SQLite URIs are percent-decoded: escape what would end the path.
	name := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	// Open the write connection first: it switches the file to WAL.
	db, err := openSQLitePool(ctx, name+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate", 1)
	if err != nil {
		return nil, err
	}
	rdb, err := openSQLitePool(ctx, name+"?"+common+"&_pragma=query_only(1)", max(4, runtime.GOMAXPROCS(0)))
	if err != nil {
		db.Close()
		return nil, err
	}

	checkpoints, err := startCheckpointer(ctx, name, path)
	if err != nil {
		db.Close()
		rdb.Close()
		return nil, err
	}
	s := &Store{db: db, rdb: rdb, d: sqliteDialect, path: path, checkpoints: checkpoints}
	if err := s.newProvider(goose.DialectSQLite3, "migrations/sqlite"); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// PostgresConnections is the most connections one hookd process opens to
// PostgreSQL unless its URL says otherwise (pool_max_conns, see
// OpenPostgres); the server's max_connections (100 by default) must allow
// it for every instance.
const PostgresConnections = 20

// postgresPoolSize removes the pool_max_conns query parameter (pgxpool's
// name for it) from url, which the server would refuse as an unknown
// setting, and returns the URL left and the pool size it asks for:
// PostgresConnections without it.
func postgresPoolSize(raw string) (string, int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, fmt.Errorf("sqlstore: the database URL does not parse: %w", err)
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if !q.Has("pool_max_conns") {
		return raw, PostgresConnections, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 4 {
		return "", 0, fmt.Errorf("sqlstore: the database URL's pool_max_conns must be a number of connections, at least 4; it is %q", v)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// openSQLitePool opens a pool of at most conns connections to the SQLite
// database dsn names, kept open, and checks that it answers.
func openSQLitePool(ctx context.Context, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	return db, nil
}

// OpenPostgres opens the PostgreSQL database at url through pgx. A
// search_path query parameter selects the schema; pool_max_conns the most
// connections the store opens (PostgresConnections by default, at least 4).
// It does not migrate; call Migrate.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	url, conns, err := postgresPoolSize(url)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	// Keep the connections open: database/sql keeps two idle by default,
	// and under concurrent requests every other query paid for a new
	// connection (a server process) and re-prepared its statements.
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	s := &Store{db: db, rdb: db, d: postgresDialect, url: url}

	// Instances sharing a schema share a migration lock; instances in
	// different schemas of one database do not wait for each other.
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open postgres: read current schema: %w", err)
	}
	lockID := lock.DefaultLockID
	s.payloadsChannel = PayloadsChannel
	if schema.Valid {
		h := fnv.New64a()
		h.Write([]byte("hookd:" + schema.String))
		lockID = int64(h.Sum64())
		if schema.String != "public" {
			s.payloadsChannel = fmt.Sprintf("%s_%016x", PayloadsChannel, h.Sum64())
		}
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	if err := s.newProvider(goose.DialectPostgres, "migrations/postgres", goose.WithSessionLocker(locker)); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) newProvider(dialect goose.Dialect, dir string, opts ...goose.ProviderOption) error {
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	s.provider, err = goose.NewProvider(dialect, s.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("sqlstore: migrations: %w", err)
	}
	return nil
}

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// DB returns the handle that takes the store's writes, for tests and tools
// that need to look under the store. On SQLite it has a single connection:
// hold none of it for long.
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the SQLite database file, or "" on PostgreSQL.
func (s *Store) Path() string { return s.path }

// Migrate applies every pending migration. On PostgreSQL it holds an
// advisory lock meanwhile, so instances starting together migrate once.
//
// A database migrated by a newer hookd (its schema version is beyond the
// last migration this binary has) is refused with ErrSchemaTooNew: an
// older binary would misread a schema it does not know.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.checkSchemaNotNewer(ctx); err != nil {
		return err
	}
	if _, err := s.provider.Up(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// ErrSchemaTooNew is returned (wrapped) by Migrate for a database whose
// schema a newer hookd migrated.
var ErrSchemaTooNew = errors.New("the database schema is newer than this hookd")

// checkSchemaNotNewer returns ErrSchemaTooNew, with both versions, if the
// database holds a migration beyond this binary's last one.
func (s *Store) checkSchemaNotNewer(ctx context.Context) error {
	var exists bool
	if err := s.queryRowRead(ctx, s.d.versionTableExists).Scan(&exists); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if !exists {
		return nil
	}
	current, err := s.provider.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: read the schema version: %w", err)
	}
	sources := s.provider.ListSources()
	if len(sources) == 0 {
		return nil
	}
	if known := sources[len(sources)-1].Version; current > known {
		return fmt.Errorf("sqlstore: %w: the database is at schema version %d, this hookd (%s) knows versions up to %d; "+
			"a newer hookd migrated it, so run that version or a later one (downgrading needs a backup from before the upgrade)",
			ErrSchemaTooNew, current, hookd.Version, known)
	}
	return nil
}

// Ping returns an error unless the database answers and every migration has
// been applied.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if s.migrated.Load() {
		return nil
	}
	// Asking goose would create its version table; look for it first so
	// that Ping never writes.
	var exists bool
	if err := s.queryRowRead(ctx, s.d.versionTableExists).Scan(&exists); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if !exists {
		return errors.New("sqlstore: ping: the database is not migrated")
	}
	pending, err := s.provider.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	if pending {
		return errors.New("sqlstore: ping: migrations are pending")
	}
	s.migrated.Store(true)
	return nil
}

// Checks reports whether the store can take traffic: "database", whether
// it answers (within ctx) and every migration is applied; and, on SQLite,
// "disk", whether the file system of the database file has at least
// MinFreeBytes free. (PostgreSQL's disk is its server's: a full one makes
// its writes fail, which answers 503, and the database check tells whether
// it answers.) The errors behind failed checks are in the second result,
// for logs; the checks' messages are safe to show.
func (s *Store) Checks(ctx context.Context) ([]hookd.Check, error) {
	var errs []error
	db := hookd.Check{Name: "database", OK: true, Message: "The database answers and every migration is applied."}
	if err := s.Ping(ctx); err != nil {
		db.OK, db.Message = false, "The database does not answer, or migrations are pending."
		errs = append(errs, err)
	}
	checks := []hookd.Check{db}
	if s.path != "" {
		disk := hookd.Check{Name: "disk", OK: true, MinFreeBytes: s.MinFreeBytes}
		if disk.MinFreeBytes == 0 {
			disk.MinFreeBytes = DefaultMinFreeBytes
		}
		dir := filepath.Dir(s.path)
		free, err := freeBytes(dir)
		switch {
		case errors.Is(err, errors.ErrUnsupported):
			disk.Message = "Free disk space is not measured on this system."
		case err != nil:
			disk.OK, disk.Message = false, "The free space of the data directory cannot be measured."
			errs = append(errs, fmt.Errorf("sqlstore: free space of %s: %w", dir, err))
		default:
			disk.FreeBytes = free
			disk.OK = free >= disk.MinFreeBytes
			disk.Message = fmt.Sprintf("%d MiB free for the database, at least %d MiB needed.", free>>20, disk.MinFreeBytes>>20)
		}
		checks = append(checks, disk)
	}
	return checks, errors.Join(errs...)
}

// Close closes the database.
func (s *Store) Close() error {
	s.stopNotifier()
	errs := []error{s.closeStatements(), s.db.Close()}
	if s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	if s.checkpoints != nil {
		errs = append(errs, s.checkpoints.Close())
	}
	return errors.Join(errs...)
}
