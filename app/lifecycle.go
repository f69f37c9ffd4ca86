package app

import (
	"context"
	"fmt"
	"time"

	"github.com/hookd/hookd"
)

// The inactivity lifecycle of ping and pull endpoints (hookd/pull.go): an
// endpoint whose payloads are not listed for PullLifecycle.InactiveAfter
// turns inactive (notifications off), and one inactive for
// PullLifecycle.DeleteAfter is deleted with its payloads, leaving an
// audit entry.

// lifecycleBatch is how many endpoints one store call of the lifecycle
// deactivates or deletes.
const lifecycleBatch = 100

// LifecycleResult counts what one run of the lifecycle did.
type LifecycleResult struct {
	Deactivated int
	Deleted     int
}

// RunPullLifecycle makes inactive the ping and pull endpoints whose
// payloads were not listed for PullLifecycle.InactiveAfter (nor the
// endpoint created or enabled since), and deletes, with their payloads,
// those inactive for PullLifecycle.DeleteAfter, each deletion leaving an
// audit entry. It works in batches until nothing is left, logs each
// deactivation (info) and deletion (warn), and returns the counts. Run it
// periodically; processes sharing a database may run it at once (the
// store's statements make each change once).
func (a *App) RunPullLifecycle(ctx context.Context) (LifecycleResult, error) {
	var res LifecycleResult
	l := a.PullLifecycle.WithDefaults()
	for {
		now := a.now()
		eps, err := a.Store.DeactivatePullEndpoints(ctx, now.Add(-l.InactiveAfter), now, lifecycleBatch)
		if err != nil {
			return res, fmt.Errorf("deactivate pull endpoints: %w", err)
		}
		for _, e := range eps {
			res.Deactivated++
			a.Log.InfoContext(ctx, "endpoint inactive: its payloads were not listed",
				"tenant", e.TenantID, "endpoint", e.ID, "mode", e.Mode, "active_since", e.ActiveSince(),
				"inactive_after", l.InactiveAfter.String(), "deleted_by", e.DeletedBy(l))
		}
		if len(eps) < lifecycleBatch {
			break
		}
	}
	for {
		now := a.now()
		eps, err := a.Store.DeleteInactiveEndpoints(ctx, now.Add(-l.DeleteAfter), now, lifecycleBatch)
		if err != nil {
			return res, fmt.Errorf("delete inactive endpoints: %w", err)
		}
		for _, e := range eps {
			res.Deleted++
			a.Log.WarnContext(ctx, "endpoint deleted with its payloads: inactive too long",
				"tenant", e.TenantID, "endpoint", e.ID, "name", e.Name, "mode", e.Mode,
				"inactive_at", e.InactiveAt, "delete_after", l.DeleteAfter.String(),
				"pending", e.Cursor().Pending)
		}
		if len(eps) < lifecycleBatch {
			break
		}
	}
	return res, nil
}

// InactiveReason is the reason an endpoint made inactive after the period
// shows: hookd.InactiveReason with the period named as configured.
func InactiveReason(after time.Duration) string {
	return "inactive: its payloads were not listed for " + FormatPeriod(after) + "; list them to enable it again"
}

// inactiveReason returns the reason e shows: the store writes
// hookd.InactiveReason, which names the default period; with another
// period configured, the configured one.
func (a *App) inactiveReason(e *hookd.Endpoint) string {
	if e.DisabledReason != hookd.InactiveReason {
		return e.DisabledReason
	}
	return InactiveReason(a.PullLifecycle.WithDefaults().InactiveAfter)
}

// FormatPeriod names a period for people: whole days, else whole hours,
// else whole minutes, else as time.Duration writes it.
func FormatPeriod(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d > 0 && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d > 0 && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return d.String()
}

// ListAuditEntries returns a page of the audit trace of every tenant,
// newest first: what hookd did on its own, such as deleting an inactive
// endpoint. For the operator.
func (a *App) ListAuditEntries(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.AuditEntry], error) {
	return a.Store.ListAuditEntries(ctx, p)
}
