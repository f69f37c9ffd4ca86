package hookd

import (
	"net/http"
	"time"
)

// ID prefixes of inbound webhooks.
const (
	PrefixProvisioningDestination = "dst"
	PrefixInboundCall             = "inb"
)

// InboundKind names an inbound webhook: the last segment of its URL for the
// helpdesk ones, provisioning for the HR ones.
type InboundKind string

// The inbound webhooks.
const (
	InboundServiceNow   InboundKind = "servicenow"   // POST /hooks/{tenant}/helpdesk/servicenow
	InboundCreateTicket InboundKind = "createticket" // POST /hooks/{tenant}/helpdesk/createticket
	InboundProvisioning InboundKind = "provisioning" // POST /hooks/{tenant}/provisioning/{destination_id}/{operation}
)

// ProvisioningOperation is what an HR webhook call asks for: the last
// segment of its URL.
type ProvisioningOperation string

// The provisioning operations.
const (
	AddUser    ProvisioningOperation = "adduser"    // create, or update the user of that employee ID
	ModifyUser ProvisioningOperation = "modifyuser" // update an existing user
	DeleteUser ProvisioningOperation = "deleteuser" // terminate an existing user
)

// ProvisioningOperations lists the operations in URL order.
var ProvisioningOperations = []ProvisioningOperation{AddUser, ModifyUser, DeleteUser}

// Valid reports whether op is a known operation.
func (op ProvisioningOperation) Valid() bool {
	return op == AddUser || op == ModifyUser || op == DeleteUser
}

// DestinationType is the HR system a provisioning destination receives
// from: which body its webhooks take.
type DestinationType string

// The types of provisioning destinations.
const (
	DestinationGeneric   DestinationType = "generic"   // employee_id, first_name, last_name, email, mobile, display_name
	DestinationPaylocity DestinationType = "paylocity" // Paylocity's new-hire, employee-change and termination bodies
)

// Valid reports whether t is a known destination type.
func (t DestinationType) Valid() bool { return t == DestinationGeneric || t == DestinationPaylocity }

// SignatureScheme is how a provisioning destination checks that a call
// comes from its sender, beyond the credential in the Authorization header.
type SignatureScheme string

// The signature schemes.
const (
	// SignatureNone checks no signature.
	SignatureNone SignatureScheme = "none"
	// SignatureStandardWebhooks requires webhook-id, webhook-timestamp and
	// webhook-signature per the Standard Webhooks specification, with a
	// timestamp at most SignatureTolerance from now.
	SignatureStandardWebhooks SignatureScheme = "standard-webhooks"
	// SignatureHMACSHA256 requires a header (of the destination's choosing)
	// holding the HMAC-SHA256 of the body under the secret, in hex or
	// base64, optionally prefixed with "sha256=". The body alone is
	// signed, so such calls carry no time to judge staleness by.
	SignatureHMACSHA256 SignatureScheme = "hmac-sha256"
)

// Valid reports whether s is a known scheme.
func (s SignatureScheme) Valid() bool {
	return s == SignatureNone || s == SignatureStandardWebhooks || s == SignatureHMACSHA256
}

// SignatureTolerance is how far a Standard Webhooks timestamp may be from
// now, either way, before a call is refused as stale.
const SignatureTolerance = 5 * time.Minute

// Limits of inbound webhooks.
const (
	// MaxInboundBodyBytes is the largest inbound body read; larger ones
	// get 413.
	MaxInboundBodyBytes = 1 << 20
	// MaxInboundLoggedBodyBytes is how much of a body the inbound log
	// keeps; a call whose body was cut cannot be replayed.
	MaxInboundLoggedBodyBytes = 64 << 10
	MaxDestinationNameLength  = 100
	MaxDestinationMappings    = 50
)

// ProvisioningDestination receives one HR system's webhooks for a tenant:
// three URLs, /hooks/{tenant}/provisioning/{id}/adduser, modifyuser and
// deleteuser.
type ProvisioningDestination struct {
	ID       string
	TenantID string
	Name     string
	Type     DestinationType
	// Mapping, when not empty, reads bodies through JSON pointers (RFC
	// 6901) to user fields instead of the type's own body: pointer → one of
	// employee_id, first_name, last_name, display_name, email, mobile.
	Mapping map[string]string
	// Signature is the scheme calls must be signed with.
	Signature SignatureScheme
	// SignatureHeader names the header of SignatureHMACSHA256.
	SignatureHeader string
	// SignatureEncoding is hex or base64, for SignatureHMACSHA256.
	SignatureEncoding string
	// SigningSecret is the plaintext secret, "" until opened by the app;
	// the store keeps SealedSigningSecret only (nil without a scheme).
	SigningSecret       string
	SealedSigningSecret []byte
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// InboundCall is one call of an inbound webhook as the inbound log keeps
// it: what came in, with credentials redacted, and what was answered.
type InboundCall struct {
	ID         string
	TenantID   string
	ReceivedAt time.Time
	Kind       InboundKind
	// DestinationID and Operation are set for provisioning calls.
	DestinationID string
	Operation     ProvisioningOperation
	Method        string
	Path          string
	// SourceIP is the address the call came from.
	SourceIP string
	// Caller names the credential that was accepted ("api_key",
	// "access_token tok_…", "service_account sva_…"), "" if none was.
	Caller string
	// Headers are the request's headers, credentials redacted.
	Headers http.Header
	// Body is the request body, cut at MaxInboundLoggedBodyBytes.
	Body          []byte
	BodyTruncated bool
	// Status is the HTTP status answered; Problem and Errors the problem's
	// detail and field errors when it was not 2xx.
	Status  int
	Problem string
	Errors  []FieldError
	// ResultType (ticket or user) and ResultID name what the call created
	// or changed.
	ResultType string
	ResultID   string
	// ReplayOf is the ID of the call this one replayed, "" for a call that
	// came from outside.
	ReplayOf string
}

// Failed reports whether the call was not answered with 2xx.
func (c *InboundCall) Failed() bool { return c.Status < 200 || c.Status > 299 }

// InboundStatus returns the HTTP status an inbound webhook answers for err,
// or for success: 201 when something was created, else 200. Bad input is
// 400 (not the API's 422): the helpdesk and HR systems that call these
// webhooks expect it.
func InboundStatus(err error, created bool) int {
	switch ErrorCode(err) {
	case "":
		if created {
			return http.StatusCreated
		}
		return http.StatusOK
	case EINVALID:
		return http.StatusBadRequest
	case EUNAUTHORIZED:
		return http.StatusUnauthorized
	case EFORBIDDEN, EAPIDISABLED, EPLANFORBIDDEN, EQUOTA:
		return http.StatusForbidden
	case ENOTFOUND:
		return http.StatusNotFound
	case ECONFLICT:
		return http.StatusConflict
	case ERATELIMITED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// InboundParser turns inbound webhook bodies into directory inputs. Package
// inbound implements it; the app is given one. Every method returns
// EINVALID listing every problem of the body (malformed JSON names its byte
// offset).
type InboundParser interface {
	// ParseTicket parses the body of a helpdesk webhook of kind
	// InboundServiceNow or InboundCreateTicket.
	ParseTicket(kind InboundKind, body []byte) (TicketInput, error)
	// ParseUser parses the body of an HR webhook to destination d: through
	// d's mapping if it has one, else as d's type's body.
	ParseUser(d *ProvisioningDestination, op ProvisioningOperation, body []byte) (UserInput, error)
	// ValidateMapping checks a destination's mapping, with locations such
	// as body.mapping["/worker/id"].
	ValidateMapping(m map[string]string) error
}
