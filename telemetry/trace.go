package telemetry

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/hookd/hookd"
)

// TracerName names hookd's tracer (the instrumentation scope).
const TracerName = "github.com/hookd/hookd"

// Tracer makes the spans of publish → deliver: one per event published
// through the API, whose W3C traceparent the event keeps, and one per
// delivery request, a child of its (first) event's publish span, linked to
// the others a batch carries. The delivery request carries the attempt
// span's traceparent header, so a traced receiver continues the trace.
// It implements hookd.DeliveryObserver and hookd.PublishObserver.
type Tracer struct {
	tracer trace.Tracer
	prop   propagation.TraceContext
}

var (
	_ hookd.DeliveryObserver = (*Tracer)(nil)
	_ hookd.PublishObserver  = (*Tracer)(nil)
)

// NewTracer returns a Tracer whose spans tp makes.
func NewTracer(tp trace.TracerProvider) *Tracer {
	return &Tracer{tracer: tp.Tracer(TracerName, trace.WithInstrumentationVersion(hookd.Version))}
}

// Attribute keys of hookd's spans.
const (
	attrTenant     = attribute.Key("hookd.tenant.id")
	attrEventType  = attribute.Key("hookd.event.type")
	attrEvent      = attribute.Key("hookd.event.id")
	attrEndpoint   = attribute.Key("hookd.endpoint.id")
	attrDelivery   = attribute.Key("hookd.delivery.id")
	attrDeliveries = attribute.Key("hookd.deliveries")
	attrAttempt    = attribute.Key("hookd.attempt")
	attrState      = attribute.Key("hookd.delivery.state")
	attrReplayed   = attribute.Key("hookd.replayed")
	attrRequestID  = attribute.Key("hookd.request.id")
	attrStatus     = attribute.Key("http.response.status_code")
)

// StartPublish implements hookd.PublishObserver: a producer span named
// "publish <type>".
func (t *Tracer) StartPublish(ctx context.Context, tenantID, eventType string) (context.Context, string, func(*hookd.Event, int, bool, error)) {
	attrs := []attribute.KeyValue{attrTenant.String(tenantID), attrEventType.String(eventType)}
	if id := hookd.RequestID(ctx); id != "" {
		attrs = append(attrs, attrRequestID.String(id))
	}
	ctx, span := t.tracer.Start(ctx, "publish "+eventType, trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(attrs...))
	carrier := propagation.MapCarrier{}
	t.prop.Inject(ctx, carrier)
	return ctx, carrier.Get("traceparent"), func(e *hookd.Event, deliveries int, replayed bool, err error) {
		if e != nil {
			span.SetAttributes(attrEvent.String(e.ID))
		}
		span.SetAttributes(attrDeliveries.Int(deliveries), attrReplayed.Bool(replayed))
		if err != nil {
			span.SetStatus(codes.Error, hookd.ErrorMessage(err))
		}
		span.End()
	}
}

// StartAttempt implements hookd.DeliveryObserver: a client span named
// "deliver <type>", in the trace of the first event's publication (a new
// trace when it was not traced).
func (t *Tracer) StartAttempt(ctx context.Context, a *hookd.DeliveryAttempt) (context.Context, func()) {
	parent := ctx
	var links []trace.Link
	for i, e := range a.Events {
		if e.TraceParent == "" {
			continue
		}
		sc := trace.SpanContextFromContext(t.prop.Extract(context.Background(), propagation.MapCarrier{"traceparent": e.TraceParent}))
		if !sc.IsValid() {
			continue
		}
		if i == 0 {
			parent = trace.ContextWithRemoteSpanContext(ctx, sc)
		} else {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	first, ev := a.Deliveries[0], a.Events[0]
	attrs := []attribute.KeyValue{
		attrTenant.String(first.TenantID),
		attrEndpoint.String(a.Endpoint.ID),
		attrEventType.String(ev.Type),
		attrEvent.String(ev.ID),
		attrDelivery.String(first.ID),
		attrDeliveries.Int(len(a.Deliveries)),
		attrAttempt.Int(first.Attempts + 1),
	}
	if ev.RequestID != "" {
		attrs = append(attrs, attrRequestID.String(ev.RequestID))
	}
	ctx, span := t.tracer.Start(parent, "deliver "+ev.Type, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...), trace.WithLinks(links...))
	if a.SetHeader != nil && span.SpanContext().IsValid() {
		carrier := propagation.MapCarrier{}
		t.prop.Inject(ctx, carrier)
		if tp := carrier.Get("traceparent"); tp != "" {
			a.SetHeader("traceparent", tp)
		}
	}
	return ctx, func() {
		span.SetAttributes(attrStatus.Int(a.Status))
		if len(a.Results) > 0 {
			span.SetAttributes(attrState.String(string(a.Results[0].State)))
		}
		switch {
		case a.Error != "":
			span.SetStatus(codes.Error, a.Error)
		case a.Status < 200 || a.Status > 299:
			span.SetStatus(codes.Error, "HTTP "+strconv.Itoa(a.Status))
		}
		span.End()
	}
}

// ClaimedDeliveries implements hookd.DeliveryObserver: claims make no span.
func (t *Tracer) ClaimedDeliveries(int) {}

// RecordedDeliveries implements hookd.DeliveryObserver: recording makes
// no span.
func (t *Tracer) RecordedDeliveries(hookd.RecordedDeliveries) {}
