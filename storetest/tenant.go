package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

var tenantTests = []storeTest{
	{"CreateWithoutKeyOrUser", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		want := &hookd.Tenant{
			ID:        hookd.NewID(hookd.PrefixTenant),
			Slug:      "acme",
			Name:      "Acme, Inc.",
			Plan:      hookd.PlanFree,
			CreatedAt: t0,
		}
		must(t, s.CreateTenant(ctx, want, nil))
		got, err := s.Tenant(ctx, want.ID)
		must(t, err)
		wantEqual(t, "Tenant", got, want)
		got, err = s.TenantBySlug(ctx, "acme")
		must(t, err)
		wantEqual(t, "TenantBySlug", got, want)
	}},
	{"CreateWithKeyAndUser", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		want := &hookd.Tenant{
			ID:         hookd.NewID(hookd.PrefixTenant),
			Slug:       "globex",
			Name:       "Globex",
			Plan:       hookd.PlanEnterprise,
			CreatedAt:  at(time.Hour),
			APIEnabled: true,
			APIKey: &hookd.APIKey{
				Ciphertext: []byte{0, 1, 2, 0xfe, 0xff, 'x'},
				Hash:       hash("globex-key"),
				Hint:       "hk_a…yz",
				CreatedAt:  at(2 * time.Hour),
			},
		}
		user := &hookd.ConsoleUser{
			ID:           hookd.NewID(hookd.PrefixConsoleUser),
			TenantID:     want.ID,
			Email:        "ada@globex.example",
			PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
			CreatedAt:    at(time.Hour),
		}
		must(t, s.CreateTenant(ctx, want, user))
		got, err := s.Tenant(ctx, want.ID)
		must(t, err)
		wantEqual(t, "Tenant", got, want)
		got, err = s.TenantByAPIKeyHash(ctx, hash("globex-key"))
		must(t, err)
		wantEqual(t, "TenantByAPIKeyHash", got, want)
		gotUser, err := s.ConsoleUserByEmail(ctx, want.ID, "ada@globex.example")
		must(t, err)
		wantEqual(t, "ConsoleUserByEmail", gotUser, user)
	}},
	{"TimesAreUTCMicroseconds", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		created := time.Date(2024, 12, 31, 23, 59, 59, 999999999, zone)
		tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "zone", Name: "Zone", Plan: hookd.PlanFree, CreatedAt: created}
		must(t, s.CreateTenant(ctx, tn, nil))
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		want := created.UTC().Truncate(time.Microsecond)
		if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, want)
		}
	}},
	{"APIKeyFoundWhileAPIDisabled", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "off")
		tn.APIKey = &hookd.APIKey{Ciphertext: []byte("c"), Hash: hash("off"), Hint: "h", CreatedAt: t0}
		must(t, s.UpdateTenant(ctx, tn))
		got, err := s.TenantByAPIKeyHash(ctx, hash("off"))
		must(t, err)
		if got.ID != tn.ID || got.APIEnabled {
			t.Fatalf("got tenant %s enabled=%v, want %s disabled", got.ID, got.APIEnabled, tn.ID)
		}
	}},
	{"NotFound", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		newTenant(t, s, "present")
		_, err := s.Tenant(ctx, hookd.NewID(hookd.PrefixTenant))
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.TenantBySlug(ctx, "absent")
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.TenantByAPIKeyHash(ctx, hash("absent"))
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.TenantByAPIKeyHash(ctx, nil)
		wantCode(t, err, hookd.ENOTFOUND)
		err = s.UpdateTenant(ctx, &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Name: "x", Plan: hookd.PlanFree})
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"DuplicateSlug", func(t *testing.T, s hookd.Store) {
		first := newTenant(t, s, "dup")
		second := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "dup", Name: "Other", Plan: hookd.PlanFree, CreatedAt: t0}
		wantCode(t, s.CreateTenant(t.Context(), second, nil), hookd.ECONFLICT)
		got, err := s.TenantBySlug(t.Context(), "dup")
		must(t, err)
		if got.ID != first.ID {
			t.Fatalf("slug dup belongs to %s, want %s", got.ID, first.ID)
		}
	}},
	{"DuplicateAPIKeyHash", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		key := &hookd.APIKey{Ciphertext: []byte("c"), Hash: hash("shared"), Hint: "h", CreatedAt: t0}
		a := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "a", Name: "A", Plan: hookd.PlanFree, CreatedAt: t0, APIKey: key}
		must(t, s.CreateTenant(ctx, a, nil))
		b := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "b", Name: "B", Plan: hookd.PlanFree, CreatedAt: t0, APIKey: key}
		wantCode(t, s.CreateTenant(ctx, b, nil), hookd.ECONFLICT)
		c := newTenant(t, s, "c")
		c.APIKey = key
		wantCode(t, s.UpdateTenant(ctx, c), hookd.ECONFLICT)
	}},
	{"CreateIsOneTransaction", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		userID := hookd.NewID(hookd.PrefixConsoleUser)
		a := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "a", Name: "A", Plan: hookd.PlanFree, CreatedAt: t0}
		must(t, s.CreateTenant(ctx, a, &hookd.ConsoleUser{ID: userID, TenantID: a.ID, Email: "u@a.example", PasswordHash: "x", CreatedAt: t0}))
		// The second user reuses the first one's ID: the insert fails, and
		// so must the whole creation.
		b := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "b", Name: "B", Plan: hookd.PlanFree, CreatedAt: t0}
		err := s.CreateTenant(ctx, b, &hookd.ConsoleUser{ID: userID, TenantID: b.ID, Email: "u@b.example", PasswordHash: "x", CreatedAt: t0})
		wantCode(t, err, hookd.ECONFLICT)
		_, err = s.Tenant(ctx, b.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.TenantBySlug(ctx, "b")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"Update", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "upd")
		tn.Name = "Renamed"
		tn.Plan = hookd.PlanEnterprise
		tn.APIEnabled = true
		tn.APIKey = &hookd.APIKey{Ciphertext: []byte("cipher"), Hash: hash("k1"), Hint: "k…1", CreatedAt: at(time.Minute)}
		must(t, s.UpdateTenant(ctx, tn))
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		wantEqual(t, "after update", got, tn)

		// Regenerating the key replaces it: the old hash finds nothing.
		tn.APIKey = &hookd.APIKey{Ciphertext: []byte("cipher2"), Hash: hash("k2"), Hint: "k…2", CreatedAt: at(2 * time.Minute)}
		must(t, s.UpdateTenant(ctx, tn))
		_, err = s.TenantByAPIKeyHash(ctx, hash("k1"))
		wantCode(t, err, hookd.ENOTFOUND)
		got, err = s.TenantByAPIKeyHash(ctx, hash("k2"))
		must(t, err)
		wantEqual(t, "after regenerate", got, tn)

		// Removing the key and switching the API off.
		tn.APIKey = nil
		tn.APIEnabled = false
		must(t, s.UpdateTenant(ctx, tn))
		got, err = s.Tenant(ctx, tn.ID)
		must(t, err)
		wantEqual(t, "after removing the key", got, tn)
		_, err = s.TenantByAPIKeyHash(ctx, hash("k2"))
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"UpdateKeepsSlug", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "keep")
		changed := *tn
		changed.Slug = "changed"
		must(t, s.UpdateTenant(ctx, &changed))
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		if got.Slug != "keep" {
			t.Fatalf("slug = %q, want keep", got.Slug)
		}
	}},
	{"ConsoleUserIsolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "a", Name: "A", Plan: hookd.PlanFree, CreatedAt: t0}
		must(t, s.CreateTenant(ctx, a, &hookd.ConsoleUser{ID: hookd.NewID(hookd.PrefixConsoleUser), TenantID: a.ID, Email: "same@example.com", PasswordHash: "a", CreatedAt: t0}))
		b := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "b", Name: "B", Plan: hookd.PlanFree, CreatedAt: t0}
		// The same email may sign in to another tenant.
		must(t, s.CreateTenant(ctx, b, &hookd.ConsoleUser{ID: hookd.NewID(hookd.PrefixConsoleUser), TenantID: b.ID, Email: "same@example.com", PasswordHash: "b", CreatedAt: t0}))
		c := newTenant(t, s, "c")

		got, err := s.ConsoleUserByEmail(ctx, b.ID, "same@example.com")
		must(t, err)
		if got.TenantID != b.ID || got.PasswordHash != "b" {
			t.Fatalf("got user of tenant %s with hash %q, want tenant b's", got.TenantID, got.PasswordHash)
		}
		_, err = s.ConsoleUserByEmail(ctx, c.ID, "same@example.com")
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.ConsoleUserByEmail(ctx, a.ID, "other@example.com")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"RequireHTTPSEndpointsRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		want := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: "strict", Name: "Strict", Plan: hookd.PlanPlatinum,
			CreatedAt: t0, RequireHTTPSEndpoints: true}
		must(t, s.CreateTenant(ctx, want, nil))
		got, err := s.Tenant(ctx, want.ID)
		must(t, err)
		wantEqual(t, "Tenant", got, want)
		page, err := s.ListTenants(ctx, hookd.ListParams{})
		must(t, err)
		wantEqual(t, "ListTenants", page.Items, []*hookd.Tenant{want})

		// UpdateTenant leaves the setting alone, whatever t says.
		changed := *want
		changed.Name, changed.RequireHTTPSEndpoints = "Renamed", false
		must(t, s.UpdateTenant(ctx, &changed))
		got, err = s.TenantBySlug(ctx, "strict")
		must(t, err)
		if got.Name != "Renamed" || !got.RequireHTTPSEndpoints {
			t.Fatalf("after UpdateTenant: name %q, require https %v; want Renamed, true", got.Name, got.RequireHTTPSEndpoints)
		}

		for _, on := range []bool{false, false, true, true, false} {
			blocking, err := s.SetRequireHTTPSEndpoints(ctx, want.ID, on)
			must(t, err)
			wantEqual(t, "blocking endpoints", len(blocking), 0)
			got, err = s.Tenant(ctx, want.ID)
			must(t, err)
			wantEqual(t, "RequireHTTPSEndpoints", got.RequireHTTPSEndpoints, on)
		}
		_, err = s.SetRequireHTTPSEndpoints(ctx, hookd.NewID(hookd.PrefixTenant), true)
		wantCode(t, err, hookd.ENOTFOUND)

		// A new tenant has it off.
		plain := newTenant(t, s, "plain")
		got, err = s.Tenant(ctx, plain.ID)
		must(t, err)
		wantEqual(t, "default RequireHTTPSEndpoints", got.RequireHTTPSEndpoints, false)
	}},
	{"RequireHTTPSEndpointsBlockedByHTTPEndpoints", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "acme"), newTenant(t, s, "other")
		first := newEndpoint(tn, "First", at(time.Second))
		first.URL = "http://first.example/hook"
		must(t, s.CreateEndpoint(ctx, first))
		createEndpoint(t, s, tn, "Secure", at(2*time.Second))
		upper := newEndpoint(tn, "Upper", at(3*time.Second))
		upper.URL = "HTTPS://upper.example/hook" // https in any case is https
		must(t, s.CreateEndpoint(ctx, upper))
		second := newEndpoint(tn, "Second", at(4*time.Second))
		second.URL = "http://second.example/hook"
		must(t, s.CreateEndpoint(ctx, second))
		theirs := newEndpoint(other, "Theirs", at(time.Second))
		theirs.URL = "http://theirs.example/hook"
		must(t, s.CreateEndpoint(ctx, theirs))

		blocking, err := s.SetRequireHTTPSEndpoints(ctx, tn.ID, true)
		must(t, err)
		var ids []string
		for _, e := range blocking {
			ids = append(ids, e.ID)
		}
		wantEqual(t, "blocking endpoints", ids, []string{first.ID, second.ID})
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		wantEqual(t, "RequireHTTPSEndpoints after a refusal", got.RequireHTTPSEndpoints, false)

		// Once they are https (or gone), it switches on; the other
		// tenant's http endpoint neither blocks it nor is touched.
		first.URL = "https://first.example/hook"
		must(t, s.UpdateEndpoint(ctx, first))
		must(t, s.DeleteEndpoint(ctx, tn.ID, second.ID))
		blocking, err = s.SetRequireHTTPSEndpoints(ctx, tn.ID, true)
		must(t, err)
		wantEqual(t, "blocking endpoints after the fix", len(blocking), 0)
		got, err = s.Tenant(ctx, tn.ID)
		must(t, err)
		wantEqual(t, "RequireHTTPSEndpoints", got.RequireHTTPSEndpoints, true)
		got, err = s.Tenant(ctx, other.ID)
		must(t, err)
		wantEqual(t, "other tenant's RequireHTTPSEndpoints", got.RequireHTTPSEndpoints, false)
		kept, err := s.Endpoint(ctx, other.ID, theirs.ID)
		must(t, err)
		wantEqual(t, "other tenant's endpoint URL", kept.URL, "http://theirs.example/hook")
	}},
	{"RequireHTTPSEndpointsRefusesHTTP", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "acme"), newTenant(t, s, "other")
		e := createEndpoint(t, s, tn, "Secure", t0)
		_, err := s.SetRequireHTTPSEndpoints(ctx, tn.ID, true)
		must(t, err)

		plain := newEndpoint(tn, "Plain", t0)
		plain.URL = "http://plain.example/hook"
		wantField(t, s.CreateEndpoint(ctx, plain), "body.url")
		_, err = s.Endpoint(ctx, tn.ID, plain.ID)
		wantCode(t, err, hookd.ENOTFOUND)

		changed := *e
		changed.URL = "http://secure.example/hook"
		wantField(t, s.UpdateEndpoint(ctx, &changed), "body.url")
		got, err := s.Endpoint(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "URL after a refused update", got.URL, e.URL)
		changed.URL = "https://other.example/hook"
		must(t, s.UpdateEndpoint(ctx, &changed))

		// Another tenant is not bound by it; a missing tenant is not found.
		theirs := newEndpoint(other, "Theirs", t0)
		theirs.URL = "http://theirs.example/hook"
		must(t, s.CreateEndpoint(ctx, theirs))
		orphan := newEndpoint(&hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant)}, "Orphan", t0)
		orphan.URL = "http://orphan.example/hook"
		wantCode(t, s.CreateEndpoint(ctx, orphan), hookd.ENOTFOUND)

		// Switched off, http is stored again.
		_, err = s.SetRequireHTTPSEndpoints(ctx, tn.ID, false)
		must(t, err)
		must(t, s.CreateEndpoint(ctx, plain))
	}},
	{"RequireHTTPSEndpointsRace", func(t *testing.T, s hookd.Store) {
		// Switching the setting on while http endpoints are being stored:
		// whatever the interleaving, a tenant that requires https never
		// ends up with an http endpoint.
		ctx := t.Context()
		tn := newTenant(t, s, "race")
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				e := newEndpoint(tn, fmt.Sprintf("E%d", i), t0)
				e.URL = "http://e.example/hook"
				if err := s.CreateEndpoint(ctx, e); err != nil && hookd.ErrorCode(err) != hookd.EINVALID {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := s.SetRequireHTTPSEndpoints(ctx, tn.ID, true); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := s.Tenant(ctx, tn.ID)
		must(t, err)
		page, err := s.ListEndpoints(ctx, tn.ID, hookd.ListParams{Limit: 100})
		must(t, err)
		if got.RequireHTTPSEndpoints && len(page.Items) > 0 {
			t.Fatalf("the tenant requires https and has %d http endpoints", len(page.Items))
		}
		if !got.RequireHTTPSEndpoints && len(page.Items) == 0 {
			t.Fatal("the setting is off with no endpoint in its way")
		}
	}},
}
