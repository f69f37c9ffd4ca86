package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/telemetry"
)

// ObserveFlags configure traces; metrics are always served at /metrics.
type ObserveFlags struct {
	OTLPEndpoint string `name:"otlp-endpoint" env:"HOOKD_OTLP_ENDPOINT" help:"URL of an OTLP/HTTP collector to send traces of publish → deliver to, such as http://collector:4318/v1/traces; without it, the standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on (off when none is set, or OTEL_SDK_DISABLED=true)."`
}

// otlpTracesURL returns where to send traces, "" when tracing is off: the
// flag, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else
// OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces (as the OpenTelemetry
// specification says).
func (f ObserveFlags) otlpTracesURL(getenv func(string) string) string {
	switch {
	case f.OTLPEndpoint != "":
		return f.OTLPEndpoint
	case strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true"):
		return ""
	case getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "":
		return getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	case getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "":
		return strings.TrimRight(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "/") + "/v1/traces"
	}
	return ""
}

// observe registers the delivery metrics and the queue collector on the
// API's registry and, when configured, starts exporting traces. It returns
// the observer to give the app and the dispatcher, and a function that
// flushes the traces left (call it at exit).
func (c *ServeCmd) observe(env *Env, api *httpapi.Server, store *sqlstore.Store, log *slog.Logger) (telemetry.Observer, func(), error) {
	if api.Metrics == nil {
		api.Metrics = httpapi.NewMetrics()
	}
	reg := api.Metrics.Registry
	obs := telemetry.Observer{Metrics: telemetry.NewMetrics(reg)}
	reg.MustRegister(telemetry.NewQueueCollector(store, hookd.SystemClock{}))

	url := c.otlpTracesURL(env.Getenv)
	if url == "" {
		return obs, func() {}, nil
	}
	exp, err := otlptracehttp.New(env.Ctx, otlptracehttp.WithEndpointURL(url))
	if err != nil {
		return obs, nil, fmt.Errorf("traces: OTLP exporter for %s: %w", url, err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", serviceName(env.Getenv)),
		attribute.String("service.version", hookd.Version),
	))
	if err != nil {
		return obs, nil, fmt.Errorf("traces: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	obs.Tracer = telemetry.NewTracer(tp)
	log.Info("sending traces", "otlp_endpoint", url)
	return obs, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			log.Warn("traces: flush at exit", "err", err)
		}
	}, nil
}

// serviceName is OTEL_SERVICE_NAME, or hookd.
func serviceName(getenv func(string) string) string {
	if s := getenv("OTEL_SERVICE_NAME"); s != "" {
		return s
	}
	return "hookd"
}
