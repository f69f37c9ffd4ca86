package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hookd/hookd"
)

// ListDeliveries returns a page of the tenant's deliveries that match f.
// Sort fields: created_at, last_attempt_at, event_type, state; the query
// searches the delivery, event and endpoint IDs and the event type. Returns
// EINVALID for an unknown state, or EPLANFORBIDDEN unless the plan includes
// webhooks.
func (a *App) ListDeliveries(ctx context.Context, tenantID string, f hookd.DeliveryFilter, p hookd.ListParams) (hookd.Page[*hookd.Delivery], error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return hookd.Page[*hookd.Delivery]{}, err
	}
	switch f.State {
	case "", hookd.DeliveryPending, hookd.DeliveryRunning, hookd.DeliverySucceeded, hookd.DeliveryFailed, hookd.DeliveryHeld:
	default:
		return hookd.Page[*hookd.Delivery]{}, hookd.Invalid("The state is not valid.", hookd.FieldError{
			Location: "query.state", Message: "must be one of pending, running, succeeded, failed, held",
		})
	}
	return a.Store.ListDeliveries(ctx, tenantID, f, p)
}

// Delivery returns a delivery of the tenant with every attempt, oldest
// first. Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan includes
// webhooks.
func (a *App) Delivery(ctx context.Context, tenantID, id string) (*hookd.Delivery, []*hookd.Attempt, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, nil, err
	}
	d, err := a.Store.Delivery(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	as, err := a.Store.ListAttempts(ctx, tenantID, id)
	if err != nil {
		return nil, nil, err
	}
	return d, as, nil
}

// ResendDelivery sends a delivery of the tenant again, whatever became of
// it: it is due at once, in a new round of retries (held instead while its
// endpoint is disabled). Returns ENOTFOUND, ECONFLICT while it is being
// sent, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) ResendDelivery(ctx context.Context, tenantID, id string) (*hookd.Delivery, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	d, err := a.Store.ResendDelivery(ctx, tenantID, id, a.now())
	if err != nil {
		return nil, err
	}
	a.deliveriesDue([]*hookd.Delivery{d})
	return d, nil
}

// RecoverEndpoint sends again every failed delivery of an endpoint of the
// tenant created at or after since, and returns how many. Returns EINVALID
// for a since in the future, ENOTFOUND for an unknown endpoint, or
// EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) RecoverEndpoint(ctx context.Context, tenantID, endpointID string, since time.Time) (int, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return 0, err
	}
	now := a.now()
	if since.After(now) {
		return 0, hookd.Invalid("The time to recover from is not valid.", hookd.FieldError{
			Location: "body.since", Message: "must not be in the future",
		})
	}
	if _, err := a.Store.Endpoint(ctx, tenantID, endpointID); err != nil {
		return 0, err
	}
	n, err := a.Store.RecoverDeliveries(ctx, tenantID, endpointID, since, now)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		a.deliveriesStored(endpointID)
	}
	return n, nil
}

// TestEndpoint publishes a webhook.test event to one endpoint of the
// tenant, whatever it subscribes to, and returns the event and its
// delivery (held if the endpoint is disabled). For a ping endpoint the
// event becomes a payload and the delivery is the ping that announces it:
// a new one, or the one already waiting; either way its Pull carries the
// test payload's transaction number. Returns ENOTFOUND, ECONFLICT for
// a pull endpoint (it is sent nothing; a test event would only be a
// payload), or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) TestEndpoint(ctx context.Context, tenantID, endpointID string) (*hookd.Event, *hookd.Delivery, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, nil, err
	}
	if err := a.ensureBuiltins(ctx); err != nil {
		return nil, nil, err
	}
	ep, err := a.Store.Endpoint(ctx, tenantID, endpointID)
	if err != nil {
		return nil, nil, err
	}
	if ep.Mode == hookd.ModePull {
		return nil, nil, hookd.Errorf(hookd.ECONFLICT, "The endpoint is in pull mode: hookd sends it nothing, so there is nothing to test. Its receiver lists its payloads with GET /api/v1/endpoints/%s/payloads.", ep.ID)
	}
	data, err := json.Marshal(map[string]string{
		"message":     "This is a test event from hookd.",
		"endpoint_id": ep.ID,
	})
	if err != nil {
		return nil, nil, err
	}
	now := a.now()
	e := &hookd.Event{
		ID:        hookd.NewID(hookd.PrefixEvent),
		TenantID:  tenantID,
		Type:      hookd.EventWebhookTest,
		Data:      data,
		Timestamp: now,
		CreatedAt: now,
		RequestID: hookd.RequestID(ctx),
	}
	d := newDelivery(e, ep, now)
	if _, err := a.Store.PublishEvent(ctx, e, []*hookd.Delivery{d}); err != nil {
		return nil, nil, err
	}
	a.deliveriesDue([]*hookd.Delivery{d})
	if !d.Stored() {
		// Covered by the ping already waiting or in flight: return that
		// one, with the test payload's number.
		txn := d.Pull.Transaction
		if d, err = a.pingDelivery(ctx, tenantID, ep.ID, now); err != nil {
			return nil, nil, err
		}
		d.Pull = &hookd.PullDelivery{Notify: true, Transaction: txn, Ping: true}
	}
	return e, d, nil
}

// pingDelivery returns the ping waiting or in flight of a ping endpoint
// of the tenant, queuing one if there is none and payloads were not
// announced yet. Returns ECONFLICT when every payload was announced by a
// ping already sent.
func (a *App) pingDelivery(ctx context.Context, tenantID, endpointID string, now time.Time) (*hookd.Delivery, error) {
	for range 2 {
		ep, err := a.Store.Endpoint(ctx, tenantID, endpointID)
		if err != nil {
			return nil, err
		}
		if ep.PingDeliveryID != "" {
			d, err := a.Store.Delivery(ctx, tenantID, ep.PingDeliveryID)
			if hookd.ErrorCode(err) != hookd.ENOTFOUND {
				return d, err
			}
		}
		queued, err := a.Store.RequestPing(ctx, endpointID, now)
		if err != nil {
			return nil, err
		}
		if queued {
			a.deliveriesStored(endpointID)
		}
	}
	return nil, hookd.Errorf(hookd.ECONFLICT, "The test event was announced by a ping sent meanwhile; see the endpoint's deliveries.")
}

// newDelivery returns the delivery of e to ep: pending and due at now for
// an enabled endpoint, held for a disabled one.
func newDelivery(e *hookd.Event, ep *hookd.Endpoint, now time.Time) *hookd.Delivery {
	state := hookd.DeliveryPending
	if !ep.Enabled {
		state = hookd.DeliveryHeld
	}
	d := &hookd.Delivery{
		ID:         hookd.NewID(hookd.PrefixDelivery),
		TenantID:   e.TenantID,
		EventID:    e.ID,
		EndpointID: ep.ID,
		EventType:  e.Type,
		State:      state,
		RunAt:      now,
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	if ep.Mode.Pulls() {
		d.Pull = &hookd.PullDelivery{Notify: ep.Mode == hookd.ModePing}
	}
	d.Ordered = ep.FIFO()
	return d
}
