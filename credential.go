package hookd

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CredentialKind names the kind of credential a caller presented.
type CredentialKind string

// The kinds of credential hookd accepts.
const (
	CredentialAPIKey         CredentialKind = "api_key"
	CredentialAccessToken    CredentialKind = "access_token"
	CredentialOAuthToken     CredentialKind = "oauth_token"
	CredentialServiceAccount CredentialKind = "service_account"
	CredentialOperator       CredentialKind = "operator"
	// CredentialConsoleUser is a tenant's console user, signed in to the
	// web console; CredentialID is the user's ID.
	CredentialConsoleUser CredentialKind = "console_user"
)

// Principal is who made a request, once their credential has been checked.
type Principal struct {
	Kind     CredentialKind
	TenantID string // empty for the operator
	Tenant   *Tenant
	// CredentialID identifies the credential itself (token, account, client or
	// tenant ID for the API key); rate limits count per credential.
	CredentialID string
	// Scopes are what the credential may do. The API key and console users
	// have every scope.
	Scopes Scopes
	// ExpiresAt is when the credential stops working; nil if never.
	ExpiresAt *time.Time
}

// IsOperator reports whether p is the instance operator.
func (p *Principal) IsOperator() bool { return p != nil && p.Kind == CredentialOperator }

// AccessToken is a named bearer token of a tenant. Its plaintext is shown once,
// when it is made; hookd keeps only its hash. OAuth2 client-credentials grants
// issue AccessTokens too: those carry an OAuthClientID and an ExpiresAt and
// are not listed with the named tokens.
type AccessToken struct {
	ID            string
	TenantID      string
	Name          string
	Prefix        string // the token's first characters, safe to show
	Hash          []byte // SHA-256 of the token
	CreatedAt     time.Time
	LastUsedAt    *time.Time
	OAuthClientID string     // set on tokens issued to an OAuth client
	ExpiresAt     *time.Time // set on tokens issued to an OAuth client; optional on named tokens
	Scopes        Scopes
}

// Expired reports whether the token has an expiry at or before now.
func (t *AccessToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)
}

// ServiceAccount is a machine user of a tenant that signs in with HTTP Basic
// (email and password). Its email is unique within its tenant only, so that
// no tenant learns another's emails; the app resolves a Basic credential
// within the tenant of a /hooks URL, or among the oldest accounts with the
// email on /api/v1.
type ServiceAccount struct {
	ID           string
	TenantID     string
	Email        string
	PasswordHash string // argon2id, PHC string format
	Scopes       Scopes // DefaultServiceAccountScopes unless chosen
	CreatedAt    time.Time
	LastUsedAt   *time.Time
}

// OAuthClient is an application registered by a tenant that obtains
// short-lived bearer tokens with the OAuth2 client-credentials grant.
type OAuthClient struct {
	ID         string // also the client_id
	TenantID   string
	Name       string
	SecretHash []byte // SHA-256 of the client secret
	Scopes     Scopes // the most its tokens may have
	CreatedAt  time.Time
}

// Scope names a kind of operation a credential may perform.
type Scope string

// The scopes. docs/api.md lists the operations each one allows.
const (
	// ScopeRead allows reading anything of the tenant except secrets.
	ScopeRead Scope = "read"
	// ScopeWebhooks allows changing event types, endpoints and the tenant's
	// settings, publishing events and resending deliveries.
	ScopeWebhooks Scope = "webhooks"
	// ScopeDirectory allows changing users, organizations, tickets and
	// provisioning destinations, and replaying inbound calls.
	ScopeDirectory Scope = "directory"
	// ScopeInbound allows calling the inbound webhooks /hooks/{tenant}/….
	ScopeInbound Scope = "inbound"
	// ScopeCredentials allows revealing and regenerating the API key,
	// managing access tokens, OAuth clients and service accounts, and
	// revealing or rotating endpoint and destination secrets.
	ScopeCredentials Scope = "credentials"
)

// allScopes lists every scope in canonical order.
var allScopes = Scopes{ScopeRead, ScopeWebhooks, ScopeDirectory, ScopeInbound, ScopeCredentials}

// Scopes is a set of scopes, kept in canonical order without repeats.
type Scopes []Scope

// AllScopes returns every scope: the power of the API key and of a tenant's
// console users.
func AllScopes() Scopes { return slices.Clone(allScopes) }

// DefaultTokenScopes returns the scopes of an access token or OAuth client
// made without a choice: everything but ScopeCredentials.
func DefaultTokenScopes() Scopes {
	return Scopes{ScopeRead, ScopeWebhooks, ScopeDirectory, ScopeInbound}
}

// DefaultServiceAccountScopes returns the scopes of a service account made
// without a choice: only ScopeInbound.
func DefaultServiceAccountScopes() Scopes { return Scopes{ScopeInbound} }

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(allScopes, s) }

// NewScopes returns the set of the given scopes in canonical order. Returns
// EINVALID, at location, naming any unknown scope.
func NewScopes(location string, names ...string) (Scopes, error) {
	var unknown []string
	have := map[Scope]bool{}
	for _, n := range names {
		if !Scope(n).Valid() {
			unknown = append(unknown, fmt.Sprintf("%q", n))
			continue
		}
		have[Scope(n)] = true
	}
	if len(unknown) > 0 {
		return nil, Invalid("The scopes are not valid.", FieldError{Location: location,
			Message: "has unknown scope " + strings.Join(unknown, ", ") + "; the scopes are " + allScopes.String()})
	}
	var out Scopes
	for _, s := range allScopes {
		if have[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// ParseScopes reads a space-separated list of scopes (RFC 6749 §3.3), as
// stored. Unknown names are dropped: a scope removed from hookd grants
// nothing. It returns nil for none.
func ParseScopes(text string) Scopes {
	var out Scopes
	for _, s := range allScopes {
		if slices.Contains(strings.Fields(text), string(s)) {
			out = append(out, s)
		}
	}
	return out
}

// String returns the scopes separated by spaces, as OAuth2 writes them.
func (ss Scopes) String() string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, " ")
}

// Strings returns the scopes' names.
func (ss Scopes) Strings() []string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return names
}

// Has reports whether s is in the set.
func (ss Scopes) Has(s Scope) bool { return slices.Contains(ss, s) }

// Missing returns the scopes of want that are not in ss.
func (ss Scopes) Missing(want Scopes) Scopes {
	var out Scopes
	for _, s := range want {
		if !ss.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// Intersect returns the scopes in both ss and other.
func (ss Scopes) Intersect(other Scopes) Scopes {
	out := Scopes{}
	for _, s := range ss {
		if other.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// InsufficientScope returns the EINSUFFICIENTSCOPE error of a credential
// that lacks the scopes missing, for doing what.
func InsufficientScope(doing string, missing ...Scope) *Error {
	word := "scope"
	if len(missing) > 1 {
		word = "scopes"
	}
	return Errorf(EINSUFFICIENTSCOPE, "This credential lacks the %s %s needed to %s.", Scopes(missing).quoted(), word, doing)
}

func (ss Scopes) quoted() string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "\"" + string(s) + "\""
	}
	return strings.Join(q, ", ")
}

// Has reports whether p's credential has scope s.
func (p *Principal) Has(s Scope) bool { return p != nil && p.Scopes.Has(s) }

// MayGrant returns nil if p may make (or reveal) a credential with the given
// scopes that expires at expiresAt (nil: never). A credential never makes
// one more powerful or longer-lived than itself: p must have
// ScopeCredentials and every scope it grants (else EINSUFFICIENTSCOPE), and
// a credential that expires cannot grant one that expires later or never
// (else EFORBIDDEN).
func (p *Principal) MayGrant(scopes Scopes, expiresAt *time.Time) error {
	if !p.Has(ScopeCredentials) {
		return InsufficientScope("make or reveal credentials", ScopeCredentials)
	}
	if missing := p.Scopes.Missing(scopes); len(missing) > 0 {
		return InsufficientScope("grant them", missing...)
	}
	if p.ExpiresAt != nil && (expiresAt == nil || expiresAt.After(*p.ExpiresAt)) {
		return Errorf(EFORBIDDEN, "This credential expires at %s; it cannot make or reveal a credential that outlives it.",
			p.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}
