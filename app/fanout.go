package app

import (
	"context"
	"slices"
	"strings"

	"github.com/hookd/hookd"
)

// Fan-out in bounded transactions. An event goes to every subscribed
// endpoint of its tenant; a tenant with thousands of endpoints would hold
// the database's writer (SQLite has one) for seconds if the event and all
// its deliveries were one transaction, and every other tenant's writes
// would wait. So a fan-out larger than FanOutChunk is written in chunks, in
// endpoint ID order: the event with the first chunk and a record of the
// fan-out's progress in the first transaction (after which publishing
// cannot lose a delivery), then one transaction per further chunk, between
// which other writers get their turn. If the writer dies, ResumeFanOuts,
// run periodically by some process, takes the fan-out over once its lease
// has ended and writes the deliveries still missing, to the endpoints
// subscribed then that existed when the event was published.

// DefaultFanOutChunk is the default of App.FanOutChunk.
const DefaultFanOutChunk = 100

// fanOutChunk returns the most deliveries one transaction writes.
func (a *App) fanOutChunk() int {
	if a.FanOutChunk > 0 {
		return a.FanOutChunk
	}
	return DefaultFanOutChunk
}

// splitFanOut returns ds (to endpoints, in the same order) unchanged when
// they fit in one chunk. Otherwise it sorts them by endpoint ID, marks e's
// fan-out unfinished after the first chunk, and returns that chunk and the
// rest.
func (a *App) splitFanOut(e *hookd.Event, ds []*hookd.Delivery, endpoints []*hookd.Endpoint) (
	first []*hookd.Delivery, firstEndpoints []*hookd.Endpoint, rest []*hookd.Delivery, restEndpoints []*hookd.Endpoint) {
	n := a.fanOutChunk()
	if len(ds) <= n {
		return ds, endpoints, nil, nil
	}
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(ds[i].EndpointID, ds[j].EndpointID) })
	sorted := make([]*hookd.Delivery, len(ds))
	sortedEndpoints := make([]*hookd.Endpoint, len(ds))
	for k, i := range order {
		sorted[k], sortedEndpoints[k] = ds[i], endpoints[i]
	}
	e.FanOutAfter = sorted[n-1].EndpointID
	return sorted[:n], sortedEndpoints[:n], sorted[n:], sortedEndpoints[n:]
}

// writeFanOut writes ds (to endpoints, in the same order, all after
// e.FanOutAfter) chunk by chunk, each chunk's deliveries offered to the
// workers, and returns those it stored. If a chunk cannot be stored it
// stops: the fan-out stays unfinished, to be resumed by ResumeFanOuts.
func (a *App) writeFanOut(ctx context.Context, e *hookd.Event, ds []*hookd.Delivery, endpoints []*hookd.Endpoint) []*hookd.Delivery {
	n := a.fanOutChunk()
	var stored []*hookd.Delivery
	for start := 0; start < len(ds); start += n {
		end := min(start+n, len(ds))
		chunk, chunkEndpoints := ds[start:end], endpoints[start:end]
		after := ""
		if end < len(ds) {
			after = chunk[len(chunk)-1].EndpointID
		}
		taken, takenEndpoints := a.handOver(chunk, chunkEndpoints)
		if err := a.Store.WriteFanOut(ctx, e, chunk, after, a.now().Add(hookd.FanOutLease)); err != nil {
			if len(taken) > 0 {
				a.Workers.Cancel(len(taken))
			}
			a.Log.WarnContext(ctx, "fan-out interrupted; it will be resumed", "event", e.ID, "err", err)
			return stored
		}
		if len(taken) > 0 {
			a.Workers.Take(e, taken, takenEndpoints)
		}
		a.deliveriesDue(chunk)
		stored = append(stored, chunk...)
	}
	return stored
}

// resumeFanOutBatch is how many unfinished fan-outs one ResumeFanOuts
// round takes over.
const resumeFanOutBatch = 16

// ResumeFanOuts finishes fan-outs whose writer stopped (its process died,
// or a chunk failed) once their lease has ended, and returns how many
// deliveries it stored. Each writes the deliveries to the endpoints after
// the stored progress that subscribe to the event's type now and existed
// when the event was published, in chunks of FanOutChunk. Run it
// periodically; processes sharing a database never resume the same
// fan-out at once.
func (a *App) ResumeFanOuts(ctx context.Context) (int, error) {
	stored := 0
	for {
		now := a.now()
		events, err := a.Store.ClaimFanOuts(ctx, now, now.Add(hookd.FanOutLease), resumeFanOutBatch)
		if err != nil || len(events) == 0 {
			return stored, err
		}
		for _, e := range events {
			n, err := a.resumeFanOut(ctx, e)
			stored += n
			a.Log.InfoContext(ctx, "fan-out resumed", "event", e.ID, "deliveries", n, "err", err)
			if err != nil && hookd.ErrorCode(err) != hookd.ECONFLICT {
				return stored, err
			}
		}
		if len(events) < resumeFanOutBatch {
			return stored, nil
		}
	}
}

// resumeFanOut writes the rest of e's fan-out.
func (a *App) resumeFanOut(ctx context.Context, e *hookd.Event) (int, error) {
	all, err := a.Store.SubscribedEndpoints(ctx, e.TenantID, e.Type)
	if err != nil {
		return 0, err
	}
	var endpoints []*hookd.Endpoint
	for _, ep := range filtered(e, all) {
		if ep.ID > e.FanOutAfter && !ep.CreatedAt.After(e.CreatedAt) {
			endpoints = append(endpoints, ep)
		}
	}
	slices.SortFunc(endpoints, func(x, y *hookd.Endpoint) int { return strings.Compare(x.ID, y.ID) })
	now := a.now()
	ds := make([]*hookd.Delivery, len(endpoints))
	for i, ep := range endpoints {
		ds[i] = newDelivery(e, ep, now)
	}
	if len(ds) == 0 {
		// Nothing left (the endpoints after the progress are gone):
		// mark the fan-out finished.
		return 0, a.Store.WriteFanOut(ctx, e, nil, "", now)
	}
	n := a.fanOutChunk()
	stored := 0
	for start := 0; start < len(ds); start += n {
		end := min(start+n, len(ds))
		chunk := ds[start:end]
		after := ""
		if end < len(ds) {
			after = chunk[len(chunk)-1].EndpointID
		}
		if err := a.Store.WriteFanOut(ctx, e, chunk, after, a.now().Add(hookd.FanOutLease)); err != nil {
			return stored, err
		}
		a.deliveriesDue(chunk)
		stored += len(chunk)
	}
	return stored, nil
}
