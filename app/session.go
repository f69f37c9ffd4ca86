package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Console sign-in. A session is a random token in the browser's cookie and
// its SHA-256 in the store; the app alone decides who may sign in, how often
// they may fail, and how long a session lives.

// sessionTokenPrefix starts a console session token.
const sessionTokenPrefix = "hkd_ses_"

// Defaults of console sessions and sign-in throttling.
const (
	DefaultSessionIdleTimeout = 12 * time.Hour
	DefaultSessionMaxAge      = 7 * 24 * time.Hour
	DefaultLoginLockout       = 15 * time.Minute
	DefaultLoginAccountLimit  = 5
	DefaultLoginAddressLimit  = 50
	DefaultBasicAccountLimit  = 10
	DefaultBasicAddressLimit  = 30
)

// maxPasswordChecks bounds how many accounts sharing an email one sign-in
// verifies a password against, so that one request costs a bounded amount
// of argon2id.
const maxPasswordChecks = 10

// ConsoleIdentity is who a console session belongs to.
type ConsoleIdentity struct {
	Session *hookd.ConsoleSession
	// Tenant and User are the signed-in console user and their tenant; nil
	// for the operator.
	Tenant *hookd.Tenant
	User   *hookd.ConsoleUser
}

// IsOperator reports whether the identity is the instance operator.
func (id *ConsoleIdentity) IsOperator() bool { return id != nil && id.Session.IsOperator() }

// SignInInput is what a browser gives to sign in a console user.
type SignInInput struct {
	Email    string
	Password string
	// Tenant is the slug of the tenant to sign in to. It may be "": it is
	// needed only when the email and password match users of several
	// tenants.
	Tenant string
	// IPAddress and UserAgent describe the browser; they are kept with the
	// session, throttle failures by address and go into user.login.
	IPAddress string
	UserAgent string
}

// SignIn checks a console user's email and password and starts a session:
// it returns the identity and the session token for the browser's cookie,
// and publishes user.login (when the tenant's plan includes webhooks).
// Returns EUNAUTHORIZED when the email or password is wrong; ERATELIMITED
// after LoginAccountLimit failures for the email, or LoginAddressLimit from
// the address, within LoginLockout (the refusal lasts until that window
// ends, and comes before any password is checked); EINVALID at
// form.tenant when the email and password fit users of several tenants and
// no tenant was named.
func (a *App) SignIn(ctx context.Context, in SignInInput) (*ConsoleIdentity, string, error) {
	email := hookd.NormalizeEmail(in.Email)
	in.IPAddress, in.UserAgent = clientText(in.IPAddress, 100), clientText(in.UserAgent, 500)
	accountKey, addrKey := "account:"+email, addressKey(in.IPAddress)
	// The failure is counted before the password is checked, and given back
	// on success, so that parallel attempts cannot all pass the limit.
	if err := a.reserveSignIn(ctx, throttleKey{accountKey, a.LoginAccountLimit}, throttleKey{addrKey, a.LoginAddressLimit}); err != nil {
		return nil, "", err
	}
	wrong := hookd.Errorf(hookd.EUNAUTHORIZED, "The email or password is wrong.")
	giveBack := func() {
		a.logins.release(ctx, accountKey)
		a.logins.release(ctx, addrKey)
	}
	if email == "" || in.Password == "" || len(in.Password) > MaxPasswordBytes || hookd.HasControl(email) {
		if _, err := a.verifyPasswords(ctx, in.Password, nil, 1); err != nil {
			giveBack()
			return nil, "", err
		}
		return nil, "", wrong
	}

	users, err := a.Store.ConsoleUsersByEmail(ctx, email)
	if err != nil {
		giveBack()
		return nil, "", err
	}
	if slug := strings.TrimSpace(in.Tenant); slug != "" {
		t, err := a.Store.TenantBySlug(ctx, slug)
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			users = nil
		} else if err != nil {
			giveBack()
			return nil, "", err
		}
		var inTenant []*hookd.ConsoleUser
		for _, u := range users {
			if t != nil && u.TenantID == t.ID {
				inTenant = append(inTenant, u)
			}
		}
		users = inTenant
	}
	users = users[:min(len(users), maxPasswordChecks)]
	hashes := make([]string, len(users))
	for i, u := range users {
		hashes[i] = u.PasswordHash
	}
	matched, err := a.verifyPasswords(ctx, in.Password, hashes, 1)
	switch {
	case err != nil:
		giveBack()
		return nil, "", err
	case len(matched) == 0:
		return nil, "", wrong
	case len(matched) > 1:
		giveBack()
		return nil, "", hookd.Invalid("This email signs in to several tenants: say which one.",
			hookd.FieldError{Location: "form.tenant", Message: "give the slug of the tenant to sign in to"})
	}
	a.logins.reset(ctx, accountKey)
	a.logins.release(ctx, addrKey)
	u := users[matched[0]]
	t, err := a.Store.Tenant(ctx, u.TenantID)
	if err != nil {
		return nil, "", err
	}
	cs, token, err := a.newSession(ctx, t.ID, u.ID, in.IPAddress, in.UserAgent)
	if err != nil {
		return nil, "", err
	}
	a.publishLogin(ctx, t, u, cs)
	return &ConsoleIdentity{Session: cs, Tenant: t, User: u}, token, nil
}

// SignInOperator checks the operator token and starts an operator session.
// Returns EUNAUTHORIZED when the token is wrong, and ERATELIMITED after
// LoginAddressLimit failures from the address within LoginLockout.
func (a *App) SignInOperator(ctx context.Context, token, ipAddress, userAgent string) (*ConsoleIdentity, string, error) {
	ipAddress, userAgent = clientText(ipAddress, 100), clientText(userAgent, 500)
	addrKey := addressKey(ipAddress)
	if err := a.reserveSignIn(ctx, throttleKey{addrKey, a.LoginAddressLimit}); err != nil {
		return nil, "", err
	}
	if _, err := a.AuthenticateOperator(ctx, strings.TrimSpace(token)); err != nil {
		if hookd.ErrorCode(err) == hookd.EUNAUTHORIZED {
			return nil, "", hookd.Errorf(hookd.EUNAUTHORIZED, "The operator token is wrong.")
		}
		a.logins.release(ctx, addrKey)
		return nil, "", err
	}
	a.logins.release(ctx, addrKey)
	cs, sessionToken, err := a.newSession(ctx, "", "", ipAddress, userAgent)
	if err != nil {
		return nil, "", err
	}
	return &ConsoleIdentity{Session: cs}, sessionToken, nil
}

// reserveSignIn counts a failed sign-in against each key, or returns
// ERATELIMITED (with RetryAfter) if one has reached its limit within
// LoginLockout.
func (a *App) reserveSignIn(ctx context.Context, keys ...throttleKey) error {
	wait := a.logins.reserve(ctx, a.Clock.Now(), a.LoginLockout, keys...)
	if wait > 0 {
		minutes := int((wait + time.Minute - 1) / time.Minute)
		return retryLater(hookd.Errorf(hookd.ERATELIMITED, "Too many failed sign-ins. Try again in %d minute%s.", minutes, plural(minutes)), wait)
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// newSession stores a new session of the user (of the operator when both
// IDs are "") and returns it with its token.
func (a *App) newSession(ctx context.Context, tenantID, userID, ipAddress, userAgent string) (*hookd.ConsoleSession, string, error) {
	token := secret.NewToken(sessionTokenPrefix, tokenRandomLength)
	now := a.now()
	cs := &hookd.ConsoleSession{
		ID:         hookd.NewID(hookd.PrefixConsoleSession),
		Hash:       secret.HashToken(token),
		TenantID:   tenantID,
		UserID:     userID,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  a.sessionEnd(now, now),
		IPAddress:  ipAddress,
		UserAgent:  userAgent,
	}
	if err := a.Store.CreateConsoleSession(ctx, cs); err != nil {
		return nil, "", err
	}
	return cs, token, nil
}

// sessionEnd is when a session made at created and last used at seen ends.
func (a *App) sessionEnd(created, seen time.Time) time.Time {
	end := seen.Add(a.SessionIdleTimeout)
	if last := created.Add(a.SessionMaxAge); last.Before(end) {
		end = last
	}
	return end
}

// ConsoleSession returns who the session token belongs to, and records the
// use (at most once a minute), which keeps the session alive for another
// SessionIdleTimeout, up to SessionMaxAge after sign-in. Returns
// EUNAUTHORIZED when the token is unknown or its session has ended.
func (a *App) ConsoleSession(ctx context.Context, token string) (*ConsoleIdentity, error) {
	if !strings.HasPrefix(token, sessionTokenPrefix) {
		return nil, errSessionEnded()
	}
	cs, err := a.Store.ConsoleSessionByHash(ctx, secret.HashToken(token))
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil, errSessionEnded()
	} else if err != nil {
		return nil, err
	}
	now := a.now()
	if cs.Expired(now) {
		return nil, errSessionEnded()
	}
	id := &ConsoleIdentity{Session: cs}
	if !cs.IsOperator() {
		if id.Tenant, err = a.Store.Tenant(ctx, cs.TenantID); err != nil {
			return nil, sessionOwnerError(err)
		}
		if id.User, err = a.Store.ConsoleUser(ctx, cs.TenantID, cs.UserID); err != nil {
			return nil, sessionOwnerError(err)
		}
	}
	if now.Sub(cs.LastSeenAt) >= touchInterval {
		cs.LastSeenAt, cs.ExpiresAt = now, a.sessionEnd(cs.CreatedAt, now)
		if err := a.Store.TouchConsoleSession(ctx, cs.ID, cs.LastSeenAt, cs.ExpiresAt); err != nil {
			a.Log.WarnContext(ctx, "cannot record console session use", "session", cs.ID, "err", err)
		}
	}
	return id, nil
}

func errSessionEnded() error {
	return hookd.Errorf(hookd.EUNAUTHORIZED, "The session has ended; sign in again.")
}

// sessionOwnerError turns the absence of a session's tenant or user (gone
// between two reads) into the end of the session.
func sessionOwnerError(err error) error {
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return errSessionEnded()
	}
	return err
}

// SignOut ends the session of the token. An unknown or ended session is not
// an error: signing out twice signs out.
func (a *App) SignOut(ctx context.Context, token string) error {
	cs, err := a.Store.ConsoleSessionByHash(ctx, secret.HashToken(token))
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if err := a.Store.DeleteConsoleSession(ctx, cs.ID); err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
		return err
	}
	return nil
}

// PruneExpiredSessions deletes ended console sessions in batches of 500
// until none are left or ctx ends, and returns how many it deleted.
func (a *App) PruneExpiredSessions(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := a.Store.DeleteExpiredConsoleSessions(ctx, a.now(), 500)
		total += n
		if err != nil || n < 500 || ctx.Err() != nil {
			return total, err
		}
	}
}

// loginData is the data of a user.login event for a console sign-in. A
// console user is not a user of the tenant's directory and has no employee
// ID, so employee_id is "".
type loginData struct {
	User struct {
		ID         string    `json:"id"`
		EmployeeID string    `json:"employee_id"`
		Email      string    `json:"email"`
		Status     string    `json:"status"`
		CreatedAt  time.Time `json:"created_at"`
	} `json:"user"`
	LoginAt   time.Time `json:"login_at"`
	IPAddress *string   `json:"ip_address"`
	UserAgent *string   `json:"user_agent"`
	Method    string    `json:"method"`
}

// publishLogin publishes user.login for a console sign-in. The sign-in
// stands whatever happens here: a plan without webhooks publishes nothing,
// and a failure is logged.
func (a *App) publishLogin(ctx context.Context, t *hookd.Tenant, u *hookd.ConsoleUser, cs *hookd.ConsoleSession) {
	if !t.Plan.Allows(hookd.FeatureWebhooks) {
		return
	}
	var d loginData
	d.User.ID, d.User.Email, d.User.Status, d.User.CreatedAt = u.ID, u.Email, string(hookd.UserActive), u.CreatedAt
	d.LoginAt, d.Method = cs.CreatedAt, "password"
	if cs.IPAddress != "" {
		d.IPAddress = &cs.IPAddress
	}
	if cs.UserAgent != "" {
		d.UserAgent = &cs.UserAgent
	}
	data, err := json.Marshal(d)
	if err == nil {
		_, _, err = a.Publish(ctx, t.ID, PublishInput{Type: hookd.EventUserLogin, Data: data})
	}
	if err != nil {
		a.Log.WarnContext(ctx, "cannot publish user.login", "tenant", t.ID, "user", u.ID, "err", err)
	}
}

// clientText returns s, as a browser sent it, fit to store: valid UTF-8
// without control characters, at most n bytes.
func clientText(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}
