// Package schedule runs hookd's periodic background jobs (pruning, sweeps,
// the pull lifecycle, …) once per period across every instance sharing a
// database, not once per instance.
//
// Each instance's Scheduler looks, every CheckEvery, whether a job's run
// is due, and claims it in the store (hookd.JobStore.ClaimJobRun): the
// claim that moves the job's next run on wins, so of instances racing for
// a run exactly one runs it. An instance that dies simply stops claiming:
// the next run falls to another instance as soon as it is due, so a dead
// instance's jobs are taken over within one period (plus CheckEvery).
package schedule

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// DefaultCheckEvery is the default of Scheduler.CheckEvery.
const DefaultCheckEvery = 5 * time.Second

// Job is a periodic background job.
type Job struct {
	// Name identifies the job across instances; keep it stable.
	Name string
	// Period is how often the job runs, across all instances.
	Period time.Duration
	// Run does one run. An error is logged; the next run comes a period
	// later all the same.
	Run func(ctx context.Context) error
}

// Scheduler runs jobs once per period between the instances sharing
// Store.
type Scheduler struct {
	Store hookd.JobStore
	Clock hookd.Clock
	Log   *slog.Logger
	// Holder names this instance in the store (for people reading it).
	Holder string
	Jobs   []Job
	// CheckEvery is how often a job's next run is looked for; a job
	// whose period is shorter is looked for every period. Defaults to
	// DefaultCheckEvery.
	CheckEvery time.Duration
}

// RunDue runs, one after the other, the jobs whose run is due now and
// that this instance claims, and returns their names. Run calls it; tests
// call it with an injected clock.
func (s *Scheduler) RunDue(ctx context.Context) []string {
	var ran []string
	for _, j := range s.Jobs {
		if s.runIfDue(ctx, j) {
			ran = append(ran, j.Name)
		}
	}
	return ran
}

// runIfDue claims j's due run, if any, and runs it.
func (s *Scheduler) runIfDue(ctx context.Context, j Job) bool {
	now := s.Clock.Now()
	ok, err := s.Store.ClaimJobRun(ctx, j.Name, s.Holder, now, now.Add(j.Period))
	if err != nil {
		if ctx.Err() == nil {
			s.log().Warn("cannot claim a background job's run", "job", j.Name, "err", err)
		}
		return false
	}
	if !ok {
		return false
	}
	if err := j.Run(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("background job failed; it runs again next period", "job", j.Name, "err", err)
	}
	return true
}

// Run runs the jobs until ctx ends, each in its own goroutine so that a
// long run of one does not delay another.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, j := range s.Jobs {
		wg.Go(func() {
			every := s.CheckEvery
			if every <= 0 {
				every = DefaultCheckEvery
			}
			every = min(every, j.Period)
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				s.runIfDue(ctx, j)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
