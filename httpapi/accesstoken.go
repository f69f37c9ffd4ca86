package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// AccessToken is a named access token as listed: never the token itself.
type AccessToken struct {
	ID         string     `json:"id" example:"tok_0193b7e4a1c27d5e9f3a1b2c3d4e5f61"`
	Name       string     `json:"name" example:"CI pipeline"`
	Prefix     string     `json:"prefix" example:"hkd_at_3kP9" doc:"The token's first characters, to recognise it."`
	CreatedAt  time.Time  `json:"created_at" example:"2026-11-23T09:40:00Z"`
	LastUsedAt *time.Time `json:"last_used_at" nullable:"true" example:"2026-11-23T10:02:00Z" doc:"When the token last authenticated a request (to the minute); null if never."`
	ExpiresAt  *time.Time `json:"expires_at" nullable:"true" example:"2026-12-23T09:40:00Z" doc:"When the token stops working; null if never."`
	Scopes     []string   `json:"scopes" enum:"read,webhooks,directory,inbound,credentials" example:"read,webhooks" doc:"What the token may do; see the scopes table in the API description."`
}

func accessTokenOf(t *hookd.AccessToken) AccessToken {
	return AccessToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt,
		ExpiresAt: t.ExpiresAt, Scopes: scopeNames(t.Scopes)}
}

type accessTokenOutput struct{ Body AccessToken }

// CreatedAccessToken is the answer to creating a token: the only time the
// token appears.
type CreatedAccessToken struct {
	AccessToken
	Token string `json:"token" example:"hkd_at_3kP9Qw7Ve2Lm5Zx8Rt1Yb4Nc6Hd0Sf3Gj9Ua2Wi" doc:"The token. Shown only in this answer; copy it now. Send it as Authorization: Bearer <token>."`
}

type nameInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200" example:"CI pipeline"`
	}
}

type createAccessTokenInput struct {
	Body struct {
		Name      string     `json:"name" minLength:"1" maxLength:"200" example:"CI pipeline"`
		Scopes    []string   `json:"scopes,omitempty" enum:"read,webhooks,directory,inbound,credentials" example:"read,webhooks" doc:"What the token may do. Default: every scope but credentials, as far as your own credential has them. You can grant only scopes your credential has."`
		ExpiresAt *time.Time `json:"expires_at,omitempty" example:"2026-12-23T09:40:00Z" doc:"When the token stops working. Default: never, or, if your own credential expires, when it does; a token can never outlive the credential that makes it."`
	}
}

func registerCreateAccessToken(api huma.API, a *app.App) {
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/access-tokens", "create-access-token", "Access tokens", "Create an access token",
		"Creates a named bearer token with the scopes asked for. The answer holds the token; it is shown this once and never again (hookd keeps only its hash). "+
			"A credential can make only a token with no more scopes and no longer life than its own: 403 `insufficient-scope` names a scope it lacks, 403 `forbidden` a lifetime it cannot grant.",
		http.StatusCreated))
	huma.Register(api, op, func(ctx context.Context, in *createAccessTokenInput) (*struct{ Body CreatedAccessToken }, error) {
		t, token, err := a.CreateAccessToken(ctx, principalFrom(ctx), app.NewAccessToken{Name: in.Body.Name, Scopes: in.Body.Scopes, ExpiresAt: in.Body.ExpiresAt})
		if err != nil {
			return nil, err
		}
		return &struct{ Body CreatedAccessToken }{Body: CreatedAccessToken{AccessToken: accessTokenOf(t), Token: token}}, nil
	})
}

func registerListAccessTokens(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/access-tokens", "list-access-tokens", "Access tokens", "List access tokens",
		"Lists the tenant's named access tokens (names and prefixes, never the tokens). Sort by `created_at` (default), `name` or `last_used_at`; `q` searches names.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[AccessToken], error) {
		p, err := a.ListAccessTokens(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, accessTokenOf), nil
	})
}

type idInput struct {
	ID string `path:"id" doc:"The item's id."`
}

func registerGetAccessToken(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/access-tokens/{id}", "get-access-token", "Access tokens", "Get an access token",
		"Returns one named token (never the token itself).", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*accessTokenOutput, error) {
		t, err := a.AccessToken(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &accessTokenOutput{Body: accessTokenOf(t)}, nil
	})
}

type renameInput struct {
	ID   string `path:"id"`
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200" example:"Deploy bot"`
	}
}

func registerRenameAccessToken(api huma.API, a *app.App) {
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/access-tokens/{id}", "rename-access-token", "Access tokens", "Rename an access token",
		"Renames a token; the token itself does not change.", http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *renameInput) (*accessTokenOutput, error) {
		t, err := a.RenameAccessToken(ctx, tenantID(ctx), in.ID, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &accessTokenOutput{Body: accessTokenOf(t)}, nil
	})
}

func registerRevokeAccessToken(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodDelete, "/api/v1/access-tokens/{id}", "revoke-access-token", "Access tokens", "Revoke an access token",
		"Revokes a token: it stops working at once.", http.StatusNoContent, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, a.RevokeAccessToken(ctx, tenantID(ctx), in.ID)
	})
}
