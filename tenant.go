package hookd

import (
	"regexp"
	"strings"
	"time"
)

// Plan names what a tenant has paid for. The plan decides whether the tenant
// may use the REST API and outbound webhooks, and may set its own API rate
// limit.
type Plan string

// The plans hookd knows.
const (
	PlanFree       Plan = "free"
	PlanPlatinum   Plan = "platinum"
	PlanEnterprise Plan = "enterprise"
)

// Plans lists every plan, cheapest first.
var Plans = []Plan{PlanFree, PlanPlatinum, PlanEnterprise}

// Feature is something a plan may or may not include.
type Feature string

// The features plans decide on.
const (
	FeatureAPI      Feature = "api"
	FeatureWebhooks Feature = "webhooks"
)

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool {
	for _, q := range Plans {
		if p == q {
			return true
		}
	}
	return false
}

// Allows reports whether plan p includes feature f. The free plan includes
// neither the API nor webhooks; platinum and enterprise include both.
func (p Plan) Allows(f Feature) bool {
	switch p {
	case PlanPlatinum, PlanEnterprise:
		return f == FeatureAPI || f == FeatureWebhooks
	default:
		return false
	}
}

// Tenant is one customer of the operator. Everything a tenant owns carries
// its ID, and no tenant ever sees another's data.
type Tenant struct {
	ID        string
	Slug      string // unique, URL-safe: lowercase letters, digits and dashes
	Name      string
	Plan      Plan
	CreatedAt time.Time

	// APIEnabled tells whether the tenant's REST API is on. It is off until
	// enabled; while off, the API key exists but answers 403.
	APIEnabled bool
	// APIKey is the tenant's API key, kept so that it can be shown again.
	APIKey *APIKey

	// RequireHTTPSEndpoints tells whether every endpoint of the tenant must
	// have an https URL. While it is set the tenant has no endpoint whose
	// URL is not https: endpoints are refused such a URL, and the setting
	// cannot be switched on while one exists (see
	// TenantStore.SetRequireHTTPSEndpoints). Off by default.
	RequireHTTPSEndpoints bool
}

// APIKey is a tenant's API key as stored: encrypted so it can be revealed
// again, and hashed so a presented key can be looked up. Never in plaintext.
type APIKey struct {
	Ciphertext []byte    // AES-GCM under the instance key
	Hash       []byte    // SHA-256 of the key, for lookup
	Hint       string    // the key's first and last characters, safe to show
	CreatedAt  time.Time // when this key was made (regenerating makes a new one)
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateSlug returns an EINVALID error unless slug is 1–63 lowercase
// letters, digits and inner dashes.
func ValidateSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return Invalid("The tenant slug is not valid.", FieldError{
			Location: "body.slug",
			Message:  "must be 1 to 63 lowercase letters, digits or dashes, starting and ending with a letter or digit",
		})
	}
	return nil
}

// ConsoleUser is a person who signs in to a tenant's web console.
type ConsoleUser struct {
	ID           string
	TenantID     string
	Email        string
	PasswordHash string // argon2id, PHC string format
	CreatedAt    time.Time
}

// NormalizeEmail returns email trimmed and lowercased, the form in which
// hookd compares and stores addresses.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidateEmail returns an EINVALID error for location unless email looks
// like an address (something@something.something).
func ValidateEmail(location, email string) *FieldError {
	at := strings.LastIndexByte(email, '@')
	if at < 1 || at == len(email)-1 || HasControl(email) || !strings.Contains(email[at:], ".") || strings.ContainsAny(email, " \t\r\n<>") || len(email) > 254 {
		return &FieldError{Location: location, Message: "must be an email address"}
	}
	return nil
}

// HasControl reports whether s holds a control character (such as NUL or a
// line break), which names, emails and other single-line text may not.
func HasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}
