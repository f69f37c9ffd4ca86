package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// Defaults of Dispatcher.
const (
	DefaultConcurrency         = 256
	DefaultEndpointConcurrency = 16
	DefaultClaimBatch          = 256
	DefaultLease               = 15 * time.Second
	DefaultPollInterval        = time.Second
	DefaultPingInterval        = time.Second
	// recordBatch is the most results stored in one transaction.
	recordBatch = 512
	// recordLinger is how long the recorder waits for more results to
	// store with the first: every transaction rewrites the pages it
	// touches, so a few large ones write much less than many small ones.
	// Sending does not wait for it.
	recordLinger = 10 * time.Millisecond
)

// DefaultLeaseSweepPeriod is how often, across all instances, the
// deliveries whose lease expired are made due again (SweepLeases). With
// DefaultLease the work of an instance that died resumes within 20 s: its
// leases run out at most 15 s after its death (they were renewed at most
// then), and the next sweep comes within two periods (package schedule
// looks for a due run every period, and one that is a moment early waits
// for the next look).
const DefaultLeaseSweepPeriod = 2 * time.Second

// Store is what a Dispatcher needs of the store: the delivery queue, and
// the cursor of a ping endpoint's payloads, which its notice announces.
type Store interface {
	hookd.DeliveryStore
	// EndpointRateStore keeps the rate slots and pauses of endpoints
	// (ratelimit.go).
	hookd.EndpointRateStore
	// PullCursor is hookd.PullStore's.
	PullCursor(ctx context.Context, endpointID string) (hookd.PullCursor, error)
}

// Keys opens the sealed secrets of endpoints; the app implements it.
type Keys interface {
	// LiveEndpointSecrets returns the plaintext secrets that sign
	// deliveries to e now, the current one first.
	LiveEndpointSecrets(e *hookd.Endpoint) ([]string, error)
	// OpenEndpoint sets e.VerificationKey and e.Headers from their sealed
	// forms.
	OpenEndpoint(e *hookd.Endpoint) error
}

// Dispatcher delivers events: it claims due deliveries from the store with
// a lease, sends them to their endpoints (rendered, signed), records every
// attempt and reschedules what failed. Several Dispatchers, in one process
// or several sharing a PostgreSQL database, share the work safely.
//
// Concurrency is bounded overall and per endpoint, and an endpoint never
// has more claimed deliveries waiting in memory than a few rounds of its
// senders, so a slow or dead endpoint holds only its own share of the
// workers and never delays the others.
//
// Set the fields, then call Run. Wake tells it new deliveries are due.
type Dispatcher struct {
	Store  Store
	Keys   Keys
	Client *Client
	Clock  hookd.Clock
	Log    *slog.Logger
	// Retry is the retry schedule. Its zero value is the default.
	Retry hookd.RetryPolicy
	// UserAgent is sent with every request. Default "hookd/" + hookd.Version.
	UserAgent string
	// Concurrency bounds the requests in flight overall. Default 256.
	Concurrency int
	// EndpointConcurrency bounds the requests in flight to one endpoint.
	// Default 16.
	EndpointConcurrency int
	// ClaimBatch is the most deliveries claimed at once. Default 256.
	ClaimBatch int
	// Lease is how long a claim lasts unless renewed: the dispatcher renews
	// the claims it holds every Lease/3, so a delivery still running after
	// its lease belongs to a process that died, and is made due again by
	// the next SweepLeases. Default 15 s.
	Lease time.Duration
	// PollInterval is the longest the dispatcher sleeps without looking for
	// due deliveries: new deliveries of this process wake it at once (see
	// Wake); other processes' and retries coming due are found by polling.
	// Default 1 s.
	PollInterval time.Duration
	// PingInterval is the least time between two pings of an endpoint:
	// a ping due sooner after the endpoint's last attempt waits for the
	// rest of it, then announces every payload numbered by then. A quiet
	// endpoint's ping goes at once; an endpoint receiving a stream of
	// events is notified about once per PingInterval, so a burst of a
	// thousand events makes a handful of pings (a receiver that wants them
	// sooner long-polls the list). Measured from Endpoint.LastTriggeredAt,
	// so it holds across instances. Default 1 s; negative for none.
	PingInterval time.Duration
	// ReleaseLeasesOnStart makes Run first release every running delivery:
	// right when this is the only process using the store (SQLite), so
	// work claimed by a process that crashed resumes at once.
	ReleaseLeasesOnStart bool
	// AfterRecord, when set, is called with each batch of results once it
	// is stored (or failed to be): for metrics and tests.
	AfterRecord func(results []hookd.DeliveryResult, err error)
	// Observer, when set, is told of claims, requests and recorded
	// batches, for metrics and traces (see observe.go).
	Observer hookd.DeliveryObserver

	initOnce sync.Once
	rates    rates // rate limits and pauses (ratelimit.go)
	wake     chan struct{}
	results  chan []result
	sem      chan struct{}

	mu        sync.Mutex
	inFlight  int                 // deliveries claimed and not yet recorded
	claimed   map[string]struct{} // their IDs
	endpoints map[string]*endpointQueue
	sendersWG sync.WaitGroup
	// due holds the endpoints that may have due deliveries not claimed
	// yet: named by Wake, or whose last claim took all it asked for.
	// discover asks the next round to find them all in the store. Each
	// is marked with the count of marks when it was last marked, so a
	// claim that got fewer than it asked for forgets an endpoint only if
	// no Wake named it while the claim ran.
	due      map[string]uint64
	marks    uint64
	discover bool
	// perRequest remembers how many deliveries a request to an endpoint
	// carries, to size claims before its first job is seen.
	perRequest map[string]int
	// running is true while Run is, with its context: only then do
	// publishers hand deliveries over (see Reserve).
	running bool
	runCtx  context.Context
	// fifo holds the endpoints known to be FIFO (see fifo.go), whose
	// deliveries are claimed in order.
	fifo map[string]bool
}

// endpointQueue is the claimed work of one endpoint not yet sent.
type endpointQueue struct {
	jobs    []*job
	senders int
	// filling, while a sender waits for a batch to fill (the endpoint's
	// batching window), is closed when the queue holds a full request.
	filling chan struct{}
	// disabledReason is set once a result disabled the endpoint: its
	// remaining jobs are held, not sent.
	disabledReason string
}

// job is one claimed delivery with what sending it needs.
type job struct {
	delivery *hookd.Delivery
	event    *hookd.Event
	endpoint *hookd.Endpoint
	secrets  []string
	// queued is when the job joined its endpoint's queue, in real time:
	// the batching window runs from it.
	queued time.Time
}

func (d *Dispatcher) init() {
	d.initOnce.Do(func() {
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
		if d.Client == nil {
			d.Client = &Client{}
		}
		if d.UserAgent == "" {
			d.UserAgent = "hookd/" + hookd.Version
		}
		if d.Concurrency <= 0 {
			d.Concurrency = DefaultConcurrency
		}
		if d.EndpointConcurrency <= 0 {
			d.EndpointConcurrency = DefaultEndpointConcurrency
		}
		if d.ClaimBatch <= 0 {
			d.ClaimBatch = DefaultClaimBatch
		}
		if d.Lease <= 0 {
			d.Lease = DefaultLease
		}
		if d.PollInterval <= 0 {
			d.PollInterval = DefaultPollInterval
		}
		if d.PingInterval == 0 {
			d.PingInterval = DefaultPingInterval
		}
		d.wake = make(chan struct{}, 1)
		d.results = make(chan []result, d.Concurrency)
		d.sem = make(chan struct{}, d.Concurrency)
		d.endpoints = map[string]*endpointQueue{}
		d.claimed = map[string]struct{}{}
		d.due = map[string]uint64{}
		d.discover = true
		d.perRequest = map[string]int{}
		d.fifo = map[string]bool{}
	})
}

// Wake tells the dispatcher that deliveries of the given endpoints (of any
// endpoint if none is given) may be due, so it claims them now rather than
// at its next poll. It never blocks.
func (d *Dispatcher) Wake(endpointIDs ...string) {
	d.init()
	d.mu.Lock()
	if len(endpointIDs) == 0 {
		d.discover = true
	}
	for _, id := range endpointIDs {
		d.markDue(id)
	}
	d.mu.Unlock()
	d.signal()
}

// signal makes the claim loop run a round. It never blocks.
func (d *Dispatcher) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// maxInFlight bounds the deliveries claimed and not yet recorded.
func (d *Dispatcher) maxInFlight() int { return 4 * d.ClaimBatch }

// Run delivers until ctx is done, then waits for the requests in flight to
// end (they are cancelled) and records them before returning nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.init()
	if d.ReleaseLeasesOnStart {
		now := d.Clock.Now()
		if n, err := d.Store.ReleaseExpiredLeases(ctx, now.Add(100*365*24*time.Hour), now); err != nil {
			return err
		} else if n > 0 {
			d.Log.Info("resuming deliveries claimed before a restart", "deliveries", n)
		}
	}
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		d.recordLoop()
	}()
	d.mu.Lock()
	d.running, d.runCtx = true, ctx
	d.mu.Unlock()

	nextRenewal := time.Time{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		now := d.Clock.Now()
		if !now.Before(nextRenewal) {
			d.extendLeases(ctx, now)
			nextRenewal = now.Add(d.Lease / 3)
		}
		claimed, err := d.claim(ctx, now)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("claim deliveries", "err", err)
		}
		if claimed && err == nil {
			continue // there may be room for more right now
		}
		timer.Reset(d.untilNextDue(ctx, now))
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
			d.mu.Lock()
			d.discover = true // a retry came due, or another process stored work
			d.mu.Unlock()
		}
	}
	d.mu.Lock()
	d.running = false // no more hand-overs, so no senders start from here on
	d.mu.Unlock()
	d.sendersWG.Wait()
	close(d.results)
	<-recorded
	return nil
}

// Reserve offers the workers deliveries a publisher of this process is
// about to store, one per endpoint in endpointIDs, so they are sent without
// being claimed from the store: take[i] says whether the workers take the
// delivery to endpointIDs[i], which the publisher then stores as running,
// leased until leaseUntil, and gives to Take once committed (or to Cancel if
// it stores nothing). The workers take a delivery only while they run, have
// room, and know of no due delivery of that endpoint still in the store, so
// a new event never overtakes older ones waiting there.
func (d *Dispatcher) Reserve(endpointIDs []string) (leaseUntil time.Time, take []bool) {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	take = make([]bool, len(endpointIDs))
	if !d.running || d.runCtx.Err() != nil || d.discover {
		return time.Time{}, take
	}
	room := d.maxInFlight() - d.inFlight
	for i, id := range endpointIDs {
		if room <= 0 {
			break
		}
		if _, due := d.due[id]; due || d.fifo[id] {
			continue // older ones wait in the store, or only the FIFO claim may send it
		}
		if queued, backlog := d.backlog(id); queued >= backlog/2 {
			continue
		}
		take[i] = true
		room--
		d.inFlight++
	}
	return d.Clock.Now().Add(d.Lease), take
}

// Cancel gives back n places reserved by Reserve for deliveries that were
// not stored.
func (d *Dispatcher) Cancel(n int) {
	d.mu.Lock()
	d.inFlight -= n
	d.mu.Unlock()
	d.signal()
}

// Take gives the workers deliveries reserved with Reserve, now stored as
// running: the event's deliveries to endpoints, which the publisher read.
// A delivery Take cannot send (its keys do not open, or the workers have
// stopped) stays running in the store until its lease expires, and is then
// claimed again.
func (d *Dispatcher) Take(e *hookd.Event, ds []*hookd.Delivery, endpoints []*hookd.Endpoint) {
	jobs, err := d.jobs(ds, []*hookd.Event{e}, endpoints)
	if err != nil {
		d.Log.Error("take published deliveries; they are sent when their lease expires", "deliveries", len(ds), "err", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.inFlight -= len(ds) - len(jobs)
	if !d.running {
		d.inFlight -= len(jobs)
		return
	}
	for _, j := range jobs {
		d.claimed[j.delivery.ID] = struct{}{}
	}
	d.enqueueLocked(d.runCtx, jobs)
}

// extendLeases renews the claims on every delivery this dispatcher holds
// (queued or being sent), so that only a dispatcher that died loses them.
func (d *Dispatcher) extendLeases(ctx context.Context, now time.Time) {
	d.mu.Lock()
	ids := make([]string, 0, len(d.claimed))
	for id := range d.claimed {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if err := d.Store.ExtendLeases(ctx, ids, now.Add(d.Lease)); err != nil && ctx.Err() == nil {
		d.Log.Error("extend leases", "err", err)
	}
}

// SweepLeases returns to pending the deliveries whose lease expired —
// claimed by any dispatcher sharing the store, one that died or lost its
// way — logs how many, and wakes this dispatcher to claim them. The
// dispatcher does not sweep by itself: serve runs SweepLeases as the
// scheduled job "sweep-leases", once per DefaultLeaseSweepPeriod across
// every instance (package schedule), so the sweep is one query per period
// whatever the number of instances, and a dead instance's turn falls to
// another.
func (d *Dispatcher) SweepLeases(ctx context.Context) (int, error) {
	d.init()
	now := d.Clock.Now()
	n, err := d.Store.ReleaseExpiredLeases(ctx, now, now)
	if err != nil {
		return 0, fmt.Errorf("release expired leases: %w", err)
	}
	if n > 0 {
		d.Log.Warn("deliveries whose lease expired are due again", "deliveries", n)
		d.Wake()
	}
	return n, nil
}

// untilNextDue returns how long to sleep: until the next pending delivery
// not yet due is due, at most PollInterval.
func (d *Dispatcher) untilNextDue(ctx context.Context, now time.Time) time.Duration {
	next, err := d.Store.NextDeliveryDue(ctx, now)
	if err != nil || next == nil {
		return d.PollInterval
	}
	return min(max(next.Sub(now), time.Millisecond), d.PollInterval)
}

// claim claims due deliveries of the endpoints that may have some, each
// up to its room, and hands them to their endpoints' senders. claimed is
// true when it claimed any: there may be room for more.
//
// Claiming endpoint by endpoint reads only the rows claimed: a global claim
// that skipped endpoints with no room would read every due delivery of a
// slow endpoint's backlog on every round.
func (d *Dispatcher) claim(ctx context.Context, now time.Time) (claimed bool, err error) {
	d.mu.Lock()
	discover := d.discover
	d.discover = false
	d.mu.Unlock()
	if discover {
		// The time is read again here, for the reason given below the
		// marks: a Wake that set discover after the caller read the time
		// was for deliveries due by now, which an earlier time would miss.
		ids, err := d.Store.DueEndpoints(ctx, d.Clock.Now())
		if err != nil {
			d.mu.Lock()
			d.discover = true
			d.mu.Unlock()
			return false, err
		}
		d.mu.Lock()
		for _, id := range ids {
			d.markDue(id)
		}
		d.mu.Unlock()
	}
	claims, marks := d.claims()
	claims, marks, fifoClaims, fifoMarks := d.splitFIFO(claims, marks)
	if len(claims) == 0 && len(fifoClaims) == 0 {
		return false, nil
	}
	// The time is read again once the marks are taken: a Wake that came
	// before them was for deliveries stored due by then, so a claim at an
	// earlier time could miss them and yet drop the endpoint's mark below
	// (an endpoint left waiting for the next poll: a first ping stalled so
	// in CI).
	now = d.Clock.Now()
	var ds []*hookd.Delivery
	if len(claims) > 0 {
		if ds, err = d.Store.ClaimEndpointDeliveries(ctx, now, now.Add(d.Lease), claims); err != nil {
			return false, err
		}
	}
	fifo, err := d.claimFIFO(ctx, now, fifoClaims, fifoMarks)
	if err != nil && ctx.Err() == nil {
		d.Log.Error("claim deliveries of fifo endpoints", "err", err)
	}
	d.observeClaim(len(ds) + len(fifo))
	// An endpoint that gave fewer than asked has nothing more due, unless
	// a Wake named it since the claim was made.
	got := make(map[string]int, len(claims))
	for _, dl := range ds {
		got[dl.EndpointID]++
	}
	d.mu.Lock()
	for i, c := range claims {
		if got[c.EndpointID] < c.Limit && d.due[c.EndpointID] == marks[i] {
			delete(d.due, c.EndpointID)
		}
	}
	d.mu.Unlock()
	d.learnFIFO(ctx, claims, got)
	ds = append(ds, fifo...)
	if len(ds) == 0 {
		return false, nil
	}
	jobs, err := d.prepare(ctx, ds)
	if err != nil {
		// The claims expire and are picked up again.
		return false, err
	}
	d.mu.Lock()
	d.inFlight += len(jobs)
	for _, j := range jobs {
		d.claimed[j.delivery.ID] = struct{}{}
	}
	d.mu.Unlock()
	d.enqueue(ctx, jobs)
	return true, nil
}

// backlog returns how many claimed jobs of an endpoint wait for its senders
// and how many may (see claims). Call it with d.mu held.
func (d *Dispatcher) backlog(endpointID string) (queued, most int) {
	if q := d.endpoints[endpointID]; q != nil {
		queued = len(q.jobs)
	}
	return queued, max(4*d.EndpointConcurrency*max(1, d.perRequest[endpointID]), d.ClaimBatch)
}

// markDue marks an endpoint as maybe having due deliveries. Call it with
// d.mu held.
func (d *Dispatcher) markDue(endpointID string) {
	d.marks++
	d.due[endpointID] = d.marks
}

// claims returns what to claim now: for each endpoint that may have due
// deliveries, up to the room left in its backlog, within the overall room;
// marks[i] is claims[i]'s endpoint's mark in due.
// An endpoint's backlog, the claimed jobs waiting for its senders, is four
// requests' worth per sender or one claim batch, so a slow endpoint keeps
// little claimed work from the other instances; it is refilled once half
// empty, so claims are not made a few deliveries at a time.
func (d *Dispatcher) claims() (claims []hookd.EndpointClaim, marks []uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	room := min(d.ClaimBatch, d.maxInFlight()-d.inFlight)
	for id, mark := range d.due { // map order: no endpoint is always last
		if room <= 0 {
			break
		}
		if d.fifo[id] && d.endpoints[id] != nil {
			continue // claimed again once its sender is done (fifo.go)
		}
		queued, backlog := d.backlog(id)
		if queued > backlog/2 {
			continue
		}
		n := min(room, backlog-queued)
		claims = append(claims, hookd.EndpointClaim{EndpointID: id, Limit: n})
		marks = append(marks, mark)
		room -= n
	}
	return claims, marks
}

// prepare loads the events and endpoints of claimed deliveries and opens
// the endpoints' keys. A delivery whose event or endpoint is gone (deleted
// meanwhile) is recorded as failed without an attempt.
func (d *Dispatcher) prepare(ctx context.Context, ds []*hookd.Delivery) ([]*job, error) {
	eventIDs := make([]string, 0, len(ds))
	endpointIDs := make([]string, 0, 8)
	seenEndpoint := map[string]bool{}
	for _, dl := range ds {
		eventIDs = append(eventIDs, dl.EventID)
		if !seenEndpoint[dl.EndpointID] {
			seenEndpoint[dl.EndpointID] = true
			endpointIDs = append(endpointIDs, dl.EndpointID)
		}
	}
	events, err := d.Store.EventsByID(ctx, eventIDs)
	if err != nil {
		return nil, err
	}
	endpoints, err := d.Store.EndpointsByID(ctx, endpointIDs)
	if err != nil {
		return nil, err
	}
	return d.jobs(ds, events, endpoints)
}

// jobs returns the jobs of ds, given their events and endpoints, whose
// keys it opens. Deliveries whose event or endpoint is missing are left
// out.
func (d *Dispatcher) jobs(ds []*hookd.Delivery, events []*hookd.Event, endpoints []*hookd.Endpoint) ([]*job, error) {
	eventByID := make(map[string]*hookd.Event, len(events))
	for _, e := range events {
		eventByID[e.ID] = e
	}
	type opened struct {
		endpoint *hookd.Endpoint
		secrets  []string
	}
	endpointByID := make(map[string]opened, len(endpoints))
	for _, e := range endpoints {
		secrets, err := d.Keys.LiveEndpointSecrets(e)
		if err != nil {
			return nil, err
		}
		if err := d.Keys.OpenEndpoint(e); err != nil {
			return nil, err
		}
		endpointByID[e.ID] = opened{e, secrets}
	}
	d.mu.Lock()
	for _, e := range endpoints {
		if e.FIFO() {
			d.fifo[e.ID] = true
		} else {
			delete(d.fifo, e.ID)
		}
	}
	d.mu.Unlock()
	jobs := make([]*job, 0, len(ds))
	for _, dl := range ds {
		ev, ep := eventByID[dl.EventID], endpointByID[dl.EndpointID]
		if ev == nil || ep.endpoint == nil {
			continue // deleted with its endpoint or pruned: nothing to send or record
		}
		jobs = append(jobs, &job{delivery: dl, event: ev, endpoint: ep.endpoint, secrets: ep.secrets})
	}
	return jobs, nil
}

// enqueue adds jobs to their endpoints' queues and starts senders up to
// each endpoint's limit.
func (d *Dispatcher) enqueue(ctx context.Context, jobs []*job) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.enqueueLocked(ctx, jobs)
}

// enqueueLocked is enqueue with d.mu held.
func (d *Dispatcher) enqueueLocked(ctx context.Context, jobs []*job) {
	for _, j := range jobs {
		q := d.endpoints[j.endpoint.ID]
		if q == nil {
			q = &endpointQueue{}
			d.endpoints[j.endpoint.ID] = q
		}
		j.queued = time.Now()
		q.jobs = append(q.jobs, j)
		d.perRequest[j.endpoint.ID] = perRequest(j.endpoint)
		if q.filling != nil && len(q.jobs) >= perRequest(j.endpoint) {
			close(q.filling)
			q.filling = nil
		}
	}
	for id, q := range d.endpoints {
		for len(q.jobs) > 0 && q.senders < d.senderLimit(q.jobs[0].endpoint) && len(q.jobs) > q.senders*perRequest(q.jobs[0].endpoint) {
			q.senders++
			d.sendersWG.Add(1)
			go d.sender(ctx, id)
		}
	}
}

// senderLimit is how many requests to e may be in flight at once: one for
// a ping endpoint, whose notifications are consolidated (a ping covers
// every payload numbered when it is sent, so two at once would announce
// the same ones), and for a FIFO endpoint (fifo.go); at most its burst for
// a rate-limited one; EndpointConcurrency for others.
func (d *Dispatcher) senderLimit(e *hookd.Endpoint) int {
	if e.Mode == hookd.ModePing || e.FIFO() {
		return 1
	}
	if e.RateLimit > 0 {
		// More would only wait for a rate slot.
		return min(d.EndpointConcurrency, e.RateBurst())
	}
	return d.EndpointConcurrency
}

// perRequest is how many deliveries one request to e carries at most. A
// ping carries every ping delivery of its endpoint queued (see sender);
// MaxEventsPerRequestLimit sizes its claims.
func perRequest(e *hookd.Endpoint) int {
	if e.Mode == hookd.ModePing {
		return hookd.MaxEventsPerRequestLimit
	}
	return max(1, e.MaxEventsPerRequest)
}

// sender sends the queued jobs of one endpoint until none are left.
func (d *Dispatcher) sender(ctx context.Context, endpointID string) {
	defer d.sendersWG.Done()
	for {
		d.mu.Lock()
		q := d.endpoints[endpointID]
		if len(q.jobs) == 0 {
			q.senders--
			if q.senders == 0 {
				delete(d.endpoints, endpointID)
			}
			next := d.fifo[endpointID] && q.disabledReason == ""
			if next {
				d.markDue(endpointID) // its next deliveries in order
			}
			d.mu.Unlock()
			if next {
				d.signal()
			}
			return
		}
		ep := q.jobs[0].endpoint
		if wait := batchWait(q, ep); wait > 0 && ctx.Err() == nil && q.disabledReason == "" {
			// The batching window: wait for a full request, or for the
			// window of the oldest job queued to end.
			if q.filling == nil {
				q.filling = make(chan struct{})
			}
			filling := q.filling
			d.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-filling:
			case <-ctx.Done():
			}
			t.Stop()
			continue
		}
		n := min(len(q.jobs), perRequest(ep))
		if ep.Mode == hookd.ModePing {
			n = len(q.jobs) // one notice settles them all
		}
		jobs := q.jobs[:n:n]
		q.jobs = q.jobs[n:]
		disabled := q.disabledReason
		d.mu.Unlock()

		var results []result
		switch {
		case disabled != "" || ctx.Err() != nil:
			results = d.unsent(jobs, disabled != "")
		case ep.Mode == hookd.ModePull:
			results = d.settled(jobs)
		case ep.FIFO():
			d.sendFIFO(ctx, q, jobs)
			continue // recorded
		default:
			if ep.Mode == hookd.ModePing {
				d.pacePing(ctx, ep)
			}
			// Within the endpoint's rate limit and pause (ratelimit.go).
			var disable string
			results, disable = d.sendPaced(ctx, ep, jobs)
			if disable != "" {
				d.mu.Lock()
				q.disabledReason = disable
				d.mu.Unlock()
			}
		}
		d.results <- results
	}
}

// batchWait is how long a sender of q's endpoint ep should still wait for
// its next request to fill: the rest of ep's batching window since the
// oldest job queued, while the queue holds less than a full request of a
// full-mode endpoint sending several events per request; else 0. The
// window is waited in real time, like a ping's pacing: it is a latency
// knob, not a schedule. Call it with d.mu held.
func batchWait(q *endpointQueue, ep *hookd.Endpoint) time.Duration {
	if ep.BatchWindow <= 0 || ep.Mode != hookd.ModeFull || ep.MaxEventsPerRequest <= 1 || len(q.jobs) >= ep.MaxEventsPerRequest {
		return 0
	}
	return time.Until(q.jobs[0].queued.Add(min(ep.BatchWindow, hookd.MaxBatchWindow)))
}

// pacePing waits, unless ctx ends first, until PingInterval has passed
// since ping endpoint ep's last attempt (see PingInterval). The wait is
// measured on the Clock but waited in real time, once: a clock that does
// not move (a test's) makes it wait the whole interval, never forever.
func (d *Dispatcher) pacePing(ctx context.Context, ep *hookd.Endpoint) {
	if d.PingInterval <= 0 || ep.LastTriggeredAt == nil {
		return
	}
	since := d.Clock.Now().Sub(*ep.LastTriggeredAt)
	if since >= d.PingInterval || since < 0 {
		return
	}
	t := time.NewTimer(d.PingInterval - since)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// unsent returns results for jobs not sent: what the retry policy says
// when their endpoint was disabled (held), else (shutting down) pending
// again at once.
func (d *Dispatcher) unsent(jobs []*job, disabled bool) []result {
	now := d.Clock.Now()
	rs := make([]result, len(jobs))
	for i, j := range jobs {
		state := hookd.DeliveryPending
		if disabled {
			state = d.Retry.Outcome(hookd.AttemptResult{DeliveryID: j.delivery.ID, EndpointDisabled: true}, now).State
		}
		rs[i] = result{DeliveryResult: hookd.DeliveryResult{DeliveryID: j.delivery.ID, State: state, RunAt: now}}
	}
	return rs
}

// settled returns results for jobs of a pull endpoint, which is never sent
// anything: succeeded at once, without a request or an attempt. Such a job
// is a ping delivery that waited while the endpoint's mode changed from
// ping to pull (or an older one, stored before pings were consolidated):
// its payloads are kept to be listed, which is how a pull endpoint
// receives them, so nothing is owed.
func (d *Dispatcher) settled(jobs []*job) []result {
	now := d.Clock.Now()
	rs := make([]result, len(jobs))
	for i, j := range jobs {
		rs[i] = result{DeliveryResult: hookd.DeliveryResult{DeliveryID: j.delivery.ID, State: hookd.DeliverySucceeded, RunAt: now}}
	}
	return rs
}

// result is a delivery's outcome on its way to the store.
type result struct {
	hookd.DeliveryResult
	// disable, when set, disables the attempt's endpoint with this reason.
	disable string
	// ping is set on the results of a ping notification.
	ping bool
}

// recordLoop stores results in batches until the results channel closes:
// what arrives within recordLinger of a batch's first result, up to
// recordBatch.
func (d *Dispatcher) recordLoop() {
	linger := time.NewTimer(recordLinger)
	defer linger.Stop()
	for first := range d.results {
		batch := first
		linger.Reset(recordLinger)
	more:
		for len(batch) < recordBatch {
			select {
			case rs, ok := <-d.results:
				if !ok {
					break more
				}
				batch = append(batch, rs...)
			case <-linger.C:
				break more
			}
		}
		d.record(batch)
	}
}

// record stores one batch of results. If the store fails the deliveries
// stay running and are sent again when their lease expires: delivery is at
// least once.
func (d *Dispatcher) record(results []result) { _ = d.recordErr(results) }

// recordErr is record, returning the store's error.
func (d *Dispatcher) recordErr(results []result) error {
	var endpoints []hookd.EndpointResult
	index := map[string]int{}
	plain := make([]hookd.DeliveryResult, len(results))
	for k, r := range results {
		plain[k] = r.DeliveryResult
		if r.Attempt == nil {
			continue
		}
		i, ok := index[r.Attempt.EndpointID]
		if !ok {
			i = len(endpoints)
			index[r.Attempt.EndpointID] = i
			endpoints = append(endpoints, hookd.EndpointResult{EndpointID: r.Attempt.EndpointID})
		}
		e := &endpoints[i]
		if r.Attempt.CreatedAt.After(e.TriggeredAt) {
			e.TriggeredAt = r.Attempt.CreatedAt
		}
		if r.disable != "" && e.DisableReason == "" {
			e.DisableReason = r.disable
		}
	}
	// A bounded, uncancellable context: results of a shutdown are still
	// stored.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := d.Store.RecordDeliveries(ctx, plain, endpoints)
	d.observeRecord(plain, endpoints, time.Since(start), err)
	if err != nil {
		d.Log.Error("record deliveries; they will be sent again when their lease expires", "deliveries", len(results), "err", err)
	}
	if d.AfterRecord != nil {
		d.AfterRecord(plain, err)
	}
	d.mu.Lock()
	d.inFlight -= len(results)
	for _, r := range results {
		delete(d.claimed, r.DeliveryID)
		if err == nil && r.ping && r.State == hookd.DeliverySucceeded && r.Attempt != nil {
			// The store may have queued the endpoint's next ping
			// (payloads came after the number announced): claim it now,
			// not at the next poll.
			d.markDue(r.Attempt.EndpointID)
		}
	}
	d.mu.Unlock()
	d.signal() // room for more
	return err
}
