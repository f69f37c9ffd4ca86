// Package dispatch delivers webhooks: it takes due deliveries from the
// store, sends each as a signed HTTP request to its endpoint, records the
// attempt and decides what comes next. It knows the store's interfaces
// (hookd.DeliveryStore, and the cursor of a ping endpoint's payloads),
// never SQL.
//
// # The queue
//
// The deliveries table is the queue, and the same rows are the history
// tenants read: a delivery is pending (due at RunAt), running (claimed by a
// worker until LeaseUntil), succeeded, failed or held (its endpoint is
// disabled). There is no second copy of the queue in memory or elsewhere.
//
// # One Dispatcher
//
// A Dispatcher's Run loop is short and does named steps, sleeping between
// rounds until woken (Wake) or until the next delivery is due, at most
// PollInterval:
//
//   - find the endpoints that may have due deliveries (DueEndpoints, or
//     the ones named by Wake);
//   - claim, per endpoint, up to the room left in that endpoint's backlog
//     (ClaimEndpointDeliveries), under a lease;
//   - load the claimed deliveries' events and endpoints and open the
//     endpoints' sealed keys and headers (Keys);
//   - queue each job on its endpoint; start senders up to the endpoint's
//     limit;
//   - every Lease/3, renew the leases of everything held (ExtendLeases).
//
// Expired leases of dead workers are returned to pending by SweepLeases
// (ReleaseExpiredLeases), which serve runs as a scheduled job once per
// period across all instances, not by each Run loop.
//
// A publisher in the same process can skip the store round trip: Reserve,
// then Take, hands its new deliveries to the workers already claimed.
//
// # Isolation
//
// Requests in flight are bounded overall (Concurrency, a semaphore) and per
// endpoint (EndpointConcurrency senders), and an endpoint's backlog of
// claimed jobs is bounded too, so a slow or dead endpoint holds only its
// own share of workers and claims: the others are not delayed
// (TestSlowEndpointDoesNotDelayOthers).
//
// # Rate limits and pauses
//
// An endpoint with a rate limit (hookd.Endpoint.RateLimit) has
// RateLimitBurst slots in the store, shared by every instance
// (hookd.EndpointRateStore). A sender takes a free slot before it takes a
// worker, waiting (in real time, polling at most every cool-down) while
// none is free, holds it while its request is in flight and releases it
// busy for the cool-down after the request ended (ratelimit.go): any
// second then holds at most RateLimit arrivals at the receiver. Waiting
// jobs stay claimed, leases renewed; they are neither failed nor retried.
// A 429 or 503 with Retry-After pauses its endpoint (PauseEndpoint): the
// claims skip it and its senders here put its queued jobs back, due when
// the pause ends, without an attempt.
//
// # Sending and recording
//
// A sender renders one request (one event, a batch of up to
// MaxEventsPerRequest, or a ping notice (see Pings); JSON or XML), signs it per
// Standard Webhooks (SetSignatureHeaders) and sends it through Client, which
// refuses private and metadata addresses at connect time and never follows
// redirects. What the answer does (succeeded, retry at a time, failed and
// endpoint disabled, held) is decided by one pure rule beside the retry
// schedule, hookd.RetryPolicy.Outcome. The attempt is stored with the
// endpoint's secrets masked (hookd.MaskSecret).
//
// # Pings
//
// A ping or pull endpoint (hookd/pull.go) is not sent its events: they
// are kept as numbered payloads the receiver lists. A ping endpoint has at
// most one ping delivery waiting or in flight, kept by the store; the
// dispatcher renders it from the endpoint's cursor read when it is sent
// (Store.PullCursor, one query per ping), so it announces every payload
// numbered by then, and reports the number it announced
// (DeliveryResult.PingTransaction). Its endpoint gets one sender, so one
// ping request at a time; ping deliveries of one endpoint claimed together
// (rows from before pings were consolidated, a resend) go as ONE request
// and are recorded alike. After a successful ping the store may queue the
// next (payloads came after the number announced): the recorder marks the
// endpoint due so it is claimed at once. Pings are paced (PingInterval,
// from the endpoint's last attempt): a quiet endpoint's ping goes at once,
// a busy one's about once a second, which turns a burst of events into a
// handful of pings. A delivery to a pull endpoint (its mode changed while a
// ping waited) is settled as succeeded without a request.
//
// Results go to one recorder, which stores them in batches of up to 512 in
// one transaction (RecordDeliveries): a delivery moves on only while it is
// still running, so a result that comes after its lease expired never
// undoes another worker's. A crash between sending and recording sends the
// delivery again when its lease expires: delivery is at least once.
//
// # Several instances
//
// Claims lock rows with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite has
// one writer), so Dispatchers in several processes sharing a database never
// claim the same delivery (storetest's ConcurrentClaimersNeverShare), and
// rows are updated in ID order so recorders never deadlock.
//
// Pruner deletes history older than the retention period in small batches.
package dispatch
