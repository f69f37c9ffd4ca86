package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// wantQuotaExceeded fails t unless err is EQUOTA naming the quota of kind.
func wantQuotaExceeded(t *testing.T, what string, err error, kind hookd.QuotaKind) {
	t.Helper()
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EQUOTA || len(e.Fields) != 1 || e.Fields[0].Location != "quota."+string(kind) {
		t.Fatalf("%s: err = %v, want EQUOTA at quota.%s", what, err, kind)
	}
}

// TestTenantQuotasAreEnforced checks that a tenant cannot create more
// endpoints, event types, destinations, access tokens, OAuth clients or
// service accounts than its quota allows (the instance default, or its
// plan's), that deleting one makes room again, that other tenants are not
// counted, and that creates racing for the last place never both pass.
func TestTenantQuotasAreEnforced(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		a.Quotas = app.Quotas{
			Limits: map[hookd.QuotaKind]int{
				hookd.QuotaEndpoints: 3, hookd.QuotaEventTypes: 2, hookd.QuotaDestinations: 2,
				hookd.QuotaAccessTokens: 2, hookd.QuotaOAuthClients: 2, hookd.QuotaServiceAccounts: 2,
			},
			PerPlan: map[hookd.Plan]map[hookd.QuotaKind]int{
				hookd.PlanPlatinum: {hookd.QuotaEndpoints: 5, hookd.QuotaEventTypes: 0},
			},
		}
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		other := etTenant(t, a, "other", hookd.PlanEnterprise)
		evEndpoint(t, a, other, "theirs")

		creates := map[hookd.QuotaKind]func(tenantID string, i int) error{
			hookd.QuotaEndpoints: func(tenantID string, i int) error {
				_, err := a.CreateEndpoint(ctx, tenantID, app.CreateEndpointInput{Name: fmt.Sprint("e", i), URL: "https://e.example/h"})
				return err
			},
			hookd.QuotaEventTypes: func(tenantID string, i int) error {
				in := assessmentInput()
				in.Name = fmt.Sprintf("assessment.step%d", i)
				_, err := a.CreateEventType(ctx, tenantID, in)
				return err
			},
			hookd.QuotaDestinations: func(tenantID string, i int) error {
				_, err := a.CreateProvisioningDestination(ctx, tenantID, app.CreateDestinationInput{Name: fmt.Sprint("d", i), Type: "generic"})
				return err
			},
			hookd.QuotaAccessTokens: func(tenantID string, i int) error {
				_, _, err := a.CreateAccessToken(ctx, adminOf(t, s, tenantID), app.NewAccessToken{Name: fmt.Sprint("t", i)})
				return err
			},
			hookd.QuotaOAuthClients: func(tenantID string, i int) error {
				_, _, err := a.CreateOAuthClient(ctx, adminOf(t, s, tenantID), fmt.Sprint("c", i), nil)
				return err
			},
			hookd.QuotaServiceAccounts: func(tenantID string, i int) error {
				_, err := a.CreateServiceAccount(ctx, adminOf(t, s, tenantID), fmt.Sprintf("bot%d@%s.example", i, tenantID), "a-long-password-1", nil)
				return err
			},
		}
		for _, kind := range hookd.QuotaKinds {
			limit := a.Quotas.Limits[kind]
			for i := range limit {
				if err := creates[kind](tn, i); err != nil {
					t.Fatalf("%s %d of %d: %v", kind, i+1, limit, err)
				}
			}
			wantQuotaExceeded(t, string(kind)+" beyond the quota", creates[kind](tn, limit), kind)
		}
		usage, err := a.TenantQuotas(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range usage {
			if want := a.Quotas.Limits[u.Kind]; u.Used != want || u.Limit != want {
				t.Errorf("TenantQuotas %s: used %d of %d, want %d of %d", u.Kind, u.Used, u.Limit, want, want)
			}
		}

		// Deleting makes room again.
		page, err := a.ListEndpoints(ctx, tn, hookd.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.DeleteEndpoint(ctx, tn, page.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := creates[hookd.QuotaEndpoints](tn, 9); err != nil {
			t.Fatalf("endpoint after deleting one: %v", err)
		}

		// The plan's override: five endpoints; no bound on event types.
		plat := etTenant(t, a, "plat", hookd.PlanPlatinum)
		for i := range 5 {
			if err := creates[hookd.QuotaEndpoints](plat, i); err != nil {
				t.Fatalf("platinum endpoint %d: %v", i+1, err)
			}
		}
		wantQuotaExceeded(t, "platinum endpoint 6", creates[hookd.QuotaEndpoints](plat, 5), hookd.QuotaEndpoints)
		for i := range 4 {
			if err := creates[hookd.QuotaEventTypes](plat, i); err != nil {
				t.Fatalf("platinum event type %d (no bound): %v", i+1, err)
			}
		}

		// Racing creates at the limit: exactly the quota passes.
		for _, kind := range []hookd.QuotaKind{hookd.QuotaEndpoints, hookd.QuotaAccessTokens, hookd.QuotaEventTypes} {
			racer := etTenant(t, a, "race-"+string(kind[:3]), hookd.PlanEnterprise)
			limit := a.Quotas.Limits[kind]
			var wg sync.WaitGroup
			errs := make([]error, 12)
			for i := range errs {
				wg.Go(func() { errs[i] = creates[kind](racer, i) })
			}
			wg.Wait()
			passed := 0
			for _, err := range errs {
				switch hookd.ErrorCode(err) {
				case "":
					passed++
				case hookd.EQUOTA:
				default:
					t.Fatalf("racing %s: %v", kind, err)
				}
			}
			usage, err := a.TenantQuotas(ctx, racer)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range usage {
				if u.Kind == kind && (passed != limit || u.Used != limit) {
					t.Fatalf("12 racing creates of %s at a quota of %d: %d passed, %d stored", kind, limit, passed, u.Used)
				}
			}
		}
	})
}

// adminOf is a principal with every scope of the tenant with the given ID.
func adminOf(t *testing.T, s *sqlstore.Store, tenantID string) *hookd.Principal {
	t.Helper()
	tn, err := s.Tenant(context.Background(), tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return admin(tn)
}
