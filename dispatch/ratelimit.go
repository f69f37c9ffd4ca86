package dispatch

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// rateHoldMargin is added to an endpoint's timeout to make the hold of a
// rate slot while its request is in flight: a slot taken by an instance
// that died frees itself that long after it was taken.
const rateHoldMargin = 10 * time.Second

// rateRetry is how soon a sender asks again for a slot the store said
// was free at once but could not give (another instance was taking it),
// or after the store failed.
const (
	rateRetry      = 2 * time.Millisecond
	rateErrorRetry = time.Second
)

// rates is the dispatcher's state of rate limits and pauses, by endpoint.
type rates struct {
	mu sync.Mutex
	// turns lets one sender of an endpoint at a time ask the store for a
	// slot (and wait for one), so that an instance polls the store once
	// per endpoint however many of its senders wait.
	turns map[string]chan struct{}
	// paused holds the end of each endpoint's pause known here, on the
	// dispatcher's Clock.
	paused map[string]time.Time
}

// rateTurn returns the channel whose one place is the turn to take a slot
// of endpointID.
func (d *Dispatcher) rateTurn(endpointID string) chan struct{} {
	d.rates.mu.Lock()
	defer d.rates.mu.Unlock()
	if d.rates.turns == nil {
		d.rates.turns = map[string]chan struct{}{}
	}
	turn := d.rates.turns[endpointID]
	if turn == nil {
		turn = make(chan struct{}, 1)
		d.rates.turns[endpointID] = turn
	}
	return turn
}

// rateHold is a rate slot a sender holds.
type rateHold struct {
	slot int
	held time.Time // the busy_until the store holds it with
}

// takeRateSlot waits, unless ctx ends first (then ok is false), until a
// rate slot of ep is free and takes it. The wait is in real time, like a
// receiver's: the slots' times are the instances' real clocks. Slots
// freed by other instances are found by polling at most every cool-down.
// The jobs of the sender stay claimed meanwhile (their leases are renewed):
// they wait, they do not fail.
func (d *Dispatcher) takeRateSlot(ctx context.Context, ep *hookd.Endpoint) (h rateHold, ok bool) {
	turn := d.rateTurn(ep.ID)
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return rateHold{}, false
	}
	defer func() { <-turn }()
	slots, coolDown := ep.RateBurst(), ep.RateCoolDown()
	hold := time.Duration(ep.TimeoutSeconds)*time.Second + rateHoldMargin
	for {
		now := time.Now()
		r, err := d.Store.TakeRateSlot(ctx, ep.ID, slots, now, now.Add(hold))
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return rateHold{}, false
			}
			d.Log.Error("take a rate slot; trying again", "endpoint", ep.ID, "err", err)
			wait = rateErrorRetry
		case r.Taken:
			return rateHold{slot: r.Slot, held: now.Add(hold)}, true
		default:
			wait = min(max(r.FreeAt.Sub(now), rateRetry), coolDown)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return rateHold{}, false
		}
	}
}

// keepRateSlot makes sure the slot h of ep is held for a request starting
// now, however long the sender waited for a worker since it took it: if
// less than the endpoint's timeout is left of the hold, it is moved on.
// It returns false if the hold ran out and the slot may be another's:
// the sender must take one again.
func (d *Dispatcher) keepRateSlot(ctx context.Context, ep *hookd.Endpoint, h *rateHold) bool {
	timeout := time.Duration(ep.TimeoutSeconds) * time.Second
	now := time.Now()
	if h.held.Sub(now) > timeout+rateHoldMargin/2 {
		return true
	}
	next := now.Add(timeout + rateHoldMargin)
	ok, err := d.Store.ReleaseRateSlot(ctx, ep.ID, h.slot, h.held, next)
	if err != nil || !ok {
		return false
	}
	h.held = next
	return true
}

// releaseRateSlot ends the hold h of ep's slot at the end of a request,
// end: the slot stays busy for ep's cool-down after it. A context that
// ended still releases (the request ended too).
func (d *Dispatcher) releaseRateSlot(ep *hookd.Endpoint, h rateHold, end time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := d.Store.ReleaseRateSlot(ctx, ep.ID, h.slot, h.held, end.Add(ep.RateCoolDown())); err != nil {
		// The slot frees itself when its hold runs out.
		d.Log.Error("release a rate slot; it frees when its hold runs out", "endpoint", ep.ID, "err", err)
	}
}

// pausedUntil returns when the pause of endpointID known here ends, if it
// is paused at now.
func (d *Dispatcher) pausedUntil(endpointID string, now time.Time) (time.Time, bool) {
	d.rates.mu.Lock()
	defer d.rates.mu.Unlock()
	until, ok := d.rates.paused[endpointID]
	if ok && !now.Before(until) {
		delete(d.rates.paused, endpointID)
		return time.Time{}, false
	}
	return until, ok
}

// pauseOnRetryAfter pauses ep, here and in the store for every instance,
// when results (of one request) answered 429 or 503 with a Retry-After:
// until the time it asks, at most the retry policy's MaxRetryAfter. The
// claims skip a paused endpoint and its senders here put its queued jobs
// back, due when the pause ends (see deferred); other endpoints go on.
func (d *Dispatcher) pauseOnRetryAfter(ctx context.Context, ep *hookd.Endpoint, results []result) {
	if len(results) == 0 || results[0].Attempt == nil {
		return
	}
	a := results[0].Attempt
	if a.Error != "" || (a.ResponseStatus != http.StatusTooManyRequests && a.ResponseStatus != http.StatusServiceUnavailable) {
		return
	}
	wait := ParseRetryAfter(http.Header(a.ResponseHeaders).Get("Retry-After"), a.CreatedAt)
	if wait <= 0 {
		return
	}
	maxWait := d.Retry.MaxRetryAfter
	if maxWait <= 0 {
		maxWait = hookd.DefaultMaxRetryAfter
	}
	until := a.CreatedAt.Add(min(wait, maxWait))
	d.rates.mu.Lock()
	if d.rates.paused == nil {
		d.rates.paused = map[string]time.Time{}
	}
	if until.After(d.rates.paused[ep.ID]) {
		d.rates.paused[ep.ID] = until
	}
	d.rates.mu.Unlock()
	if err := d.Store.PauseEndpoint(ctx, ep.ID, until); err != nil && ctx.Err() == nil {
		d.Log.Error("pause an endpoint that asked to wait", "endpoint", ep.ID, "until", until, "err", err)
	}
	d.Log.Info("endpoint paused: it answered with Retry-After", "endpoint", ep.ID, "status", a.ResponseStatus, "until", until)
}

// deferred returns results for jobs not sent because their endpoint is
// paused until until: pending again, due then, without an attempt, so
// they use up no retry.
func (d *Dispatcher) deferred(jobs []*job, until time.Time) []result {
	rs := make([]result, len(jobs))
	for i, j := range jobs {
		rs[i] = result{DeliveryResult: hookd.DeliveryResult{DeliveryID: j.delivery.ID, State: hookd.DeliveryPending, RunAt: until}}
	}
	return rs
}

// sendPaced sends jobs (one request to ep) as send does, within ep's rate
// limit and pause: a paused endpoint's jobs are put back, due when the
// pause ends; a limited endpoint's request first takes a rate slot,
// waiting for one before it takes a worker (d.sem), so waiting senders
// never hold the workers other endpoints need; an answer asking to wait
// pauses the endpoint (pauseOnRetryAfter).
func (d *Dispatcher) sendPaced(ctx context.Context, ep *hookd.Endpoint, jobs []*job) ([]result, string) {
	if until, paused := d.pausedUntil(ep.ID, d.Clock.Now()); paused {
		return d.deferred(jobs, until), ""
	}
	limited := ep.RateLimit > 0
	var h rateHold
	for {
		if limited {
			var ok bool
			if h, ok = d.takeRateSlot(ctx, ep); !ok {
				return d.unsent(jobs, false), ""
			}
			// A pause may have begun while the sender waited.
			if until, paused := d.pausedUntil(ep.ID, d.Clock.Now()); paused {
				d.freeRateSlot(ep, h)
				return d.deferred(jobs, until), ""
			}
		}
		if ctx.Err() != nil {
			if limited {
				d.freeRateSlot(ep, h)
			}
			return d.unsent(jobs, false), ""
		}
		d.sem <- struct{}{}
		if !limited || d.keepRateSlot(ctx, ep, &h) {
			break
		}
		// The hold ran out while the sender waited for a worker: the slot
		// may be another's now.
		<-d.sem
	}
	results, disable := d.send(ctx, jobs)
	end := time.Now()
	<-d.sem
	if limited {
		d.releaseRateSlot(ep, h, end)
	}
	d.pauseOnRetryAfter(ctx, ep, results)
	return results, disable
}

// freeRateSlot frees the slot h of ep at once: no request was sent.
func (d *Dispatcher) freeRateSlot(ep *hookd.Endpoint, h rateHold) {
	d.releaseRateSlot(ep, h, time.Now().Add(-ep.RateCoolDown()))
}
