package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookd/hookd"
)

// Metrics are the Prometheus metrics of the HTTP surface, on a registry of
// their own (so several servers in one process, as in tests, do not clash),
// served at /metrics.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inbound  *prometheus.CounterVec
}

// NewMetrics returns the HTTP metrics on a new registry that also holds the
// Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hookd_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hookd_inbound_calls_total",
			Help: "Inbound webhook calls answered, by kind (servicenow, createticket, provisioning) and outcome: applied (2xx), invalid (400, 413), " +
				"unauthorized (401, 403), not_found (404), refused (429), error (5xx).",
		}, []string{"kind", "outcome"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.inbound,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// inboundCall counts an inbound webhook call of kind answered with status.
func (m *Metrics) inboundCall(kind hookd.InboundKind, status int) {
	m.inbound.WithLabelValues(string(kind), inboundOutcome(status)).Inc()
}

// inboundOutcome names what an inbound call's status says happened.
func inboundOutcome(status int) string {
	switch {
	case status >= 200 && status < 300:
		return "applied"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "unauthorized"
	case status == http.StatusNotFound:
		return "not_found"
	case status == http.StatusTooManyRequests:
		return "refused"
	case status >= 500:
		return "error"
	default:
		return "invalid"
	}
}

type routeKey struct{}

// routeInfo is filled in by the middleware with the pattern the mux matched,
// so the instrumentation outside it can label by route, not by raw path
// (which would make one series per ID).
type routeInfo struct{ pattern string }

// instrument counts and times every request.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &routeInfo{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, info)))
		route := info.pattern
		if route == "" {
			route = "rejected" // answered before routing: 401, 403, 429
		}
		m.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// noteRoute records the pattern the mux matched for r.
func noteRoute(r *http.Request) {
	if info, ok := r.Context().Value(routeKey{}).(*routeInfo); ok {
		info.pattern = r.Pattern
		if info.pattern == "" {
			info.pattern = "unmatched"
		}
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.written {
		s.status, s.written = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.written = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
