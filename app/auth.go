package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Authorization schemes of the Authorization header.
const (
	SchemeToken  = "Token"  // a tenant's API key
	SchemeBearer = "Bearer" // an access token, an OAuth token or the operator token
	SchemeBasic  = "Basic"  // a service account's email:password, base64
)

// SettingOperatorTokenHash is the setting that holds the SHA-256 (hex) of the
// operator token.
const SettingOperatorTokenHash = "operator_token_sha256"

// touchInterval is how stale last_used_at may get before a use rewrites it;
// it keeps the hot path from writing on every call.
const touchInterval = time.Minute

// errUnauthorized is the one answer to every failed authentication, so the
// caller learns nothing about which part was wrong.
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

// Authenticate checks a tenant credential from an Authorization header (the
// scheme and the text after it) and returns who it belongs to. Returns
// EUNAUTHORIZED when the credential is missing, unknown, expired or wrong;
// EAPIDISABLED when the tenant's API is switched off; EPLANFORBIDDEN when the
// tenant's plan lacks the API.
func (a *App) Authenticate(ctx context.Context, scheme, credential string) (*hookd.Principal, error) {
	credential = strings.TrimSpace(credential)
	if credential == "" {
		return nil, errUnauthorized()
	}
	var p *hookd.Principal
	var err error
	switch {
	case strings.EqualFold(scheme, SchemeToken):
		p, err = a.authenticateAPIKey(ctx, credential)
	case strings.EqualFold(scheme, SchemeBearer):
		p, err = a.authenticateBearer(ctx, credential)
	case strings.EqualFold(scheme, SchemeBasic):
		p, err = a.authenticateBasic(ctx, credential)
	default:
		return nil, errUnauthorized()
	}
	if err != nil {
		return nil, err
	}
	if err := checkAPIAllowed(p.Tenant); err != nil {
		return nil, err
	}
	return p, nil
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

func (a *App) authenticateBasic(ctx context.Context, credential string) (*hookd.Principal, error) {
	raw, err := base64.StdEncoding.DecodeString(credential)
	if err != nil {
		return nil, errUnauthorized()
	}
	email, password, ok := strings.Cut(string(raw), ":")
	if !ok || hookd.HasControl(email) {
		return nil, errUnauthorized()
	}
	sa, err := a.Store.ServiceAccountByEmail(ctx, hookd.NormalizeEmail(email))
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		_, _ = secret.VerifyPassword(password, a.dummyPasswordHash())
		return nil, errUnauthorized()
	} else if err != nil {
		return nil, err
	}
	if !a.verifyAccountPassword(sa, password) {
		return nil, errUnauthorized()
	}
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

// verifyAccountPassword checks password against the account's argon2id hash,
// remembering a success for PasswordCacheTTL. The memo is keyed by a SHA-256
// over the account, its stored hash and the password, so it never holds the
// password, and a changed password or re-created account misses it.
func (a *App) verifyAccountPassword(sa *hookd.ServiceAccount, password string) bool {
	sum := sha256.Sum256([]byte(sa.ID + "\x00" + sa.PasswordHash + "\x00" + password))
	key := hex.EncodeToString(sum[:])
	now := a.Clock.Now()
	if a.PasswordCacheTTL > 0 {
		if v, ok := a.verified.Load(key); ok && now.Before(v.(time.Time).Add(a.PasswordCacheTTL)) {
			return true
		}
	}
	ok, err := secret.VerifyPassword(password, sa.PasswordHash)
	if err != nil || !ok {
		return false
	}
	if a.PasswordCacheTTL > 0 {
		a.verified.Store(key, now)
	}
	return true
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
