package sqlstore_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkRateSlot takes a free rate slot of an endpoint and releases it
// with its cool-down, as a sender does around each request to a limited
// endpoint: what the rate limit costs a request (two statements).
func BenchmarkRateSlot(b *testing.B) {
	for _, bk := range sqlstoretest.Backends() {
		backend, open := bk.Name, bk.Open
		b.Run(backend, func(b *testing.B) {
			s := open(b)
			ep := rateEndpoint(b, s)
			ctx := b.Context()
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for range b.N {
				now = now.Add(time.Second)
				hold := now.Add(25 * time.Second)
				r, err := s.TakeRateSlot(ctx, ep.ID, 20, now, hold)
				if err != nil || !r.Taken {
					b.Fatalf("take: %+v, %v", r, err)
				}
				if ok, err := s.ReleaseRateSlot(ctx, ep.ID, r.Slot, hold, now.Add(50*time.Millisecond)); err != nil || !ok {
					b.Fatalf("release: %v, %v", ok, err)
				}
			}
		})
	}
}
