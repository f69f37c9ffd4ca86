package sqlstore

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// errLimitsNeedPostgres is the answer of the LimitStore methods on SQLite,
// whose single process keeps its limits in memory.
var errLimitsNeedPostgres = errors.New("sqlstore: shared limits are kept on PostgreSQL only; on SQLite they stay in the process")

// SharesLimits reports whether the store keeps limits for several
// instances (hookd.LimitStore): true on PostgreSQL, false on SQLite.
func (s *Store) SharesLimits() bool { return s.d.name == BackendPostgres }

// hitRateLimit is one upsert: the row of the key is locked by the insert's
// conflict (racing requests of the key, from any instance, queue there),
// the update sees the row as it was and decides from it alone, and the
// decision comes back as blocked_until. hits holds the newest allowed
// requests first, at most limit of them, so the request is over the limit
// exactly when the limit-th newest is still in the window: hits[limit] >
// now-window (NULL, so false, while there are fewer). The arguments are:
// 1 key, 2 now, 3 now-window, 4 limit, 5 now+penalty, 6 now+window, 7 the
// zero time.
const hitRateLimit = `INSERT INTO rate_limits AS r (key, hits, blocked_until, expires_at)
VALUES (?, ARRAY[?::timestamptz], ?::timestamptz, ?::timestamptz)
ON CONFLICT (key) DO UPDATE SET
	hits = CASE
		WHEN r.blocked_until > ?::timestamptz THEN r.hits
		WHEN r.hits[?::int] > ?::timestamptz THEN '{}'
		ELSE ARRAY(SELECT h FROM unnest(r.hits || ?::timestamptz) AS h ORDER BY h DESC LIMIT ?::int) END,
	blocked_until = CASE
		WHEN r.blocked_until > ?::timestamptz THEN r.blocked_until
		WHEN r.hits[?::int] > ?::timestamptz THEN ?::timestamptz
		ELSE r.blocked_until END,
	expires_at = CASE
		WHEN r.blocked_until > ?::timestamptz THEN r.expires_at
		WHEN r.hits[?::int] > ?::timestamptz THEN greatest(r.expires_at, ?::timestamptz)
		ELSE greatest(r.expires_at, ?::timestamptz) END
RETURNING blocked_until`

// HitRateLimit implements hookd.LimitStore with one statement (one round
// trip) on PostgreSQL; see hitRateLimit.
func (s *Store) HitRateLimit(ctx context.Context, key string, limit int, window, penalty time.Duration, now time.Time) (time.Time, error) {
	if !s.SharesLimits() {
		return time.Time{}, errLimitsNeedPostgres
	}
	if limit < 1 {
		return time.Time{}, errors.New("sqlstore: hit rate limit: the limit must be at least 1")
	}
	now = storeTime(now)
	start, end, windowEnd := now.Add(-window), now.Add(penalty), now.Add(window)
	var zero time.Time
	rows, err := s.queryWrite(ctx, hitRateLimit,
		key, now, zero, windowEnd,
		now, limit, start, now, limit,
		now, limit, start, end,
		now, limit, start, end, windowEnd)
	if err != nil {
		return time.Time{}, interpretError(err, "hit rate limit", "rate limit")
	}
	defer rows.Close()
	var blocked timeValue
	if rows.Next() {
		if err := rows.Scan(&blocked); err != nil {
			return time.Time{}, interpretError(err, "hit rate limit", "rate limit")
		}
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, interpretError(err, "hit rate limit", "rate limit")
	}
	if !blocked.Time.After(now) {
		return time.Time{}, nil
	}
	return blocked.Time, nil
}

// ReserveFailures implements hookd.LimitStore in one transaction on
// PostgreSQL: one upsert counts a failure of every key, locking their rows
// in key order (so two attempts never deadlock, and racing attempts from
// any instance queue on the rows), and the transaction is rolled back,
// counting nothing, when a key was already at its limit.
func (s *Store) ReserveFailures(ctx context.Context, now time.Time, window time.Duration, keys ...hookd.FailureKey) (time.Duration, error) {
	if !s.SharesLimits() {
		return 0, errLimitsNeedPostgres
	}
	if len(keys) == 0 {
		return 0, nil
	}
	now = storeTime(now)
	limits := make(map[string]int, len(keys))
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, dup := limits[k.Name]; !dup {
			names = append(names, k.Name)
			limits[k.Name] = k.Limit
		}
		limits[k.Name] = min(limits[k.Name], k.Limit)
	}
	slices.Sort(names)

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, interpretError(err, "reserve failures", "failure count")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, s.d.rebind(`INSERT INTO limit_failures AS f (key, failures, window_ends)
		SELECT k, 1, ?::timestamptz FROM unnest(?::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN f.window_ends <= ?::timestamptz THEN 1 ELSE f.failures + 1 END,
			window_ends = CASE WHEN f.window_ends <= ?::timestamptz THEN excluded.window_ends ELSE f.window_ends END
		RETURNING key, failures, window_ends`),
		now.Add(window), names, now, now)
	if err != nil {
		return 0, interpretError(err, "reserve failures", "failure count")
	}
	defer rows.Close()
	var wait time.Duration
	for rows.Next() {
		var (
			key      string
			failures int
			ends     timeValue
		)
		if err := rows.Scan(&key, &failures, &ends); err != nil {
			return 0, interpretError(err, "reserve failures", "failure count")
		}
		// The count includes this attempt: the key was at its limit
		// before it when the count is past the limit.
		if limit := limits[key]; limit > 0 && failures > limit {
			wait = max(wait, ends.Time.Sub(now))
		}
	}
	if err := rows.Err(); err != nil {
		return 0, interpretError(err, "reserve failures", "failure count")
	}
	if wait > 0 {
		return wait, nil // rolled back: nothing counted
	}
	if err := tx.Commit(); err != nil {
		return 0, interpretError(err, "reserve failures", "failure count")
	}
	return 0, nil
}

// ReleaseFailure implements hookd.LimitStore.
func (s *Store) ReleaseFailure(ctx context.Context, key string) error {
	if !s.SharesLimits() {
		return errLimitsNeedPostgres
	}
	if _, err := s.exec(ctx, "UPDATE limit_failures SET failures = failures - 1 WHERE key = ? AND failures > 0", key); err != nil {
		return interpretError(err, "release failure", "failure count")
	}
	return nil
}

// ResetFailures implements hookd.LimitStore.
func (s *Store) ResetFailures(ctx context.Context, key string) error {
	if !s.SharesLimits() {
		return errLimitsNeedPostgres
	}
	if _, err := s.exec(ctx, "DELETE FROM limit_failures WHERE key = ?", key); err != nil {
		return interpretError(err, "reset failures", "failure count")
	}
	return nil
}

// PruneLimits implements hookd.LimitStore. Neither table has an index
// but its key (an index on the expiry would make every rate-limit update
// touch it); both hold only keys active within their windows, so a scan
// once a minute is cheap. A row updated while the prune runs is rechecked
// under its lock and kept.
func (s *Store) PruneLimits(ctx context.Context, now time.Time) (int64, error) {
	if !s.SharesLimits() {
		return 0, nil
	}
	now = storeTime(now)
	var n int64
	for _, q := range []string{
		"DELETE FROM rate_limits WHERE expires_at <= ?",
		"DELETE FROM limit_failures WHERE window_ends <= ?",
	} {
		res, err := s.exec(ctx, q, now)
		if err != nil {
			return n, interpretError(err, "prune limits", "limit")
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, interpretError(err, "prune limits", "limit")
		}
		n += k
	}
	return n, nil
}

var _ hookd.LimitStore = (*Store)(nil)
