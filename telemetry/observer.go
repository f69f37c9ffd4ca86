package telemetry

import (
	"context"

	"github.com/hookd/hookd"
)

// Observer tells Metrics and Tracer, either of which may be nil, what the
// dispatcher and the publishers tell it.
type Observer struct {
	Metrics *Metrics
	Tracer  *Tracer
}

var (
	_ hookd.DeliveryObserver = Observer{}
	_ hookd.PublishObserver  = Observer{}
)

// ClaimedDeliveries implements hookd.DeliveryObserver.
func (o Observer) ClaimedDeliveries(n int) {
	if o.Metrics != nil {
		o.Metrics.ClaimedDeliveries(n)
	}
}

// StartAttempt implements hookd.DeliveryObserver.
func (o Observer) StartAttempt(ctx context.Context, a *hookd.DeliveryAttempt) (context.Context, func()) {
	endTrace, endMetrics := func() {}, func() {}
	if o.Tracer != nil {
		ctx, endTrace = o.Tracer.StartAttempt(ctx, a)
	}
	if o.Metrics != nil {
		ctx, endMetrics = o.Metrics.StartAttempt(ctx, a)
	}
	return ctx, func() {
		endMetrics()
		endTrace()
	}
}

// RecordedDeliveries implements hookd.DeliveryObserver.
func (o Observer) RecordedDeliveries(r hookd.RecordedDeliveries) {
	if o.Metrics != nil {
		o.Metrics.RecordedDeliveries(r)
	}
}

// StartPublish implements hookd.PublishObserver: the traceparent is the
// Tracer's.
func (o Observer) StartPublish(ctx context.Context, tenantID, eventType string) (context.Context, string, func(*hookd.Event, int, bool, error)) {
	traceParent := ""
	endTrace, endMetrics := func(*hookd.Event, int, bool, error) {}, func(*hookd.Event, int, bool, error) {}
	if o.Tracer != nil {
		ctx, traceParent, endTrace = o.Tracer.StartPublish(ctx, tenantID, eventType)
	}
	if o.Metrics != nil {
		ctx, _, endMetrics = o.Metrics.StartPublish(ctx, tenantID, eventType)
	}
	return ctx, traceParent, func(e *hookd.Event, n int, replayed bool, err error) {
		endMetrics(e, n, replayed, err)
		endTrace(e, n, replayed, err)
	}
}
