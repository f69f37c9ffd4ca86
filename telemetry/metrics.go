package telemetry

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd/hookd"
)

// Metrics are the Prometheus metrics of delivery, publishing and pruning.
// They implement hookd.DeliveryObserver and hookd.PublishObserver.
type Metrics struct {
	deliveries      *prometheus.CounterVec
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	disabled        prometheus.Counter
	claimBatch      prometheus.Histogram
	recordBatch     prometheus.Histogram
	recordDuration  prometheus.Histogram
	recordErrors    prometheus.Counter
	publish         *prometheus.HistogramVec
	pruned          *prometheus.CounterVec
	pruneLast       *prometheus.GaugeVec
}

var (
	_ hookd.DeliveryObserver = (*Metrics)(nil)
	_ hookd.PublishObserver  = (*Metrics)(nil)
)

// latencyBuckets suit requests from a millisecond to the longest
// endpoint timeout.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// batchBuckets suit batches of 1 to recordBatch (512).
var batchBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}

// NewMetrics returns the metrics, registered with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_deliveries_total",
			Help: "Delivery outcomes recorded by the workers, by the delivery's next state (succeeded; pending: " +
				"retried later; failed: retries exhausted; held: its endpoint is disabled) and its endpoint's state " +
				"after the outcome (enabled, disabled).",
		}, []string{"state", "endpoint_state"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_delivery_attempts_total",
			Help: "Delivery attempts made (one per delivery a request carried), by the answer's status class " +
				"(2xx, 3xx, 4xx, 5xx; none: no answer, such as a timeout or a refused connection).",
		}, []string{"status_class"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hookd_delivery_attempt_duration_seconds",
			Help:    "Time from sending a delivery request to its answer (or failure), by status class.",
			Buckets: latencyBuckets,
		}, []string{"status_class"}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookd_endpoints_disabled_total",
			Help: "Endpoints disabled by their deliveries' outcomes (retries exhausted, or 410 Gone).",
		}),
		claimBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hookd_delivery_claim_batch_size",
			Help:    "Deliveries claimed from the store per claim.",
			Buckets: batchBuckets,
		}),
		recordBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hookd_delivery_record_batch_size",
			Help:    "Delivery results stored per transaction.",
			Buckets: batchBuckets,
		}),
		recordDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hookd_delivery_record_duration_seconds",
			Help:    "Time to store one batch of delivery results.",
			Buckets: latencyBuckets,
		}),
		recordErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hookd_delivery_record_errors_total",
			Help: "Batches of delivery results that could not be stored (their deliveries are sent again when their lease expires).",
		}),
		publish: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hookd_publish_duration_seconds",
			Help: "Time to publish an event through the API (validate, store it and its deliveries), by outcome: " +
				"published, replayed (idempotency key), rejected (the client's error), error (hookd's).",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		pruned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_pruned_total",
			Help: "Rows deleted by retention pruning, by what: events (with their deliveries and attempts), inbound_calls.",
		}, []string{"what"}),
		pruneLast: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hookd_prune_last_success_timestamp_seconds",
			Help: "When this instance last completed a pruning batch without error, by what (Unix time; absent before the first).",
		}, []string{"what"}),
	}
	reg.MustRegister(m.deliveries, m.attempts, m.attemptDuration, m.disabled, m.claimBatch, m.recordBatch,
		m.recordDuration, m.recordErrors, m.publish, m.pruned, m.pruneLast)
	return m
}

// ClaimedDeliveries implements hookd.DeliveryObserver.
func (m *Metrics) ClaimedDeliveries(n int) { m.claimBatch.Observe(float64(n)) }

// StartAttempt implements hookd.DeliveryObserver.
func (m *Metrics) StartAttempt(ctx context.Context, a *hookd.DeliveryAttempt) (context.Context, func()) {
	return ctx, func() { m.attempted(a) }
}

// attempted counts an attempt that ended.
func (m *Metrics) attempted(a *hookd.DeliveryAttempt) {
	class := statusClass(a.Status)
	m.attempts.WithLabelValues(class).Add(float64(len(a.Deliveries)))
	m.attemptDuration.WithLabelValues(class).Observe(a.Duration.Seconds())
}

// statusClass names the class of an HTTP status, "none" for no answer.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "none"
	}
	return strconv.Itoa(status/100) + "xx"
}

// RecordedDeliveries implements hookd.DeliveryObserver.
func (m *Metrics) RecordedDeliveries(r hookd.RecordedDeliveries) {
	m.recordDuration.Observe(r.Duration.Seconds())
	if r.Err != nil {
		m.recordErrors.Inc()
		return
	}
	m.recordBatch.Observe(float64(len(r.Results)))
	var disabled map[string]bool
	for _, e := range r.Endpoints {
		if e.DisableReason != "" {
			if disabled == nil {
				disabled = map[string]bool{}
			}
			disabled[e.EndpointID] = true
			m.disabled.Inc()
		}
	}
	for _, res := range r.Results {
		endpoint := "enabled"
		if res.State == hookd.DeliveryHeld || (res.Attempt != nil && disabled[res.Attempt.EndpointID]) {
			endpoint = "disabled"
		}
		m.deliveries.WithLabelValues(string(res.State), endpoint).Inc()
	}
}

// StartPublish implements hookd.PublishObserver.
func (m *Metrics) StartPublish(ctx context.Context, tenantID, eventType string) (context.Context, string, func(*hookd.Event, int, bool, error)) {
	start := time.Now()
	return ctx, "", func(_ *hookd.Event, _ int, replayed bool, err error) {
		outcome := "published"
		switch {
		case err != nil && hookd.ErrorCode(err) == hookd.EINTERNAL:
			outcome = "error"
		case err != nil:
			outcome = "rejected"
		case replayed:
			outcome = "replayed"
		}
		m.publish.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	}
}

// PruneHistory returns s, whose PruneHistory counts what it deletes: give
// it to a dispatch.Pruner.
func (m *Metrics) PruneHistory(s hookd.DeliveryStore) hookd.DeliveryStore {
	return historyPruner{s, m}
}

// PruneInbound returns s, whose PruneInboundCalls counts what it deletes:
// give it to a dispatch.Pruner.
func (m *Metrics) PruneInbound(s hookd.InboundStore) hookd.InboundStore {
	return inboundPruner{s, m}
}

// pruned counts one pruning batch of what.
func (m *Metrics) prunedBatch(what string, n int, err error) {
	m.pruned.WithLabelValues(what).Add(float64(n))
	if err == nil {
		m.pruneLast.WithLabelValues(what).SetToCurrentTime()
	}
}

type historyPruner struct {
	hookd.DeliveryStore
	m *Metrics
}

func (p historyPruner) PruneHistory(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := p.DeliveryStore.PruneHistory(ctx, before, limit)
	p.m.prunedBatch("events", n, err)
	return n, err
}

type inboundPruner struct {
	hookd.InboundStore
	m *Metrics
}

func (p inboundPruner) PruneInboundCalls(ctx context.Context, before time.Time, limit int) (int, error) {
	n, err := p.InboundStore.PruneInboundCalls(ctx, before, limit)
	p.m.prunedBatch("inbound_calls", n, err)
	return n, err
}
