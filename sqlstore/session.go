package sqlstore

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.ConsoleSessionStore = (*Store)(nil)

const consoleSessionColumns = "id, hash, tenant_id, user_id, created_at, last_seen_at, expires_at, ip_address, user_agent"

// CreateConsoleSession stores s; its times are rounded down to microseconds
// in UTC, as stored. Returns ECONFLICT if its ID or hash is taken, and
// ENOTFOUND if its tenant or user does not exist.
func (s *Store) CreateConsoleSession(ctx context.Context, cs *hookd.ConsoleSession) error {
	_, err := s.db.ExecContext(ctx, s.d.rebind(
		"INSERT INTO console_sessions ("+consoleSessionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		cs.ID, nullBytes(cs.Hash), nullString(cs.TenantID), nullString(cs.UserID),
		s.d.time(cs.CreatedAt), s.d.time(cs.LastSeenAt), s.d.time(cs.ExpiresAt), cs.IPAddress, cs.UserAgent)
	if err != nil {
		return interpretError(err, "create console session", "console session")
	}
	cs.CreatedAt, cs.LastSeenAt, cs.ExpiresAt = storeTime(cs.CreatedAt), storeTime(cs.LastSeenAt), storeTime(cs.ExpiresAt)
	return nil
}

// ConsoleSessionByHash returns the session whose token has the given hash,
// expired or not. Returns ENOTFOUND if none.
func (s *Store) ConsoleSessionByHash(ctx context.Context, hash []byte) (*hookd.ConsoleSession, error) {
	const op, noun = "console session by hash", "console session"
	if len(hash) == 0 {
		return nil, notFound(op, noun)
	}
	var (
		cs                       hookd.ConsoleSession
		tenantID, userID         *string
		created, seen, expiresAt timeValue
	)
	err := s.rdb.QueryRowContext(ctx, s.d.rebind("SELECT "+consoleSessionColumns+" FROM console_sessions WHERE hash = ?"), hash).
		Scan(&cs.ID, &cs.Hash, &tenantID, &userID, &created, &seen, &expiresAt, &cs.IPAddress, &cs.UserAgent)
	if err != nil {
		return nil, interpretError(err, op, noun)
	}
	if tenantID != nil {
		cs.TenantID = *tenantID
	}
	if userID != nil {
		cs.UserID = *userID
	}
	cs.CreatedAt, cs.LastSeenAt, cs.ExpiresAt = created.Time, seen.Time, expiresAt.Time
	return &cs, nil
}

// TouchConsoleSession records that the session was used at t and now ends at
// expiresAt, in one UPDATE. It never moves LastSeenAt back, and is not an
// error for a session that is gone.
func (s *Store) TouchConsoleSession(ctx context.Context, id string, t, expiresAt time.Time) error {
	at := s.d.time(t)
	_, err := s.db.ExecContext(ctx, s.d.rebind(
		"UPDATE console_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ? AND last_seen_at < ?"),
		at, s.d.time(expiresAt), id, at)
	return interpretError(err, "touch console session", "console session")
}

// DeleteConsoleSession ends a session. Returns ENOTFOUND if none.
func (s *Store) DeleteConsoleSession(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, s.d.rebind("DELETE FROM console_sessions WHERE id = ?"), id)
	return interpretError(mustAffect(res, err), "delete console session", "console session")
}

// DeleteExpiredConsoleSessions deletes up to limit sessions that ended at or
// before now, soonest ended first, and says how many it deleted. A limit of
// 0 or less deletes none.
func (s *Store) DeleteExpiredConsoleSessions(ctx context.Context, now time.Time, limit int) (int, error) {
	const op, noun = "delete expired console sessions", "console session"
	if limit <= 0 {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, s.d.rebind(`DELETE FROM console_sessions WHERE id IN (
		SELECT id FROM console_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`), s.d.time(now), limit)
	if err != nil {
		return 0, interpretError(err, op, noun)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, interpretError(err, op, noun)
	}
	return int(n), nil
}
