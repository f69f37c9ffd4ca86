package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/schedule"
)

// backgroundJobs are serve's periodic jobs. The scheduler runs each once
// per period across every instance sharing the database (package
// schedule), so N instances prune, sweep and run the lifecycle once
// between them, and a dead instance's turn falls to another.
func backgroundJobs(a *app.App, pruner *dispatch.Pruner, dispatcher *dispatch.Dispatcher, log *slog.Logger) []schedule.Job {
	return []schedule.Job{
		// Deliveries claimed by an instance that died (its lease ran out,
		// not renewed) are made due again, and claimed by this instance's
		// workers at once: with the default lease (15 s), a dead
		// instance's work resumes within 20 s.
		{Name: "sweep-leases", Period: dispatch.DefaultLeaseSweepPeriod, Run: func(ctx context.Context) error {
			_, err := dispatcher.SweepLeases(ctx)
			return wrap("sweep expired delivery leases", err)
		}},
		{Name: "prune-history", Period: dispatch.DefaultPruneInterval, Run: func(ctx context.Context) error {
			events, err := pruner.PruneOnce(ctx)
			if events > 0 {
				log.Info("pruned delivery history", "events", events)
			}
			calls, inboundErr := pruner.PruneInboundOnce(ctx)
			if calls > 0 {
				log.Info("pruned the inbound log", "calls", calls)
			}
			return errors.Join(wrap("prune delivery history", err), wrap("prune the inbound log", inboundErr))
		}},
		{Name: "prune-tokens", Period: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := a.PruneExpiredTokens(ctx)
			_, sessionsErr := a.PruneExpiredSessions(ctx)
			return errors.Join(wrap("prune expired tokens", err), wrap("prune ended console sessions", sessionsErr))
		}},
		// Fan-outs whose writer died (this process before a restart, or
		// another instance) are finished once their lease has ended.
		{Name: "resume-fan-outs", Period: 5 * time.Second, Run: func(ctx context.Context) error {
			_, err := a.ResumeFanOuts(ctx)
			return wrap("resume fan-outs", err)
		}},
		// Ping and pull endpoints nobody pulls from turn inactive, and
		// those inactive too long are deleted.
		// Bulk replays resend their deliveries in batches.
		{Name: "run-replays", Period: 2 * time.Second, Run: func(ctx context.Context) error {
			n, err := a.RunReplays(ctx)
			if n > 0 {
				log.Info("bulk replays resent deliveries", "deliveries", n)
			}
			return wrap("run bulk replays", err)
		}},
		{Name: "pull-lifecycle", Period: time.Minute, Run: func(ctx context.Context) error {
			_, err := a.RunPullLifecycle(ctx)
			return wrap("run the pull endpoints' inactivity lifecycle", err)
		}},
		pruneLimitsJob(a),
		operationalEventsJob(a),
		endpointHealthJob(a),
	}
}

// wrap returns err with what failed, or nil.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// instanceName names this process among the instances, in the store's
// record of who ran a job: host and process ID.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}
