package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateOAuthClient registers an application of by's tenant for the OAuth2
// client-credentials grant and returns it with its secret, shown only now.
// scopes are the most its tokens may have (nil: hookd.DefaultTokenScopes,
// as far as by has them). A client never expires, so only a credential that
// never expires may make one. Returns EINVALID for a bad name or unknown
// scopes, and the errors of Principal.MayGrant.
func (a *App) CreateOAuthClient(ctx context.Context, by *hookd.Principal, name string, scopes []string) (*hookd.OAuthClient, string, error) {
	name, err := validateName("body.name", name)
	if err != nil {
		return nil, "", err
	}
	granted, err := a.grantedScopes(by, "body.scopes", scopes, hookd.DefaultTokenScopes())
	if err != nil {
		return nil, "", err
	}
	if err := by.MayGrant(granted, nil); err != nil {
		return nil, "", err
	}
	sec := secret.NewToken(clientSecretPrefix, tokenRandomLength)
	c := &hookd.OAuthClient{
		ID:         hookd.NewID(hookd.PrefixOAuthClient),
		TenantID:   by.TenantID,
		Name:       name,
		SecretHash: secret.HashToken(sec),
		Scopes:     granted,
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
	Scopes    hookd.Scopes
}

// IssueOAuthToken checks a client's credentials (RFC 6749 §4.4) and issues a
// short-lived bearer token with the scopes requested (space-separated, RFC
// 6749 §3.3), or the client's when scope is empty. Returns EUNAUTHORIZED for
// an unknown client or a wrong secret, EINSUFFICIENTSCOPE for a scope the
// client lacks, EINVALID for one that does not exist, EAPIDISABLED or EPLANFORBIDDEN when
// the tenant may not use the API.
func (a *App) IssueOAuthToken(ctx context.Context, clientID, clientSecret, scope string) (IssuedToken, error) {
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
	scopes := c.Scopes
	if names := strings.Fields(scope); len(names) > 0 {
		var unknown []hookd.Scope
		for _, n := range names {
			if !hookd.Scope(n).Valid() {
				unknown = append(unknown, hookd.Scope(n))
			}
		}
		if len(unknown) > 0 {
			return IssuedToken{}, hookd.Invalid(fmt.Sprintf("There is no scope %q; the scopes are %s.", string(unknown[0]), hookd.AllScopes()),
				hookd.FieldError{Location: "body.scope", Message: "has an unknown scope"})
		}
		scopes = hookd.ParseScopes(scope)
		if missing := c.Scopes.Missing(scopes); len(missing) > 0 {
			return IssuedToken{}, hookd.InsufficientScope("grant them to its tokens", missing...)
		}
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
		Scopes:        scopes,
	}
	if err := a.Store.CreateAccessToken(ctx, at); err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{Token: token, ExpiresIn: a.OAuthTokenTTL, Scopes: scopes}, nil
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
