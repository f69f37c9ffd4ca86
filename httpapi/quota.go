package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd/app"
)

// Quota is how many items of a kind the tenant has, and how many it may.
type Quota struct {
	Kind  string `json:"kind" enum:"endpoints,event_types,destinations,access_tokens,oauth_clients,service_accounts" example:"endpoints"`
	Used  int    `json:"used" example:"12"`
	Limit int    `json:"limit" example:"1000" doc:"The most the tenant may have on its plan; 0 means no limit. Creating one more at the limit answers 403 urn:hookd:problem:quota-exceeded."`
}

type quotasOutput struct {
	Body struct {
		Quotas []Quota `json:"quotas"`
	}
}

func registerGetQuotas(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/quotas", "get-quotas", "API access", "Get your quotas",
		"Returns, for each kind of item the tenant creates (endpoints, its own event types, provisioning destinations, "+
			"named access tokens, OAuth clients, service accounts), how many it has and how many its plan allows. "+
			"A create beyond the limit answers 403 with type `urn:hookd:problem:quota-exceeded`, its `errors` naming "+
			"the quota (`location` `quota.<kind>`).", http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*quotasOutput, error) {
		usage, err := a.TenantQuotas(ctx, tenantID(ctx))
		if err != nil {
			return nil, err
		}
		out := &quotasOutput{}
		out.Body.Quotas = make([]Quota, 0, len(usage))
		for _, u := range usage {
			out.Body.Quotas = append(out.Body.Quotas, Quota{Kind: string(u.Kind), Used: u.Used, Limit: u.Limit})
		}
		return out, nil
	})
}
