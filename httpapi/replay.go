package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// ReplayFilter picks the deliveries a bulk replay resends.
type ReplayFilter struct {
	EndpointID  string     `json:"endpoint_id,omitempty" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"Only this endpoint's deliveries."`
	EventType   string     `json:"event_type,omitempty" maxLength:"255" example:"user.created" doc:"Only deliveries of this event type."`
	State       string     `json:"state,omitempty" enum:"pending,succeeded,failed,held" example:"failed" doc:"Only deliveries in this state."`
	Since       *time.Time `json:"since,omitempty" example:"2026-11-23T00:00:00Z" doc:"Only deliveries created at or after this time."`
	Until       *time.Time `json:"until,omitempty" example:"2026-11-24T00:00:00Z" doc:"Only deliveries created before this time."`
	Status      *int       `json:"status,omitempty" minimum:"0" maximum:"599" example:"503" doc:"Only deliveries whose last attempt got this HTTP status; 0 for attempts that got no answer."`
	StatusClass string     `json:"status_class,omitempty" enum:"1xx,2xx,3xx,4xx,5xx" example:"5xx" doc:"Only deliveries whose last attempt got a status of this class."`
}

func (f ReplayFilter) domain() hookd.ReplayFilter {
	out := hookd.ReplayFilter{EndpointID: f.EndpointID, EventType: f.EventType, State: hookd.DeliveryState(f.State), Status: f.Status}
	if f.Since != nil {
		out.Since = *f.Since
	}
	if f.Until != nil {
		out.Until = *f.Until
	}
	out.StatusClass, _ = hookd.StatusClassOf(f.StatusClass) // the enum admits only valid classes
	return out
}

func replayFilterOf(f hookd.ReplayFilter) ReplayFilter {
	out := ReplayFilter{EndpointID: f.EndpointID, EventType: f.EventType, State: string(f.State), Status: f.Status}
	if !f.Since.IsZero() {
		out.Since = &f.Since
	}
	if !f.Until.IsZero() {
		out.Until = &f.Until
	}
	if f.StatusClass > 0 {
		out.StatusClass = string(rune('0'+f.StatusClass)) + "xx"
	}
	return out
}

// Replay is a bulk replay, or for a dry run what it would do.
type Replay struct {
	ID         string       `json:"id,omitempty" example:"rpl_0193c0ffee0000000000000000000001" doc:"The replay's id; absent for a dry run."`
	State      string       `json:"state" enum:"preview,running,done,cancelled" example:"running" doc:"preview for a dry run (nothing was resent); running while deliveries are being resent in the background; done when all were; cancelled when stopped."`
	Filter     ReplayFilter `json:"filter" doc:"The deliveries it resends: those matching the filter created by the time it started."`
	Total      int          `json:"total" example:"1250" doc:"How many deliveries matched when it started (for a dry run, now)."`
	Resent     int          `json:"resent" example:"500" doc:"How many it has resent so far."`
	Skipped    int          `json:"skipped" example:"0" doc:"How many it passed over because they were being sent at that moment (they go out anyway) or were gone."`
	Sample     []Delivery   `json:"sample,omitempty" doc:"For a dry run, the oldest matching deliveries (up to 10)."`
	CreatedAt  *time.Time   `json:"created_at,omitempty" example:"2026-11-23T09:40:00Z" doc:"When it started."`
	UpdatedAt  *time.Time   `json:"updated_at,omitempty" example:"2026-11-23T09:40:02Z" doc:"When it last moved on."`
	FinishedAt *time.Time   `json:"finished_at,omitempty" example:"2026-11-23T09:41:00Z" doc:"When it was done or cancelled."`
}

func replayOf(r *hookd.Replay) Replay {
	return Replay{ID: r.ID, State: string(r.State), Filter: replayFilterOf(r.Filter), Total: r.Total, Resent: r.Resent,
		Skipped: r.Skipped, CreatedAt: &r.CreatedAt, UpdatedAt: &r.UpdatedAt, FinishedAt: r.FinishedAt}
}

type startReplayInput struct {
	Body struct {
		Filter ReplayFilter `json:"filter" doc:"Which deliveries to resend; every condition given must hold."`
		DryRun bool         `json:"dry_run,omitempty" example:"true" doc:"Only count the matching deliveries and show a sample; resend nothing."`
	}
}

type replayOutput struct {
	Status int
	Body   Replay
}

func registerStartReplay(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/replays", "start-replay", deliveriesTag, "Replay deliveries in bulk",
		"Resends every delivery of the tenant matching the filter (endpoint, event type, state, creation time, the last "+
			"attempt's status or status class), each in a new round of retries, as resending one does. With `dry_run: true` "+
			"it answers 200 with how many match and the oldest few, resending nothing. Otherwise it answers 202 with a "+
			"replay that runs in the background, in batches, through the normal delivery path (so each endpoint's own "+
			"limits apply); follow it with GET /api/v1/replays/{id}, stop it with POST /api/v1/replays/{id}/cancel. It "+
			"resends only deliveries created by the time it started: what it resends is never matched again.",
		http.StatusAccepted, http.StatusOK))
	huma.Register(api, op, func(ctx context.Context, in *startReplayInput) (*replayOutput, error) {
		f := in.Body.Filter.domain()
		if in.Body.DryRun {
			p, err := a.PreviewReplay(ctx, tenantID(ctx), f)
			if err != nil {
				return nil, err
			}
			out := Replay{State: "preview", Filter: replayFilterOf(f), Total: p.Count, Sample: make([]Delivery, len(p.Sample))}
			for i, d := range p.Sample {
				out.Sample[i] = deliveryOf(d)
			}
			return &replayOutput{Status: http.StatusOK, Body: out}, nil
		}
		r, err := a.StartReplay(ctx, tenantID(ctx), f)
		if err != nil {
			return nil, err
		}
		return &replayOutput{Status: http.StatusAccepted, Body: replayOf(r)}, nil
	})
}

type replayIDInput struct {
	ID string `path:"id" maxLength:"100" example:"rpl_0193c0ffee0000000000000000000001" doc:"The replay's id."`
}

type replayBodyOutput struct{ Body Replay }

func registerGetReplay(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/replays/{id}", "get-replay", deliveriesTag, "Get a bulk replay",
		"Returns a bulk replay and its progress.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *replayIDInput) (*replayBodyOutput, error) {
		r, err := a.Replay(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &replayBodyOutput{Body: replayOf(r)}, nil
	})
}

type listReplaysInput struct {
	ListInput
}

func registerListReplays(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/replays", "list-replays", deliveriesTag, "List bulk replays",
		"Lists the tenant's bulk replays, newest first (sort: created_at, -created_at).", http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listReplaysInput) (*listOutput[Replay], error) {
		p, err := a.ListReplays(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, replayOf), nil
	})
}

func registerCancelReplay(api huma.API, a *app.App) {
	addDeliveriesTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/replays/{id}/cancel", "cancel-replay", deliveriesTag, "Cancel a bulk replay",
		"Stops a running bulk replay: what it resent stays resent, nothing more is. Cancelling one that ended changes nothing.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *replayIDInput) (*replayBodyOutput, error) {
		r, err := a.CancelReplay(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &replayBodyOutput{Body: replayOf(r)}, nil
	})
}
