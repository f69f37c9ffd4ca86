package hookd

import (
	"encoding/json"
	"time"
)

// PrefixEvent is the ID prefix of events.
const PrefixEvent = "evt"

// Limits of events.
const (
	// MaxEventDataBytes bounds an event's data: the API's body limit.
	MaxEventDataBytes = 1 << 20
	// MaxIdempotencyKeyLength bounds an Idempotency-Key.
	MaxIdempotencyKeyLength = 255
	// IdempotencyWindow is how long an Idempotency-Key answers with the
	// event it first created.
	IdempotencyWindow = 24 * time.Hour
)

// Event is one thing that happened in a tenant, published once and
// delivered to every endpoint subscribed to its type.
type Event struct {
	ID       string
	TenantID string
	// Type names a type of the tenant's catalog.
	Type string
	// Data is a JSON object valid against the type's schema.
	Data json.RawMessage
	// Timestamp is when the event happened, as receivers see it.
	Timestamp time.Time
	// IdempotencyKey is the publisher's key, or "".
	IdempotencyKey string
	CreatedAt      time.Time
	// RequestID is the ID of the API request that published the event
	// (see WithRequestID), or "".
	RequestID string
	// TraceParent is the W3C traceparent of the span that published the
	// event when tracing is on, or "": its deliveries' attempts join that
	// trace.
	TraceParent string
	// FanOutAfter is "" once every delivery of the event is stored. A
	// fan-out too large for one transaction is written in chunks, in
	// endpoint ID order; until it is finished, FanOutAfter is the ID of
	// the last endpoint whose delivery is stored, and the deliveries to
	// the subscribed endpoints after it are still to be written (see
	// EventStore.WriteFanOut). Stores set it only on the events that
	// ClaimFanOuts returns.
	FanOutAfter string
}

// FanOutLease is how long the writer of an unfinished fan-out owns it
// after writing its last chunk: when it has written nothing for this long
// (its process died), another takes the fan-out over and finishes it.
const FanOutLease = 30 * time.Second

// Publication is an event with its deliveries (one per subscribed endpoint),
// handed to a store method that writes them in the same transaction as the
// change the event tells of: the change and its event both happen or neither
// does.
type Publication struct {
	Event      *Event
	Deliveries []*Delivery
}
