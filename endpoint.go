package hookd

import (
	"slices"
	"strings"
	"time"
)

// PrefixEndpoint is the ID prefix of endpoints.
const PrefixEndpoint = "ep"

// EndpointFormat is the body format of an endpoint's deliveries.
type EndpointFormat string

// The formats of deliveries.
const (
	FormatJSON EndpointFormat = "json"
	FormatXML  EndpointFormat = "xml"
)

// EndpointMode says what a delivery carries.
type EndpointMode string

// The modes of endpoints.
const (
	// ModeFull sends the events themselves.
	ModeFull EndpointMode = "full"
	// ModePing sends a notice only; the receiver lists the payloads.
	ModePing EndpointMode = "ping"
	// ModePull (pull.go) sends nothing; the receiver lists the payloads.
)

// Defaults and limits of endpoints.
const (
	DefaultVerificationKeyHeader = "X-Hookd-Verification-Key"
	DefaultEndpointTimeout       = 15 // seconds
	MinEndpointTimeout           = 1
	MaxEndpointTimeout           = 60
	MaxEventsPerRequestLimit     = 100
	MaxEndpointURLLength         = 2048
	MaxEndpointNameLength        = 100
	MaxEndpointDescriptionLength = 2000
	MaxEndpointHeaders           = 20
	MaxEndpointHeaderNameLength  = 100
	MaxEndpointHeaderValueLength = 1000
	MaxEndpointEventTypes        = 100
	// MaxBatchWindow bounds an endpoint's BatchWindow.
	MaxBatchWindow = 5 * time.Second
	// MaxRateLimit bounds an endpoint's RateLimit (requests per second).
	MaxRateLimit = 10000
	// SecretRotationOverlap is how long a secret keeps signing beside its
	// successor after a rotation.
	SecretRotationOverlap = 24 * time.Hour
	// VerificationKeyPlaceholder is replaced in an endpoint's URL by its
	// verification key.
	VerificationKeyPlaceholder = "{VerificationKey}"
	// DisabledByUser is the reason of an endpoint disabled by hand.
	DisabledByUser = "disabled by user"
)

// Endpoint is a URL of a tenant that receives the events it subscribes to.
//
// Its signing secrets, verification key and custom headers are kept
// encrypted: the store keeps the Sealed forms only, and the app fills in the
// plaintext (Secret, VerificationKey, Headers) when it hands an endpoint
// out.
type Endpoint struct {
	ID          string
	TenantID    string
	Name        string
	URL         string // may hold VerificationKeyPlaceholder; see TargetURL
	Description string
	// EventTypes lists the subscribed types by name; empty when
	// AllEventTypes is set.
	EventTypes    []string
	AllEventTypes bool
	// Enabled is false once disabled by hand or by failing deliveries;
	// DisabledReason and DisabledAt say why and when.
	Enabled         bool
	DisabledReason  string
	DisabledAt      *time.Time
	LastTriggeredAt *time.Time
	VerifyTLS       bool
	Format          EndpointFormat
	// MaxEventsPerRequest is 1 for one event per request, N > 1 for up to
	// N pending events in one request.
	MaxEventsPerRequest int
	// BatchWindow, with MaxEventsPerRequest above 1, is how long hookd
	// may wait after a delivery is ready to fill a request with more
	// (0: send what is ready at once); at most MaxBatchWindow.
	BatchWindow time.Duration
	// RateLimit is the most requests per second hookd sends the endpoint,
	// across all instances sharing the store (0: no limit); at most
	// MaxRateLimit. RateLimitBurst (1 to RateLimit; 0 without a limit) is
	// how many may be in flight or cooling down at once: requests beyond
	// wait, claimed, and are neither failed nor retried. See RateCoolDown.
	RateLimit      int
	RateLimitBurst int
	Mode           EndpointMode
	// Headers are sent with every delivery; see ValidateEndpointHeader.
	// Their values are often the receiver's credentials: the store keeps
	// them in SealedHeaders only (nil when there are none), and Headers is
	// empty until the app opens them. An endpoint stored before headers
	// were sealed reads back with its Headers in clear and SealedHeaders
	// nil, until the app seals them (EndpointStore.SealEndpointHeaders).
	Headers       map[string]string
	SealedHeaders []byte
	// VerificationKey is the plaintext key, "" until opened by the app.
	VerificationKey       string
	SealedVerificationKey []byte
	VerificationKeyHeader string
	TimeoutSeconds        int
	// Filter, when not nil, is a condition on the events the endpoint
	// receives beside its event types: events it does not match are not
	// delivered to it.
	Filter *Filter
	// Ordering is OrderingNone or, for a full-mode endpoint, OrderingFIFO
	// (ordering.go).
	Ordering EndpointOrdering
	// Secrets are the signing secrets, the current one first, then the
	// previous one (with an expiry) for SecretRotationOverlap after a
	// rotation.
	Secrets []EndpointSecret

	// Pull state of a ping or pull endpoint (see pull.go); zero for
	// others. LastTransaction, NotifiedTransaction and PulledTransaction
	// are as in PullCursor; PingDeliveryID is the ping delivery waiting or
	// in flight ("" for none). LastPulledAt is the last list-payloads
	// call, PullActiveSince the start of the inactivity timer (nil: the
	// creation) and InactiveAt when the endpoint turned inactive (nil:
	// active).
	LastTransaction     int64
	NotifiedTransaction int64
	PulledTransaction   int64
	PingDeliveryID      string
	LastPulledAt        *time.Time
	PullActiveSince     *time.Time
	InactiveAt          *time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// EndpointSecret is one signing secret of an endpoint.
type EndpointSecret struct {
	// Secret is the plaintext, whsec_ and base64 of random bytes (Standard
	// Webhooks format); "" until opened by the app.
	Secret string
	Sealed []byte
	// ExpiresAt is nil for the current secret; a previous one stops
	// signing at ExpiresAt.
	ExpiresAt *time.Time
}

// LiveSecrets returns the secrets that sign deliveries at now: the current
// one and any previous one that has not yet expired.
func (e *Endpoint) LiveSecrets(now time.Time) []EndpointSecret {
	var live []EndpointSecret
	for _, s := range e.Secrets {
		if s.ExpiresAt == nil || now.Before(*s.ExpiresAt) {
			live = append(live, s)
		}
	}
	return live
}

// TargetURL returns the URL deliveries go to: URL with every
// VerificationKeyPlaceholder replaced by the verification key.
func (e *Endpoint) TargetURL() string {
	return strings.ReplaceAll(e.URL, VerificationKeyPlaceholder, e.VerificationKey)
}

// IsHTTPSURL reports whether u is an https URL: its scheme, in any case, is
// https. It does not otherwise check that u is valid.
func IsHTTPSURL(u string) bool {
	scheme, _, ok := strings.Cut(strings.TrimSpace(u), ":")
	return ok && strings.EqualFold(scheme, "https")
}

// HTTPSRequired returns the problem at location of an endpoint URL that is
// not https while its tenant requires https (Tenant.RequireHTTPSEndpoints).
func HTTPSRequired(location string) FieldError {
	return FieldError{Location: location, Message: "must be an https URL: the tenant requires https for endpoints"}
}

// Subscribes reports whether the endpoint receives events of the type.
func (e *Endpoint) Subscribes(eventType string) bool {
	return e.AllEventTypes || slices.Contains(e.EventTypes, eventType)
}

// reservedHeaders are headers hookd sets itself or that belong to the
// connection; endpoints may not set them.
var reservedHeaders = []string{
	"host", "content-length", "content-type", "content-encoding", "user-agent",
	"webhook-id", "webhook-timestamp", "webhook-signature",
	"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
	"te", "trailer", "transfer-encoding", "upgrade", "expect", "date",
}

// IsReservedHeader reports whether name (in any case) is a header an
// endpoint may not set.
func IsReservedHeader(name string) bool {
	return slices.Contains(reservedHeaders, strings.ToLower(name))
}

// IsHeaderName reports whether name is a valid HTTP field name (a token).
func IsHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ValidateEndpointHeader returns a problem at location unless name is a
// valid, unreserved header name of at most MaxEndpointHeaderNameLength
// characters and value is at most MaxEndpointHeaderValueLength characters
// without CR, LF or NUL.
func ValidateEndpointHeader(location, name, value string) *FieldError {
	switch {
	case !IsHeaderName(name) || len(name) > MaxEndpointHeaderNameLength:
		return &FieldError{Location: location, Message: "header names must be 1 to 100 token characters (letters, digits and !#$%&'*+-.^_`|~)"}
	case IsReservedHeader(name):
		return &FieldError{Location: location, Message: name + " is set by hookd or by the connection and cannot be set here"}
	case len(value) > MaxEndpointHeaderValueLength || strings.ContainsAny(value, "\r\n\x00"):
		return &FieldError{Location: location, Message: "header values must be at most 1000 characters without line breaks or NUL"}
	}
	return nil
}

// RateCoolDown is how long a rate slot of e stays busy after the end of
// a request: 1 s / floor(RateLimit/RateLimitBurst). e has RateLimitBurst
// slots; a request takes a free one before it is sent and holds it until
// its answer (or failure) plus the cool-down, so the next request of that
// slot arrives at least the cool-down after this one arrived, and any
// second holds at most floor(RateLimit/RateLimitBurst) arrivals per slot:
// at most RateLimit in all, measured at the receiver whatever the network
// does. 0 when e has no limit.
func (e *Endpoint) RateCoolDown() time.Duration {
	if e.RateLimit <= 0 {
		return 0
	}
	burst := e.RateBurst()
	return time.Second / time.Duration(e.RateLimit/burst)
}

// RateBurst is e's RateLimitBurst within 1..RateLimit (RateLimit when
// unset); 0 when e has no limit.
func (e *Endpoint) RateBurst() int {
	if e.RateLimit <= 0 {
		return 0
	}
	if e.RateLimitBurst < 1 || e.RateLimitBurst > e.RateLimit {
		return e.RateLimit
	}
	return e.RateLimitBurst
}
