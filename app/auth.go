package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Authorization schemes of the Authorization header.
const (
	SchemeToken  = "Token"  // a tenant's API key, or an access token or OAuth token as with Bearer
	SchemeBearer = "Bearer" // an access token, an OAuth token or the operator token
	SchemeBasic  = "Basic"  // a service account's email:password, base64
)

// SettingOperatorTokenHash is the setting that holds the SHA-256 (hex) of the
// operator token.
const SettingOperatorTokenHash = "operator_token_sha256"

// touchInterval is how stale last_used_at may get before a use rewrites it;
// it keeps the hot path from writing on every call.
const touchInterval = time.Minute

// errUnauthorized is the one answer to every credential that is well formed
// but unknown, expired or wrong, so the caller learns nothing about which
// part was wrong.
func errUnauthorized() error {
	return hookd.Errorf(hookd.EUNAUTHORIZED, "The credentials are missing or not valid.")
}

// dummyPasswordHash is verified against when no account matches, so that an
// unknown email takes as long as a wrong password.
// It is made on first need, with the App's own costs.
func (a *App) dummyPasswordHash() string {
	a.dummyOnce.Do(func() { a.dummyHash = secret.HashPassword("hookd-dummy-password", a.PasswordParams) })
	return a.dummyHash
}

// malformed is the answer to an Authorization header that cannot be a
// credential: it says what is wrong with the header, which tells nothing
// about any account.
func malformed(format string, args ...any) error {
	return hookd.Errorf(hookd.EUNAUTHORIZED, format, args...)
}

// AuthRequest is a credential as a request brings it.
type AuthRequest struct {
	// Authorization is the value of the Authorization header, "" if none.
	Authorization string
	// SourceIP is the address the request came from; failed HTTP Basic
	// attempts are throttled by it (IPv6 by /64).
	SourceIP string
	// ForTenant limits HTTP Basic to the service accounts of TenantID: the
	// tenant of a /hooks/{tenant}/… URL. TenantID "" (a slug that names no
	// tenant) then matches no account, at the same cost.
	ForTenant bool
	TenantID  string
}

// Authenticate checks a tenant credential given as an Authorization
// header's scheme and the text after it, as a caller without a request
// (the CLI, tests) has it; see AuthenticateRequest.
func (a *App) Authenticate(ctx context.Context, scheme, credential string) (*hookd.Principal, error) {
	return a.AuthenticateRequest(ctx, AuthRequest{Authorization: scheme + " " + credential})
}

// AuthenticateRequest checks the tenant credential of a request and
// returns who it belongs to. Returns EUNAUTHORIZED when the credential is
// missing, malformed (the message says how), unknown, expired or wrong;
// ERATELIMITED (with RetryAfter) when HTTP Basic has failed too often for
// the account or from the address; EUNAVAILABLE (with RetryAfter) when too
// many passwords are being checked to check this one soon; EAPIDISABLED
// when the tenant's API is switched off; EPLANFORBIDDEN when the tenant's
// plan lacks the API.
func (a *App) AuthenticateRequest(ctx context.Context, req AuthRequest) (*hookd.Principal, error) {
	scheme, credential, err := parseAuthorization(req.Authorization)
	if err != nil {
		return nil, err
	}
	var p *hookd.Principal
	switch scheme {
	case SchemeToken:
		// Token takes the API key and, as some receivers of pull-mode
		// webhooks write it, the tokens Bearer takes too.
		p, err = a.authenticateAPIKey(ctx, credential)
		if hookd.ErrorCode(err) == hookd.EUNAUTHORIZED {
			p, err = a.authenticateBearer(ctx, credential)
		}
	case SchemeBearer:
		p, err = a.authenticateBearer(ctx, credential)
	case SchemeBasic:
		p, err = a.authenticateBasic(ctx, req, credential)
	}
	if err != nil {
		return nil, err
	}
	if err := checkAPIAllowed(p.Tenant); err != nil {
		return nil, err
	}
	return p, nil
}

// parseAuthorization splits an Authorization header value into its scheme
// (one of the Scheme constants, as spelled there) and credential, or says
// what is wrong with it.
func parseAuthorization(header string) (scheme, credential string, err error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", "", malformed("The request has no credentials; send an Authorization header: Token <API key>, Bearer <token> or Basic <base64 of email:password>.")
	}
	name, credential, _ := strings.Cut(header, " ")
	credential = strings.TrimSpace(credential)
	for _, s := range []string{SchemeToken, SchemeBearer, SchemeBasic} {
		if strings.EqualFold(name, s) {
			scheme = s
		}
	}
	switch {
	case scheme == "":
		return "", "", malformed("The Authorization scheme %q is not supported; use Token, Bearer or Basic.", clientText(name, 20))
	case credential == "":
		return "", "", malformed("The Authorization header names the %s scheme but has no credential after it.", scheme)
	}
	return scheme, credential, nil
}

func checkAPIAllowed(t *hookd.Tenant) error {
	if !t.Plan.Allows(hookd.FeatureAPI) {
		return planError(t.Plan, hookd.FeatureAPI)
	}
	if !t.APIEnabled {
		return hookd.Errorf(hookd.EAPIDISABLED, "The API of this tenant is disabled; the operator or a tenant admin can enable it.")
	}
	return nil
}

func (a *App) authenticateAPIKey(ctx context.Context, key string) (*hookd.Principal, error) {
	hash := secret.HashToken(key)
	t, err := a.Store.TenantByAPIKeyHash(ctx, hash)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	if t.APIKey == nil || !secret.Equal(t.APIKey.Hash, hash) {
		return nil, errUnauthorized()
	}
	return &hookd.Principal{Kind: hookd.CredentialAPIKey, TenantID: t.ID, Tenant: t, CredentialID: "key:" + hex.EncodeToString(hash[:8]),
		Scopes: hookd.AllScopes()}, nil
}

func (a *App) authenticateBearer(ctx context.Context, token string) (*hookd.Principal, error) {
	hash := secret.HashToken(token)
	at, err := a.Store.AccessTokenByHash(ctx, hash)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	now := a.now()
	if !secret.Equal(at.Hash, hash) || at.Expired(now) {
		return nil, errUnauthorized()
	}
	t, err := a.Store.Tenant(ctx, at.TenantID)
	if err != nil {
		return nil, err
	}
	if at.LastUsedAt == nil || now.Sub(*at.LastUsedAt) >= touchInterval {
		if err := a.Store.TouchAccessToken(ctx, at.ID, now); err != nil {
			a.Log.WarnContext(ctx, "cannot record access token use", "token", at.ID, "err", err)
		}
	}
	kind := hookd.CredentialAccessToken
	credID := at.ID
	if at.OAuthClientID != "" {
		// Tokens of one client share its rate limit.
		kind, credID = hookd.CredentialOAuthToken, at.OAuthClientID
	}
	return &hookd.Principal{Kind: kind, TenantID: t.ID, Tenant: t, CredentialID: credID, Scopes: at.Scopes, ExpiresAt: at.ExpiresAt}, nil
}

// MaxServiceAccountCandidates is how many service accounts of different
// tenants that share an email HTTP Basic on /api/v1 tries, oldest first.
// Each failed or first call pays this many argon2id checks whatever the
// number of accounts, so that its time tells nothing about other tenants.
const MaxServiceAccountCandidates = 3

// authenticateBasic checks a service account's email:password (base64).
//
// A service account's email is unique within its tenant only, so that
// creating one reveals nothing about other tenants. On /hooks/{tenant}/…
// the email is looked up in that tenant; on /api/v1 among the oldest
// MaxServiceAccountCandidates accounts of any tenant with that email, the
// first whose password matches winning. A password verified within
// PasswordCacheTTL passes at once; any other attempt reserves a failure of
// the account and of the address (refused with ERATELIMITED past their
// limits), then checks the password of every candidate, padded with dummy
// checks to a fixed number, under the bound on concurrent hashing.
func (a *App) authenticateBasic(ctx context.Context, req AuthRequest, credential string) (*hookd.Principal, error) {
	raw, err := base64.StdEncoding.DecodeString(credential)
	if err != nil {
		return nil, malformed("The Basic credential is not valid base64 (standard alphabet, padded) of email:password.")
	}
	email, password, ok := strings.Cut(string(raw), ":")
	switch {
	case !ok:
		return nil, malformed("The Basic credential has no colon between the email and the password.")
	case email == "":
		return nil, malformed("The Basic credential has no email before the colon.")
	case password == "":
		return nil, malformed("The Basic credential has no password after the colon.")
	case !utf8.ValidString(email) || hookd.HasControl(email):
		return nil, malformed("The email of the Basic credential is not valid UTF-8 text without control characters.")
	case len(password) > MaxPasswordBytes:
		return nil, errUnauthorized()
	}
	email = hookd.NormalizeEmail(email)

	scope, checks := "*", MaxServiceAccountCandidates
	var accounts []*hookd.ServiceAccount
	if req.ForTenant {
		scope, checks = req.TenantID, 1
		if req.TenantID != "" {
			accounts, err = a.Store.ServiceAccountsByEmail(ctx, req.TenantID, email, 1)
		}
	} else {
		accounts, err = a.Store.ServiceAccountsByEmail(ctx, "", email, MaxServiceAccountCandidates)
	}
	if err != nil {
		return nil, err
	}
	for _, sa := range accounts {
		if a.rememberedPassword(sa, password) {
			return a.servicePrincipal(ctx, sa)
		}
	}

	accountKey := "account:" + scope + ":" + email
	addrKey := addressKey(req.SourceIP)
	if wait := a.basicFailures.reserve(ctx, a.Clock.Now(), a.BasicLockout,
		throttleKey{accountKey, a.BasicAccountLimit}, throttleKey{addrKey, a.BasicAddressLimit}); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return nil, retryLater(hookd.Errorf(hookd.ERATELIMITED,
			"Too many failed attempts with this email or from this address; try again in %d second%s.", secs, plural(secs)), wait)
	}
	hashes := make([]string, len(accounts))
	for i, sa := range accounts {
		hashes[i] = sa.PasswordHash
	}
	matched, err := a.verifyPasswords(ctx, password, hashes, checks)
	if err != nil {
		a.basicFailures.release(ctx, accountKey)
		a.basicFailures.release(ctx, addrKey)
		return nil, err
	}
	if len(matched) == 0 {
		return nil, errUnauthorized()
	}
	a.basicFailures.reset(ctx, accountKey)
	a.basicFailures.release(ctx, addrKey)
	sa := accounts[matched[0]]
	a.rememberPassword(sa, password)
	return a.servicePrincipal(ctx, sa)
}

// servicePrincipal returns the principal of an authenticated service
// account, recording the use.
func (a *App) servicePrincipal(ctx context.Context, sa *hookd.ServiceAccount) (*hookd.Principal, error) {
	t, err := a.Store.Tenant(ctx, sa.TenantID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	if sa.LastUsedAt == nil || now.Sub(*sa.LastUsedAt) >= touchInterval {
		if err := a.Store.TouchServiceAccount(ctx, sa.ID, now); err != nil {
			a.Log.WarnContext(ctx, "cannot record service account use", "account", sa.ID, "err", err)
		}
	}
	return &hookd.Principal{Kind: hookd.CredentialServiceAccount, TenantID: t.ID, Tenant: t, CredentialID: sa.ID, Scopes: sa.Scopes}, nil
}

// passwordMemoKey is the key of a verified password in the memo: a SHA-256
// over the account, its stored hash and the password, so that the memo
// never holds the password, and a changed password or re-created account
// misses it.
func passwordMemoKey(sa *hookd.ServiceAccount, password string) string {
	sum := sha256.Sum256([]byte(sa.ID + "\x00" + sa.PasswordHash + "\x00" + password))
	return hex.EncodeToString(sum[:])
}

// rememberedPassword reports whether password was verified for sa within
// PasswordCacheTTL.
func (a *App) rememberedPassword(sa *hookd.ServiceAccount, password string) bool {
	if a.PasswordCacheTTL <= 0 {
		return false
	}
	v, ok := a.verified.Load(passwordMemoKey(sa, password))
	return ok && a.Clock.Now().Before(v.(time.Time).Add(a.PasswordCacheTTL))
}

// rememberPassword remembers that password was verified for sa.
func (a *App) rememberPassword(sa *hookd.ServiceAccount, password string) {
	if a.PasswordCacheTTL > 0 {
		a.verified.Store(passwordMemoKey(sa, password), a.Clock.Now())
	}
}

// AuthenticateOAuthClient checks the credentials of an OAuth client at the
// token endpoint, from sourceIP. Failures are counted per address only
// (BasicAddressLimit within BasicLockout, apart from HTTP Basic's), never
// per client: whoever knows a client's ID cannot lock the client out.
// Returns EUNAUTHORIZED for an unknown client or a wrong secret, and
// ERATELIMITED (with RetryAfter) when the address has failed too often.
func (a *App) AuthenticateOAuthClient(ctx context.Context, clientID, clientSecret, sourceIP string) (*hookd.OAuthClient, error) {
	key := "oauth-" + addressKey(sourceIP)
	if wait := a.basicFailures.reserve(ctx, a.Clock.Now(), a.BasicLockout, throttleKey{key, a.BasicAddressLimit}); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return nil, retryLater(hookd.Errorf(hookd.ERATELIMITED,
			"Too many failed client authentications from this address; try again in %d second%s.", secs, plural(secs)), wait)
	}
	c, err := a.Store.OAuthClient(ctx, "", clientID)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil, hookd.Errorf(hookd.EUNAUTHORIZED, "Client authentication failed.")
	} else if err != nil {
		a.basicFailures.release(ctx, key)
		return nil, err
	}
	if !secret.Equal(c.SecretHash, secret.HashToken(clientSecret)) {
		return nil, hookd.Errorf(hookd.EUNAUTHORIZED, "Client authentication failed.")
	}
	a.basicFailures.release(ctx, key)
	return c, nil
}

// EnsureOperatorToken sets up the operator token at start. With configured
// set (HOOKD_ADMIN_TOKEN), its hash replaces any stored one and "" is
// returned. Otherwise, on the first start a token is generated, its hash
// stored and the plaintext returned so it can be printed once; on later
// starts "" is returned.
func (a *App) EnsureOperatorToken(ctx context.Context, configured string) (string, error) {
	if configured != "" {
		sum := secret.HashToken(configured)
		return "", a.Store.PutSetting(ctx, SettingOperatorTokenHash, hex.EncodeToString(sum))
	}
	token := secret.NewToken(operatorPrefix, tokenRandomLength)
	want := hex.EncodeToString(secret.HashToken(token))
	got, err := a.Store.PutSettingIfAbsent(ctx, SettingOperatorTokenHash, want)
	if err != nil {
		return "", err
	}
	if got != want {
		return "", nil
	}
	return token, nil
}

// ResetOperatorToken replaces the operator token with a new one and returns
// it; the old one stops working at once.
func (a *App) ResetOperatorToken(ctx context.Context) (string, error) {
	token := secret.NewToken(operatorPrefix, tokenRandomLength)
	if err := a.Store.PutSetting(ctx, SettingOperatorTokenHash, hex.EncodeToString(secret.HashToken(token))); err != nil {
		return "", err
	}
	return token, nil
}

// AuthenticateOperator checks the operator token, comparing hashes in
// constant time. Returns EUNAUTHORIZED if it is wrong.
func (a *App) AuthenticateOperator(ctx context.Context, token string) (*hookd.Principal, error) {
	stored, err := a.Store.Setting(ctx, SettingOperatorTokenHash)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	want, err := hex.DecodeString(stored)
	if err != nil || token == "" || !secret.Equal(want, secret.HashToken(token)) {
		return nil, errUnauthorized()
	}
	return &hookd.Principal{Kind: hookd.CredentialOperator, CredentialID: "operator"}, nil
}

// DefaultPasswordHashWait is how long a password check waits for a free
// hashing slot before it is refused with EUNAVAILABLE.
const DefaultPasswordHashWait = time.Second

// DefaultPasswordHashConcurrency is how many argon2id password checks run
// at once by default: half the CPUs, at least one. Each takes the memory of
// the password parameters (64 MiB by default) while it runs.
func DefaultPasswordHashConcurrency() int { return max(1, runtime.NumCPU()/2) }

// retryAfterError is a refusal (ERATELIMITED, EUNAVAILABLE) that says when
// to try again.
type retryAfterError struct {
	err   *hookd.Error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

func retryLater(err *hookd.Error, after time.Duration) error {
	return &retryAfterError{err: err, after: after}
}

// RetryAfter returns how long the caller should wait before trying again
// after err, when err says (a throttled sign-in, a busy password check).
func RetryAfter(err error) (time.Duration, bool) {
	var e *retryAfterError
	if errors.As(err, &e) {
		return e.after, true
	}
	return 0, false
}

// errHashingBusy refuses a password check that found no free slot in time.
func errHashingBusy() error {
	return retryLater(hookd.Errorf(hookd.EUNAVAILABLE,
		"Too many passwords are being checked right now; try again in a second."), time.Second)
}

// PasswordHashStats tells how the bound on password hashing is used.
type PasswordHashStats struct {
	Running int   // password checks running now
	Peak    int   // the most that ever ran at once
	Checks  int64 // argon2id verifications done, dummy ones included
}

// PasswordHashing returns the App's password hashing figures.
func (a *App) PasswordHashing() PasswordHashStats {
	return PasswordHashStats{Running: int(a.hashRunning.Load()), Peak: int(a.hashPeak.Load()), Checks: a.hashChecks.Load()}
}

// verifyPasswords checks password against each argon2id hash, and against
// the dummy hash as many more times as it takes to make checks in all, so
// that the time it takes does not tell how many hashes there were; it
// returns the indexes of the hashes that match. It runs once one of
// PasswordHashConcurrency slots is free, and returns EUNAVAILABLE if none
// is within PasswordHashWait or ctx ends first.
func (a *App) verifyPasswords(ctx context.Context, password string, hashes []string, checks int) ([]int, error) {
	a.hashOnce.Do(func() {
		n := a.PasswordHashConcurrency
		if n <= 0 {
			n = DefaultPasswordHashConcurrency()
		}
		a.hashSlots = make(chan struct{}, n)
	})
	select {
	case a.hashSlots <- struct{}{}:
	default:
		wait := a.PasswordHashWait
		if wait <= 0 {
			wait = DefaultPasswordHashWait
		}
		timer := time.NewTimer(wait)
		select {
		case a.hashSlots <- struct{}{}:
			timer.Stop()
		case <-timer.C:
			return nil, errHashingBusy()
		case <-ctx.Done():
			timer.Stop()
			return nil, errHashingBusy()
		}
	}
	defer func() { <-a.hashSlots }()
	running := a.hashRunning.Add(1)
	defer a.hashRunning.Add(-1)
	for {
		peak := a.hashPeak.Load()
		if running <= peak || a.hashPeak.CompareAndSwap(peak, running) {
			break
		}
	}
	dummy := a.dummyPasswordHash()
	var matched []int
	for i := range max(len(hashes), checks) {
		if i >= len(hashes) {
			_, _ = secret.VerifyPassword(password, dummy)
			continue
		}
		if ok, err := secret.VerifyPassword(password, hashes[i]); err == nil && ok {
			matched = append(matched, i)
		}
	}
	a.hashChecks.Add(int64(max(len(hashes), checks)))
	return matched, nil
}
