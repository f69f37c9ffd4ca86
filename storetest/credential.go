package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// newToken stores a named token of tn.
func newToken(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string) *hookd.AccessToken {
	t.Helper()
	tok := &hookd.AccessToken{
		ID:        hookd.NewID(hookd.PrefixAccessToken),
		TenantID:  tn.ID,
		Name:      name,
		Prefix:    "hkt_" + name,
		Hash:      hash(tn.Slug + "/" + name),
		CreatedAt: t0,
	}
	if err := s.CreateAccessToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateAccessToken(%s): %v", name, err)
	}
	return tok
}

// newClient stores an OAuth client of tn.
func newClient(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string) *hookd.OAuthClient {
	t.Helper()
	c := &hookd.OAuthClient{
		ID:         hookd.NewID(hookd.PrefixOAuthClient),
		TenantID:   tn.ID,
		Name:       name,
		SecretHash: hash(tn.Slug + "/client/" + name),
		CreatedAt:  t0,
	}
	if err := s.CreateOAuthClient(context.Background(), c); err != nil {
		t.Fatalf("CreateOAuthClient(%s): %v", name, err)
	}
	return c
}

// newOAuthToken stores a token issued to c, expiring at exp.
func newOAuthToken(t *testing.T, s hookd.Store, c *hookd.OAuthClient, seed string, exp time.Time) *hookd.AccessToken {
	t.Helper()
	tok := &hookd.AccessToken{
		ID:            hookd.NewID(hookd.PrefixAccessToken),
		TenantID:      c.TenantID,
		Name:          c.Name,
		Prefix:        "hko_",
		Hash:          hash(c.ID + "/" + seed),
		CreatedAt:     t0,
		OAuthClientID: c.ID,
		ExpiresAt:     &exp,
	}
	if err := s.CreateAccessToken(context.Background(), tok); err != nil {
		t.Fatalf("CreateAccessToken(oauth %s): %v", seed, err)
	}
	return tok
}

// newServiceAccount stores a service account of tn.
func newServiceAccount(t *testing.T, s hookd.Store, tn *hookd.Tenant, email string) *hookd.ServiceAccount {
	t.Helper()
	a := &hookd.ServiceAccount{
		ID:           hookd.NewID(hookd.PrefixServiceAccount),
		TenantID:     tn.ID,
		Email:        email,
		PasswordHash: "$argon2id$" + email,
		CreatedAt:    t0,
	}
	if err := s.CreateServiceAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateServiceAccount(%s): %v", email, err)
	}
	return a
}

var accessTokenTests = []storeTest{
	{"NamedRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		want := &hookd.AccessToken{
			ID:        hookd.NewID(hookd.PrefixAccessToken),
			TenantID:  tn.ID,
			Name:      "deploy bot",
			Prefix:    "hkt_Ab3",
			Hash:      []byte{0, 0xff, 1, 0xfe, 2},
			CreatedAt: at(time.Second),
			Scopes:    hookd.Scopes{hookd.ScopeRead, hookd.ScopeCredentials},
		}
		must(t, s.CreateAccessToken(ctx, want))
		got, err := s.AccessToken(ctx, tn.ID, want.ID)
		must(t, err)
		wantEqual(t, "AccessToken", got, want)
		if got.LastUsedAt != nil || got.ExpiresAt != nil || got.OAuthClientID != "" {
			t.Fatalf("optional fields = %v, %v, %q; want nil, nil, empty", got.LastUsedAt, got.ExpiresAt, got.OAuthClientID)
		}
		got, err = s.AccessTokenByHash(ctx, []byte{0, 0xff, 1, 0xfe, 2})
		must(t, err)
		wantEqual(t, "AccessTokenByHash", got, want)
	}},
	{"NamedTokenWithExpiryAndScopes", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		want := &hookd.AccessToken{
			ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID, Name: "short", Prefix: "p",
			Hash: hash("short"), CreatedAt: t0, ExpiresAt: ptr(at(30 * time.Minute)),
			Scopes: hookd.AllScopes(),
		}
		must(t, s.CreateAccessToken(ctx, want))
		got, err := s.AccessToken(ctx, tn.ID, want.ID)
		must(t, err)
		wantEqual(t, "AccessToken", got, want)
		page, err := s.ListAccessTokens(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 1 {
			t.Fatalf("ListAccessTokens listed %d tokens, want the named one with an expiry", len(page.Items))
		}
		wantEqual(t, "listed token", page.Items[0], want)
	}},
	{"OAuthRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		c := newClient(t, s, tn, "ci")
		want := &hookd.AccessToken{
			ID:            hookd.NewID(hookd.PrefixAccessToken),
			TenantID:      tn.ID,
			Name:          "ci",
			Prefix:        "hko_x",
			Hash:          hash("oauth"),
			CreatedAt:     t0,
			LastUsedAt:    ptr(at(time.Minute)),
			OAuthClientID: c.ID,
			ExpiresAt:     ptr(at(time.Hour)),
			Scopes:        hookd.Scopes{hookd.ScopeWebhooks},
		}
		must(t, s.CreateAccessToken(ctx, want))
		got, err := s.AccessTokenByHash(ctx, hash("oauth"))
		must(t, err)
		wantEqual(t, "AccessTokenByHash", got, want)
		// AccessToken and the list serve named tokens only.
		_, err = s.AccessToken(ctx, tn.ID, want.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.RenameAccessToken(ctx, tn.ID, want.ID, "x"), hookd.ENOTFOUND)
		page, err := s.ListAccessTokens(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("ListAccessTokens listed %d tokens, want none", len(page.Items))
		}
	}},
	{"OAuthClientOfAnotherTenant", func(t *testing.T, s hookd.Store) {
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		c := newClient(t, s, b, "theirs")
		tok := &hookd.AccessToken{
			ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: a.ID, Name: "x", Prefix: "p", Hash: hash("x"),
			CreatedAt: t0, OAuthClientID: c.ID, ExpiresAt: ptr(at(time.Hour)),
		}
		wantCode(t, s.CreateAccessToken(t.Context(), tok), hookd.ENOTFOUND)
	}},
	{"DuplicateHash", func(t *testing.T, s hookd.Store) {
		tn := newTenant(t, s, "a")
		first := newToken(t, s, tn, "one")
		dup := &hookd.AccessToken{ID: hookd.NewID(hookd.PrefixAccessToken), TenantID: tn.ID, Name: "two", Prefix: "p", Hash: first.Hash, CreatedAt: t0}
		wantCode(t, s.CreateAccessToken(t.Context(), dup), hookd.ECONFLICT)
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		tok := newToken(t, s, a, "mine")
		_, err := s.AccessToken(ctx, b.ID, tok.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.RenameAccessToken(ctx, b.ID, tok.ID, "stolen"), hookd.ENOTFOUND)
		wantCode(t, s.DeleteAccessToken(ctx, b.ID, tok.ID), hookd.ENOTFOUND)
		page, err := s.ListAccessTokens(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("tenant b lists %d tokens, want none", len(page.Items))
		}
		got, err := s.AccessToken(ctx, a.ID, tok.ID)
		must(t, err)
		wantEqual(t, "token after another tenant's attempts", got, tok)
	}},
	{"NotFound", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		missing := hookd.NewID(hookd.PrefixAccessToken)
		_, err := s.AccessToken(ctx, tn.ID, missing)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.AccessTokenByHash(ctx, hash("missing"))
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.RenameAccessToken(ctx, tn.ID, missing, "x"), hookd.ENOTFOUND)
		wantCode(t, s.DeleteAccessToken(ctx, tn.ID, missing), hookd.ENOTFOUND)
	}},
	{"Rename", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		tok := newToken(t, s, tn, "old")
		must(t, s.RenameAccessToken(ctx, tn.ID, tok.ID, "new name"))
		got, err := s.AccessToken(ctx, tn.ID, tok.ID)
		must(t, err)
		tok.Name = "new name"
		wantEqual(t, "renamed token", got, tok)
	}},
	{"Delete", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		tok := newToken(t, s, tn, "gone")
		keep := newToken(t, s, tn, "kept")
		must(t, s.DeleteAccessToken(ctx, tn.ID, tok.ID))
		_, err := s.AccessToken(ctx, tn.ID, tok.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.AccessTokenByHash(ctx, tok.Hash)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteAccessToken(ctx, tn.ID, tok.ID), hookd.ENOTFOUND)
		_, err = s.AccessToken(ctx, tn.ID, keep.ID)
		must(t, err)
	}},
	{"DeleteOAuthToken", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		tok := newOAuthToken(t, s, newClient(t, s, tn, "c"), "1", at(time.Hour))
		must(t, s.DeleteAccessToken(ctx, tn.ID, tok.ID))
		_, err := s.AccessTokenByHash(ctx, tok.Hash)
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"Touch", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		tok := newToken(t, s, tn, "t")
		other := newToken(t, s, tn, "other")
		for _, step := range []struct {
			at, want time.Time
		}{
			{at(time.Minute), at(time.Minute)},
			{at(time.Hour), at(time.Hour)},
			{at(time.Second), at(time.Hour)}, // never back in time
		} {
			must(t, s.TouchAccessToken(ctx, tok.ID, step.at))
			got, err := s.AccessToken(ctx, tn.ID, tok.ID)
			must(t, err)
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(step.want) {
				t.Fatalf("after touch at %v: LastUsedAt = %v, want %v", step.at, got.LastUsedAt, step.want)
			}
		}
		got, err := s.AccessToken(ctx, tn.ID, other.ID)
		must(t, err)
		if got.LastUsedAt != nil {
			t.Fatalf("untouched token LastUsedAt = %v, want nil", got.LastUsedAt)
		}
		must(t, s.TouchAccessToken(ctx, hookd.NewID(hookd.PrefixAccessToken), t0))
	}},
	{"DeleteExpired", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		c := newClient(t, s, tn, "c")
		now := at(24 * time.Hour)
		var expired []*hookd.AccessToken
		for i, d := range []time.Duration{-5 * time.Hour, -4 * time.Hour, -time.Hour, -time.Microsecond, 0} {
			expired = append(expired, newOAuthToken(t, s, c, "expired"+string(rune('a'+i)), now.Add(d)))
		}
		live := []*hookd.AccessToken{
			newOAuthToken(t, s, c, "live1", now.Add(time.Microsecond)),
			newOAuthToken(t, s, c, "live2", now.Add(time.Hour)),
			newToken(t, s, tn, "named"),
		}

		for _, step := range []struct{ limit, want int }{{0, 0}, {3, 3}, {10, 2}, {10, 0}} {
			n, err := s.DeleteExpiredAccessTokens(ctx, now, step.limit)
			must(t, err)
			if n != step.want {
				t.Fatalf("DeleteExpiredAccessTokens(limit %d) = %d, want %d", step.limit, n, step.want)
			}
		}
		for _, tok := range expired {
			if _, err := s.AccessTokenByHash(ctx, tok.Hash); hookd.ErrorCode(err) != hookd.ENOTFOUND {
				t.Errorf("token expiring at %v: err = %v, want ENOTFOUND", tok.ExpiresAt, err)
			}
		}
		for _, tok := range live {
			if _, err := s.AccessTokenByHash(ctx, tok.Hash); err != nil {
				t.Errorf("token expiring at %v: %v", tok.ExpiresAt, err)
			}
		}
	}},
}

var serviceAccountTests = []storeTest{
	{"RoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		want := &hookd.ServiceAccount{
			ID:           hookd.NewID(hookd.PrefixServiceAccount),
			TenantID:     tn.ID,
			Email:        "robot@a.example",
			PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA",
			CreatedAt:    at(time.Minute),
			Scopes:       hookd.Scopes{hookd.ScopeInbound, hookd.ScopeCredentials},
		}
		must(t, s.CreateServiceAccount(ctx, want))
		got, err := s.ServiceAccount(ctx, tn.ID, want.ID)
		must(t, err)
		wantEqual(t, "ServiceAccount", got, want)
		byEmail, err := s.ServiceAccountsByEmail(ctx, "", "robot@a.example", 3)
		must(t, err)
		wantEqual(t, "ServiceAccountsByEmail", byEmail, []*hookd.ServiceAccount{want})

		used := &hookd.ServiceAccount{
			ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: tn.ID, Email: "used@a.example",
			PasswordHash: "x", CreatedAt: t0, LastUsedAt: ptr(at(time.Hour)),
		}
		must(t, s.CreateServiceAccount(ctx, used))
		got, err = s.ServiceAccount(ctx, tn.ID, used.ID)
		must(t, err)
		wantEqual(t, "ServiceAccount with LastUsedAt", got, used)
	}},
	{"EmailUniquePerTenant", func(t *testing.T, s hookd.Store) {
		// An email is unique within a tenant only: another tenant's use of
		// it must not show.
		ctx := t.Context()
		a, b, c := newTenant(t, s, "a"), newTenant(t, s, "b"), newTenant(t, s, "c")
		newServiceAccount(t, s, a, "bot@example.com")
		dup := &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: a.ID, Email: "bot@example.com", PasswordHash: "x", CreatedAt: t0}
		wantCode(t, s.CreateServiceAccount(ctx, dup), hookd.ECONFLICT)
		// Created out of order: the oldest comes first whatever the order
		// of insertion.
		inC := &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: c.ID, Email: "bot@example.com", PasswordHash: "c", CreatedAt: at(-time.Hour)}
		must(t, s.CreateServiceAccount(ctx, inC))
		inB := &hookd.ServiceAccount{ID: hookd.NewID(hookd.PrefixServiceAccount), TenantID: b.ID, Email: "bot@example.com", PasswordHash: "b", CreatedAt: at(time.Hour)}
		must(t, s.CreateServiceAccount(ctx, inB))
		all, err := s.ServiceAccountsByEmail(ctx, "", "bot@example.com", 10)
		must(t, err)
		if len(all) != 3 || all[0].ID != inC.ID || all[1].TenantID != a.ID || all[2].ID != inB.ID {
			t.Fatalf("accounts by email: %v, want c's, a's, b's", all)
		}
		two, err := s.ServiceAccountsByEmail(ctx, "", "bot@example.com", 2)
		must(t, err)
		if len(two) != 2 || two[0].ID != inC.ID {
			t.Fatalf("limit 2: %v", two)
		}
		inTenant, err := s.ServiceAccountsByEmail(ctx, b.ID, "bot@example.com", 10)
		must(t, err)
		wantEqual(t, "accounts by email in tenant b", inTenant, []*hookd.ServiceAccount{inB})
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		acct := newServiceAccount(t, s, a, "bot@a.example")
		_, err := s.ServiceAccount(ctx, b.ID, acct.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteServiceAccount(ctx, b.ID, acct.ID), hookd.ENOTFOUND)
		page, err := s.ListServiceAccounts(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("tenant b lists %d accounts, want none", len(page.Items))
		}
		_, err = s.ServiceAccount(ctx, a.ID, acct.ID)
		must(t, err)
	}},
	{"NotFound", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		missing := hookd.NewID(hookd.PrefixServiceAccount)
		_, err := s.ServiceAccount(ctx, tn.ID, missing)
		wantCode(t, err, hookd.ENOTFOUND)
		none, err := s.ServiceAccountsByEmail(ctx, "", "nobody@example.com", 3)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("accounts of an unknown email: %v", none)
		}
		wantCode(t, s.DeleteServiceAccount(ctx, tn.ID, missing), hookd.ENOTFOUND)
	}},
	{"Delete", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		acct := newServiceAccount(t, s, tn, "bot@a.example")
		must(t, s.DeleteServiceAccount(ctx, tn.ID, acct.ID))
		if gone, err := s.ServiceAccountsByEmail(ctx, tn.ID, "bot@a.example", 3); err != nil || len(gone) != 0 {
			t.Errorf("accounts by email after delete: %v, %v", gone, err)
		}
		wantCode(t, s.DeleteServiceAccount(ctx, tn.ID, acct.ID), hookd.ENOTFOUND)
		// The email is free again.
		newServiceAccount(t, s, tn, "bot@a.example")
	}},
	{"Touch", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		acct := newServiceAccount(t, s, tn, "bot@a.example")
		for _, step := range []struct {
			at, want time.Time
		}{
			{at(time.Minute), at(time.Minute)},
			{at(time.Hour), at(time.Hour)},
			{at(time.Second), at(time.Hour)}, // never back in time
		} {
			must(t, s.TouchServiceAccount(ctx, acct.ID, step.at))
			got, err := s.ServiceAccount(ctx, tn.ID, acct.ID)
			must(t, err)
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(step.want) {
				t.Fatalf("after touch at %v: LastUsedAt = %v, want %v", step.at, got.LastUsedAt, step.want)
			}
		}
		must(t, s.TouchServiceAccount(ctx, hookd.NewID(hookd.PrefixServiceAccount), t0))
	}},
}

var oauthClientTests = []storeTest{
	{"RoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		want := &hookd.OAuthClient{
			ID:         hookd.NewID(hookd.PrefixOAuthClient),
			TenantID:   tn.ID,
			Name:       "Reporting app",
			SecretHash: []byte{0xff, 0, 0xee, 1},
			CreatedAt:  at(time.Minute),
			Scopes:     hookd.Scopes{hookd.ScopeRead, hookd.ScopeDirectory},
		}
		must(t, s.CreateOAuthClient(ctx, want))
		got, err := s.OAuthClient(ctx, tn.ID, want.ID)
		must(t, err)
		wantEqual(t, "OAuthClient", got, want)
		got, err = s.OAuthClient(ctx, "", want.ID)
		must(t, err)
		wantEqual(t, "OAuthClient of any tenant", got, want)
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		c := newClient(t, s, a, "c")
		_, err := s.OAuthClient(ctx, b.ID, c.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteOAuthClient(ctx, b.ID, c.ID), hookd.ENOTFOUND)
		page, err := s.ListOAuthClients(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("tenant b lists %d clients, want none", len(page.Items))
		}
		_, err = s.OAuthClient(ctx, a.ID, c.ID)
		must(t, err)
	}},
	{"NotFound", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		missing := hookd.NewID(hookd.PrefixOAuthClient)
		_, err := s.OAuthClient(ctx, tn.ID, missing)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.OAuthClient(ctx, "", missing)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteOAuthClient(ctx, tn.ID, missing), hookd.ENOTFOUND)
	}},
	{"DeleteCascadesTokens", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		gone, kept := newClient(t, s, tn, "gone"), newClient(t, s, tn, "kept")
		goneTokens := []*hookd.AccessToken{
			newOAuthToken(t, s, gone, "1", at(time.Hour)),
			newOAuthToken(t, s, gone, "2", at(time.Hour)),
		}
		keptToken := newOAuthToken(t, s, kept, "1", at(time.Hour))
		named := newToken(t, s, tn, "named")

		must(t, s.DeleteOAuthClient(ctx, tn.ID, gone.ID))
		_, err := s.OAuthClient(ctx, tn.ID, gone.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		for _, tok := range goneTokens {
			_, err := s.AccessTokenByHash(ctx, tok.Hash)
			wantCode(t, err, hookd.ENOTFOUND)
		}
		for _, tok := range []*hookd.AccessToken{keptToken, named} {
			if _, err := s.AccessTokenByHash(ctx, tok.Hash); err != nil {
				t.Fatalf("token %s: %v", tok.Prefix, err)
			}
		}
		wantCode(t, s.DeleteOAuthClient(ctx, tn.ID, gone.ID), hookd.ENOTFOUND)
	}},
}
