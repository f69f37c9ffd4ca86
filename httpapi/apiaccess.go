package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd/app"
)

func registerGetTenantSelf(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/tenant", "get-own-tenant", "API access", "Get your tenant",
		"Returns the tenant the credential belongs to. A cheap call to check that a credential works.", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*tenantOutput, error) {
		return &tenantOutput{Body: tenantOf(principalFrom(ctx).Tenant)}, nil
	})
}

type apiAccessOutput struct {
	Body struct {
		Enabled    bool   `json:"enabled" example:"true"`
		APIKeyHint string `json:"api_key_hint,omitempty" example:"hkd_key_6fQ2…e1Ro" doc:"The key's start and end, safe to show."`
	}
}

func registerGetAPIAccess(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/api", "get-api-access", "API access", "Get the API's state",
		"Says whether the tenant's API is enabled and shows a hint of its key (never the key itself; see `GET /api/v1/api/key`).", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*apiAccessOutput, error) {
		acc, err := a.APIAccess(ctx, tenantID(ctx))
		if err != nil {
			return nil, err
		}
		out := &apiAccessOutput{}
		out.Body.Enabled, out.Body.APIKeyHint = acc.Enabled, acc.Hint
		return out, nil
	})
}

func registerRevealAPIKey(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/api/key", "reveal-api-key", "API access", "Reveal the API key",
		"Returns the tenant's API key in full. hookd keeps it encrypted at rest so that it can be shown again. "+
			"The key has every scope and never expires, so only a credential with every scope that never expires may see it (403 otherwise).", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*apiKeyOutput, error) {
		key, err := a.RevealAPIKeyTo(ctx, principalFrom(ctx))
		if err != nil {
			return nil, err
		}
		return &apiKeyOutput{Body: APIKeyBody{Enabled: true, APIKey: key}}, nil
	})
}

func registerRegenerateAPIKey(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodPost, "/api/v1/api/regenerate", "regenerate-api-key", "API access", "Regenerate the API key",
		"Replaces the tenant's API key; the old key stops working at once, including for the request that called this. "+
			"Only a credential with every scope that never expires may do this (403 otherwise).", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*apiKeyOutput, error) {
		acc, err := a.RegenerateAPIKeyFor(ctx, principalFrom(ctx))
		if err != nil {
			return nil, err
		}
		return apiKeyOf(acc), nil
	})
}
