package hookd

import "time"

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
	ExpiresAt     *time.Time // set on tokens issued to an OAuth client
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
	CreatedAt  time.Time
}
