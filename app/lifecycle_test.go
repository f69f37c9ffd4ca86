package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func TestFormatPeriod(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * 24 * time.Hour: "7 days", 24 * time.Hour: "1 day", 36 * time.Hour: "36 hours", time.Hour: "1 hour",
		90 * time.Minute: "90 minutes", 90 * time.Second: "1m30s",
	} {
		if got := app.FormatPeriod(d); got != want {
			t.Errorf("FormatPeriod(%v) = %q, want %q", d, got, want)
		}
	}
	if got := app.InactiveReason(hookd.DefaultPullInactiveAfter); got != hookd.InactiveReason {
		t.Errorf("InactiveReason(default) = %q, want hookd.InactiveReason %q", got, hookd.InactiveReason)
	}
}

// TestRunPullLifecycleBatches makes more endpoints inactive, then deletes
// more, than one store call handles, and checks one run does all.
func TestRunPullLifecycleBatches(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 230 // more than two batches
		ids := map[string]bool{}
		for i := range n {
			in := app.CreateEndpointInput{Name: fmt.Sprintf("Puller %d", i), Mode: "pull"}
			if i%2 == 1 {
				in = app.CreateEndpointInput{Name: fmt.Sprintf("Pinged %d", i), Mode: "ping", URL: "https://ping.example/hook"}
			}
			e, err := a.CreateEndpoint(ctx, tn.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			ids[e.ID] = true
		}
		full, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "Full", URL: "https://full.example/hook"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Publish(ctx, tn.ID, app.PublishInput{Type: hookd.EventUserCreated, Data: json.RawMessage(userCreatedExample(t))}); err != nil {
			t.Fatal(err)
		}

		clock.Advance(hookd.DefaultPullInactiveAfter + time.Second)
		res, err := a.RunPullLifecycle(ctx)
		if err != nil || res.Deactivated != n || res.Deleted != 0 {
			t.Fatalf("after the inactive period: %+v, %v; want %d deactivated", res, err, n)
		}
		if res, err := a.RunPullLifecycle(ctx); err != nil || res != (app.LifecycleResult{}) {
			t.Fatalf("run again at once: %+v, %v; want nothing to do", res, err)
		}
		clock.Advance(hookd.DefaultPullDeleteAfter + time.Second)
		res, err = a.RunPullLifecycle(ctx)
		if err != nil || res.Deactivated != 0 || res.Deleted != n {
			t.Fatalf("after the delete period: %+v, %v; want %d deleted", res, err, n)
		}
		for id := range ids {
			if _, err := a.Endpoint(ctx, tn.ID, id); hookd.ErrorCode(err) != hookd.ENOTFOUND {
				t.Fatalf("endpoint %s after deletion: %v, want ENOTFOUND", id, err)
			}
		}
		if e, err := a.Endpoint(ctx, tn.ID, full.ID); err != nil || !e.Enabled {
			t.Fatalf("full endpoint after the lifecycle: %+v, %v; want it untouched", e, err)
		}
		seen := 0
		for p := (hookd.ListParams{Limit: 100}); ; {
			page, err := a.ListAuditEntries(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range page.Items {
				if en.Action != hookd.AuditEndpointDeleted || !ids[en.Subject] || en.TenantID != tn.ID {
					t.Errorf("audit entry %+v, want the deletion of one of the endpoints", en)
				}
				seen++
			}
			if page.NextCursor == "" {
				break
			}
			p.Cursor = page.NextCursor
		}
		if seen != n {
			t.Fatalf("%d audit entries, want %d", seen, n)
		}
	})
}

func userCreatedExample(t *testing.T) []byte {
	t.Helper()
	for _, et := range hookd.BuiltinEventTypes() {
		if et.Name == hookd.EventUserCreated {
			return et.Example
		}
	}
	t.Fatal("no user.created")
	return nil
}
