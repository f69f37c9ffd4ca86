package dispatch_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestBatchWindowFillsBatches publishes a steady trickle of 50 events a
// second to two endpoints taking up to 10 events per request: the one with
// a 500 ms batching window receives them in requests of at least 8 events
// on average, the one without receives what is ready at once.
func TestBatchWindowFillsBatches(t *testing.T) {
	const (
		events   = 100
		perBatch = 10
		window   = 500 * time.Millisecond
		interval = 20 * time.Millisecond // 50 events a second
	)
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		windowed, eager := newReceiver(t), newReceiver(t)
		w := newWorld(t, s, nil)
		w.endpoint(windowed.URL, app.CreateEndpointInput{MaxEventsPerRequest: ptr(perBatch), BatchWindowMS: ptr(int(window / time.Millisecond))})
		w.endpoint(eager.URL, app.CreateEndpointInput{MaxEventsPerRequest: ptr(perBatch)})
		w.start()

		start := time.Now()
		tick := time.NewTicker(interval)
		for range events {
			w.publish(userData)
			<-tick.C
		}
		tick.Stop()
		rate := float64(events) / time.Since(start).Seconds()

		count := func(rc *receiver) (requests int, biggest int) {
			for got := 0; got < events; {
				r := rc.next(t)
				var body struct{ Events []json.RawMessage }
				if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Events) == 0 {
					t.Fatalf("batch body %s: %v", r.Body, err)
				}
				got += len(body.Events)
				requests++
				biggest = max(biggest, len(body.Events))
			}
			rc.none(t)
			return requests, biggest
		}
		wRequests, wBiggest := count(windowed)
		eRequests, _ := count(eager)
		wAvg, eAvg := float64(events)/float64(wRequests), float64(events)/float64(eRequests)
		t.Logf("published %d events at %.0f/s: with a %v window %d requests (%.1f events each, at most %d); without %d requests (%.1f each)",
			events, rate, window, wRequests, wAvg, wBiggest, eRequests, eAvg)
		// At the rate achieved, a window holds rate × window events: the
		// batches can be no fuller than that (a starved machine publishing
		// slower than 50/s fills them less).
		want := min(8, 0.8*rate*window.Seconds())
		if wAvg < want {
			t.Errorf("with a %v window: %.1f events per request on average, want at least %.1f", window, wAvg, want)
		}
		if wBiggest > perBatch {
			t.Errorf("a request carried %d events, more than max_events_per_request %d", wBiggest, perBatch)
		}
		if wAvg < 2*eAvg {
			t.Errorf("the window did not fill batches: %.1f events per request with it, %.1f without", wAvg, eAvg)
		}
	})
}
