package hookd

import "time"

// PrefixConsoleSession is the ID prefix of console sessions.
const PrefixConsoleSession = "ses"

// ConsoleSession is a signed-in browser of the web console: a tenant's console
// user, or the instance operator. The browser holds a random token in a
// cookie; hookd keeps only the token's hash, so a copy of the database signs
// no one in.
type ConsoleSession struct {
	ID   string
	Hash []byte // SHA-256 of the session token
	// TenantID and UserID name the signed-in console user; both are "" for
	// the operator.
	TenantID string
	UserID   string
	// CreatedAt is the sign-in; LastSeenAt the latest request that used the
	// session (recorded at most once a minute); the session ends at
	// ExpiresAt, which use pushes forward up to the session's maximum age.
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// IPAddress and UserAgent describe the browser that signed in, for the
	// user's own records; "" when unknown.
	IPAddress string
	UserAgent string
}

// IsOperator reports whether the session is the instance operator's.
func (s *ConsoleSession) IsOperator() bool { return s.TenantID == "" }

// Expired reports whether the session has ended at now.
func (s *ConsoleSession) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }
