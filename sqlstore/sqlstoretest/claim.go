package sqlstoretest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
)

// ClaimDue claims, as a worker would, up to limit deliveries due at now of
// the enabled endpoints not in exclude, running until leaseUntil, and
// returns them: for tests that play a worker, or one that died holding
// them.
func ClaimDue(t testing.TB, s *sqlstore.Store, now, leaseUntil time.Time, limit int, exclude ...string) []*hookd.Delivery {
	t.Helper()
	ctx := context.Background()
	ids, err := s.DueEndpoints(ctx, now)
	if err != nil {
		t.Fatalf("due endpoints: %v", err)
	}
	slices.Sort(ids)
	var claimed []*hookd.Delivery
	for _, id := range ids {
		if len(claimed) >= limit {
			break
		}
		if slices.Contains(exclude, id) {
			continue
		}
		ds, err := s.ClaimEndpointDeliveries(ctx, now, leaseUntil, []hookd.EndpointClaim{{EndpointID: id, Limit: limit - len(claimed)}})
		if err != nil {
			t.Fatalf("claim deliveries of %s: %v", id, err)
		}
		claimed = append(claimed, ds...)
	}
	return claimed
}
