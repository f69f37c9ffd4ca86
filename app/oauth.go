package app

import (
	"context"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateOAuthClient registers an application for the OAuth2
// client-credentials grant and returns it with its secret, shown only now.
func (a *App) CreateOAuthClient(ctx context.Context, tenantID, name string) (*hookd.OAuthClient, string, error) {
	name, err := validateName("body.name", name)
	if err != nil {
		return nil, "", err
	}
	sec := secret.NewToken(clientSecretPrefix, tokenRandomLength)
	c := &hookd.OAuthClient{
		ID:         hookd.NewID(hookd.PrefixOAuthClient),
		TenantID:   tenantID,
		Name:       name,
		SecretHash: secret.HashToken(sec),
		CreatedAt:  a.now(),
	}
	if err := a.Store.CreateOAuthClient(ctx, c, a.quota(hookd.QuotaOAuthClients)...); err != nil {
		return nil, "", err
	}
	return c, sec, nil
}

// ListOAuthClients returns a page of the tenant's OAuth clients.
func (a *App) ListOAuthClients(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.OAuthClient], error) {
	return a.Store.ListOAuthClients(ctx, tenantID, p)
}

// OAuthClient returns one of the tenant's OAuth clients. Returns ENOTFOUND.
func (a *App) OAuthClient(ctx context.Context, tenantID, id string) (*hookd.OAuthClient, error) {
	return a.Store.OAuthClient(ctx, tenantID, id)
}

// DeleteOAuthClient deletes a client and every token issued to it; they stop
// working at once. Returns ENOTFOUND.
func (a *App) DeleteOAuthClient(ctx context.Context, tenantID, id string) error {
	return a.Store.DeleteOAuthClient(ctx, tenantID, id)
}

// IssuedToken is a bearer token issued by the client-credentials grant.
type IssuedToken struct {
	Token     string
	ExpiresIn time.Duration
}

// IssueOAuthToken checks a client's credentials (RFC 6749 §4.4) and issues a
// short-lived bearer token. Returns EUNAUTHORIZED for an unknown client or a
// wrong secret, EAPIDISABLED or EPLANFORBIDDEN when the tenant may not use
// the API.
func (a *App) IssueOAuthToken(ctx context.Context, clientID, clientSecret string) (IssuedToken, error) {
	c, err := a.Store.OAuthClient(ctx, "", clientID)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return IssuedToken{}, hookd.Errorf(hookd.EUNAUTHORIZED, "Client authentication failed.")
	} else if err != nil {
		return IssuedToken{}, err
	}
	if !secret.Equal(c.SecretHash, secret.HashToken(clientSecret)) {
		return IssuedToken{}, hookd.Errorf(hookd.EUNAUTHORIZED, "Client authentication failed.")
	}
	t, err := a.Store.Tenant(ctx, c.TenantID)
	if err != nil {
		return IssuedToken{}, err
	}
	if err := checkAPIAllowed(t); err != nil {
		return IssuedToken{}, err
	}
	token := secret.NewToken(oauthTokenPrefix, tokenRandomLength)
	now := a.now()
	exp := now.Add(a.OAuthTokenTTL)
	at := &hookd.AccessToken{
		ID:            hookd.NewID(hookd.PrefixAccessToken),
		TenantID:      t.ID,
		Name:          c.Name,
		Prefix:        token[:len(oauthTokenPrefix)+4],
		Hash:          secret.HashToken(token),
		CreatedAt:     now,
		OAuthClientID: c.ID,
		ExpiresAt:     &exp,
	}
	if err := a.Store.CreateAccessToken(ctx, at); err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{Token: token, ExpiresIn: a.OAuthTokenTTL}, nil
}

// PruneExpiredTokens deletes expired OAuth tokens in batches of 500 until
// none are left or ctx ends, and returns how many it deleted.
func (a *App) PruneExpiredTokens(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := a.Store.DeleteExpiredAccessTokens(ctx, a.now(), 500)
		total += n
		if err != nil || n < 500 || ctx.Err() != nil {
			return total, err
		}
	}
}
