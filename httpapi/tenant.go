package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// Tenant is a tenant as the API shows it.
type Tenant struct {
	ID         string    `json:"id" example:"ten_0193b7e4a1c27d5e9f3a1b2c3d4e5f60"`
	Slug       string    `json:"slug" example:"acme" doc:"Unique, URL-safe name used in inbound webhook URLs."`
	Name       string    `json:"name" example:"Acme Inc."`
	Plan       string    `json:"plan" enum:"free,platinum,enterprise" example:"enterprise" doc:"free: no API and no webhooks; platinum and enterprise: both."`
	APIEnabled bool      `json:"api_enabled" example:"false" doc:"Whether the tenant's REST API is on."`
	CreatedAt  time.Time `json:"created_at" example:"2026-11-23T09:40:00Z"`
}

func tenantOf(t *hookd.Tenant) Tenant {
	return Tenant{ID: t.ID, Slug: t.Slug, Name: t.Name, Plan: string(t.Plan), APIEnabled: t.APIEnabled, CreatedAt: t.CreatedAt}
}

type tenantOutput struct{ Body Tenant }

type createTenantInput struct {
	Body struct {
		Slug          string `json:"slug" example:"acme" doc:"1-63 lowercase letters, digits or dashes."`
		Name          string `json:"name,omitempty" example:"Acme Inc." doc:"Defaults to the slug."`
		Plan          string `json:"plan,omitempty" enum:"free,platinum,enterprise" example:"enterprise" doc:"Defaults to HOOKD_DEFAULT_PLAN."`
		AdminEmail    string `json:"admin_email,omitempty" example:"admin@acme.example" doc:"Email of the tenant's first console user."`
		AdminPassword string `json:"admin_password,omitempty" example:"correct-horse-battery" doc:"Password of the first console user, at least 12 characters; stored as an argon2id hash."`
	}
}

func registerCreateTenant(api huma.API, a *app.App) {
	op := withBodyErrors(operatorOperation(http.MethodPost, "/api/v1/admin/tenants", "create-tenant", "Create a tenant",
		"Creates a tenant with its plan and, if `admin_email` and `admin_password` are given, its first console user. The tenant's API starts disabled.",
		http.StatusCreated, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *createTenantInput) (*tenantOutput, error) {
		t, err := a.CreateTenant(ctx, app.CreateTenantInput{
			Slug: in.Body.Slug, Name: in.Body.Name, Plan: hookd.Plan(in.Body.Plan),
			AdminEmail: in.Body.AdminEmail, AdminPassword: in.Body.AdminPassword,
		})
		if err != nil {
			return nil, err
		}
		return &tenantOutput{Body: tenantOf(t)}, nil
	})
}

func registerListTenants(api huma.API, a *app.App) {
	op := operatorOperation(http.MethodGet, "/api/v1/admin/tenants", "list-tenants", "List tenants",
		"Lists the instance's tenants. Sort by `created_at` (default), `slug` or `name`; `q` searches slug and name.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[Tenant], error) {
		p, err := a.ListTenants(ctx, in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, tenantOf), nil
	})
}

type slugInput struct {
	Slug string `path:"slug" example:"acme" doc:"The tenant's slug."`
}

func registerGetTenant(api huma.API, a *app.App) {
	op := operatorOperation(http.MethodGet, "/api/v1/admin/tenants/{slug}", "get-tenant", "Get a tenant",
		"Returns one tenant.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *slugInput) (*tenantOutput, error) {
		t, err := a.TenantBySlug(ctx, in.Slug)
		if err != nil {
			return nil, err
		}
		return &tenantOutput{Body: tenantOf(t)}, nil
	})
}

type updateTenantInput struct {
	Slug string `path:"slug" example:"acme"`
	Body struct {
		Name *string `json:"name,omitempty" example:"Acme Corporation"`
		Plan *string `json:"plan,omitempty" enum:"free,platinum,enterprise" example:"platinum" doc:"Moving to free keeps the API key but makes it answer 403."`
	}
}

func registerUpdateTenant(api huma.API, a *app.App) {
	op := withBodyErrors(operatorOperation(http.MethodPatch, "/api/v1/admin/tenants/{slug}", "update-tenant", "Change a tenant",
		"Changes a tenant's name or plan; fields left out stay as they are.", http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateTenantInput) (*tenantOutput, error) {
		var plan *hookd.Plan
		if in.Body.Plan != nil {
			p := hookd.Plan(*in.Body.Plan)
			plan = &p
		}
		t, err := a.UpdateTenant(ctx, in.Slug, app.UpdateTenantInput{Name: in.Body.Name, Plan: plan})
		if err != nil {
			return nil, err
		}
		return &tenantOutput{Body: tenantOf(t)}, nil
	})
}

// APIKeyBody is the state of a tenant's API with its key.
type APIKeyBody struct {
	Enabled bool   `json:"enabled" example:"true"`
	APIKey  string `json:"api_key,omitempty" example:"hkd_key_6fQ2xWb1Lr8Zt3Kp0Yd9Hs4Vn7Mc5Ja2Ge1Ui8Ro" doc:"The API key; present only while the API is enabled. Send it as Authorization: Token <api_key>."`
}

type apiKeyOutput struct{ Body APIKeyBody }

func apiKeyOf(acc app.APIAccess) *apiKeyOutput {
	return &apiKeyOutput{Body: APIKeyBody{Enabled: acc.Enabled, APIKey: acc.Key}}
}

type setTenantAPIInput struct {
	Slug string `path:"slug" example:"acme"`
	Body struct {
		Enabled bool `json:"enabled" example:"true" doc:"true switches the API on (creating the key the first time), false switches it off (the key then answers 403)."`
	}
}

func registerSetTenantAPI(api huma.API, a *app.App) {
	op := withBodyErrors(operatorOperation(http.MethodPut, "/api/v1/admin/tenants/{slug}/api", "set-tenant-api", "Enable or disable a tenant's API",
		"Switches the tenant's REST API on or off. The first switch on creates the API key; switching on again brings the same key back. While off, every tenant credential answers 403 with type `urn:hookd:problem:api-disabled`. A plan without the API answers 403 `urn:hookd:problem:plan-forbidden`.",
		http.StatusOK, http.StatusNotFound, http.StatusForbidden))
	huma.Register(api, op, func(ctx context.Context, in *setTenantAPIInput) (*apiKeyOutput, error) {
		acc, err := a.SetAPIEnabled(ctx, in.Slug, in.Body.Enabled)
		if err != nil {
			return nil, err
		}
		return apiKeyOf(acc), nil
	})
}

func registerRegenerateTenantAPIKey(api huma.API, a *app.App) {
	op := operatorOperation(http.MethodPost, "/api/v1/admin/tenants/{slug}/api/regenerate", "regenerate-tenant-api-key", "Regenerate a tenant's API key",
		"Replaces the tenant's API key with a new one; the old key stops working at once.",
		http.StatusOK, http.StatusNotFound, http.StatusForbidden)
	huma.Register(api, op, func(ctx context.Context, in *slugInput) (*apiKeyOutput, error) {
		t, err := a.TenantBySlug(ctx, in.Slug)
		if err != nil {
			return nil, err
		}
		acc, err := a.RegenerateAPIKey(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		return apiKeyOf(acc), nil
	})
}
