package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// ErrIdempotencyKeyReused is the cause of the EINVALID error Publish returns
// for an Idempotency-Key used within hookd.IdempotencyWindow with another
// type or data: the key names one request, and answering another with its
// event would silently drop that one.
var ErrIdempotencyKeyReused = errors.New("idempotency key reused with a different request")

// PublishInput is an event to publish.
type PublishInput struct {
	// Type names a type of the tenant's catalog.
	Type string
	// Data is a JSON object valid against the type's schema.
	Data json.RawMessage
	// IdempotencyKey, when set, makes publishing again with it within
	// hookd.IdempotencyWindow answer with the first event and store
	// nothing; publishing another type or data with it is refused.
	IdempotencyKey string
}

// Publish stores an event and one delivery per endpoint of the tenant
// subscribed to its type: pending and due now for an enabled endpoint, held
// for a disabled one (sent when it is enabled again). Up to FanOutChunk
// deliveries are stored in one transaction with the event; a larger
// fan-out is written in further transactions of at most FanOutChunk each,
// so that other tenants' writes go between them. When it returns without
// error the event and its whole fan-out are durably stored or recorded (a
// fan-out cut short by a crash is finished by ResumeFanOuts).
// replayed is true when the idempotency key was used within the window:
// the event is the first one, and nothing new was stored. Returns EINVALID
// at body.type for a type not in the catalog, at body.data naming each
// failing place for data that is not a JSON object of at most 1 MiB valid
// against the type's schema, and at header.Idempotency-Key for a key longer
// than 255 characters or one used within the window with another type or
// data (wrapping ErrIdempotencyKeyReused); EPLANFORBIDDEN unless the plan
// includes webhooks.
func (a *App) Publish(ctx context.Context, tenantID string, in PublishInput) (e *hookd.Event, replayed bool, err error) {
	e, _, replayed, err = a.PublishWithDeliveries(ctx, tenantID, in)
	return e, replayed, err
}

// PublishWithDeliveries is Publish that also returns the event's
// deliveries: those it stored (a fan-out cut short leaves the rest to
// ResumeFanOuts), or for a replay those of the first event.
func (a *App) PublishWithDeliveries(ctx context.Context, tenantID string, in PublishInput) (e *hookd.Event, ds []*hookd.Delivery, replayed bool, err error) {
	if hookd.IsOperationalEventType(in.Type) {
		// hookd's own news (operational.go): tenants subscribe to them,
		// only hookd publishes them (PublishSignal).
		return nil, nil, false, hookd.Invalid("Operational events are published by hookd only.", hookd.FieldError{
			Location: "body.type", Message: fmt.Sprintf("%s is an operational event type: hookd publishes it, tenants subscribe to it", in.Type),
		})
	}
	traceParent := ""
	if a.Observer != nil {
		var done func(*hookd.Event, int, bool, error)
		ctx, traceParent, done = a.Observer.StartPublish(ctx, tenantID, in.Type)
		defer func() { done(e, len(ds), replayed, err) }()
	}
	return a.publish(ctx, tenantID, in, traceParent)
}

// publish is PublishWithDeliveries, whose event keeps traceParent.
func (a *App) publish(ctx context.Context, tenantID string, in PublishInput, traceParent string) (*hookd.Event, []*hookd.Delivery, bool, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, nil, false, err
	}
	if len(in.IdempotencyKey) > hookd.MaxIdempotencyKeyLength || !utf8.ValidString(in.IdempotencyKey) {
		return nil, nil, false, hookd.Invalid("The Idempotency-Key is not valid.", hookd.FieldError{
			Location: "header.Idempotency-Key",
			Message:  fmt.Sprintf("must be at most %d characters", hookd.MaxIdempotencyKeyLength),
		})
	}
	data, fe := eventData(in.Data)
	if fe != nil {
		return nil, nil, false, hookd.Invalid("The event data is not valid.", *fe)
	}
	if err := a.ValidateEventData(ctx, tenantID, in.Type, data); err != nil {
		return nil, nil, false, err
	}
	now := a.now()
	e := &hookd.Event{
		ID:             hookd.NewID(hookd.PrefixEvent),
		TenantID:       tenantID,
		Type:           in.Type,
		Data:           data,
		Timestamp:      now,
		IdempotencyKey: in.IdempotencyKey,
		CreatedAt:      now,
		RequestID:      hookd.RequestID(ctx),
		TraceParent:    traceParent,
	}
	all, allEndpoints, err := a.deliveriesFor(ctx, e)
	if err != nil {
		return nil, nil, false, err
	}
	ds, endpoints, rest, restEndpoints := a.splitFanOut(e, all, allEndpoints)
	taken, takenEndpoints := a.handOver(ds, endpoints)
	existing, err := a.Store.PublishEvent(ctx, e, ds)
	if err != nil || existing != nil {
		if len(taken) > 0 {
			a.Workers.Cancel(len(taken))
		}
	}
	if err != nil {
		return nil, nil, false, err
	}
	if existing != nil {
		if existing.Type != e.Type || !bytes.Equal(existing.Data, e.Data) {
			return nil, nil, false, &hookd.Error{
				Code:    hookd.EINVALID,
				Message: "The Idempotency-Key was already used for another event; use a new key for a new event.",
				Fields: []hookd.FieldError{{Location: "header.Idempotency-Key", Message: fmt.Sprintf(
					"was used less than %s ago for event %s, whose type or data differ from this request's; "+
						"a key stands for one request, so send that request again unchanged or use a new key", hookd.IdempotencyWindow, existing.ID)}},
				Err: ErrIdempotencyKeyReused,
			}
		}
		ds, err := a.Store.ListDeliveriesForEvent(ctx, tenantID, existing.ID)
		if err != nil {
			return nil, nil, false, err
		}
		return existing, ds, true, nil
	}
	if len(taken) > 0 {
		a.Workers.Take(e, taken, takenEndpoints)
	}
	a.deliveriesDue(ds)
	if len(rest) > 0 {
		// The event is stored and the rest of its fan-out recorded: finish
		// it even if the client goes away meanwhile.
		ds = append(ds, a.writeFanOut(context.WithoutCancel(ctx), e, rest, restEndpoints)...)
	}
	return e, storedDeliveries(ds), false, nil
}

// filtered returns the endpoints whose filter e matches (all without one),
// in the same order; e's data is decoded once, and only if some endpoint
// has a filter.
func filtered(e *hookd.Event, endpoints []*hookd.Endpoint) []*hookd.Endpoint {
	endpoints = withoutSubject(e, endpoints) // operational events never loop
	if !slices.ContainsFunc(endpoints, func(ep *hookd.Endpoint) bool { return ep.Filter != nil }) {
		return endpoints // the common case: nothing to decode or copy
	}
	var subject *hookd.FilterSubject
	out := endpoints[:0:0]
	for _, ep := range endpoints {
		if ep.Filter != nil {
			if subject == nil {
				s := hookd.NewFilterSubject(e)
				subject = &s
			}
			if !ep.Filter.Match(*subject) {
				continue
			}
		}
		out = append(out, ep)
	}
	return out
}

// storedDeliveries returns those of ds that were stored as deliveries:
// all but the payloads of ping and pull endpoints that did not become a
// ping (hookd.PullDelivery).
func storedDeliveries(ds []*hookd.Delivery) []*hookd.Delivery {
	out := ds[:0:0]
	for _, d := range ds {
		if d.Stored() {
			out = append(out, d)
		}
	}
	return out
}

// deliveriesFor returns one delivery of e per endpoint of its tenant
// subscribed to its type whose filter it matches, due at e.CreatedAt:
// pending for an enabled endpoint, held for a disabled one; and the
// endpoints, in the same order.
func (a *App) deliveriesFor(ctx context.Context, e *hookd.Event) ([]*hookd.Delivery, []*hookd.Endpoint, error) {
	endpoints, err := a.Store.SubscribedEndpoints(ctx, e.TenantID, e.Type)
	if err != nil {
		return nil, nil, err
	}
	endpoints = filtered(e, endpoints)
	ds := make([]*hookd.Delivery, 0, len(endpoints))
	for _, ep := range endpoints {
		ds = append(ds, newDelivery(e, ep, e.CreatedAt))
	}
	return ds, endpoints, nil
}

// handOver offers the pending deliveries among ds (to endpoints, in the
// same order) to the workers, and makes those they take running under
// their lease. It returns them with their endpoints.
func (a *App) handOver(ds []*hookd.Delivery, endpoints []*hookd.Endpoint) ([]*hookd.Delivery, []*hookd.Endpoint) {
	if a.Workers == nil {
		return nil, nil
	}
	var offered []int
	var ids []string
	for i, d := range ds {
		// A payload becomes a delivery (a ping) only if the store says
		// so: the workers cannot take it in advance. Nor a delivery to a
		// FIFO endpoint: only the claim of its first waiting delivery
		// sends it in order.
		if d.State == hookd.DeliveryPending && d.Pull == nil && !d.Ordered {
			offered = append(offered, i)
			ids = append(ids, d.EndpointID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	until, take := a.Workers.Reserve(ids)
	var taken []*hookd.Delivery
	var takenEndpoints []*hookd.Endpoint
	for k, i := range offered {
		if take[k] {
			ds[i].State, ds[i].LeaseUntil = hookd.DeliveryRunning, &until
			taken = append(taken, ds[i])
			takenEndpoints = append(takenEndpoints, endpoints[i])
		}
	}
	return taken, takenEndpoints
}

// eventData checks that data is a JSON object of at most
// hookd.MaxEventDataBytes, with no duplicate key and no number beyond a
// 64-bit float (hookd.CheckJSON), and returns it compacted.
func eventData(data json.RawMessage) (json.RawMessage, *hookd.FieldError) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return nil, &hookd.FieldError{Location: "body.data", Message: "is required"}
	case len(data) > hookd.MaxEventDataBytes:
		return nil, &hookd.FieldError{Location: "body.data", Message: fmt.Sprintf("must be at most %d bytes", hookd.MaxEventDataBytes)}
	case data[0] != '{':
		return nil, &hookd.FieldError{Location: "body.data", Message: "must be a JSON object"}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return nil, &hookd.FieldError{Location: "body.data", Message: "must be valid JSON: " + err.Error()}
	}
	if je := hookd.CheckJSON(b.Bytes()); je != nil {
		return nil, &hookd.FieldError{Location: "body.data", Message: je.Message}
	}
	return json.RawMessage(b.Bytes()), nil
}

// Event returns an event of the tenant and its deliveries, oldest first.
// Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) Event(ctx context.Context, tenantID, id string) (*hookd.Event, []*hookd.Delivery, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, nil, err
	}
	e, err := a.Store.Event(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	ds, err := a.Store.ListDeliveriesForEvent(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	return e, ds, nil
}

// ListEvents returns a page of the tenant's events, of eventType only
// unless it is "". Sort fields: created_at, type; the query searches the
// type. Returns EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) ListEvents(ctx context.Context, tenantID, eventType string, p hookd.ListParams) (hookd.Page[*hookd.Event], error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return hookd.Page[*hookd.Event]{}, err
	}
	return a.Store.ListEvents(ctx, tenantID, eventType, p)
}
