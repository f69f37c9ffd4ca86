package hookd

import "time"

// ID prefixes of deliveries and attempts.
const (
	PrefixDelivery = "dlv"
	PrefixAttempt  = "att"
)

// Defaults of delivery history.
const (
	// DefaultRetention is how long events, deliveries and attempts are
	// kept once nothing waits on them.
	DefaultRetention = 30 * 24 * time.Hour
	// MaxStoredBody bounds the request and response bodies an attempt
	// keeps; longer ones are cut.
	MaxStoredBody = 64 << 10
)

// DeliveryState is where a delivery is in its life.
type DeliveryState string

// The states of deliveries.
const (
	// DeliveryPending waits for its RunAt to be sent.
	DeliveryPending DeliveryState = "pending"
	// DeliveryRunning is claimed by a worker until LeaseUntil.
	DeliveryRunning DeliveryState = "running"
	// DeliverySucceeded got a 2xx answer.
	DeliverySucceeded DeliveryState = "succeeded"
	// DeliveryFailed failed its last retry.
	DeliveryFailed DeliveryState = "failed"
	// DeliveryHeld waits for its disabled endpoint to be enabled again.
	DeliveryHeld DeliveryState = "held"
)

// Delivery is one event on its way to one endpoint. The deliveries are the
// queue the workers claim from and, with their attempts, the history a
// tenant sees.
type Delivery struct {
	ID         string
	TenantID   string
	EventID    string
	EndpointID string
	EventType  string
	State      DeliveryState
	// Attempts counts the requests sent so far.
	Attempts int
	// RoundStart is Attempts when the current round of retries began: 0,
	// or the count at the last resend. The retry schedule counts from it.
	RoundStart int
	// LastAttemptAt, LastStatus and LastError tell how the last attempt
	// went: when, the HTTP status answered (0 for none) and the error
	// ("" for none). LastAttemptAt is nil before the first attempt.
	LastAttemptAt *time.Time
	LastStatus    int
	LastError     string
	// RunAt is when a pending delivery is next due.
	RunAt time.Time
	// LeaseUntil is when a running delivery's claim expires; nil unless
	// running.
	LeaseUntil *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Pull is set, when publishing, on a delivery to an endpoint whose
	// mode Pulls: see PullDelivery. Never set on a delivery read back.
	Pull *PullDelivery
	// Ordered is set, when publishing, on a delivery to a FIFO endpoint
	// (Endpoint.FIFO): the store numbers it (Seq). Never set on a
	// delivery read back.
	Ordered bool
	// Seq is the place of a delivery to a FIFO endpoint in its order:
	// taken from the endpoint's counter in the publishing transaction, so
	// numbers follow commit order. 0 for a delivery not numbered (to an
	// endpoint that was not FIFO when it was published).
	Seq int64
}

// Attempt is one request sent for a delivery and what came back. Bodies are
// at most MaxStoredBody bytes, valid UTF-8 without NUL; headers are as sent
// and received, but for the secrets of the endpoint: the verification key
// (in the URL, its header and any error) and the values of the endpoint's
// custom headers, often the receiver's credentials, are kept masked (see
// MaskSecret). The signature is kept: it opens nothing.
type Attempt struct {
	ID         string
	TenantID   string
	DeliveryID string
	EndpointID string
	// URL is where the request went, the verification key substituted
	// masked.
	URL            string
	RequestHeaders map[string][]string
	RequestBody    string
	// ResponseStatus is 0 when no answer came (refused, timeout, error).
	ResponseStatus  int
	ResponseHeaders map[string][]string
	ResponseBody    string
	Duration        time.Duration
	// Error says why no acceptable answer came: "" after any answer but a
	// transport failure, such as "request timed out".
	Error     string
	CreatedAt time.Time
}

// EndpointClaim asks for up to Limit due deliveries of one endpoint.
type EndpointClaim struct {
	EndpointID string
	Limit      int
}

// DeliveryResult is what a worker stores after an attempt: the attempt and
// the delivery's next state. A pending State retries at RunAt.
type DeliveryResult struct {
	DeliveryID string
	Attempt    *Attempt
	State      DeliveryState
	RunAt      time.Time
	// PingTransaction is, for a ping notification, the highest payload
	// number it announced (0 for other deliveries). When the ping
	// succeeded, the endpoint's NotifiedTransaction rises to it, and if a
	// payload came after it the store queues the next ping.
	PingTransaction int64
}

// EndpointResult is what a batch of attempts did to an endpoint: it was
// triggered at TriggeredAt, and it is disabled with DisableReason unless
// that is "".
type EndpointResult struct {
	EndpointID    string
	TriggeredAt   time.Time
	DisableReason string
}

// DeliveryFilter narrows a list of deliveries; zero fields do not narrow.
type DeliveryFilter struct {
	EndpointID string
	EventType  string
	EventID    string
	State      DeliveryState
	// Since and Until bound the creation time: Since <= created_at < Until.
	Since, Until time.Time
}

// MaskSecret returns a secret value as delivery history shows it: its
// first characters and "…", enough to tell values apart but not to use
// one. A value of 16 characters or more keeps 4, of 8 or more 2; a shorter
// one shows as "••••"; "" stays "".
func MaskSecret(v string) string {
	r := []rune(v)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 16:
		return string(r[:4]) + "…"
	case len(r) >= 8:
		return string(r[:2]) + "…"
	default:
		return "••••"
	}
}
