package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

var newTokenValue = regexp.MustCompile(`id="new-token" tabindex="0"><span class="plain">(hkd_at_[0-9A-Za-z]+)</span>`)

// TestAccessTokens creates a token (shown once), lists, renames and
// revokes it through the console.
func TestAccessTokens(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.signIn()

		p := b.get("/access-tokens")
		wantStatus(t, "tokens page", p, http.StatusOK)
		wantContains(t, "no tokens", p, "No access tokens yet.", `id="create-dialog"`)
		wantContains(t, "create without script", b.get("/access-tokens?create"), `id="create-dialog" aria-labelledby="create-title" data-modal open>`)

		p = b.post("/access-tokens", url.Values{"name": {"  "}})
		wantStatus(t, "blank name", p, http.StatusUnprocessableEntity)
		wantContains(t, "blank name", p, "The name must be 1 to 200 characters", `data-modal open>`)

		p = b.post("/access-tokens", url.Values{"name": {"CI pipeline"}, "scope": {"read", "webhooks"}})
		wantStatus(t, "create", p, http.StatusCreated)
		m := newTokenValue.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("the answer does not show the new token:\n%s", p.body)
		}
		token := m[1]
		wantContains(t, "created", p, "This is the only time hookd shows it", `data-copy="new-token"`, `href="/access-tokens" id="token-done"`)
		principal, err := h.app.Authenticate(ctx, app.SchemeBearer, token)
		if err != nil || principal.TenantID != h.tenant.ID {
			t.Fatalf("the token shown does not work: %v", err)
		}
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the answer with the token may be cached: Cache-Control %q", cc)
		}

		// Done: the list has the token's name and prefix, never the token.
		p = b.get("/access-tokens")
		wantContains(t, "list", p, "CI pipeline", token[:len("hkd_at_")+4]+"…")
		wantNotContains(t, "list after Done", p, token)
		tokens, _ := h.app.ListAccessTokens(ctx, h.tenant.ID, hookd.ListParams{})
		id := tokens.Items[0].ID
		// Authenticate above used it: the last use shows.
		if n := strings.Count(p.body, `<time datetime="2026-11-23T09:00:00Z">2026-11-23 09:00 UTC</time>`); n != 2 {
			t.Errorf("created and last used show %d times, want 2", n)
		}

		p = b.post("/access-tokens/"+id+"/rename", url.Values{"name": {"Deploy bot"}})
		wantStatus(t, "rename", p, http.StatusSeeOther)
		p = b.get(p.location())
		wantContains(t, "renamed", p, "The token was renamed.", "Deploy bot")
		p = b.post("/access-tokens/"+id+"/rename", url.Values{"name": {""}})
		wantStatus(t, "rename to nothing", p, http.StatusUnprocessableEntity)
		wantContains(t, "rename to nothing", p, `id="rename-`+id+`" aria-labelledby="rename-`+id+`-title" data-modal open>`, "The name must be")

		wantStatus(t, "rename another tenant's token", b.post("/access-tokens/tok_nope/rename", url.Values{"name": {"x"}}), http.StatusNotFound)

		p = b.post("/access-tokens/"+id+"/revoke", nil)
		wantStatus(t, "revoke", p, http.StatusSeeOther)
		if _, err := h.app.Authenticate(ctx, app.SchemeBearer, token); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("revoked token: %v, want EUNAUTHORIZED", err)
		}
		p = b.get(p.location())
		wantContains(t, "revoked", p, "The token was revoked", "No access tokens yet.")
		wantStatus(t, "revoke again", b.post("/access-tokens/"+id+"/revoke", nil), http.StatusNotFound)
	})
}

// TestAccessTokenTable checks sorting, searching and paging of the table.
func TestAccessTokenTable(t *testing.T) {
	ctx := context.Background()
	h := sqliteHarness(t)
	for _, name := range []string{"bravo", "alpha", "charlie"} {
		if _, _, err := h.app.CreateAccessToken(ctx, admin(h.tenant), app.NewAccessToken{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	b := h.browser()
	b.signIn()
	order := func(p page) string {
		var names []string
		for _, m := range regexp.MustCompile(`<td class="token-name" data-label="Name">([^<]+)</td>`).FindAllStringSubmatch(p.body, -1) {
			names = append(names, m[1])
		}
		return strings.Join(names, ",")
	}
	p := b.get("/access-tokens")
	if got := order(p); got != "charlie,alpha,bravo" {
		t.Errorf("default order (newest first) %s", got)
	}
	wantContains(t, "header links", p, `aria-sort="descending"><a href="/access-tokens?sort=created_at">Created`, `<a href="/access-tokens?sort=name">Name`)
	p = b.get("/access-tokens?sort=name")
	if got := order(p); got != "alpha,bravo,charlie" {
		t.Errorf("by name %s", got)
	}
	wantContains(t, "sorted by name", p, `aria-sort="ascending"><a href="/access-tokens?sort=-name">Name`)
	if got := order(b.get("/access-tokens?sort=-name")); got != "charlie,bravo,alpha" {
		t.Errorf("by name, descending: %s", got)
	}
	if got := order(b.get("/access-tokens?sort=secret")); got != "charlie,alpha,bravo" {
		t.Errorf("an unknown sort falls back to the default: %s", got)
	}
	p = b.get("/access-tokens?q=RAV&sort=name")
	if got := order(p); got != "bravo" {
		t.Errorf("search: %s", got)
	}
	wantContains(t, "search keeps the sort", p, `<input type="hidden" name="sort" value="name">`, `value="RAV"`)
	wantContains(t, "no match", b.get("/access-tokens?q=zulu"), "No token matches “zulu”.")
}

// admin is a tenant's console user as a principal: every scope.
func admin(t *hookd.Tenant) *hookd.Principal {
	return &hookd.Principal{Kind: hookd.CredentialConsoleUser, TenantID: t.ID, Tenant: t, CredentialID: "usr_test", Scopes: hookd.AllScopes()}
}

// TestAccessTokenFormGrantsTheScopesTicked checks the create form's scope
// checkboxes: the default ticks every scope but credentials, the token gets
// exactly the scopes ticked, none ticked is refused, and the list shows
// each token's scopes.
func TestAccessTokenFormGrantsTheScopesTicked(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.signIn()

		p := b.get("/access-tokens?create")
		wantContains(t, "form", p,
			`<input type="checkbox" name="scope" value="read" checked>`,
			`<input type="checkbox" name="scope" value="webhooks" checked>`,
			`<input type="checkbox" name="scope" value="directory" checked>`,
			`<input type="checkbox" name="scope" value="inbound" checked>`,
			`<input type="checkbox" name="scope" value="credentials">`)

		p = b.post("/access-tokens", url.Values{"name": {"no scope"}})
		wantStatus(t, "none ticked", p, http.StatusUnprocessableEntity)
		wantContains(t, "none ticked", p, "must name at least one scope", `data-modal open>`)

		p = b.post("/access-tokens", url.Values{"name": {"keys"}, "scope": {"credentials", "read"}})
		wantStatus(t, "create", p, http.StatusCreated)
		m := newTokenValue.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("the answer does not show the new token:\n%s", p.body)
		}
		principal, err := h.app.Authenticate(ctx, app.SchemeBearer, m[1])
		if err != nil {
			t.Fatal(err)
		}
		if got, want := principal.Scopes.String(), "read credentials"; got != want {
			t.Errorf("token scopes = %q, want %q", got, want)
		}
		p = b.get("/access-tokens")
		wantContains(t, "list", p, `<td data-label="Scopes" class="token-scopes"><code>read</code> <code>credentials</code></td>`)

		p = b.post("/access-tokens", url.Values{"name": {"bad"}, "scope": {"admin"}})
		wantStatus(t, "unknown scope", p, http.StatusUnprocessableEntity)
		wantContains(t, "unknown scope", p, "unknown scope")
	})
}

var newClientSecret = regexp.MustCompile(`id="new-client-secret" tabindex="0"><span class="plain">(hkd_cs_[0-9A-Za-z]+)</span>`)

// TestOAuthClientFormGrantsTheScopesTicked registers an OAuth2 application
// through the console with the scopes ticked, lists it with its scopes and
// deletes it.
func TestOAuthClientFormGrantsTheScopesTicked(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.signIn()

		p := b.get("/access-tokens?create-client")
		wantContains(t, "form", p, `id="create-client-dialog" aria-labelledby="create-client-title" data-modal open>`,
			`<input type="checkbox" name="scope" value="credentials">`, "No OAuth2 applications yet.")
		p = b.post("/oauth-clients", url.Values{"name": {"Reporting"}})
		wantStatus(t, "none ticked", p, http.StatusUnprocessableEntity)
		wantContains(t, "none ticked", p, "must name at least one scope")

		p = b.post("/oauth-clients", url.Values{"name": {"Reporting"}, "scope": {"read", "directory"}})
		wantStatus(t, "register", p, http.StatusCreated)
		m := newClientSecret.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("the answer does not show the secret:\n%s", p.body)
		}
		clients, err := h.app.ListOAuthClients(ctx, h.tenant.ID, hookd.ListParams{})
		if err != nil || len(clients.Items) != 1 {
			t.Fatalf("clients: %v, %v", clients.Items, err)
		}
		c := clients.Items[0]
		tok, err := h.app.IssueOAuthToken(ctx, c.ID, m[1], "")
		if err != nil {
			t.Fatalf("the secret shown does not work: %v", err)
		}
		if got := tok.Scopes.String(); got != "read directory" {
			t.Errorf("token scopes = %q, want the ticked read directory", got)
		}
		p = b.get("/access-tokens")
		wantContains(t, "list", p, c.ID, `<td data-label="Scopes" class="client-scopes"><code>read</code> <code>directory</code></td>`)
		wantNotContains(t, "list", p, m[1])

		p = b.post("/oauth-clients/"+c.ID+"/delete", nil)
		wantStatus(t, "delete", p, http.StatusSeeOther)
		if _, err := h.app.IssueOAuthToken(ctx, c.ID, m[1], ""); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("deleted client: %v, want EUNAUTHORIZED", err)
		}
		wantStatus(t, "delete again", b.post("/oauth-clients/"+c.ID+"/delete", nil), http.StatusNotFound)
	})
}
