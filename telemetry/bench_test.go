package telemetry_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/telemetry"
)

// BenchmarkAttemptObserver measures what observing one delivery request
// costs the dispatcher: metrics only (tracing off), and metrics with
// traces recorded.
func BenchmarkAttemptObserver(b *testing.B) {
	ep := &hookd.Endpoint{ID: "ep_1", TenantID: "ten_1"}
	d := &hookd.Delivery{ID: "dlv_1", TenantID: "ten_1", EndpointID: "ep_1"}
	e := &hookd.Event{ID: "evt_1", Type: "user.created", TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
	results := []hookd.DeliveryResult{{DeliveryID: "dlv_1", State: hookd.DeliverySucceeded,
		Attempt: &hookd.Attempt{EndpointID: "ep_1"}}}
	run := func(b *testing.B, o telemetry.Observer) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			a := &hookd.DeliveryAttempt{Endpoint: ep, Deliveries: []*hookd.Delivery{d}, Events: []*hookd.Event{e},
				SetHeader: func(string, string) {}}
			_, end := o.StartAttempt(ctx, a)
			a.Status, a.Duration, a.Results = 200, 3*time.Millisecond, results
			end()
			o.RecordedDeliveries(hookd.RecordedDeliveries{Results: results})
		}
	}
	b.Run("metrics", func(b *testing.B) {
		run(b, telemetry.Observer{Metrics: telemetry.NewMetrics(prometheus.NewRegistry())})
	})
	b.Run("metrics+traces", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		defer func() { _ = tp.Shutdown(context.Background()) }()
		run(b, telemetry.Observer{Metrics: telemetry.NewMetrics(prometheus.NewRegistry()), Tracer: telemetry.NewTracer(tp)})
	})
}
