package app

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// Operational events (issue 14, item 6): the operational-events job turns
// the signals the store wrote with each change (hookd.OperationalSignal)
// into the tenant's events and the operator's requests.

// OperatorNotifier sends an operational signal to the operator's webhook
// URL (dispatch.OperatorWebhook). An error means it was not accepted: the
// signal is sent again later.
type OperatorNotifier interface {
	Notify(ctx context.Context, s *hookd.OperationalSignal) error
}

// signalBatch is the most signals one run of RunOperationalSignals works on.
const signalBatch = 100

// SignalIdempotencyKey is the Idempotency-Key of the event published for
// a signal: publishing it again (a run that stopped between publishing and
// saving the signal) stores nothing new.
func SignalIdempotencyKey(signalID string) string { return "hookd-operational-" + signalID }

// RunOperationalSignals works on up to 100 signals due now: each is
// published as the tenant's event (once, under SignalIdempotencyKey; a
// tenant gone or without webhooks gets none) and sent to a.Operator if
// set, retried with a growing wait (hookd.OperatorRetry) until it is
// accepted or hookd.OperatorGiveUp has passed, then forgotten. It returns
// how many signals it finished. Once the operator's URL has failed in a
// run, the run sends it nothing more (the signals left wait as if they had
// failed, without counting an attempt): a URL that is down or slow costs
// one request's timeout per run, and the tenants' events go on.
func (a *App) RunOperationalSignals(ctx context.Context) (int, error) {
	now := a.now()
	sigs, err := a.Store.DueOperationalSignals(ctx, now, signalBatch)
	if err != nil {
		return 0, err
	}
	done := 0
	var firstErr error
	operatorDown := false
	for _, s := range sigs {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		if err := a.runSignal(ctx, s, &operatorDown); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if s.Done() {
			done++
		}
	}
	return done, firstErr
}

// runSignal takes s one step further and saves it. operatorDown is set
// when the operator's URL fails, and then spared.
func (a *App) runSignal(ctx context.Context, s *hookd.OperationalSignal, operatorDown *bool) error {
	if !s.Published {
		_, err := a.PublishSignal(ctx, s)
		switch hookd.ErrorCode(err) {
		case "":
		case hookd.ENOTFOUND, hookd.EPLANFORBIDDEN:
			// A tenant gone, or without webhooks (so without endpoints):
			// nothing to publish; the operator still hears of it.
		default:
			return err // tried again at the next run
		}
		s.Published = true
	}
	if !s.OperatorDone {
		now := a.now()
		if a.Operator == nil {
			s.OperatorDone = true
		} else if *operatorDown {
			s.NextAt = now.Add(hookd.OperatorRetry(max(s.OperatorAttempts, 1)))
		} else if err := a.Operator.Notify(ctx, s); err == nil {
			s.OperatorDone, s.OperatorError = true, ""
			s.OperatorAttempts++
		} else {
			*operatorDown = true
			s.OperatorAttempts++
			s.OperatorError = err.Error()
			s.NextAt = now.Add(hookd.OperatorRetry(s.OperatorAttempts))
			if now.Sub(s.CreatedAt) >= hookd.OperatorGiveUp {
				a.Log.ErrorContext(ctx, "gave up sending an operational event to the operator's webhook URL",
					slog.String("signal", s.ID), slog.String("type", s.Type), slog.String("tenant", s.TenantID),
					slog.Int("attempts", s.OperatorAttempts), slog.String("err", s.OperatorError))
				s.OperatorDone = true
			} else {
				a.Log.WarnContext(ctx, "the operator's webhook URL did not take an operational event; it is sent again later",
					slog.String("signal", s.ID), slog.String("type", s.Type), slog.Int("attempts", s.OperatorAttempts),
					slog.Time("next", s.NextAt), slog.String("err", s.OperatorError))
			}
		}
	}
	return a.Store.SaveOperationalSignal(ctx, s)
}

// PublishSignal publishes s as its tenant's event, under
// SignalIdempotencyKey(s.ID): publishing it again stores nothing new and
// returns the first event. Its fan-out leaves out the endpoint s is about.
func (a *App) PublishSignal(ctx context.Context, s *hookd.OperationalSignal) (*hookd.Event, error) {
	e, _, _, err := a.publish(ctx, s.TenantID, PublishInput{Type: s.Type, Data: s.Data, IdempotencyKey: SignalIdempotencyKey(s.ID)}, "")
	return e, err
}

// withoutSubject returns endpoints without the one e is about, when e is
// an operational event (hookd.OperationalSubject): an endpoint never
// receives operational events about itself, so a failing endpoint cannot
// feed its own failures.
func withoutSubject(e *hookd.Event, endpoints []*hookd.Endpoint) []*hookd.Endpoint {
	id := hookd.OperationalSubject(e)
	if id == "" {
		return endpoints
	}
	i := slices.IndexFunc(endpoints, func(ep *hookd.Endpoint) bool { return ep.ID == id })
	if i < 0 {
		return endpoints
	}
	return slices.Delete(slices.Clone(endpoints), i, i+1)
}

// RunEndpointHealth checks every endpoint's attempts over the last
// a.Failing.Window: an endpoint that became failing (hookd.FailingPolicy)
// is marked so and endpoint.failing recorded about it, once; a failing
// endpoint that recovered is unmarked, so that it can be reported again.
// It returns how many endpoints it reported failing. Its work is one scan
// of the window's attempts (an index) plus one write per change.
func (a *App) RunEndpointHealth(ctx context.Context) (int, error) {
	p := a.Failing.WithDefaults()
	if p.Threshold < 0 {
		return 0, nil
	}
	now := a.now()
	counts, err := a.Store.CountAttempts(ctx, now.Add(-p.Window), now)
	if err != nil {
		return 0, err
	}
	byID := make(map[string]hookd.AttemptCounts, len(counts))
	var failing []hookd.AttemptCounts
	for _, c := range counts {
		byID[c.EndpointID] = c
		if p.Failing(c) {
			failing = append(failing, c)
		}
	}
	marked, err := a.Store.FailingEndpoints(ctx)
	if err != nil {
		return 0, err
	}
	var recovered []string
	isMarked := make(map[string]bool, len(marked))
	for _, id := range marked {
		isMarked[id] = true
		if p.Recovered(byID[id]) {
			recovered = append(recovered, id)
		}
	}
	if err := a.Store.ClearEndpointFailing(ctx, recovered); err != nil {
		return 0, err
	}
	var ids []string
	for _, c := range failing {
		if !isMarked[c.EndpointID] {
			ids = append(ids, c.EndpointID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	eps, err := a.Store.EndpointsByID(ctx, ids)
	if err != nil {
		return 0, err
	}
	at := now.UTC().Truncate(time.Microsecond)
	n := 0
	for _, ep := range eps {
		c := byID[ep.ID]
		sig, err := hookd.NewOperationalSignal(ep.TenantID, hookd.EventEndpointFailing, ep.ID, hookd.EndpointFailingData{
			Endpoint:    hookd.OperationalEndpoint{ID: ep.ID, Name: ep.Name, URL: ep.URL},
			SuccessRate: c.Rate(), Attempts: c.Attempts, Succeeded: c.Succeeded,
			WindowSeconds: int(p.Window / time.Second), Threshold: p.Threshold, MinAttempts: p.MinAttempts, DetectedAt: at,
		}, now)
		if err != nil {
			return n, err
		}
		ok, err := a.Store.MarkEndpointFailing(ctx, sig)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
