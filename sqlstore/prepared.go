package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// statements caches prepared statements by database and query text, so
// the hot queries are parsed once rather than on every call: on SQLite,
// parsing is a quarter of the work of a small query. Queries are written
// with ? placeholders and rebound here.
type statements struct {
	mu sync.Mutex
	m  map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// maxCachedStatements bounds the cache; past it, statements are prepared
// for one use. Lists build a few query shapes per table, so it is never
// reached in practice.
const maxCachedStatements = 2048

// prepared returns the cached statement for q (with ? placeholders) on
// db, preparing it on first use; nil (and no error) when the cache is full,
// and the caller runs q unprepared.
func (s *Store) prepared(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	key := stmtKey{db, q}
	s.stmts.mu.Lock()
	stmt, full := s.stmts.m[key], len(s.stmts.m) >= maxCachedStatements
	s.stmts.mu.Unlock()
	if stmt != nil || full {
		return stmt, nil
	}
	stmt, err := db.PrepareContext(ctx, s.d.rebind(q))
	if err != nil {
		return nil, err
	}
	s.stmts.mu.Lock()
	if s.stmts.m == nil {
		s.stmts.m = map[stmtKey]*sql.Stmt{}
	}
	other := s.stmts.m[key]
	if other == nil {
		s.stmts.m[key] = stmt
	}
	s.stmts.mu.Unlock()
	if other != nil {
		// Closed outside the lock: Close waits for every connection the
		// statement was prepared on to finish its query, and such a query
		// may wait (for a row lock) on a transaction whose goroutine needs
		// the lock in txStmt — a deadlock seen with parallel publishes on
		// PostgreSQL.
		stmt.Close()
		return other, nil
	}
	return stmt, nil
}

// exec runs a write statement q (with ? placeholders) outside a
// transaction.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	stmt, err := s.prepared(ctx, s.db, q)
	switch {
	case err != nil:
		return nil, err
	case stmt == nil:
		return s.db.ExecContext(ctx, s.d.rebind(q), args...)
	}
	return stmt.ExecContext(ctx, args...)
}

// queryWrite runs q on the write connection (for UPDATE … RETURNING).
func (s *Store) queryWrite(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, s.db, q, args...)
}

// queryRead runs a read-only q on the read pool.
func (s *Store) queryRead(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.query(ctx, s.rdb, q, args...)
}

func (s *Store) query(ctx context.Context, db *sql.DB, q string, args ...any) (*sql.Rows, error) {
	stmt, err := s.prepared(ctx, db, q)
	switch {
	case err != nil:
		return nil, err
	case stmt == nil:
		return db.QueryContext(ctx, s.d.rebind(q), args...)
	}
	return stmt.QueryContext(ctx, args...)
}

// prepareAll puts the write statements qs in the cache. Call it before
// beginning a transaction that uses them through txStmt: on SQLite the
// transaction holds the only write connection, so they cannot be prepared
// on the database once it has begun.
func (s *Store) prepareAll(ctx context.Context, qs ...string) error {
	for _, q := range qs {
		if _, err := s.prepared(ctx, s.db, q); err != nil {
			return err
		}
	}
	return nil
}

// txStmt returns the cached statement for q bound to tx, or q prepared on
// tx if it is not cached (see prepareAll). It never prepares on the
// database, which would wait for the connection tx holds.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	stmt := s.stmts.m[stmtKey{s.db, q}]
	s.stmts.mu.Unlock()
	if stmt == nil {
		return tx.PrepareContext(ctx, s.d.rebind(q))
	}
	return tx.StmtContext(ctx, stmt), nil
}

// closeStatements closes every cached statement.
func (s *Store) closeStatements() error {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	var errs []error
	for k, stmt := range s.stmts.m {
		errs = append(errs, stmt.Close())
		delete(s.stmts.m, k)
	}
	return errors.Join(errs...)
}

// row is a *sql.Row, or the error that kept the query from running.
type row struct {
	row *sql.Row
	err error
}

// Scan implements scanner.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// queryRowRead runs a read-only q returning one row on the read pool.
func (s *Store) queryRowRead(ctx context.Context, q string, args ...any) row {
	stmt, err := s.prepared(ctx, s.rdb, q)
	switch {
	case err != nil:
		return row{err: err}
	case stmt == nil:
		return row{row: s.rdb.QueryRowContext(ctx, s.d.rebind(q), args...)}
	}
	return row{row: stmt.QueryRowContext(ctx, args...)}
}
