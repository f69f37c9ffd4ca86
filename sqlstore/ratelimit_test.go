package sqlstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// twoPostgresStores opens two stores on one new schema, as two instances
// would, with small pools.
func twoPostgresStores(t *testing.T) (*sqlstore.Store, *sqlstore.Store) {
	t.Helper()
	dsn := sqlstoretest.PostgresURL(t)
	ctx := context.Background()
	var stores [2]*sqlstore.Store
	for i := range stores {
		s, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		s.DB().SetMaxOpenConns(4)
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		stores[i] = s
	}
	return stores[0], stores[1]
}

func TestHitRateLimitSlidingWindow(t *testing.T) {
	a, b := twoPostgresStores(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	hit := func(s *sqlstore.Store, at time.Duration) time.Time {
		t.Helper()
		until, err := s.HitRateLimit(ctx, "key:1", 5, time.Second, 30*time.Second, t0.Add(at))
		if err != nil {
			t.Fatalf("hit at %v: %v", at, err)
		}
		return until
	}
	stores := []*sqlstore.Store{a, b}
	// Five requests spread over 0.8 s, alternating between the instances.
	for i := range 5 {
		if until := hit(stores[i%2], time.Duration(i)*200*time.Millisecond); !until.IsZero() {
			t.Fatalf("request %d refused until %v", i+1, until)
		}
	}
	// At 1.0 s the first has left the window (it is (now-1s, now]).
	if until := hit(b, time.Second); !until.IsZero() {
		t.Fatalf("request at 1.0 s refused until %v, want allowed", until)
	}
	// At 1.1 s the window holds 0.2 … 1.0: five, so this is the sixth.
	want := t0.Add(1100*time.Millisecond + 30*time.Second)
	if until := hit(a, 1100*time.Millisecond); !until.Equal(want) {
		t.Fatalf("sixth request in a second: blocked until %v, want %v", until, want)
	}
	// The penalty holds on both instances until it ends, and is not
	// prolonged by refused requests.
	for _, at := range []time.Duration{2 * time.Second, 20 * time.Second, 31*time.Second - time.Microsecond} {
		for _, s := range stores {
			if until := hit(s, at); !until.Equal(want) {
				t.Fatalf("request at %v in the penalty: blocked until %v, want %v", at, until, want)
			}
		}
	}
	// Once it ends the window starts empty: five more go through.
	for i := range 5 {
		if until := hit(stores[i%2], 31100*time.Millisecond+time.Duration(i)*time.Millisecond); !until.IsZero() {
			t.Fatalf("request %d after the penalty refused until %v", i+1, until)
		}
	}
	// Another key has its own window.
	if until, err := a.HitRateLimit(ctx, "key:2", 5, time.Second, 30*time.Second, t0.Add(time.Second)); err != nil || !until.IsZero() {
		t.Fatalf("other key: %v, %v; want allowed", until, err)
	}
}

// TestHitRateLimitRace fires many requests of one key at the same moment
// through two stores: exactly the limit get through.
func TestHitRateLimitRace(t *testing.T) {
	a, b := twoPostgresStores(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 24 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			until, err := s.HitRateLimit(context.Background(), "race", 5, time.Second, 30*time.Second, now.Add(time.Duration(i)*time.Microsecond))
			if err != nil {
				t.Error(err)
				return
			}
			if until.IsZero() {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != 5 {
		t.Fatalf("%d of 24 racing requests allowed, want 5", got)
	}
}

func TestReserveFailuresShared(t *testing.T) {
	a, b := twoPostgresStores(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	window := 15 * time.Minute
	account, addr := hookd.FailureKey{Name: "account:a@example.com", Limit: 3}, hookd.FailureKey{Name: "address:192.0.2.1", Limit: 10}
	reserve := func(s *sqlstore.Store, at time.Duration, keys ...hookd.FailureKey) time.Duration {
		t.Helper()
		wait, err := s.ReserveFailures(ctx, now.Add(at), window, keys...)
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
	// Three failures, alternating instances, then the account is locked on
	// both until its window (from the first failure) ends.
	for i := range 3 {
		if wait := reserve([]*sqlstore.Store{a, b}[i%2], time.Duration(i)*time.Minute, account, addr); wait != 0 {
			t.Fatalf("failure %d refused for %v", i+1, wait)
		}
	}
	for _, s := range []*sqlstore.Store{a, b} {
		if wait := reserve(s, 5*time.Minute, account, addr); wait != 10*time.Minute {
			t.Fatalf("fourth attempt: wait %v, want 10m", wait)
		}
	}
	// A refused attempt counted nothing: the address has 3 failures, so 7
	// more attempts on it alone pass and the eighth is refused.
	for i := range 7 {
		if wait := reserve(b, 6*time.Minute, addr); wait != 0 {
			t.Fatalf("address attempt %d refused for %v", i+1, wait)
		}
	}
	if wait := reserve(a, 6*time.Minute, addr); wait != 9*time.Minute {
		t.Fatalf("address past its limit: wait %v, want 9m", wait)
	}
	// A success gives its reservation back; a reset forgets the key.
	if err := a.ReleaseFailure(ctx, addr.Name); err != nil {
		t.Fatal(err)
	}
	if wait := reserve(b, 7*time.Minute, addr); wait != 0 {
		t.Fatalf("after a release: refused for %v", wait)
	}
	if err := b.ResetFailures(ctx, account.Name); err != nil {
		t.Fatal(err)
	}
	if wait := reserve(a, 7*time.Minute, account); wait != 0 {
		t.Fatalf("after a reset: refused for %v", wait)
	}
	// Once the window ends, counting starts again.
	if wait := reserve(a, 15*time.Minute, addr); wait != 0 {
		t.Fatalf("after the window: refused for %v", wait)
	}
}

func TestReserveFailuresRace(t *testing.T) {
	a, b := twoPostgresStores(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	keys := []hookd.FailureKey{{Name: "account:x", Limit: 4}, {Name: "address:198.51.100.7", Limit: 100}}
	var passed atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		s := a
		if i%2 == 1 {
			s = b
		}
		// Half name the keys in the other order: the locks are still
		// taken in one order, so no deadlock.
		ks := keys
		if i%4 >= 2 {
			ks = []hookd.FailureKey{keys[1], keys[0]}
		}
		wg.Go(func() {
			wait, err := s.ReserveFailures(context.Background(), now, time.Minute, ks...)
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 {
				passed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := passed.Load(); got != 4 {
		t.Fatalf("%d of 16 racing attempts passed, want 4", got)
	}
}

func TestPruneLimits(t *testing.T) {
	s := sqlstoretest.Postgres(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for range 6 {
		if _, err := s.HitRateLimit(ctx, "blocked", 5, time.Second, 30*time.Second, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.HitRateLimit(ctx, "idle", 5, time.Second, 30*time.Second, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReserveFailures(ctx, now, time.Minute, hookd.FailureKey{Name: "account:y", Limit: 3}); err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	prune := func(at time.Duration) int64 {
		t.Helper()
		n, err := s.PruneLimits(ctx, now.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := prune(time.Second - time.Microsecond); n != 0 {
		t.Fatalf("pruned %d rows before any window ended", n)
	}
	// The idle key's window has ended; the penalty has not.
	if n := prune(time.Second); n != 1 || count("rate_limits") != 1 {
		t.Fatalf("at 1 s: pruned %d, %d rate-limit rows left; want 1 and 1", n, count("rate_limits"))
	}
	if n := prune(time.Minute); n != 2 || count("rate_limits")+count("limit_failures") != 0 {
		t.Fatalf("at 1 min: pruned %d; want 2 and empty tables", n)
	}
}

func TestLimitsOnSQLite(t *testing.T) {
	t.Parallel()
	s := sqlstoretest.SQLite(t)
	if s.SharesLimits() {
		t.Fatal("SQLite store says it shares limits")
	}
	if _, err := s.HitRateLimit(context.Background(), "k", 5, time.Second, time.Second, time.Now()); err == nil {
		t.Fatal("HitRateLimit on SQLite: no error")
	}
	if n, err := s.PruneLimits(context.Background(), time.Now()); n != 0 || err != nil {
		t.Fatalf("PruneLimits on SQLite: %d, %v", n, err)
	}
}
