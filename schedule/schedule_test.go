package schedule_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/schedule"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// instances returns n job stores sharing one database: on SQLite one store
// (one process may serve a SQLite database), on PostgreSQL n stores with
// pools of their own, as n instances have.
func instances(t *testing.T, backend string, n int) []hookd.JobStore {
	t.Helper()
	if backend == sqlstore.BackendSQLite {
		s := sqlstoretest.SQLite(t)
		out := make([]hookd.JobStore, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	url := sqlstoretest.PostgresURL(t)
	ctx := context.Background()
	var out []hookd.JobStore
	for i := 0; i < n; i++ {
		s, err := sqlstore.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestJobRunsOncePerPeriodAcrossInstances checks that instances racing for
// every run of a job run it exactly once per period between them, and
// that when one dies the others take its runs over within one period.
func TestJobRunsOncePerPeriodAcrossInstances(t *testing.T) {
	for _, backend := range []string{sqlstore.BackendSQLite, sqlstore.BackendPostgres} {
		t.Run(backend, func(t *testing.T) {
			const n, period = 4, time.Minute
			stores := instances(t, backend, n)
			clock := hookd.NewManualClock(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
			var mu sync.Mutex
			var runs []time.Time
			ranBy := map[string]int{}
			schedulers := make([]*schedule.Scheduler, n)
			for i := range schedulers {
				holder := fmt.Sprintf("instance-%d", i)
				schedulers[i] = &schedule.Scheduler{Store: stores[i], Clock: clock, Holder: holder, Jobs: []schedule.Job{{
					Name: "prune", Period: period,
					Run: func(context.Context) error {
						mu.Lock()
						defer mu.Unlock()
						runs = append(runs, clock.Now())
						ranBy[holder]++
						return nil
					},
				}}}
			}
			ctx := context.Background()
			round := func(alive []*schedule.Scheduler) int {
				var ran atomic.Int64
				var wg sync.WaitGroup
				start := make(chan struct{})
				for _, s := range alive {
					wg.Go(func() {
						<-start
						ran.Add(int64(len(s.RunDue(ctx))))
					})
				}
				close(start)
				wg.Wait()
				return int(ran.Load())
			}
			// 10 periods in steps of a fifth of one: a run at the start
			// and at every period, each by exactly one instance.
			for step := 0; step <= 50; step++ {
				got := round(schedulers)
				want := 0
				if step%5 == 0 {
					want = 1
				}
				if got != want {
					t.Fatalf("step %d (%s): %d runs, want %d", step, clock.Now().Format(time.TimeOnly), got, want)
				}
				clock.Advance(period / 5)
			}
			if len(runs) != 11 {
				t.Fatalf("%d runs in 10 periods, want 11", len(runs))
			}
			for i := 1; i < len(runs); i++ {
				if gap := runs[i].Sub(runs[i-1]); gap != period {
					t.Errorf("runs %d and %d are %s apart, want %s", i-1, i, gap, period)
				}
			}
			// Instance 0 dies: the rest go on, the next run still on time.
			last := runs[len(runs)-1]
			for step := 0; step < 10; step++ {
				round(schedulers[1:])
				clock.Advance(period / 5)
			}
			if len(runs) != 13 || runs[11].Sub(last) != period {
				t.Errorf("after instance 0 died: runs %v, want two more, the first one period after %v", runs[11:], last)
			}
			t.Logf("runs per instance: %v", ranBy)
		})
	}
}

// TestSchedulerRunLoop checks the real loop: a job with a short period
// runs repeatedly until the context ends, and a failing run does not stop
// the next.
func TestSchedulerRunLoop(t *testing.T) {
	s := sqlstoretest.SQLite(t)
	var n atomic.Int64
	done := make(chan struct{})
	sch := &schedule.Scheduler{Store: s, Clock: hookd.SystemClock{}, Holder: "me", CheckEvery: time.Millisecond,
		Jobs: []schedule.Job{{Name: "tick", Period: 5 * time.Millisecond, Run: func(context.Context) error {
			if n.Add(1) == 3 {
				close(done)
			}
			return fmt.Errorf("fails every time")
		}}}}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		sch.Run(ctx)
		close(stopped)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the job ran %d times in 30 s, want 3", n.Load())
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
