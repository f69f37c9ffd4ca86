package app

import (
	"context"
	"errors"

	"github.com/hookd/hookd"
)

// Bulk replays: a dry run counts what a filter matches and shows a
// sample; the real run is a background job (RunReplays) that resends the
// matching deliveries in batches, with progress, until done or cancelled.

const (
	// ReplaySample is how many matching deliveries a dry run shows.
	ReplaySample = 10
	// replayBatch is how many deliveries one step of a replay resends, in
	// one transaction.
	replayBatch = 500
	// replayStepsPerRun bounds the steps RunReplays takes per replay in
	// one run, so that one large replay does not hold the others back.
	replayStepsPerRun = 20
	// replaysPerRun is how many running replays one RunReplays run takes.
	replaysPerRun = 8
)

// ReplayPreview is what a dry run answers: how many deliveries a replay
// with the filter would resend now, and the oldest of them.
type ReplayPreview struct {
	Count  int
	Sample []*hookd.Delivery
}

// checkReplayFilter refuses a filter that is not valid, or that names an
// endpoint the tenant does not have.
func (a *App) checkReplayFilter(ctx context.Context, tenantID string, f hookd.ReplayFilter) error {
	fields := f.Validate(a.now())
	if f.EndpointID != "" {
		if _, err := a.Store.Endpoint(ctx, tenantID, f.EndpointID); hookd.ErrorCode(err) == hookd.ENOTFOUND {
			fields = append(fields, hookd.FieldError{Location: "body.filter.endpoint_id", Message: "is not an endpoint of this tenant"})
		} else if err != nil {
			return err
		}
	}
	if len(fields) > 0 {
		return hookd.Invalid("The replay's filter is not valid.", fields...)
	}
	return nil
}

// PreviewReplay is a dry run: it counts the tenant's deliveries the filter
// matches and returns the oldest ReplaySample of them, resending nothing.
// Returns EINVALID naming each bad part of the filter, or EPLANFORBIDDEN
// unless the plan includes webhooks.
func (a *App) PreviewReplay(ctx context.Context, tenantID string, f hookd.ReplayFilter) (*ReplayPreview, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	if err := a.checkReplayFilter(ctx, tenantID, f); err != nil {
		return nil, err
	}
	n, sample, err := a.Store.CountReplayable(ctx, tenantID, f, a.now(), ReplaySample)
	if err != nil {
		return nil, err
	}
	return &ReplayPreview{Count: n, Sample: sample}, nil
}

// StartReplay starts a bulk replay of the tenant's deliveries the filter
// matches, created before now, and returns it: RunReplays, run
// periodically, resends them. Returns EINVALID naming each bad part of the
// filter, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) StartReplay(ctx context.Context, tenantID string, f hookd.ReplayFilter) (*hookd.Replay, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	if err := a.checkReplayFilter(ctx, tenantID, f); err != nil {
		return nil, err
	}
	now := a.now()
	n, _, err := a.Store.CountReplayable(ctx, tenantID, f, now, 0)
	if err != nil {
		return nil, err
	}
	r := &hookd.Replay{ID: hookd.NewID(hookd.PrefixReplay), TenantID: tenantID, Filter: f, State: hookd.ReplayRunning,
		Before: now, Total: n, CreatedAt: now, UpdatedAt: now}
	if err := a.Store.CreateReplay(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Replay returns a bulk replay of the tenant, with its progress. Returns
// ENOTFOUND, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) Replay(ctx context.Context, tenantID, id string) (*hookd.Replay, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	return a.Store.Replay(ctx, tenantID, id)
}

// ListReplays returns a page of the tenant's bulk replays, newest first.
func (a *App) ListReplays(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Replay], error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return hookd.Page[*hookd.Replay]{}, err
	}
	return a.Store.ListReplays(ctx, tenantID, p)
}

// CancelReplay stops a running bulk replay of the tenant: what it resent
// stays resent, nothing more is. Cancelling one that ended changes
// nothing. Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan includes
// webhooks.
func (a *App) CancelReplay(ctx context.Context, tenantID, id string) (*hookd.Replay, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	return a.Store.CancelReplay(ctx, tenantID, id, a.now())
}

// RunReplays moves running replays on: for each of up to replaysPerRun,
// the least recently advanced first, up to replayStepsPerRun batches. It
// returns how many deliveries it resent. Run it periodically from one
// process at a time (a scheduled job); the deliveries resent go out through
// the normal delivery path.
func (a *App) RunReplays(ctx context.Context) (int, error) {
	rs, err := a.Store.RunningReplays(ctx, replaysPerRun)
	if err != nil {
		return 0, err
	}
	resent := 0
	var errs []error
	for _, r := range rs {
		for step := 0; step < replayStepsPerRun && r.State == hookd.ReplayRunning; step++ {
			ds, err := a.Store.AdvanceReplay(ctx, r, replayBatch, a.now())
			if err != nil {
				errs = append(errs, err)
				break
			}
			resent += len(ds)
			a.deliveriesDue(ds)
		}
	}
	return resent, errors.Join(errs...)
}
