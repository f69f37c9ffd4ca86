package dispatch

// Ordered delivery (hookd.OrderingFIFO). A FIFO endpoint's deliveries are
// claimed only by the store's FIFO claim (hookd.DeliveryStore.
// ClaimFIFODeliveries), which hands out the endpoint's next deliveries in
// their order, and nothing while one of them is running: never by the
// usual claim, nor handed over by publishers (Reserve). The dispatcher
// claims an endpoint in order only while it holds none of its deliveries,
// sends them one request at a time (senderLimit), and stores each result
// before sending the next request, in its own transaction (not through
// the recorder and its linger), so that a crash can make only the request
// in flight arrive twice. When a request fails, the deliveries claimed
// behind it are given back, unsent, in the same transaction: the failed
// one is the first waiting and, in backoff, blocks them until its retry
// succeeds or its retries run out (then the endpoint is disabled and they
// are held, in order, until it is enabled again). Once its sender is done
// the endpoint is claimed again at once.
//
// Which endpoints are FIFO the dispatcher learns from the endpoints it
// loads and, for an endpoint it has not loaded, when the usual claim gets
// none of its deliveries (FIFOEndpoints): the usual claim's cost does not
// change.

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

// splitFIFO takes the claims of endpoints known to be FIFO out of claims.
func (d *Dispatcher) splitFIFO(claims []hookd.EndpointClaim, marks []uint64) (plain []hookd.EndpointClaim, plainMarks []uint64, fifo []hookd.EndpointClaim, fifoMarks []uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, c := range claims {
		if d.fifo[c.EndpointID] {
			fifo, fifoMarks = append(fifo, c), append(fifoMarks, marks[i])
		} else {
			plain, plainMarks = append(plain, c), append(plainMarks, marks[i])
		}
	}
	return plain, plainMarks, fifo, fifoMarks
}

// claimFIFO claims the next deliveries of each FIFO endpoint of claims, in
// order, and forgets the mark of one that gave fewer than asked (unless
// a Wake named it since). An endpoint the store says is not FIFO is
// marked to be claimed the usual way.
func (d *Dispatcher) claimFIFO(ctx context.Context, now time.Time, claims []hookd.EndpointClaim, marks []uint64) ([]*hookd.Delivery, error) {
	var all []*hookd.Delivery
	for i, c := range claims {
		ds, fifo, err := d.Store.ClaimFIFODeliveries(ctx, now, now.Add(d.Lease), c.EndpointID, c.Limit)
		if err != nil {
			return all, err
		}
		all = append(all, ds...)
		d.mu.Lock()
		switch {
		case !fifo:
			delete(d.fifo, c.EndpointID)
			d.markDue(c.EndpointID)
		case len(ds) < c.Limit && d.due[c.EndpointID] == marks[i]:
			delete(d.due, c.EndpointID)
		}
		d.mu.Unlock()
	}
	return all, nil
}

// learnFIFO asks the store which of the endpoints whose usual claim got
// nothing are FIFO (the usual claim never takes their deliveries), and
// marks those to be claimed in order.
func (d *Dispatcher) learnFIFO(ctx context.Context, claims []hookd.EndpointClaim, got map[string]int) {
	var empty []string
	for _, c := range claims {
		if got[c.EndpointID] == 0 {
			empty = append(empty, c.EndpointID)
		}
	}
	if len(empty) == 0 {
		return
	}
	ids, err := d.Store.FIFOEndpoints(ctx, empty)
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Error("find fifo endpoints", "err", err)
		}
		return
	}
	if len(ids) == 0 {
		return
	}
	d.mu.Lock()
	for _, id := range ids {
		d.fifo[id] = true
		d.markDue(id)
	}
	d.mu.Unlock()
	d.signal()
}

// sendFIFO sends one request of a FIFO endpoint's jobs, the first of its
// queue q, and stores the results before returning. When the request did
// not succeed, the rest of the queue goes back to the store unsent in the
// same transaction (held if the endpoint was disabled), to wait behind
// the failed delivery; when the results cannot be stored, the rest is
// dropped unsent, to be claimed again in order once the leases expire.
func (d *Dispatcher) sendFIFO(ctx context.Context, q *endpointQueue, jobs []*job) {
	// Within the endpoint's rate limit and pause, as any request
	// (ratelimit.go): a paused head is put back, due when the pause ends,
	// and the rest wait behind it.
	results, disable := d.sendPaced(ctx, jobs[0].endpoint, jobs)
	var rest []*job
	if disable != "" || !allSucceeded(results) {
		d.mu.Lock()
		rest, q.jobs = q.jobs, nil
		if disable != "" {
			q.disabledReason = disable
		}
		d.mu.Unlock()
		results = append(results, d.unsent(rest, disable != "")...)
	}
	if err := d.recordErr(results); err != nil {
		d.mu.Lock()
		rest, q.jobs = q.jobs, nil
		d.inFlight -= len(rest)
		for _, j := range rest {
			delete(d.claimed, j.delivery.ID)
		}
		d.mu.Unlock()
	}
}

// allSucceeded reports whether every result is a success.
func allSucceeded(results []result) bool {
	for _, r := range results {
		if r.State != hookd.DeliverySucceeded {
			return false
		}
	}
	return true
}
