package telemetry

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookd/hookd"
)

// Defaults of QueueCollector.
const (
	DefaultQueueTimeout  = time.Second
	DefaultQueueCacheFor = time.Second
)

// QueueCollector is a Prometheus collector that counts the delivery queue
// in the store when scraped: deliveries due, scheduled, held and leased,
// the age of the oldest due one, and the endpoints enabled and disabled.
// The count takes a few indexed queries bounded by Timeout, and is reused
// for CacheFor, so that scrapes at any rate (several Prometheus servers,
// a storm of them) cost the database at most one count per CacheFor;
// concurrent scrapes share one count. When the count fails,
// hookd_delivery_queue_up is 0 and the other series are left out.
//
// Create it with NewQueueCollector, set the fields, then register it.
type QueueCollector struct {
	Store hookd.QueueStatsStore
	// Clock tells "now" for the store's queries and the oldest due
	// delivery's age.
	Clock hookd.Clock
	// Timeout bounds one count. Default 1 s.
	Timeout time.Duration
	// CacheFor is how long a count is reused. Default 1 s; negative for
	// never.
	CacheFor time.Duration

	mu      sync.Mutex
	at      time.Time // when stats were counted, real time
	stats   hookd.QueueStats
	now     time.Time // the Clock's time of the count
	err     error
	counted bool

	up, queue, oldest, endpoints *prometheus.Desc
}

// NewQueueCollector returns a collector over store on clock.
func NewQueueCollector(store hookd.QueueStatsStore, clock hookd.Clock) *QueueCollector {
	return &QueueCollector{
		Store: store,
		Clock: clock,
		up: prometheus.NewDesc("hookd_delivery_queue_up",
			"1 if the last count of the delivery queue succeeded, 0 if it failed or timed out.", nil, nil),
		queue: prometheus.NewDesc("hookd_delivery_queue",
			"Deliveries in the queue by state: due (pending, due now), scheduled (pending, due later: retries), "+
				"held (their endpoint is disabled), leased (claimed by a worker).", []string{"state"}, nil),
		oldest: prometheus.NewDesc("hookd_delivery_oldest_due_age_seconds",
			"How long the oldest due delivery has been due (0 when none is): how far delivery lags.", nil, nil),
		endpoints: prometheus.NewDesc("hookd_endpoints",
			"Endpoints of every tenant by state (enabled, disabled).", []string{"state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.queue
	ch <- c.oldest
	ch <- c.endpoints
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	st, now, err := c.count()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, s := range []struct {
		state string
		n     int64
	}{{"due", st.Due}, {"scheduled", st.Scheduled}, {"held", st.Held}, {"leased", st.Leased}} {
		ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(s.n), s.state)
	}
	age := 0.0
	if !st.OldestDue.IsZero() {
		age = max(0, now.Sub(st.OldestDue).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.endpoints, prometheus.GaugeValue, float64(st.EndpointsEnabled), "enabled")
	ch <- prometheus.MustNewConstMetric(c.endpoints, prometheus.GaugeValue, float64(st.EndpointsDisabled), "disabled")
}

// count returns the queue's stats, counted now or within CacheFor, and
// the Clock's time of the count.
func (c *QueueCollector) count() (hookd.QueueStats, time.Time, error) {
	c.mu.Lock() // held during the count: concurrent scrapes wait for it and share it
	defer c.mu.Unlock()
	cacheFor := c.CacheFor
	if cacheFor == 0 {
		cacheFor = DefaultQueueCacheFor
	}
	if c.counted && time.Since(c.at) < cacheFor {
		return c.stats, c.now, c.err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultQueueTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	now := c.Clock.Now()
	c.stats, c.err = c.Store.QueueStats(ctx, now)
	c.now, c.at, c.counted = now, time.Now(), true
	return c.stats, c.now, c.err
}
