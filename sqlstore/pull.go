package sqlstore

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

// errPullPending stands for the pull store until it is written (issue 12,
// in progress on a branch): every method answers 503.
var errPullPending = hookd.Errorf(hookd.EUNAVAILABLE, "Pull delivery is not available yet.")

func (s *Store) Payloads(ctx context.Context, tenantID, endpointID string, after int64, limit int) ([]*hookd.Payload, error) {
	return nil, errPullPending
}

func (s *Store) PullCursor(ctx context.Context, endpointID string) (hookd.PullCursor, error) {
	return hookd.PullCursor{}, errPullPending
}

func (s *Store) RecordPull(ctx context.Context, tenantID, endpointID string, through int64, now time.Time) (bool, error) {
	return false, errPullPending
}

func (s *Store) RequestPing(ctx context.Context, endpointID string, now time.Time) (bool, error) {
	return false, errPullPending
}

func (s *Store) DeactivatePullEndpoints(ctx context.Context, activeBefore, now time.Time, limit int) ([]*hookd.Endpoint, error) {
	return nil, errPullPending
}

func (s *Store) DeleteInactiveEndpoints(ctx context.Context, inactiveBefore, now time.Time, limit int) ([]*hookd.Endpoint, error) {
	return nil, errPullPending
}

func (s *Store) ListAuditEntries(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.AuditEntry], error) {
	return hookd.Page[*hookd.AuditEntry]{}, errPullPending
}
