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
	ID         string `json:"id" example:"ten_0193b7e4a1c27d5e9f3a1b2c3d4e5f60"`
	Slug       string `json:"slug" example:"acme" doc:"Unique, URL-safe name used in inbound webhook URLs."`
	Name       string `json:"name" example:"Acme Inc."`
	Plan       string `json:"plan" enum:"free,platinum,enterprise" example:"enterprise" doc:"free: no API and no webhooks; platinum and enterprise: both."`
	APIEnabled bool   `json:"api_enabled" example:"false" doc:"Whether the tenant's REST API is on."`
	// RequireHTTPSEndpoints is the tenant setting of GET /api/v1/settings.
	RequireHTTPSEndpoints bool      `json:"require_https_endpoints" example:"false" doc:"Whether every endpoint of the tenant must have an https URL."`
	CreatedAt             time.Time `json:"created_at" example:"2026-11-23T09:40:00Z"`
}

func tenantOf(t *hookd.Tenant) Tenant {
	return Tenant{ID: t.ID, Slug: t.Slug, Name: t.Name, Plan: string(t.Plan), APIEnabled: t.APIEnabled,
		RequireHTTPSEndpoints: t.RequireHTTPSEndpoints, CreatedAt: t.CreatedAt}
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
		Name                  *string `json:"name,omitempty" example:"Acme Corporation"`
		Plan                  *string `json:"plan,omitempty" enum:"free,platinum,enterprise" example:"platinum" doc:"Moving to free keeps the API key but makes it answer 403."`
		RequireHTTPSEndpoints *bool   `json:"require_https_endpoints,omitempty" example:"true" doc:"The tenant setting of PATCH /api/v1/settings: true refuses endpoint URLs that are not https. Switching it on while the tenant has http endpoints answers 409 naming them, and changes nothing."`
	}
}

func registerUpdateTenant(api huma.API, a *app.App) {
	op := withBodyErrors(operatorOperation(http.MethodPatch, "/api/v1/admin/tenants/{slug}", "update-tenant", "Change a tenant",
		"Changes a tenant's name, plan or `require_https_endpoints` setting; fields left out stay as they are. "+
			"Requiring https while the tenant has endpoints whose URL is not https answers 409 (`urn:hookd:problem:conflict`) "+
			"with one entry in `errors` per such endpoint (`location` `endpoints.<id>`), and changes nothing.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *updateTenantInput) (*tenantOutput, error) {
		var plan *hookd.Plan
		if in.Body.Plan != nil {
			p := hookd.Plan(*in.Body.Plan)
			plan = &p
		}
		t, err := a.UpdateTenant(ctx, in.Slug, app.UpdateTenantInput{Name: in.Body.Name, Plan: plan,
			RequireHTTPSEndpoints: in.Body.RequireHTTPSEndpoints})
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

// Settings are the settings a tenant changes for itself.
type Settings struct {
	RequireHTTPSEndpoints bool `json:"require_https_endpoints" example:"true" doc:"Whether every endpoint must have an https URL. While true, creating or changing an endpoint with an http URL answers 422 at body.url."`
}

type settingsOutput struct{ Body Settings }

func settingsOf(s app.TenantSettings) *settingsOutput {
	return &settingsOutput{Body: Settings{RequireHTTPSEndpoints: s.RequireHTTPSEndpoints}}
}

func registerGetSettings(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/settings", "get-settings", "Settings", "Get your tenant's settings",
		"Returns the tenant's settings.", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*settingsOutput, error) {
		s, err := a.TenantSettings(ctx, tenantID(ctx))
		if err != nil {
			return nil, err
		}
		return settingsOf(s), nil
	})
}

type updateSettingsInput struct {
	Body struct {
		RequireHTTPSEndpoints *bool `json:"require_https_endpoints,omitempty" example:"true" doc:"true refuses endpoint URLs that are not https from now on; false allows http again."`
	}
}

func registerUpdateSettings(api huma.API, a *app.App) {
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/settings", "update-settings", "Settings", "Change your tenant's settings",
		"Changes the tenant's settings; fields left out stay as they are. "+
			"Setting `require_https_endpoints` to true while endpoints have URLs that are not https answers 409 "+
			"(`urn:hookd:problem:conflict`): `detail` names them, and `errors` holds one entry per endpoint "+
			"(`location` `endpoints.<id>`, `message` with its name and URL). Nothing changes then: hookd never turns "+
			"an endpoint off or rewrites its URL for you. Change those URLs to https (or delete the endpoints) and try again.",
		http.StatusOK, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *updateSettingsInput) (*settingsOutput, error) {
		s, err := a.UpdateTenantSettings(ctx, tenantID(ctx), app.UpdateTenantSettingsInput{
			RequireHTTPSEndpoints: in.Body.RequireHTTPSEndpoints,
		})
		if err != nil {
			return nil, err
		}
		return settingsOf(s), nil
	})
}
