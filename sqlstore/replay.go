package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

const replayColumns = "id, tenant_id, filter, state, before_at, total, resent, skipped, after_created_at, after_id, created_at, updated_at, finished_at"

// replays are the tenants' bulk replays; lists add the tenant's condition.
var replays = &table[*hookd.Replay]{
	name:    "replays",
	columns: replayColumns,
	sorts:   []sortColumn{{field: "created_at", column: "created_at", kind: sortTime}},
	scan:    scanReplay,
}

// storedReplayFilter is a ReplayFilter as the filter column keeps it.
type storedReplayFilter struct {
	EndpointID  string     `json:"endpoint_id,omitempty"`
	EventType   string     `json:"event_type,omitempty"`
	State       string     `json:"state,omitempty"`
	Since       *time.Time `json:"since,omitempty"`
	Until       *time.Time `json:"until,omitempty"`
	Status      *int       `json:"status,omitempty"`
	StatusClass int        `json:"status_class,omitempty"`
}

func scanReplay(sc scanner, extra ...any) (*hookd.Replay, error) {
	var (
		r                        hookd.Replay
		filter, state            string
		before, created, updated timeValue
		afterCreated, finished   timeValue
		afterID                  sql.NullString
		stored                   storedReplayFilter
	)
	if err := sc.Scan(append([]any{&r.ID, &r.TenantID, &filter, &state, &before, &r.Total, &r.Resent, &r.Skipped,
		&afterCreated, &afterID, &created, &updated, &finished}, extra...)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(filter), &stored); err != nil {
		return nil, fmt.Errorf("sqlstore: bad stored filter of replay %s: %w", r.ID, err)
	}
	r.Filter = hookd.ReplayFilter{EndpointID: stored.EndpointID, EventType: stored.EventType, State: hookd.DeliveryState(stored.State),
		Status: stored.Status, StatusClass: stored.StatusClass}
	if stored.Since != nil {
		r.Filter.Since = *stored.Since
	}
	if stored.Until != nil {
		r.Filter.Until = *stored.Until
	}
	r.State = hookd.ReplayState(state)
	r.Before, r.CreatedAt, r.UpdatedAt = before.Time, created.Time, updated.Time
	r.AfterCreatedAt, r.AfterID = afterCreated.Time, afterID.String
	r.FinishedAt = finished.ptr()
	return &r, nil
}

// replayWhere returns the conditions (with ? placeholders) and arguments
// picking the tenant's deliveries that f matches, created at or before before.
func (s *Store) replayWhere(tenantID string, f hookd.ReplayFilter, before time.Time) ([]string, []any) {
	where, args := s.deliveryWhere(tenantID, hookd.DeliveryFilter{EndpointID: f.EndpointID, EventType: f.EventType,
		State: f.State, Since: f.Since, Until: f.Until})
	add := func(cond string, arg ...any) {
		where = append(where, cond)
		args = append(args, arg...)
	}
	add("created_at <= ?", s.d.time(before))
	switch {
	case f.Status != nil && *f.Status == 0:
		// No answer: attempted, but no status.
		add("last_attempt_at IS NOT NULL AND COALESCE(last_status, 0) = 0")
	case f.Status != nil:
		add("last_status = ?", *f.Status)
	}
	if f.StatusClass > 0 {
		add("last_status >= ? AND last_status < ?", f.StatusClass*100, f.StatusClass*100+100)
	}
	return where, args
}

// CountReplayable implements hookd.ReplayStore.
func (s *Store) CountReplayable(ctx context.Context, tenantID string, f hookd.ReplayFilter, before time.Time, sample int) (int, []*hookd.Delivery, error) {
	const op = "count replayable deliveries"
	where, args := s.replayWhere(tenantID, f, before)
	cond := strings.Join(where, " AND ")
	var n int
	if err := s.queryRowRead(ctx, "SELECT count(*) FROM deliveries WHERE "+cond, args...).Scan(&n); err != nil {
		return 0, nil, interpretError(err, op, "delivery")
	}
	if sample <= 0 || n == 0 {
		return n, nil, nil
	}
	ds, err := queryDeliveries(ctx, s.queryRead, op, "SELECT "+deliveryColumns+" FROM deliveries WHERE "+cond+
		" ORDER BY created_at, id LIMIT ?", append(args, sample)...)
	return n, ds, err
}

// CreateReplay implements hookd.ReplayStore.
func (s *Store) CreateReplay(ctx context.Context, r *hookd.Replay) error {
	filter, err := replayFilterJSON(r.Filter)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO replays ("+replayColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.ID, r.TenantID, filter, string(r.State), s.d.time(r.Before), r.Total, r.Resent, r.Skipped,
		nullTimeOrZero(s, r.AfterCreatedAt), nullString(r.AfterID), s.d.time(r.CreatedAt), s.d.time(r.UpdatedAt), s.d.nullTime(r.FinishedAt))
	if err != nil {
		return interpretError(err, "create replay", "replay")
	}
	r.Before, r.CreatedAt, r.UpdatedAt = storeTime(r.Before), storeTime(r.CreatedAt), storeTime(r.UpdatedAt)
	return nil
}

// nullTimeOrZero is t as a query argument, NULL for the zero time.
func nullTimeOrZero(s *Store, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.time(t)
}

func replayFilterJSON(f hookd.ReplayFilter) (string, error) {
	stored := storedReplayFilter{EndpointID: f.EndpointID, EventType: f.EventType, State: string(f.State), Status: f.Status, StatusClass: f.StatusClass}
	if !f.Since.IsZero() {
		t := storeTime(f.Since)
		stored.Since = &t
	}
	if !f.Until.IsZero() {
		t := storeTime(f.Until)
		stored.Until = &t
	}
	b, err := json.Marshal(stored)
	return string(b), err
}

// Replay implements hookd.ReplayStore.
func (s *Store) Replay(ctx context.Context, tenantID, id string) (*hookd.Replay, error) {
	r, err := scanReplay(s.queryRowRead(ctx, "SELECT "+replayColumns+" FROM replays WHERE tenant_id = ? AND id = ?", tenantID, id))
	if err != nil {
		return nil, interpretError(err, "get replay", "replay")
	}
	return r, nil
}

// ListReplays implements hookd.ReplayStore: newest first unless p sorts.
func (s *Store) ListReplays(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Replay], error) {
	if p.Sort == "" {
		p.Sort = "-created_at"
	}
	return list(ctx, s, replays, p, []string{"tenant_id = ?"}, tenantID)
}

// CancelReplay implements hookd.ReplayStore.
func (s *Store) CancelReplay(ctx context.Context, tenantID, id string, now time.Time) (*hookd.Replay, error) {
	if _, err := s.exec(ctx, "UPDATE replays SET state = ?, updated_at = ?, finished_at = ? WHERE tenant_id = ? AND id = ? AND state = ?",
		string(hookd.ReplayCancelled), s.d.time(now), s.d.time(now), tenantID, id, string(hookd.ReplayRunning)); err != nil {
		return nil, interpretError(err, "cancel replay", "replay")
	}
	return s.Replay(ctx, tenantID, id)
}

// RunningReplays implements hookd.ReplayStore.
func (s *Store) RunningReplays(ctx context.Context, limit int) ([]*hookd.Replay, error) {
	return queryAll(ctx, s.queryRead, scanReplay, "list running replays", "replay",
		"SELECT "+replayColumns+" FROM replays WHERE state = ? ORDER BY updated_at, id LIMIT ?", string(hookd.ReplayRunning), limit)
}

// AdvanceReplay implements hookd.ReplayStore. The batch's deliveries are
// picked and resent in one statement, in creation order after the
// progress; those being sent are passed over (counted as skipped), since
// they are going out anyway.
func (s *Store) AdvanceReplay(ctx context.Context, r *hookd.Replay, limit int, now time.Time) ([]*hookd.Delivery, error) {
	const op, noun = "advance replay", "replay"
	var resent []*hookd.Delivery
	err := s.inTx(ctx, op, noun, func(tx *sql.Tx) error {
		// The replay row first: a cancel waits, or is seen.
		var state string
		if err := tx.QueryRowContext(ctx, s.d.rebind("UPDATE replays SET updated_at = ? WHERE id = ? RETURNING state"),
			s.d.time(now), r.ID).Scan(&state); err != nil {
			return err
		}
		if state != string(hookd.ReplayRunning) {
			r.State = hookd.ReplayState(state)
			return nil
		}
		where, args := s.replayWhere(r.TenantID, r.Filter, r.Before)
		if r.AfterID != "" {
			where = append(where, "(created_at > ? OR (created_at = ? AND id > ?))")
			args = append(args, s.d.time(r.AfterCreatedAt), s.d.time(r.AfterCreatedAt), r.AfterID)
		}
		batch, err := queryAll(ctx, tx.QueryContext, scanDelivery, op, noun, s.d.rebind("SELECT "+deliveryColumns+
			" FROM deliveries WHERE "+strings.Join(where, " AND ")+" ORDER BY created_at, id LIMIT ?"), append(args, limit)...)
		if err != nil {
			return err
		}
		var ids []any
		skipped := 0
		for _, d := range batch {
			if d.State == hookd.DeliveryRunning {
				skipped++
				continue
			}
			ids = append(ids, d.ID)
		}
		if len(ids) > 0 {
			resent, err = queryAll(ctx, tx.QueryContext, scanDelivery, op, noun, s.d.rebind("UPDATE deliveries SET state = "+stateForEndpoint+
				", run_at = ?, round_start = attempts, updated_at = ? WHERE id IN ("+placeholders(len(ids))+") AND state <> ? RETURNING "+deliveryColumns),
				append(append([]any{true, s.d.time(now), s.d.time(now)}, ids...), "running")...)
			if err != nil {
				return err
			}
			skipped += len(ids) - len(resent)
		}
		r.Resent += len(resent)
		r.Skipped += skipped
		r.UpdatedAt = storeTime(now)
		if len(batch) > 0 {
			last := batch[len(batch)-1]
			r.AfterCreatedAt, r.AfterID = last.CreatedAt, last.ID
		}
		if len(batch) < limit {
			r.State = hookd.ReplayDone
			finished := storeTime(now)
			r.FinishedAt = &finished
		}
		_, err = tx.ExecContext(ctx, s.d.rebind("UPDATE replays SET state = ?, resent = ?, skipped = ?, after_created_at = ?, after_id = ?, updated_at = ?, finished_at = ? WHERE id = ?"),
			string(r.State), r.Resent, r.Skipped, nullTimeOrZero(s, r.AfterCreatedAt), nullString(r.AfterID), s.d.time(now), s.d.nullTime(r.FinishedAt), r.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return resent, nil
}

var _ hookd.ReplayStore = (*Store)(nil)
