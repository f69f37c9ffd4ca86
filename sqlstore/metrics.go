package sqlstore

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.QueueStatsStore = (*Store)(nil)

// QueueStats counts the delivery queue as of now, for metrics, with three
// reads on the read pool: the queue's states (an index-only scan of
// deliveries (state, run_at) over the pending, held and running rows, so
// its cost grows with the queue, not the history), the oldest due
// delivery (one index seek) and the endpoints by state (the endpoints
// table is small).
func (s *Store) QueueStats(ctx context.Context, now time.Time) (hookd.QueueStats, error) {
	const op = "queue stats"
	var st hookd.QueueStats
	at := s.d.time(now)
	err := s.queryRowRead(ctx, "SELECT"+
		" COALESCE(SUM(CASE WHEN state = 'pending' AND run_at <= ? THEN 1 ELSE 0 END), 0),"+
		" COALESCE(SUM(CASE WHEN state = 'pending' AND run_at > ? THEN 1 ELSE 0 END), 0),"+
		" COALESCE(SUM(CASE WHEN state = 'held' THEN 1 ELSE 0 END), 0),"+
		" COALESCE(SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END), 0)"+
		" FROM deliveries WHERE state IN ('pending', 'held', 'running')", at, at).
		Scan(&st.Due, &st.Scheduled, &st.Held, &st.Leased)
	if err != nil {
		return hookd.QueueStats{}, interpretError(err, op, "delivery")
	}
	var oldest timeValue
	err = s.queryRowRead(ctx, "SELECT min(run_at) FROM deliveries WHERE state = 'pending' AND run_at <= ?", at).Scan(&oldest)
	if err != nil {
		return hookd.QueueStats{}, interpretError(err, op, "delivery")
	}
	if oldest.Valid {
		st.OldestDue = oldest.Time
	}
	err = s.queryRowRead(ctx, "SELECT"+
		" COALESCE(SUM(CASE WHEN enabled THEN 1 ELSE 0 END), 0),"+
		" COALESCE(SUM(CASE WHEN enabled THEN 0 ELSE 1 END), 0) FROM endpoints").
		Scan(&st.EndpointsEnabled, &st.EndpointsDisabled)
	if err != nil {
		return hookd.QueueStats{}, interpretError(err, op, "endpoint")
	}
	return st, nil
}
