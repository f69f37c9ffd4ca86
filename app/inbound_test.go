package app_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/inbound"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestDistributedInboundFloodIsLimitedPerTenant floods one tenant's
// webhook without valid credentials from ever new addresses: past the
// tenant's budget the calls get 429 and are not logged, while a call with
// a valid credential still goes through; an unknown slug behaves alike.
func TestDistributedInboundFloodIsLimitedPerTenant(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		a.Inbound = inbound.Parser{}
		a.InboundLimits = app.InboundLimits{SourceFailures: 2, TenantFailures: 10}
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		access, err := a.SetAPIEnabled(ctx, "acme", true)
		if err != nil {
			t.Fatal(err)
		}
		call := func(slug, auth string, source int) (*app.InboundResult, error) {
			header := http.Header{"Content-Type": {"application/json"}}
			if auth != "" {
				header.Set("Authorization", auth)
			}
			return a.ReceiveInbound(ctx, app.InboundRequest{
				TenantSlug: slug, Kind: hookd.InboundCreateTicket, Method: http.MethodPost,
				Path: "/hooks/" + slug + "/helpdesk/createticket", SourceIP: "198.51.100." + strconv.Itoa(source), Header: header,
				Body: []byte(`{"requester_email":"a@example.com","title":"t"}`),
			})
		}
		for _, slug := range []string{"acme", "nobody"} {
			for i := range 10 {
				res, err := call(slug, "Token wrong", i)
				if res.Status != http.StatusUnauthorized || hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
					t.Fatalf("%s: failed call %d: %d %v", slug, i, res.Status, err)
				}
			}
			res, err := call(slug, "Token wrong", 100)
			if res.Status != http.StatusTooManyRequests || hookd.ErrorCode(err) != hookd.ERATELIMITED || res.RetryAfter != 6*time.Second {
				t.Fatalf("%s: 11th failed call: %d %v, retry after %v; want 429 after 6s", slug, res.Status, err, res.RetryAfter)
			}
		}
		res, err := call("acme", "Token "+access.Key, 101)
		if err != nil || res.Status != http.StatusCreated {
			t.Fatalf("valid call while the tenant's budget is spent: %d %v", res.Status, err)
		}
		clock.Advance(6 * time.Second)
		if res, _ := call("acme", "", 102); res.Status != http.StatusUnauthorized {
			t.Fatalf("after 6 s: %d, want 401", res.Status)
		}
		calls, err := a.ListInboundCalls(ctx, tn.ID, false, hookd.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls.Items) != 12 {
			t.Fatalf("log has %d calls, want 12 (11 failed, 1 created)", len(calls.Items))
		}
	})
}
