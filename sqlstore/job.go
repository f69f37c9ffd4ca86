package sqlstore

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

// ClaimJobRun implements hookd.JobStore with one upsert whose update only
// happens while the run is due: on PostgreSQL a racing second claim waits
// for the first's row lock, then sees next_run_at moved on and updates
// nothing; on SQLite the single writer serializes claims.
func (s *Store) ClaimJobRun(ctx context.Context, name, holder string, now, next time.Time) (bool, error) {
	rows, err := s.queryWrite(ctx, `INSERT INTO job_runs (name, holder, last_run_at, next_run_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, last_run_at = excluded.last_run_at, next_run_at = excluded.next_run_at
		WHERE job_runs.next_run_at <= ? RETURNING name`,
		name, holder, s.d.time(now), s.d.time(next), s.d.time(now))
	if err != nil {
		return false, interpretError(err, "claim job run", "job")
	}
	defer rows.Close()
	claimed := rows.Next()
	if err := rows.Err(); err != nil {
		return false, interpretError(err, "claim job run", "job")
	}
	return claimed, nil
}

var _ hookd.JobStore = (*Store)(nil)
