package hookd

import (
	"context"
	"time"
)

// PrefixReplay starts the ID of a bulk replay.
const PrefixReplay = "rpl"

// ReplayFilter picks the deliveries a bulk replay sends again: those of
// the tenant matching every condition set (zero values match all).
type ReplayFilter struct {
	EndpointID string
	EventType  string
	State      DeliveryState
	// Since and Until bound the delivery's creation: Since <= created_at
	// < Until.
	Since, Until time.Time
	// Status, when not nil, is the last attempt's response status; 0 for
	// attempts that got no answer (connection refused, timeout).
	Status *int
	// StatusClass, 1 to 5 when set, is the hundreds of the last attempt's
	// status (5 for 5xx).
	StatusClass int
}

// Validate returns the problems of f at body.filter.…, given now.
func (f ReplayFilter) Validate(now time.Time) []FieldError {
	var fields []FieldError
	switch f.State {
	case "", DeliveryPending, DeliverySucceeded, DeliveryFailed, DeliveryHeld:
	default:
		fields = append(fields, FieldError{Location: "body.filter.state", Message: "must be pending, succeeded, failed or held (a running delivery is being sent)"})
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		fields = append(fields, FieldError{Location: "body.filter.until", Message: "must be after since"})
	}
	if f.Since.After(now) {
		fields = append(fields, FieldError{Location: "body.filter.since", Message: "must not be in the future"})
	}
	if f.Status != nil && (*f.Status < 0 || *f.Status > 599) {
		fields = append(fields, FieldError{Location: "body.filter.status", Message: "must be an HTTP status (100 to 599), or 0 for attempts that got no answer"})
	}
	if f.StatusClass < 0 || f.StatusClass > 5 {
		fields = append(fields, FieldError{Location: "body.filter.status_class", Message: "must be 1xx, 2xx, 3xx, 4xx or 5xx"})
	}
	return fields
}

// ReplayState is where a bulk replay stands.
type ReplayState string

// Replay states.
const (
	ReplayRunning   ReplayState = "running"
	ReplayDone      ReplayState = "done"
	ReplayCancelled ReplayState = "cancelled"
)

// Replay is a bulk replay: a background job that sends again, in batches,
// every delivery of a tenant matching a filter that was created by the time
// replay started. Each is resent as ResendDelivery does (due at once, in a
// new round of retries; held while its endpoint is disabled) and goes out
// through the normal delivery path, under its endpoint's limits.
type Replay struct {
	ID       string
	TenantID string
	Filter   ReplayFilter
	State    ReplayState
	// Before bounds the deliveries replayed: those created at or before it (the
	// replay's start), so that what it resends is never matched again.
	Before time.Time
	// Total is how many matched when the replay started; Resent how many
	// it has sent again so far; Skipped how many it passed over (being
	// sent at that moment, or gone).
	Total, Resent, Skipped int
	// AfterCreatedAt and AfterID are the creation time and ID of the last
	// delivery handled: the replay goes on after it, in that order.
	AfterCreatedAt time.Time
	AfterID        string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
}

// ReplayStore keeps bulk replays and runs their batches.
type ReplayStore interface {
	// CountReplayable returns how many deliveries of the tenant created
	// at or before before match f, and up to sample of them, oldest first.
	CountReplayable(ctx context.Context, tenantID string, f ReplayFilter, before time.Time, sample int) (int, []*Delivery, error)
	// CreateReplay stores a new replay.
	CreateReplay(ctx context.Context, r *Replay) error
	// Replay returns a replay of the tenant. Returns ENOTFOUND.
	Replay(ctx context.Context, tenantID, id string) (*Replay, error)
	// ListReplays returns the tenant's replays, newest first unless p
	// sorts otherwise (created_at).
	ListReplays(ctx context.Context, tenantID string, p ListParams) (Page[*Replay], error)
	// CancelReplay stops a running replay; one that ended stays as it
	// is. Returns ENOTFOUND.
	CancelReplay(ctx context.Context, tenantID, id string, now time.Time) (*Replay, error)
	// RunningReplays returns up to limit running replays of any tenant,
	// least recently advanced first.
	RunningReplays(ctx context.Context, limit int) ([]*Replay, error)
	// AdvanceReplay resends, in one transaction, up to limit deliveries
	// of a running replay after its progress (in creation order), skipping those
	// being sent, moves its progress on, and marks it done when none are
	// left; it returns the deliveries resent. A replay cancelled meanwhile
	// is left alone (nothing resent).
	AdvanceReplay(ctx context.Context, r *Replay, limit int, now time.Time) ([]*Delivery, error)
}

// StatusClassOf parses "5xx" (or "5XX") as 5; ok is false for anything
// else.
func StatusClassOf(s string) (int, bool) {
	if len(s) != 3 || (s[1:] != "xx" && s[1:] != "XX") || s[0] < '1' || s[0] > '5' {
		return 0, false
	}
	return int(s[0] - '0'), true
}
