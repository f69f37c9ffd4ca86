package dispatch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestSlowEndpointDoesNotDelayOthers publishes a steady stream of events to
// a healthy receiver, alone, then beside a receiver that never answers (each
// request waits for its 15 s timeout), then alone again, on the real clock.
// Its publish→delivery p99 beside the dead one must stay within a few times
// the slower of the two runs alone: a machine busy with other work slows
// all three alike, while a dead endpoint that held the workers would add
// seconds. No absolute latency is asserted, so the test does not depend on
// the machine being quiet; the figures are logged (docs/performance.md
// quotes them from .ci/run, which runs the test without the race detector
// too).
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	before := healthyLatency(t, false)
	beside := healthyLatency(t, true)
	after := healthyLatency(t, false)
	// The baseline is at least one interval between two published events:
	// the test's own resolution, below which p99s are noise.
	baseline := max(before, after, time.Second/publishRate)
	t.Logf("healthy endpoint p99 publish→delivery: alone %v and %v, beside one that never answers %v (%.1f× the baseline %v)",
		before, after, beside, float64(beside)/float64(baseline), baseline)
	if beside > isolationRatio*baseline {
		t.Errorf("p99 beside a dead endpoint %v, over %d× the baseline %v measured alone: the dead endpoint slows the healthy one",
			beside, isolationRatio, baseline)
	}
}

// publishRate is the events per second healthyLatency publishes, and
// isolationRatio the most the p99 beside a dead endpoint may be of the
// baseline.
const (
	publishRate    = 100
	isolationRatio = 4
)

// healthyLatency publishes 200 events (60 under the race detector) at
// publishRate to a healthy receiver (and one that never answers, if
// withDead) and returns the healthy one's p99 publish→delivery latency.
func healthyLatency(t *testing.T, withDead bool) time.Duration {
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)

	var (
		mu      sync.Mutex
		arrived = map[string]time.Time{}
	)
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrived[r.Header.Get("Webhook-Id")] = time.Now()
		mu.Unlock()
	}))
	defer healthy.Close()

	s := sqlstoretest.SQLite(t)
	w := newWorld(t, s, func(d *dispatch.Dispatcher) {
		d.Clock = hookd.SystemClock{}
		d.AfterRecord = nil
	})
	w.app.Clock = hookd.SystemClock{}
	if withDead {
		w.endpoint(slow.URL, app.CreateEndpointInput{Name: "never answers"})
	}
	w.endpoint(healthy.URL, app.CreateEndpointInput{Name: "healthy"})
	w.start()
	defer w.stop()

	const rate = publishRate
	events := 200
	if raceDetector {
		events = 60
	}
	published := make(map[string]time.Time, events)
	start := time.Now()
	for i := range events {
		if wait := time.Until(start.Add(time.Duration(i) * time.Second / rate)); wait > 0 {
			time.Sleep(wait) // pacing the publisher, not waiting for hookd
		}
		at := time.Now()
		e, _, err := w.app.Publish(context.Background(), w.tenant, app.PublishInput{Type: "user.created", Data: []byte(userData)})
		if err != nil {
			t.Fatal(err)
		}
		published[e.ID] = at
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		if n == events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the healthy endpoint got %d of %d events", n, events)
		}
		time.Sleep(10 * time.Millisecond) // polling the receiver
	}
	mu.Lock()
	defer mu.Unlock()
	latencies := make([]time.Duration, 0, events)
	for id, at := range published {
		latencies = append(latencies, arrived[id].Sub(at))
	}
	slices.Sort(latencies)
	p50, p99 := latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	t.Logf("dead endpoint beside: %v; %d events at %d/s: publish→delivery p50 %v, p99 %v", withDead, events, rate, p50, p99)
	return p99
}
