package app

import (
	"context"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateAccessToken makes a named token for the tenant and returns it with its
// plaintext, which is never available again. Returns EINVALID for a bad name.
func (a *App) CreateAccessToken(ctx context.Context, tenantID, name string) (*hookd.AccessToken, string, error) {
	name, err := validateName("body.name", name)
	if err != nil {
		return nil, "", err
	}
	token := secret.NewToken(accessTokenPrefix, tokenRandomLength)
	t := &hookd.AccessToken{
		ID:        hookd.NewID(hookd.PrefixAccessToken),
		TenantID:  tenantID,
		Name:      name,
		Prefix:    token[:len(accessTokenPrefix)+4],
		Hash:      secret.HashToken(token),
		CreatedAt: a.now(),
	}
	if err := a.Store.CreateAccessToken(ctx, t, a.quota(hookd.QuotaAccessTokens)...); err != nil {
		return nil, "", err
	}
	return t, token, nil
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
