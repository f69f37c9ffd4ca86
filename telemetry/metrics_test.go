package telemetry_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/telemetry"
)

// TestMetricsAfterRun runs deliveries that succeed, deliveries that fail
// until their retries are exhausted and their endpoint is disabled, a
// delivery held by that disabled endpoint, one left due, an inbound call
// refused and a prune, then checks every counter /metrics shows.
func TestMetricsAfterRun(t *testing.T) {
	ctx := context.Background()
	// The world's API owns the registry /metrics serves: the delivery
	// metrics and the queue collector join it as hookd serve does.
	var m *telemetry.Metrics
	retry := hookd.RetryPolicy{Schedule: []time.Duration{time.Minute, 5 * time.Minute}, Jitter: -1}
	w := newWorld(t, retry, func(w *world) observer {
		reg := w.api.Metrics.Registry
		m = telemetry.NewMetrics(reg)
		queue := telemetry.NewQueueCollector(w.store, w.clock)
		queue.CacheFor = -1 // each scrape counts
		reg.MustRegister(queue)
		return telemetry.Observer{Metrics: m}
	})

	ok, failing := newReceiver(t, http.StatusOK), newReceiver(t, http.StatusInternalServerError)
	w.endpoint(ok.URL)
	bad := w.endpoint(failing.URL)

	// One event: succeeds at one endpoint, fails at the other, which is
	// retried twice (the clock moved past each wait), then fails for good
	// and is disabled.
	w.publish("")
	w.waitRecorded(2)
	w.clock.Advance(time.Minute)
	w.d.Wake()
	w.waitRecorded(1)
	w.clock.Advance(5 * time.Minute)
	w.d.Wake()
	w.waitRecorded(1)
	if ep, err := w.app.Endpoint(ctx, w.tenant, bad.ID); err != nil || ep.Enabled {
		t.Fatalf("the failing endpoint after its retries: %+v, %v; want disabled", ep, err)
	}
	// A second event: delivered to the one endpoint, held for the other.
	w.publish("")
	w.waitRecorded(1)

	// An inbound call with wrong credentials.
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/hooks/acme/helpdesk/createticket", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Token wrong")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("inbound call with wrong credentials: %d, want 401", res.StatusCode)
	}

	// Two hours on, a prune with a one-hour retention deletes the first
	// event (done) but not the second (its held delivery waits).
	w.clock.Advance(2 * time.Hour)
	pruner := &dispatch.Pruner{Store: m.PruneHistory(w.store), Inbound: m.PruneInbound(w.store), Clock: w.clock, Retention: time.Hour}
	if n, err := pruner.PruneOnce(ctx); err != nil || n != 1 {
		t.Fatalf("PruneOnce = %d, %v; want 1 event", n, err)
	}
	calls, err := pruner.PruneInboundOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A third event while the workers are stopped stays due, for 30 s.
	w.stop()
	w.publish("")
	w.clock.Advance(30 * time.Second)

	fams := w.scrape()
	want := map[string]float64{
		`hookd_deliveries_total{endpoint_state="enabled",state="succeeded"}`:    2,
		`hookd_deliveries_total{endpoint_state="enabled",state="pending"}`:      2,
		`hookd_deliveries_total{endpoint_state="disabled",state="failed"}`:      1,
		`hookd_delivery_attempts_total{status_class="2xx"}`:                     2,
		`hookd_delivery_attempts_total{status_class="5xx"}`:                     3,
		`hookd_delivery_attempt_duration_seconds_count{status_class="2xx"}`:     2,
		`hookd_delivery_attempt_duration_seconds_count{status_class="5xx"}`:     3,
		`hookd_endpoints_disabled_total`:                                        1,
		`hookd_delivery_record_batch_size_sum`:                                  5,
		`hookd_delivery_record_errors_total`:                                    0,
		`hookd_publish_duration_seconds_count{outcome="published"}`:             3,
		`hookd_inbound_calls_total{kind="createticket",outcome="unauthorized"}`: 1,
		`hookd_pruned_total{what="events"}`:                                     1,
		`hookd_pruned_total{what="inbound_calls"}`:                              float64(calls),
		`hookd_delivery_queue_up`:                                               1,
		`hookd_delivery_queue{state="due"}`:                                     1,
		`hookd_delivery_queue{state="scheduled"}`:                               0,
		`hookd_delivery_queue{state="held"}`:                                    2, // the second and third events' deliveries to the disabled endpoint
		`hookd_delivery_queue{state="leased"}`:                                  0,
		`hookd_endpoints{state="enabled"}`:                                      1,
		`hookd_endpoints{state="disabled"}`:                                     1,
	}
	got := samples(fams)
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, v)
		}
	}
	// Stored times are rounded to the microsecond.
	if age := got["hookd_delivery_oldest_due_age_seconds"]; age < 29.99 || age > 30.01 {
		t.Errorf("hookd_delivery_oldest_due_age_seconds = %v, want 30", age)
	}
	// Stored times are rounded to the microsecond.
	if age := got["hookd_delivery_oldest_due_age_seconds"]; age < 29.99 || age > 30.01 {
		t.Errorf("hookd_delivery_oldest_due_age_seconds = %v, want 30", age)
	}
	// The retries were claimed from the store (new deliveries may be
	// handed to the workers without a claim).
	if n := got["hookd_delivery_claim_batch_size_sum"]; n < 2 || n > 5 {
		t.Errorf("claimed %v deliveries in all, want 2 to 5", n)
	}
	for _, what := range []string{"events", "inbound_calls"} {
		name := `hookd_prune_last_success_timestamp_seconds{what="` + what + `"}`
		if got[name] < float64(time.Now().Add(-time.Hour).Unix()) {
			t.Errorf("%s = %v, want about now", name, got[name])
		}
	}
	if t.Failed() {
		var names []string
		for n := range got {
			if strings.HasPrefix(n, "hookd_") {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("%s %v", n, got[n])
		}
	}
}

// TestQueueCollectorCaches checks that scrapes within CacheFor share one
// count of the queue, and a failed count reports hookd_delivery_queue_up 0.
func TestQueueCollectorCaches(t *testing.T) {
	store := &countingStore{}
	c := telemetry.NewQueueCollector(store, hookd.NewManualClock(time.Now()))
	c.CacheFor = time.Hour
	for range 50 {
		collect(c)
	}
	if store.calls != 1 {
		t.Errorf("50 scrapes within CacheFor counted the queue %d times, want 1", store.calls)
	}

	failing := &countingStore{err: context.DeadlineExceeded}
	c = telemetry.NewQueueCollector(failing, hookd.NewManualClock(time.Now()))
	c.CacheFor = -1
	ms := collect(c)
	if len(ms) != 1 || ms[0].GetGauge().GetValue() != 0 {
		t.Errorf("a failed count collected %v, want hookd_delivery_queue_up 0 alone", ms)
	}
	collect(c)
	if failing.calls != 2 {
		t.Errorf("two scrapes without a cache counted %d times, want 2", failing.calls)
	}
}

// countingStore counts QueueStats calls.
type countingStore struct {
	calls int
	err   error
}

func (s *countingStore) QueueStats(context.Context, time.Time) (hookd.QueueStats, error) {
	s.calls++
	return hookd.QueueStats{Due: 3}, s.err
}

// collect runs c's Collect and returns what it gave.
func collect(c *telemetry.QueueCollector) []*dto.Metric {
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	var out []*dto.Metric
	for pm := range ch {
		m := &dto.Metric{}
		if err := pm.Write(m); err != nil {
			panic(err)
		}
		out = append(out, m)
	}
	return out
}

// samples flattens metric families into "name{label="value",…}" → value,
// labels sorted by name as the exposition writes them; histograms give
// their _count and _sum.
func samples(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			sort.Strings(labels)
			suffix := ""
			if len(labels) > 0 {
				suffix = "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[name+suffix] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[name+suffix] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[name+"_count"+suffix] = float64(m.GetHistogram().GetSampleCount())
				out[name+"_sum"+suffix] = m.GetHistogram().GetSampleSum()
			case m.Untyped != nil:
				out[name+suffix] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}
