package main

import (
	"context"
	"time"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/schedule"
)

// pruneLimitsJob deletes, once a minute across the instances, the rows of
// the shared rate limits and failure throttles whose windows have ended
// (PostgreSQL; on SQLite the limits are in memory and it does nothing).
func pruneLimitsJob(a *app.App) schedule.Job {
	return schedule.Job{Name: "prune-limits", Period: time.Minute, Run: func(ctx context.Context) error {
		_, err := a.PruneLimits(ctx)
		return wrap("prune the shared limits", err)
	}}
}
