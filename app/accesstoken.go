package app

import (
	"context"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// NewAccessToken is what makes an access token.
type NewAccessToken struct {
	Name string
	// Scopes are the token's scopes; nil chooses the default,
	// hookd.DefaultTokenScopes, as far as the creator has them.
	Scopes []string
	// ExpiresAt is when the token stops working; nil for never, or, when
	// the creator's own credential expires, its expiry.
	ExpiresAt *time.Time
}

// CreateAccessToken makes a named token of by's tenant and returns it with
// its plaintext, which is never available again. The token has no scope and
// no life that by lacks. Returns EINVALID for a bad name, unknown scopes or
// an expiry not in the future, and the errors of Principal.MayGrant.
func (a *App) CreateAccessToken(ctx context.Context, by *hookd.Principal, in NewAccessToken) (*hookd.AccessToken, string, error) {
	name, err := validateName("body.name", in.Name)
	if err != nil {
		return nil, "", err
	}
	scopes, err := a.grantedScopes(by, "body.scopes", in.Scopes, hookd.DefaultTokenScopes())
	if err != nil {
		return nil, "", err
	}
	now := a.now()
	exp := in.ExpiresAt
	switch {
	case exp == nil:
		exp = by.ExpiresAt
	case !exp.After(now):
		return nil, "", hookd.Invalid("The expiry is not valid.", hookd.FieldError{Location: "body.expires_at", Message: "must be in the future"})
	}
	if err := by.MayGrant(scopes, exp); err != nil {
		return nil, "", err
	}
	token := secret.NewToken(accessTokenPrefix, tokenRandomLength)
	t := &hookd.AccessToken{
		ID:        hookd.NewID(hookd.PrefixAccessToken),
		TenantID:  by.TenantID,
		Name:      name,
		Prefix:    token[:len(accessTokenPrefix)+4],
		Hash:      secret.HashToken(token),
		CreatedAt: now,
		ExpiresAt: exp,
		Scopes:    scopes,
	}
	if err := a.Store.CreateAccessToken(ctx, t, a.quota(hookd.QuotaAccessTokens)...); err != nil {
		return nil, "", err
	}
	return t, token, nil
}

// grantedScopes returns the scopes named, or when names is nil the default
// def narrowed to those by has. Returns EINVALID at location for unknown or
// no scopes.
func (a *App) grantedScopes(by *hookd.Principal, location string, names []string, def hookd.Scopes) (hookd.Scopes, error) {
	if names == nil {
		return def.Intersect(by.Scopes), nil
	}
	scopes, err := hookd.NewScopes(location, names...)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		return nil, hookd.Invalid("The scopes are not valid.", hookd.FieldError{Location: location, Message: "must name at least one scope"})
	}
	return scopes, nil
}

// ListAccessTokens returns a page of the tenant's named tokens.
func (a *App) ListAccessTokens(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.AccessToken], error) {
	return a.Store.ListAccessTokens(ctx, tenantID, p)
}

// AccessToken returns one of the tenant's named tokens. Returns ENOTFOUND.
func (a *App) AccessToken(ctx context.Context, tenantID, id string) (*hookd.AccessToken, error) {
	return a.Store.AccessToken(ctx, tenantID, id)
}

// RenameAccessToken renames a token. Returns ENOTFOUND or EINVALID.
func (a *App) RenameAccessToken(ctx context.Context, tenantID, id, name string) (*hookd.AccessToken, error) {
	name, err := validateName("body.name", name)
	if err != nil {
		return nil, err
	}
	if err := a.Store.RenameAccessToken(ctx, tenantID, id, name); err != nil {
		return nil, err
	}
	return a.Store.AccessToken(ctx, tenantID, id)
}

// RevokeAccessToken deletes a token; it stops working at once. Returns
// ENOTFOUND.
func (a *App) RevokeAccessToken(ctx context.Context, tenantID, id string) error {
	return a.Store.DeleteAccessToken(ctx, tenantID, id)
}

func validateName(location, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || hookd.HasControl(name) {
		return "", hookd.Invalid("The name is not valid.", hookd.FieldError{Location: location, Message: "must be 1 to 200 characters, without control characters"})
	}
	return name, nil
}
