package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// ServiceAccount is a service account as the API shows it: never its password.
type ServiceAccount struct {
	ID         string     `json:"id" example:"sva_0193b7e4a1c27d5e9f3a1b2c3d4e5f62"`
	Email      string     `json:"email" example:"hr-sync@acme.example"`
	CreatedAt  time.Time  `json:"created_at" example:"2026-11-23T09:40:00Z"`
	LastUsedAt *time.Time `json:"last_used_at" nullable:"true" example:"2026-11-23T10:02:00Z"`
	Scopes     []string   `json:"scopes" enum:"read,webhooks,directory,inbound,credentials" example:"inbound" doc:"What the account may do."`
}

func serviceAccountOf(s *hookd.ServiceAccount) ServiceAccount {
	return ServiceAccount{ID: s.ID, Email: s.Email, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, Scopes: scopeNames(s.Scopes)}
}

type serviceAccountOutput struct{ Body ServiceAccount }

type createServiceAccountInput struct {
	Body struct {
		Email    string   `json:"email" example:"hr-sync@acme.example" doc:"Unique within the tenant; the Basic auth user name."`
		Password string   `json:"password" example:"a-long-random-password" doc:"At least 12 characters, not one character or a short sequence repeated, not a run such as 123456789012, not containing the email, not one of the most common passwords; stored as an argon2id hash."`
		Scopes   []string `json:"scopes,omitempty" enum:"read,webhooks,directory,inbound,credentials" example:"inbound" doc:"What the account may do. Default: inbound only (calling /hooks). You can grant only scopes your credential has."`
	}
}

func registerCreateServiceAccount(api huma.API, a *app.App) {
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/service-accounts", "create-service-account", "Service accounts", "Create a service account",
		"Creates a machine user that authenticates with HTTP Basic (`Authorization: Basic base64(email:password)`), for systems that cannot send tokens. "+
			"It may call the inbound webhooks only, unless given more scopes. An account never expires, so a credential that expires cannot make one (403).",
		http.StatusCreated, http.StatusConflict))
	huma.Register(api, op, func(ctx context.Context, in *createServiceAccountInput) (*serviceAccountOutput, error) {
		sa, err := a.CreateServiceAccount(ctx, principalFrom(ctx), in.Body.Email, in.Body.Password, in.Body.Scopes)
		if err != nil {
			return nil, err
		}
		return &serviceAccountOutput{Body: serviceAccountOf(sa)}, nil
	})
}

func registerListServiceAccounts(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/service-accounts", "list-service-accounts", "Service accounts", "List service accounts",
		"Lists the tenant's service accounts. Sort by `created_at` (default) or `email`; `q` searches emails.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[ServiceAccount], error) {
		p, err := a.ListServiceAccounts(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, serviceAccountOf), nil
	})
}

func registerGetServiceAccount(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/service-accounts/{id}", "get-service-account", "Service accounts", "Get a service account",
		"Returns one service account.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*serviceAccountOutput, error) {
		sa, err := a.ServiceAccount(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &serviceAccountOutput{Body: serviceAccountOf(sa)}, nil
	})
}

func registerDeleteServiceAccount(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodDelete, "/api/v1/service-accounts/{id}", "delete-service-account", "Service accounts", "Delete a service account",
		"Deletes a service account; its credentials stop working at once.", http.StatusNoContent, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, a.DeleteServiceAccount(ctx, tenantID(ctx), in.ID)
	})
}
