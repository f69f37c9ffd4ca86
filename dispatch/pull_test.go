package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// pingReceiver is a receiver of ping notifications, as a user would write
// one: it checks each ping's signature with the Standard Webhooks
// reference library, answers 204 at once, and hands the notice to a pull
// loop. It counts pings and the most in flight at once.
type pingReceiver struct {
	*httptest.Server
	notices chan dispatch.PingNotice
	pings   atomic.Int64
	// inFlight and maxInFlight count requests being answered.
	inFlight, maxInFlight atomic.Int64
	// ignoreTimestamp verifies signatures without the library's
	// timestamp tolerance, for tests that move the clock by days; the
	// timestamp must then equal clock's.
	ignoreTimestamp bool
	clock           hookd.Clock
	errs            chan error
}

func newPingReceiver(t *testing.T, secret string) *pingReceiver {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	pr := &pingReceiver{notices: make(chan dispatch.PingNotice, 1000), errs: make(chan error, 100)}
	pr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := pr.inFlight.Add(1)
		defer pr.inFlight.Add(-1)
		for {
			m := pr.maxInFlight.Load()
			if n <= m || pr.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		body, _ := io.ReadAll(r.Body)
		verify := wh.Verify
		if pr.ignoreTimestamp {
			verify = wh.VerifyIgnoringTimestamp
			if ts := r.Header.Get("Webhook-Timestamp"); ts != strconv.FormatInt(pr.clock.Now().Unix(), 10) {
				pr.errs <- errors.New("webhook-timestamp " + ts + " is not the clock's")
			}
		}
		if err := verify(body, r.Header); err != nil {
			pr.errs <- err
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var notice dispatch.PingNotice
		if err := json.Unmarshal(body, &notice); err != nil {
			pr.errs <- err
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		pr.pings.Add(1)
		pr.notices <- notice
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(pr.Close)
	return pr
}

// check fails t if the receiver refused something.
func (pr *pingReceiver) check(t *testing.T) {
	t.Helper()
	select {
	case err := <-pr.errs:
		t.Fatalf("receiver: %v", err)
	default:
	}
}

// next returns the next notice.
func (pr *pingReceiver) next(t *testing.T) dispatch.PingNotice {
	t.Helper()
	select {
	case n := <-pr.notices:
		return n
	case err := <-pr.errs:
		t.Fatalf("receiver: %v", err)
	case <-time.After(waitTimeout):
		t.Fatal("no ping came")
	}
	return dispatch.PingNotice{}
}

// puller is a receiver's pull loop: it lists an endpoint's payloads after
// the last number it saw, and checks that every number comes exactly
// once, in order.
type puller struct {
	t        *testing.T
	a        *app.App
	tenant   string
	endpoint string
	last     int64
	events   []string
	calls    int
}

// pull lists until nothing more is waiting (each call up to limit, waiting
// up to wait for the first), and returns how many payloads it got.
func (p *puller) pull(ctx context.Context, limit int, wait time.Duration) (int, error) {
	got := 0
	for {
		list, err := p.a.ListPayloads(ctx, p.tenant, p.endpoint, app.ListPayloadsInput{After: p.last, Limit: limit, Wait: wait})
		if err != nil {
			return got, err
		}
		p.calls++
		for _, pl := range list.Payloads {
			if pl.Transaction != p.last+1 {
				return got, errors.New("payload " + strconv.FormatInt(pl.Transaction, 10) + " after " + strconv.FormatInt(p.last, 10) +
					": numbers must come once each, in order")
			}
			if pl.Event == nil || pl.Event.ID != pl.EventID {
				return got, errors.New("payload " + strconv.FormatInt(pl.Transaction, 10) + " without its event")
			}
			p.last = pl.Transaction
			p.events = append(p.events, pl.EventID)
			got++
		}
		if n := len(list.Payloads); n > 0 && list.NextAfter != p.last {
			return got, errors.New("next_after is not the last number listed")
		}
		if !list.HasMore {
			return got, nil
		}
		wait = 0
	}
}

// TestPingBurst publishes 1,000 events in a burst to a ping endpoint
// whose receiver, on each ping, pulls with after=<last> and limit=1000.
// The pings are consolidated: at most 20, one in flight at a time, the
// last announcing 1,000. The receiver gets every payload exactly once, in
// transaction order, and they are the events published; after=<last>
// then returns nothing, and a repeated ping (a resend) is harmless.
func TestPingBurst(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w := newWorld(t, s, nil)
		ep := w.endpoint("http://placeholder.invalid/", app.CreateEndpointInput{Mode: "ping"})
		pr := newPingReceiver(t, ep.Secrets[0].Secret)
		url := pr.URL
		if _, err := w.app.UpdateEndpoint(ctx, w.tenant, ep.ID, app.UpdateEndpointInput{URL: &url}); err != nil {
			t.Fatal(err)
		}
		w.start()

		const events = 1000
		p := &puller{t: t, a: w.app, tenant: w.tenant, endpoint: ep.ID}
		pulled := make(chan error, 1)
		var lastAnnounced atomic.Int64
		go func() {
			for notice := range pr.notices {
				lastAnnounced.Store(notice.Transaction)
				if _, err := p.pull(ctx, hookd.MaxPayloadsLimit, 0); err != nil {
					pulled <- err
					return
				}
				if p.last >= events && notice.Transaction >= events {
					pulled <- nil
					return
				}
			}
		}()

		start := time.Now()
		published := make([]string, events)
		var wg sync.WaitGroup
		const publishers = 4
		for g := range publishers {
			wg.Go(func() {
				for i := g; i < events; i += publishers {
					e, _, err := w.app.Publish(ctx, w.tenant, app.PublishInput{Type: "user.created", Data: []byte(userData)})
					if err != nil {
						t.Error(err)
						return
					}
					published[i] = e.ID
				}
			})
		}
		wg.Wait()
		burst := time.Since(start)
		select {
		case err := <-pulled:
			if err != nil {
				t.Fatal(err)
			}
		case err := <-pr.errs:
			t.Fatalf("receiver: %v", err)
		case <-time.After(waitTimeout):
			t.Fatalf("pulled %d of %d", p.last, events)
		}
		pings := pr.pings.Load()
		t.Logf("%d events published in %v made %d pings; the receiver pulled in %d calls", events, burst.Round(time.Millisecond), pings, p.calls)
		if pings > 20 {
			t.Errorf("%d pings for a burst of %d events, want at most 20", pings, events)
		}
		if lastAnnounced.Load() != events {
			t.Errorf("the last ping announced %d, want %d", lastAnnounced.Load(), events)
		}
		if m := pr.maxInFlight.Load(); m != 1 {
			t.Errorf("%d pings in flight at once, want 1", m)
		}
		slices.Sort(published)
		got := slices.Sorted(slices.Values(p.events))
		if !slices.Equal(got, published) {
			t.Fatalf("the receiver's payloads are not the events published (%d and %d)", len(got), len(published))
		}
		if n, err := p.pull(ctx, hookd.MaxPayloadsLimit, 0); n != 0 || err != nil {
			t.Fatalf("after=%d returned %d payloads, %v; want none", p.last, n, err)
		}

		// A repeated ping, here a resend of the last, is harmless: it
		// announces what was pulled, and pulling again finds nothing.
		var lastPing string
		for lastPing == "" {
			select {
			case rs := <-w.recorded:
				for _, r := range rs {
					if r.PingTransaction == events && r.State == hookd.DeliverySucceeded {
						lastPing = r.DeliveryID
					}
				}
			case <-time.After(waitTimeout):
				t.Fatal("the last ping was not recorded")
			}
		}
		if _, err := w.app.ResendDelivery(ctx, w.tenant, lastPing); err != nil {
			t.Fatal(err)
		}
		select {
		case notice := <-pr.notices:
			if notice.Transaction != events || notice.Pending != 0 {
				t.Fatalf("repeated ping %+v, want transaction %d, pending 0", notice, events)
			}
		case <-time.After(waitTimeout):
			t.Fatal("the resent ping did not come")
		}
		if n, err := p.pull(ctx, hookd.MaxPayloadsLimit, 0); n != 0 || err != nil {
			t.Fatalf("pull after the repeated ping: %d payloads, %v; want none", n, err)
		}
		pr.check(t)
	})
}

// TestSinglePingLatency publishes single events to a quiet ping endpoint
// and a full endpoint subscribed alike, and compares when each receiver
// hears of the event: the ping goes out within the normal delivery
// latency (median over the tries within 10 times the full delivery's; a
// ping held back to consolidate, or left for the next poll, would take
// hundreds of times longer).
func TestSinglePingLatency(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w := newWorld(t, s, nil)
		full := newReceiver(t)
		w.endpoint(full.URL, app.CreateEndpointInput{})
		ep := w.endpoint("http://placeholder.invalid/", app.CreateEndpointInput{Mode: "ping"})
		pr := newPingReceiver(t, ep.Secrets[0].Secret)
		pr.ignoreTimestamp, pr.clock = true, w.clock // the clock runs ahead
		url := pr.URL
		if _, err := w.app.UpdateEndpoint(ctx, w.tenant, ep.ID, app.UpdateEndpointInput{URL: &url}); err != nil {
			t.Fatal(err)
		}
		w.start()

		const tries = 15
		var fullTimes, pingTimes []time.Duration
		for i := range tries {
			// Quiet: the last ping was long ago (PingInterval).
			w.clock.Advance(time.Minute)
			start := time.Now()
			w.publish(userData)
			var fullAt, pingAt time.Duration
			for fullAt == 0 || pingAt == 0 {
				select {
				case <-full.got:
					fullAt = time.Since(start)
				case n := <-pr.notices:
					pingAt = time.Since(start)
					if n.Transaction != int64(i+1) {
						t.Fatalf("try %d: ping announced %d", i+1, n.Transaction)
					}
				case err := <-pr.errs:
					t.Fatal(err)
				case <-time.After(waitTimeout):
					t.Fatalf("try %d: full after %v, ping after %v", i+1, fullAt, pingAt)
				}
			}
			w.waitRecorded(2)
			fullTimes, pingTimes = append(fullTimes, fullAt), append(pingTimes, pingAt)
		}
		slices.Sort(fullTimes)
		slices.Sort(pingTimes)
		fullMedian, pingMedian := fullTimes[tries/2], pingTimes[tries/2]
		t.Logf("median time to the receiver over %d single events: full delivery %v, ping %v (%.1f×)",
			tries, fullMedian, pingMedian, float64(pingMedian)/float64(fullMedian))
		if pingMedian > 10*fullMedian {
			t.Fatalf("a single event's ping took %v (median), the full delivery %v: more than 10×", pingMedian, fullMedian)
		}
	})
}

// TestFailingPings makes a ping endpoint's receiver answer 500. The ping
// is retried on the normal schedule, each retry announcing the highest
// number when it is sent; after the last (about a day) notifications are
// disabled with the reason, while publishing goes on and the payloads stay
// listable. Enabling the endpoint sends one ping announcing the highest
// number.
func TestFailingPings(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w := newWorld(t, s, nil)
		ep := w.endpoint("http://placeholder.invalid/", app.CreateEndpointInput{Mode: "ping"})
		pr := newPingReceiver(t, ep.Secrets[0].Secret)
		pr.ignoreTimestamp, pr.clock = true, w.clock
		var failing atomic.Bool
		failing.Store(true)
		inner := pr.Config.Handler
		pr.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if failing.Load() {
				rec := httptest.NewRecorder()
				inner.ServeHTTP(rec, r) // checks and records the notice
				rw.WriteHeader(http.StatusInternalServerError)
				return
			}
			inner.ServeHTTP(rw, r)
		})
		url := pr.URL
		if _, err := w.app.UpdateEndpoint(ctx, w.tenant, ep.ID, app.UpdateEndpointInput{URL: &url}); err != nil {
			t.Fatal(err)
		}
		w.start()
		start := w.clock.Now()
		w.publish(userData)

		schedule := hookd.DefaultRetrySchedule
		var pingID string
		for i := 0; i <= len(schedule); i++ {
			notice := pr.next(t)
			want := int64(1)
			if i >= 3 {
				want = 2
			}
			if notice.Transaction != want || notice.Pending != want {
				t.Fatalf("attempt %d announced %+v, want transaction and pending %d", i+1, notice, want)
			}
			res := onlyResult(t, w.waitRecorded(1))
			if pingID == "" {
				pingID = res.DeliveryID
			}
			if res.DeliveryID != pingID || res.PingTransaction != want {
				t.Fatalf("attempt %d: %+v, want the one ping %s", i+1, res, pingID)
			}
			if i == len(schedule) {
				if res.State != hookd.DeliveryFailed {
					t.Fatalf("after the last attempt: %+v", res)
				}
				break
			}
			if res.State != hookd.DeliveryPending || !res.RunAt.Equal(w.clock.Now().Add(schedule[i])) {
				t.Fatalf("after attempt %d: %+v, want pending in %v", i+1, res, schedule[i])
			}
			if i == 2 {
				// Published while the ping waits for its retry: covered by
				// it, not a ping of its own.
				w.publish(userData)
			}
			w.clock.Advance(schedule[i])
			w.d.Wake(ep.ID)
		}
		elapsed := w.clock.Now().Sub(start)
		got, err := w.app.Endpoint(ctx, w.tenant, ep.ID)
		if err != nil || got.Enabled || got.DisabledAt == nil ||
			!strings.Contains(got.DisabledReason, "failed 9 attempts") || !strings.Contains(got.DisabledReason, "payloads are still kept") {
			t.Fatalf("endpoint after %v of failing pings: enabled %v, reason %q, %v", elapsed, got.Enabled, got.DisabledReason, err)
		}
		if elapsed < 24*time.Hour || elapsed > 30*time.Hour {
			t.Fatalf("the retries took %v, want about a day", elapsed)
		}

		// Payloads keep being collected and stay listable; a pull does not
		// turn notifications back on.
		w.publish(userData)
		w.publish(userData)
		p := &puller{t: t, a: w.app, tenant: w.tenant, endpoint: ep.ID}
		list, err := w.app.ListPayloads(ctx, w.tenant, ep.ID, app.ListPayloadsInput{Limit: 2})
		if err != nil || len(list.Payloads) != 2 || !list.HasMore {
			t.Fatalf("list while disabled: %+v, %v", list, err)
		}
		p.last = list.NextAfter
		if got, err := w.app.Endpoint(ctx, w.tenant, ep.ID); err != nil || got.Enabled {
			t.Fatalf("a pull enabled notifications: %v, %v", got.Enabled, err)
		}
		if n, err := p.pull(ctx, 1, 0); err != nil || n != 2 || p.last != 4 {
			t.Fatalf("pulled %d (to %d), %v; want the other 2", n, p.last, err)
		}

		// Enabling resumes notifications: one ping, announcing the highest
		// number.
		failing.Store(false)
		w.clock.Advance(time.Minute)
		if _, err := w.app.EnableEndpoint(ctx, w.tenant, ep.ID); err != nil {
			t.Fatal(err)
		}
		notice := pr.next(t)
		if notice.Transaction != 4 || notice.Pending != 0 {
			t.Fatalf("ping after enabling: %+v, want transaction 4, nothing pending", notice)
		}
		if res := onlyResult(t, w.waitRecorded(1)); res.State != hookd.DeliverySucceeded || res.PingTransaction != 4 {
			t.Fatalf("ping after enabling: %+v", res)
		}
		c, err := s.PullCursor(ctx, ep.ID)
		if err != nil || c.Notified != 4 || c.Pulled != 4 {
			t.Fatalf("cursor %+v, %v", c, err)
		}
		select {
		case n := <-pr.notices:
			t.Fatalf("a second ping after enabling: %+v", n)
		default:
		}
		pr.check(t)
	})
}
