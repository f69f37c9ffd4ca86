package hookd

import (
	"bytes"
	"encoding/json"
	"time"
)

// Operational events: hookd's own events about a tenant's webhooks
// (issue 14, item 6). They are built-in event types of every tenant's
// catalog, subscribed to like any other, and the same signals go, across
// tenants, to the operator's webhook URL.
//
// A change that calls for one (an endpoint disabled or enabled, a delivery
// that used up its retries, an endpoint whose success rate fell) writes an
// OperationalSignal in the same transaction as the change; a periodic job
// turns each signal into the tenant's event and the operator's request.
//
// They never loop: a delivery of an operational event that fails for good
// makes no delivery.exhausted, and an operational event about an endpoint
// is never delivered to that endpoint (OperationalSubject).

// The names of the operational event types.
const (
	EventEndpointDisabled  = "endpoint.disabled"
	EventEndpointEnabled   = "endpoint.enabled"
	EventEndpointFailing   = "endpoint.failing"
	EventDeliveryExhausted = "delivery.exhausted"
)

// PrefixSignal is the ID prefix of operational signals.
const PrefixSignal = "sig"

// The causes of endpoint.disabled.
const (
	DisabledCauseFailures = "failed_deliveries" // a delivery used up its retries
	DisabledCauseGone     = "gone"              // the receiver answered 410 Gone
	DisabledCauseUser     = "user"              // disabled through the API or the console
)

// IsOperationalEventType reports whether name is one of the operational
// event types.
func IsOperationalEventType(name string) bool {
	switch name {
	case EventEndpointDisabled, EventEndpointEnabled, EventEndpointFailing, EventDeliveryExhausted:
		return true
	}
	return false
}

// OperationalSignal is one operational event waiting to be sent: to the
// tenant (as an event of Type, published once) and to the operator's
// webhook URL (if one is set, retried until it answers 2xx or
// OperatorGiveUp has passed).
type OperationalSignal struct {
	ID       string
	TenantID string
	Type     string
	// EndpointID is the endpoint the signal is about: its event is never
	// delivered there.
	EndpointID string
	// Data is the event's data, as the type's schema says.
	Data      json.RawMessage
	CreatedAt time.Time
	// Published is true once the tenant's event is stored.
	Published bool
	// OperatorDone is true once the operator's URL accepted the signal,
	// or it was given up, or no operator URL is set.
	OperatorDone bool
	// OperatorAttempts counts the requests sent to the operator's URL.
	OperatorAttempts int
	// OperatorError is why the last request to the operator failed.
	OperatorError string
	// NextAt is when the signal is next due to be worked on.
	NextAt time.Time
}

// Done reports whether nothing is left to do with s.
func (s *OperationalSignal) Done() bool { return s.Published && s.OperatorDone }

// OperatorGiveUp is how long hookd keeps trying to send a signal to the
// operator's webhook URL.
const OperatorGiveUp = 24 * time.Hour

// OperatorRetry returns the wait after the operator's URL failed attempt
// number n (1 for the first) of a signal: 5 s doubling each time, at most
// one hour.
func OperatorRetry(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// OperationalEndpoint is the endpoint an operational event is about.
type OperationalEndpoint struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// URL is as configured: a verification key placeholder is left as it
	// is.
	URL string `json:"url"`
}

// EndpointDisabledData is the data of endpoint.disabled.
type EndpointDisabledData struct {
	Endpoint   OperationalEndpoint `json:"endpoint"`
	Reason     string              `json:"reason"`
	Cause      string              `json:"cause"`
	DisabledAt time.Time           `json:"disabled_at"`
}

// EndpointEnabledData is the data of endpoint.enabled.
type EndpointEnabledData struct {
	Endpoint  OperationalEndpoint `json:"endpoint"`
	EnabledAt time.Time           `json:"enabled_at"`
}

// DeliveryExhaustedData is the data of delivery.exhausted.
type DeliveryExhaustedData struct {
	Endpoint OperationalEndpoint `json:"endpoint"`
	Delivery ExhaustedDelivery   `json:"delivery"`
}

// ExhaustedDelivery is the delivery of delivery.exhausted.
type ExhaustedDelivery struct {
	ID            string    `json:"id"`
	EventID       string    `json:"event_id"`
	EventType     string    `json:"event_type"`
	Attempts      int       `json:"attempts"`
	LastStatus    int       `json:"last_status"`
	LastError     string    `json:"last_error"`
	LastAttemptAt time.Time `json:"last_attempt_at"`
}

// EndpointFailingData is the data of endpoint.failing.
type EndpointFailingData struct {
	Endpoint OperationalEndpoint `json:"endpoint"`
	// SuccessRate is Succeeded / Attempts, from 0 to 1.
	SuccessRate   float64   `json:"success_rate"`
	Attempts      int       `json:"attempts"`
	Succeeded     int       `json:"succeeded"`
	WindowSeconds int       `json:"window_seconds"`
	Threshold     float64   `json:"threshold"`
	MinAttempts   int       `json:"min_attempts"`
	DetectedAt    time.Time `json:"detected_at"`
}

// NewOperationalSignal returns a new signal of type typ about endpoint
// endpointID of tenantID, with data, due at once.
func NewOperationalSignal(tenantID, typ, endpointID string, data any, at time.Time) (*OperationalSignal, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return &OperationalSignal{ID: NewID(PrefixSignal), TenantID: tenantID, Type: typ, EndpointID: endpointID,
		Data: b, CreatedAt: at, NextAt: at}, nil
}

// DisabledCause returns the cause of endpoint.disabled for a disable reason
// set by the delivery rules (RetryPolicy.Outcome).
func DisabledCause(reason string) string {
	switch reason {
	case GoneReason:
		return DisabledCauseGone
	case DisabledByUser:
		return DisabledCauseUser
	}
	return DisabledCauseFailures
}

// OperationalSubject returns the ID of the endpoint an operational event
// is about (its data's endpoint.id), or "" for any other event. That
// endpoint never receives the event: a failing endpoint does not hear
// about itself, which could only fail again.
func OperationalSubject(e *Event) string {
	if !IsOperationalEventType(e.Type) || !bytes.Contains(e.Data, []byte(`"endpoint"`)) {
		return ""
	}
	var d struct {
		Endpoint struct {
			ID string `json:"id"`
		} `json:"endpoint"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return ""
	}
	return d.Endpoint.ID
}

// Defaults of FailingPolicy.
const (
	DefaultFailingThreshold   = 0.5
	DefaultFailingWindow      = 15 * time.Minute
	DefaultFailingMinAttempts = 10
)

// FailingPolicy says when an endpoint is failing (endpoint.failing): its
// share of attempts answered 2xx over the last Window is under Threshold,
// out of at least MinAttempts attempts. A failing endpoint has recovered
// once that share is at least Threshold again (out of any number of
// attempts), or it made no attempt in the window; only then can
// endpoint.failing be sent about it again. The zero value takes the
// defaults; a negative Threshold turns the check off.
type FailingPolicy struct {
	Threshold   float64
	Window      time.Duration
	MinAttempts int
}

// WithDefaults returns p with its zero fields set to the defaults.
func (p FailingPolicy) WithDefaults() FailingPolicy {
	if p.Threshold == 0 {
		p.Threshold = DefaultFailingThreshold
	}
	if p.Window <= 0 {
		p.Window = DefaultFailingWindow
	}
	if p.MinAttempts <= 0 {
		p.MinAttempts = DefaultFailingMinAttempts
	}
	return p
}

// AttemptCounts are an endpoint's attempts over a window.
type AttemptCounts struct {
	EndpointID string
	Attempts   int
	// Succeeded are those answered with 2xx.
	Succeeded int
}

// Rate returns Succeeded / Attempts (1 without attempts).
func (c AttemptCounts) Rate() float64 {
	if c.Attempts == 0 {
		return 1
	}
	return float64(c.Succeeded) / float64(c.Attempts)
}

// Failing reports whether c makes its endpoint failing under p (which has
// its defaults).
func (p FailingPolicy) Failing(c AttemptCounts) bool {
	return p.Threshold > 0 && c.Attempts >= p.MinAttempts && c.Rate() < p.Threshold
}

// Recovered reports whether a failing endpoint with counts c has
// recovered under p.
func (p FailingPolicy) Recovered(c AttemptCounts) bool {
	return c.Attempts == 0 || c.Rate() >= p.Threshold
}
