// Package telemetry turns what hookd's delivery workers and publishers
// tell their observers (hookd.DeliveryObserver, hookd.PublishObserver)
// into Prometheus metrics (Metrics, QueueCollector) and OpenTelemetry
// traces (Tracer). Observer joins them; each part is optional, and a
// part left out costs nothing. docs/operations.md lists every metric.
package telemetry
