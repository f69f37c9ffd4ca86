package hookd

import (
	"context"
	"time"
)

// RateSlot is the answer of EndpointRateStore.TakeRateSlot: a slot taken,
// or when none is free, when the earliest busy one frees.
type RateSlot struct {
	// Taken is true when Slot is now held by the caller.
	Taken bool
	Slot  int
	// FreeAt, when no slot was taken, is the earliest time a slot of the
	// endpoint frees (it may already have passed: a slot another caller
	// is taking at the same moment). Zero when Taken.
	FreeAt time.Time
}

// EndpointRateStore keeps the rate slots of endpoints with a rate limit
// (Endpoint.RateLimit, RateCoolDown) and their pauses, shared by every
// instance using the store. A slot is busy until a time: while a request
// that took it is in flight (until a hold that frees the slot of an
// instance that died), then for the cool-down after the request ended.
type EndpointRateStore interface {
	// TakeRateSlot takes a slot among the endpoint's first slots that is
	// free at now (busy until now at the latest), marking it busy until
	// holdUntil, and returns it; or returns when the earliest of them
	// frees. Callers racing, in this process or another, never take the
	// same slot. The slots are made on first use; slots numbered slots or
	// more (of a larger burst before) are ignored.
	TakeRateSlot(ctx context.Context, endpointID string, slots int, now, holdUntil time.Time) (RateSlot, error)
	// ReleaseRateSlot makes a slot taken (or last moved) with busy until
	// held busy until busyUntil instead: the end of the request plus the
	// cool-down, or a longer hold. It returns false, changing nothing,
	// when the slot is no longer busy until held: its hold ran out and
	// another caller took it.
	ReleaseRateSlot(ctx context.Context, endpointID string, slot int, held, busyUntil time.Time) (bool, error)
	// PauseEndpoint keeps the endpoint's deliveries from being claimed
	// until until (a later pause already set stays): its receiver asked
	// to be left alone (429 or 503 with Retry-After).
	PauseEndpoint(ctx context.Context, endpointID string, until time.Time) error
}
