package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// quotaCreates stores the i-th item of each kind for tn under quota.
var quotaCreates = map[hookd.QuotaKind]func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error{
	hookd.QuotaEndpoints: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateEndpoint(t.Context(), newEndpoint(tn, fmt.Sprint("E", i), t0), quota...)
	},
	hookd.QuotaEventTypes: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateEventType(t.Context(), newEventType(tn, fmt.Sprintf("thing.step%d", i), t0), quota...)
	},
	hookd.QuotaDestinations: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateProvisioningDestination(t.Context(), newDestination(tn, fmt.Sprint("D", i), t0), quota...)
	},
	hookd.QuotaAccessTokens: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateAccessToken(t.Context(), &hookd.AccessToken{ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID,
			Name: fmt.Sprint("T", i), Prefix: "hkt_", Hash: hash(fmt.Sprintf("%s/token/%d", tn.ID, i)), CreatedAt: t0}, quota...)
	},
	hookd.QuotaOAuthClients: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateOAuthClient(t.Context(), &hookd.OAuthClient{ID: hookd.NewID(hookd.PrefixOAuthClient), TenantID: tn.ID,
			Name: fmt.Sprint("C", i), SecretHash: hash(fmt.Sprintf("%s/client/%d", tn.ID, i)), CreatedAt: t0}, quota...)
	},
	hookd.QuotaServiceAccounts: func(t *testing.T, s hookd.Store, tn *hookd.Tenant, i int, quota ...hookd.Quota) error {
		return s.CreateServiceAccount(t.Context(), &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: tn.ID,
			Email: fmt.Sprintf("bot%d@%s.example", i, tn.Slug), PasswordHash: "$argon2id$x", CreatedAt: t0}, quota...)
	},
}

var quotaTests = []storeTest{
	// Each create stores its item only below the quota for the tenant's
	// plan, counting only the tenant's own items of that kind.
	{"Enforced", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme") // platinum
		other := newTenant(t, s, "other")
		for _, kind := range hookd.QuotaKinds {
			create := quotaCreates[kind]
			// Another tenant's items do not count.
			must(t, create(t, s, other, 100))
			quota := hookd.Quota{Kind: kind, Limit: 1, PerPlan: map[hookd.Plan]int{hookd.PlanPlatinum: 2}}
			must(t, create(t, s, tn, 0, quota))
			must(t, create(t, s, tn, 1, quota))
			err := create(t, s, tn, 2, quota)
			wantCode(t, err, hookd.EQUOTA)
			if e := (*hookd.Error)(nil); !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Location != "quota."+string(kind) {
				t.Fatalf("%s beyond the quota: %v, want its field quota.%s", kind, err, kind)
			}
			// A quota that does not bound this plan, or none, lets it pass.
			must(t, create(t, s, tn, 3, hookd.Quota{Kind: kind, Limit: 1, PerPlan: map[hookd.Plan]int{hookd.PlanPlatinum: 0}}))
			must(t, create(t, s, tn, 4))
		}
		counts, err := s.QuotaCounts(ctx, tn.ID)
		must(t, err)
		for _, kind := range hookd.QuotaKinds {
			if counts[kind] != 4 {
				t.Errorf("QuotaCounts[%s] = %d, want 4", kind, counts[kind])
			}
		}
		// Tokens issued to OAuth clients are not named tokens.
		page, err := s.ListOAuthClients(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		newOAuthToken(t, s, page.Items[0], "issued", at(time.Hour))
		counts, err = s.QuotaCounts(ctx, tn.ID)
		must(t, err)
		if counts[hookd.QuotaAccessTokens] != 4 {
			t.Errorf("QuotaCounts[access_tokens] with an issued token = %d, want 4", counts[hookd.QuotaAccessTokens])
		}
		// An unknown tenant is ENOTFOUND.
		gone := &hookd.Tenant{ID: "ten_gone", Slug: "gone"}
		wantCode(t, quotaCreates[hookd.QuotaEndpoints](t, s, gone, 0, hookd.Quota{Kind: hookd.QuotaEndpoints, Limit: 5}), hookd.ENOTFOUND)
	}},
	// Creates racing for the last places never pass the quota together.
	{"Concurrent", func(t *testing.T, s hookd.Store) {
		tn := newTenant(t, s, "acme")
		for _, kind := range []hookd.QuotaKind{hookd.QuotaEndpoints, hookd.QuotaServiceAccounts} {
			quota := hookd.Quota{Kind: kind, Limit: 3}
			errs := make([]error, 16)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() { errs[i] = quotaCreates[kind](t, s, tn, i, quota) })
			}
			wg.Wait()
			passed := 0
			for _, err := range errs {
				switch hookd.ErrorCode(err) {
				case "":
					passed++
				case hookd.EQUOTA:
				default:
					t.Fatalf("racing create of %s: %v", kind, err)
				}
			}
			counts, err := s.QuotaCounts(t.Context(), tn.ID)
			must(t, err)
			if passed != 3 || counts[kind] != 3 {
				t.Fatalf("16 racing creates of %s at a quota of 3: %d passed, %d stored", kind, passed, counts[kind])
			}
		}
	}},
}
