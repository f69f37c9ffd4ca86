package httpapi_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkRateLimiter measures what the rate limit adds to one request:
// in memory (one process, SQLite) and shared through PostgreSQL (several
// instances), for an allowed request and for one refused during its
// penalty. Figures in docs/performance.md.
func BenchmarkRateLimiter(b *testing.B) {
	ctx := context.Background()
	// 1,000 credentials, each called once per second of clock time: every
	// call is allowed and counted, as for a client within its limit.
	creds := make([]string, 1000)
	for i := range creds {
		creds[i] = "access_token:at_" + strconv.Itoa(i)
	}
	allowed := func(b *testing.B, l *httpapi.RateLimiter, clock *hookd.ManualClock) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			clock.Advance(time.Millisecond)
			if ok, _ := l.Allow(ctx, creds[i%len(creds)], hookd.PlanEnterprise); !ok {
				b.Fatal("refused")
			}
		}
	}
	refused := func(b *testing.B, l *httpapi.RateLimiter) {
		for range 6 {
			l.Allow(ctx, "flood", hookd.PlanEnterprise)
		}
		b.ReportAllocs()
		for b.Loop() {
			if ok, _ := l.Allow(ctx, "flood", hookd.PlanEnterprise); ok {
				b.Fatal("allowed during the penalty")
			}
		}
	}
	b.Run("memory/allowed", func(b *testing.B) {
		clock := hookd.NewManualClock(start)
		allowed(b, &httpapi.RateLimiter{Clock: clock, Default: 5}, clock)
	})
	b.Run("memory/penalty", func(b *testing.B) {
		refused(b, &httpapi.RateLimiter{Clock: hookd.NewManualClock(start), Default: 5})
	})
	b.Run("postgres/allowed", func(b *testing.B) {
		s := sqlstoretest.Postgres(b)
		clock := hookd.NewManualClock(start)
		allowed(b, &httpapi.RateLimiter{Clock: clock, Default: 5, Shared: s}, clock)
	})
	b.Run("postgres/penalty", func(b *testing.B) {
		s := sqlstoretest.Postgres(b)
		refused(b, &httpapi.RateLimiter{Clock: hookd.NewManualClock(start), Default: 5, Shared: s})
	})
	b.Run("postgres/allowed-parallel", func(b *testing.B) {
		s := sqlstoretest.Postgres(b)
		clock := hookd.NewManualClock(start)
		l := &httpapi.RateLimiter{Clock: clock, Default: 5, Shared: s}
		b.ReportAllocs()
		b.SetParallelism(4)
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(n.Add(1))
				clock.Advance(time.Millisecond)
				if ok, _ := l.Allow(ctx, creds[i%len(creds)], hookd.PlanEnterprise); !ok {
					b.Error("refused")
					return
				}
			}
		})
	})
}
