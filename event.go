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
}

// Publication is an event with its deliveries (one per subscribed endpoint),
// handed to a store method that writes them in the same transaction as the
// change the event tells of: the change and its event both happen or neither
// does.
type Publication struct {
	Event      *Event
	Deliveries []*Delivery
}
