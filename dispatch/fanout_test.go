package dispatch_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// failingFanOut is a store whose later fan-out chunks fail while fail is
// set, as if the publishing process had died after its first transaction.
type failingFanOut struct {
	hookd.Store
	fail atomic.Bool
}

func (s *failingFanOut) WriteFanOut(ctx context.Context, e *hookd.Event, ds []*hookd.Delivery, after string, until time.Time) error {
	if s.fail.Load() {
		return errors.New("the process died")
	}
	return s.Store.WriteFanOut(ctx, e, ds, after, until)
}

// TestChunkedFanOutReachesWorkers checks that every chunk of a fan-out too
// large for one transaction reaches the workers, with no poll (the
// dispatcher polls hourly here): those written by the publish, and those a
// resume writes after the publisher died.
func TestChunkedFanOutReachesWorkers(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		w.app.FanOutChunk = 2
		const n = 5
		for i := range n {
			w.endpoint(rc.URL+fmt.Sprintf("/%d", i), app.CreateEndpointInput{Name: fmt.Sprint("r", i)})
		}
		w.start()
		e := w.publish(userData)
		got := map[string]bool{}
		for range n {
			r := rc.next(t)
			if r.Header.Get("Webhook-Id") != e.ID {
				t.Fatalf("got %s, want %s", r.Header.Get("Webhook-Id"), e.ID)
			}
			got[r.Path] = true
		}
		if len(got) != n {
			t.Fatalf("requests to %v, want %d endpoints", got, n)
		}
		w.waitRecorded(n)

		// The publisher dies after its first transaction; a resume, once
		// its lease has ended, writes the rest and wakes the workers.
		failing := &failingFanOut{Store: s}
		failing.fail.Store(true)
		w.app.Store = failing
		e = w.publish(userData)
		for range w.app.FanOutChunk {
			rc.next(t)
		}
		w.waitRecorded(w.app.FanOutChunk)
		rc.none(t)
		failing.fail.Store(false) // the process that resumes is alive
		w.clock.Advance(hookd.FanOutLease + time.Second)
		if written, err := w.app.ResumeFanOuts(context.Background()); err != nil || written != n-w.app.FanOutChunk {
			t.Fatalf("ResumeFanOuts: %d, %v; want %d", written, err, n-w.app.FanOutChunk)
		}
		for range n - w.app.FanOutChunk {
			if r := rc.next(t); r.Header.Get("Webhook-Id") != e.ID {
				t.Fatalf("got %s, want %s", r.Header.Get("Webhook-Id"), e.ID)
			}
		}
		w.waitRecorded(n - w.app.FanOutChunk)
	})
}
