package hookd

import (
	"context"
	"time"
)

// MaxRequestIDLength bounds a request ID taken from a client's
// X-Request-Id header; a longer one is replaced by a new ID.
const MaxRequestIDLength = 128

type requestIDKey struct{}

// WithRequestID returns ctx carrying the ID of the API request being
// served, which events published in it keep (Event.RequestID) and log
// lines written with it show.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// ValidRequestID reports whether id may serve as a request ID as a client
// sent it: 1 to MaxRequestIDLength characters among letters, digits and
// - _ . : / + = (enough for UUIDs, trace IDs and the IDs of common
// proxies, and nothing that could forge a log line or a header).
func ValidRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}

// PublishObserver is told of every event published through the API, for
// metrics and traces. Its methods must be safe for concurrent use.
type PublishObserver interface {
	// StartPublish is called when publishing an event of eventType for a
	// tenant begins. It returns the context to publish in, the W3C
	// traceparent of the publication to store with the event ("" when it
	// is not traced), and a function to call once publishing ended, with
	// the event (nil on error), the deliveries stored, whether the
	// idempotency key replayed an earlier event, and the error.
	StartPublish(ctx context.Context, tenantID, eventType string) (context.Context, string, func(e *Event, deliveries int, replayed bool, err error))
}

// DeliveryAttempt is one request that delivery workers send to an
// endpoint, carrying one or more deliveries, as a DeliveryObserver sees
// it: the fields above Status are set when it starts, the others when
// it ended.
type DeliveryAttempt struct {
	Endpoint *Endpoint
	// Deliveries are those the request carries, as claimed: Attempts
	// counts the attempts before this one. Events[i] is Deliveries[i]'s.
	Deliveries []*Delivery
	Events     []*Event
	// SetHeader sets a header of the request before it is sent (a
	// tracer's traceparent).
	SetHeader func(name, value string)

	// Status is the HTTP status answered, 0 when none came.
	Status   int
	Duration time.Duration
	// Error says why no acceptable answer came, as the attempt keeps it;
	// "" after any answer.
	Error string
	// Results are the deliveries' outcomes, in the order of Deliveries.
	Results []DeliveryResult
}

// RecordedDeliveries is one batch of delivery results that delivery
// workers stored (Err nil) or failed to store.
type RecordedDeliveries struct {
	Results []DeliveryResult
	// Endpoints say what the batch did to the endpoints attempted: a
	// DisableReason disabled one.
	Endpoints []EndpointResult
	Duration  time.Duration
	Err       error
}

// DeliveryObserver is told what delivery workers do, for metrics, traces
// and logs. Its methods must be safe for concurrent use and quick: they
// run on the delivery path.
type DeliveryObserver interface {
	// ClaimedDeliveries is called with the size of each claim of due
	// deliveries from the store (0 for a claim that found none).
	ClaimedDeliveries(n int)
	// StartAttempt is called before a request is sent; it returns the
	// context to send it in and a function to call once a's outcome is
	// set.
	StartAttempt(ctx context.Context, a *DeliveryAttempt) (context.Context, func())
	// RecordedDeliveries is called once a batch of results is stored, or
	// failed to be.
	RecordedDeliveries(r RecordedDeliveries)
}

// QueueStats are the delivery queue and the endpoints as counted at one
// moment (see QueueStatsStore).
type QueueStats struct {
	// Due are pending deliveries whose time has come; Scheduled, pending
	// ones due later (retries); Held wait for a disabled endpoint; Leased
	// are claimed by a worker.
	Due, Scheduled, Held, Leased int64
	// OldestDue is the time the oldest due delivery was due; zero when
	// none is.
	OldestDue time.Time
	// EndpointsEnabled and EndpointsDisabled count the endpoints of every
	// tenant.
	EndpointsEnabled, EndpointsDisabled int64
}

// QueueStatsStore counts the delivery queue for metrics.
type QueueStatsStore interface {
	// QueueStats counts the queue as of now with a few indexed queries.
	QueueStats(ctx context.Context, now time.Time) (QueueStats, error)
}
