package dispatch_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// claimHook is the store with a function run once, right after a claim
// read the store and before the dispatcher sees its result.
type claimHook struct {
	*sqlstore.Store
	once  sync.Once
	after func()
}

func (c *claimHook) ClaimEndpointDeliveries(ctx context.Context, now, leaseUntil time.Time, claims []hookd.EndpointClaim) ([]*hookd.Delivery, error) {
	ds, err := c.Store.ClaimEndpointDeliveries(ctx, now, leaseUntil, claims)
	if len(ds) > 0 {
		c.once.Do(c.after)
	}
	return ds, err
}

// TestWakeDuringClaimIsNotLost publishes an event while the workers are
// claiming its endpoint's deliveries, after the claim read the store: the
// claim gets fewer than it asked for, but the publisher's wake-up is newer,
// so the new delivery is claimed at once, not at the next poll (an hour
// here).
func TestWakeDuringClaimIsNotLost(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		w.endpoint(rc.URL, app.CreateEndpointInput{})
		first := w.publish(userData) // waits in the store: the workers are not running
		var (
			second   *hookd.Event
			errAfter error
		)
		w.d.Store = &claimHook{Store: s, after: func() {
			second, _, errAfter = w.app.Publish(context.Background(), w.tenant, app.PublishInput{Type: "user.created", Data: []byte(userData)})
		}}
		w.start()
		got := map[string]bool{}
		for range 2 {
			got[rc.next(t).Header.Get("Webhook-Id")] = true
		}
		if errAfter != nil {
			t.Fatal(errAfter)
		}
		if !got[first.ID] || !got[second.ID] {
			t.Fatalf("received %v, want %s and %s", got, first.ID, second.ID)
		}
		w.waitRecorded(2)
	})
}
