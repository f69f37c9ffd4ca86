package app

import (
	"context"

	"github.com/hookd/hookd"
)

// Quotas bound how many items of each kind (endpoints, event types,
// provisioning destinations, named access tokens, OAuth clients, service
// accounts) a tenant may have, so that no tenant grows without bound at the
// others' cost: a publish fans out to every endpoint, and every item is
// stored and listed. The store checks a quota in the transaction that
// inserts the item, so creates racing for the last place never both pass.
type Quotas struct {
	// Limits are the instance defaults, by kind; a kind missing or 0 has
	// no bound.
	Limits map[hookd.QuotaKind]int
	// PerPlan overrides Limits for the tenants of a plan (0: no bound).
	PerPlan map[hookd.Plan]map[hookd.QuotaKind]int
}

// DefaultQuotas returns the instance defaults of App.Quotas.
func DefaultQuotas() Quotas {
	return Quotas{Limits: map[hookd.QuotaKind]int{
		hookd.QuotaEndpoints:       1000,
		hookd.QuotaEventTypes:      1000,
		hookd.QuotaDestinations:    100,
		hookd.QuotaAccessTokens:    100,
		hookd.QuotaOAuthClients:    100,
		hookd.QuotaServiceAccounts: 100,
	}}
}

// of returns the quota of kind for the store's create methods: none when
// no plan has a bound.
func (q Quotas) of(kind hookd.QuotaKind) []hookd.Quota {
	quota := hookd.Quota{Kind: kind, Limit: q.Limits[kind]}
	bounded := quota.Limit > 0
	for p, limits := range q.PerPlan {
		if n, ok := limits[kind]; ok {
			if quota.PerPlan == nil {
				quota.PerPlan = map[hookd.Plan]int{}
			}
			quota.PerPlan[p] = n
			bounded = bounded || n > 0
		}
	}
	if !bounded {
		return nil
	}
	return []hookd.Quota{quota}
}

// quota returns the quota of kind for the store's create methods, which
// return EQUOTA for a tenant that has reached it.
func (a *App) quota(kind hookd.QuotaKind) []hookd.Quota { return a.Quotas.of(kind) }

// TenantQuotas returns, for each kind, how many items the tenant has and
// its limit for the tenant's plan (0 for none). Returns ENOTFOUND if the
// tenant does not exist.
func (a *App) TenantQuotas(ctx context.Context, tenantID string) ([]hookd.QuotaUsage, error) {
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	counts, err := a.Store.QuotaCounts(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	usage := make([]hookd.QuotaUsage, 0, len(hookd.QuotaKinds))
	for _, k := range hookd.QuotaKinds {
		u := hookd.QuotaUsage{Kind: k, Used: counts[k]}
		if q := a.Quotas.of(k); q != nil {
			u.Limit = q[0].For(t.Plan)
		}
		usage = append(usage, u)
	}
	return usage, nil
}
