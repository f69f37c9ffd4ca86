package hookd

import (
	"context"
	"time"
)

// Pull delivery. An endpoint in ping or pull mode (EndpointMode.Pulls) is
// not sent its events: each event it subscribes to is kept as a Payload
// with a transaction number, and the receiver lists them
// (GET /api/v1/endpoints/{id}/payloads?after=…). A ping endpoint is also
// notified, with one short signed request naming the highest number, that
// there is something to list; a pull endpoint never is.
//
// Transaction numbers are per endpoint, 1, 2, 3, … without gaps, never
// reused. The store takes the next number by updating a counter on the
// endpoint's row in the same transaction that stores the payload, as the
// last step before commit: the row lock is held until the commit, so a
// number is taken only after every smaller one has committed (or rolled
// back, giving its number back). A receiver that lists with after=<the
// last number it saw> therefore never misses a payload, whatever the
// number of publishers and instances.
//
// Notifications are consolidated: an endpoint has at most one ping
// delivery waiting or in flight (Endpoint.PingDeliveryID). A payload
// stored while there is one is covered by it (the ping announces the
// highest number when it is sent); when a ping succeeds and payloads came
// after the number it announced, the store queues the next ping at once.
// Pings are ordinary deliveries: retried on the normal schedule, then the
// endpoint is disabled (notifications stop, payloads keep being stored).

// ModePull keeps payloads for the receiver to list and sends nothing.
const ModePull EndpointMode = "pull"

// Pulls reports whether endpoints of the mode keep their events as
// numbered payloads to be listed (ping and pull).
func (m EndpointMode) Pulls() bool { return m == ModePing || m == ModePull }

// Limits and defaults of pulling.
const (
	DefaultPayloadsLimit = 100
	MaxPayloadsLimit     = 1000
	// MaxPullWait is the longest a list-payloads call may wait for a
	// payload (the wait parameter).
	MaxPullWait = 30 * time.Second
	// DefaultPullInactiveAfter is how long an endpoint whose payloads are
	// not listed stays active; then its notifications stop (inactive).
	DefaultPullInactiveAfter = 7 * 24 * time.Hour
	// DefaultPullDeleteAfter is how long an endpoint stays inactive before
	// it is deleted with its payloads.
	DefaultPullDeleteAfter = 7 * 24 * time.Hour
	// InactiveReason is the DisabledReason of an endpoint made inactive.
	InactiveReason = "inactive: its payloads were not listed for 7 days; list them to enable it again"
)

// Payload is one event kept for a ping or pull endpoint.
type Payload struct {
	EndpointID  string
	TenantID    string
	Transaction int64
	EventID     string
	// Event is the event itself, filled in by Payloads.
	Event     *Event
	CreatedAt time.Time
}

// PullDelivery marks a delivery the app builds for an endpoint whose mode
// Pulls. The store does not store such a delivery as it is: it stores the
// event as a payload of the endpoint with the next transaction number
// (set in Transaction), and stores the delivery only when it becomes the
// endpoint's ping notification (Notify set and no ping waiting or in
// flight): then it sets Ping. A held delivery (disabled endpoint) becomes
// a held ping.
type PullDelivery struct {
	// Notify is set for a ping endpoint, not for a pull endpoint.
	Notify bool
	// Transaction is the payload's number, set by the store.
	Transaction int64
	// Ping is set by the store when the delivery was stored as the
	// endpoint's ping notification.
	Ping bool
}

// Stored reports whether d was stored as a delivery: every delivery but
// a pull payload that did not become a ping (see PullDelivery). Call it
// after the store has written d.
func (d *Delivery) Stored() bool { return d.Pull == nil || d.Pull.Ping }

// PullCursor is where an endpoint's payloads stand.
type PullCursor struct {
	// LastTransaction is the highest number given to a payload so far
	// (0 for none).
	LastTransaction int64
	// Notified is the highest number a successful ping announced.
	Notified int64
	// Pulled is the highest number a list-payloads call returned.
	Pulled int64
	// Pending is LastTransaction - Pulled: the payloads numbered after the
	// last one listed (numbers have no gaps; a payload older than the
	// retention period may have been deleted meanwhile).
	Pending int64
}

// Cursor returns where the endpoint's payloads stood when it was read.
func (e *Endpoint) Cursor() PullCursor {
	return PullCursor{
		LastTransaction: e.LastTransaction,
		Notified:        e.NotifiedTransaction,
		Pulled:          e.PulledTransaction,
		Pending:         max(e.LastTransaction-e.PulledTransaction, 0),
	}
}

// PullLifecycle is the inactivity lifecycle of ping and pull endpoints
// (instance settings).
type PullLifecycle struct {
	// InactiveAfter is how long after the last list-payloads call (or
	// creation, or enabling) an endpoint turns inactive.
	InactiveAfter time.Duration
	// DeleteAfter is how long an inactive endpoint waits to be deleted.
	DeleteAfter time.Duration
}

// WithDefaults returns l with zero periods replaced by the defaults.
func (l PullLifecycle) WithDefaults() PullLifecycle {
	if l.InactiveAfter <= 0 {
		l.InactiveAfter = DefaultPullInactiveAfter
	}
	if l.DeleteAfter <= 0 {
		l.DeleteAfter = DefaultPullDeleteAfter
	}
	return l
}

// ActiveSince returns when the endpoint's inactivity timer started: the
// last of its creation, its last list-payloads call and its last enabling.
func (e *Endpoint) ActiveSince() time.Time {
	if e.PullActiveSince != nil {
		return *e.PullActiveSince
	}
	return e.CreatedAt
}

// InactiveBy returns when an active ping or pull endpoint turns inactive
// unless its payloads are listed before; nil for other endpoints and for
// one already inactive.
func (e *Endpoint) InactiveBy(l PullLifecycle) *time.Time {
	if !e.Mode.Pulls() || e.InactiveAt != nil {
		return nil
	}
	t := e.ActiveSince().Add(l.WithDefaults().InactiveAfter)
	return &t
}

// DeletedBy returns when a ping or pull endpoint will be deleted unless
// its payloads are listed before: DeleteAfter after it turned (or will
// turn) inactive; nil for other endpoints.
func (e *Endpoint) DeletedBy(l PullLifecycle) *time.Time {
	if !e.Mode.Pulls() {
		return nil
	}
	l = l.WithDefaults()
	var t time.Time
	if e.InactiveAt != nil {
		t = e.InactiveAt.Add(l.DeleteAfter)
	} else {
		t = e.ActiveSince().Add(l.InactiveAfter + l.DeleteAfter)
	}
	return &t
}

// AuditEntry is one thing hookd did on its own that an operator may need
// to account for, such as deleting an inactive endpoint.
type AuditEntry struct {
	ID       string
	TenantID string
	// Action names what happened, such as "endpoint.deleted".
	Action string
	// Subject is the ID of what it happened to.
	Subject string
	// Detail says why, for people.
	Detail    string
	CreatedAt time.Time
}

// PrefixAudit is the ID prefix of audit entries.
const PrefixAudit = "aud"

// AuditEndpointDeleted is the action of an endpoint deleted by the
// inactivity lifecycle.
const AuditEndpointDeleted = "endpoint.deleted"

// PullStore keeps the payloads of ping and pull endpoints. Publishing
// writes them (see PullDelivery); these are the rest.
type PullStore interface {
	// Payloads returns up to limit payloads of the tenant's endpoint
	// numbered after after, lowest first, with their events. ENOTFOUND
	// when the tenant has no such endpoint.
	Payloads(ctx context.Context, tenantID, endpointID string, after int64, limit int) ([]*Payload, error)
	// PullCursor returns where the endpoint's payloads stand. ENOTFOUND
	// when there is no such endpoint.
	PullCursor(ctx context.Context, endpointID string) (PullCursor, error)
	// RecordPull notes a list-payloads call at now that returned payloads
	// up to through (0 for none): LastPulledAt and PullActiveSince become
	// now, Pulled rises to through. An inactive endpoint is enabled again
	// (InactiveAt cleared, its held ping released, or a ping queued if
	// payloads were not announced); reactivated says so. ENOTFOUND when
	// the tenant has no such endpoint.
	RecordPull(ctx context.Context, tenantID, endpointID string, through int64, now time.Time) (reactivated bool, err error)
	// RequestPing queues a ping notification of the ping endpoint, due at
	// now, unless one is waiting or in flight or every payload was
	// announced already; it reports whether it queued one. Enabling an
	// endpoint calls it, after releasing held deliveries.
	RequestPing(ctx context.Context, endpointID string, now time.Time) (bool, error)
	// DeactivatePullEndpoints makes up to limit enabled or disabled ping
	// and pull endpoints that are not inactive and whose ActiveSince is
	// before activeBefore inactive at now: InactiveAt and DisabledAt now,
	// Enabled false, DisabledReason InactiveReason, their waiting pings
	// held. It returns them.
	DeactivatePullEndpoints(ctx context.Context, activeBefore, now time.Time, limit int) ([]*Endpoint, error)
	// DeleteInactiveEndpoints deletes up to limit endpoints inactive since
	// before inactiveBefore, with their payloads and deliveries, and
	// writes an AuditEntry (AuditEndpointDeleted) for each in the same
	// transaction. It returns the deleted endpoints.
	DeleteInactiveEndpoints(ctx context.Context, inactiveBefore, now time.Time, limit int) ([]*Endpoint, error)
	// ListAuditEntries lists audit entries of every tenant, newest first.
	ListAuditEntries(ctx context.Context, p ListParams) (Page[*AuditEntry], error)
}
