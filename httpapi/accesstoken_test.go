package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

func TestAccessTokenLifecycle(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		r := e.do("POST", "/api/v1/access-tokens", tokenAuth(key), map[string]string{"name": "CI pipeline"})
		wantStatus(t, r, http.StatusCreated)
		created := decode[accessTokenBody](t, r)
		tok := created.Token
		if !strings.HasPrefix(tok, "hkd_at_") || created.Name != "CI pipeline" || !strings.HasPrefix(created.ID, "tok_") {
			t.Fatalf("create: got %s", r.Body)
		}
		if !strings.HasPrefix(tok, created.Prefix) || created.Prefix == "" || created.Prefix == tok {
			t.Errorf("prefix %q is not a proper prefix of the token", created.Prefix)
		}
		if created.LastUsedAt != nil {
			t.Errorf("new token: last_used_at %v, want null", created.LastUsedAt)
		}
		after := e.responseCount()

		// The token works, and its use is recorded.
		if got := e.whoAmI(bearerAuth(tok)); got != "acme" {
			t.Fatalf("bearer token: tenant %q, want acme", got)
		}
		r = e.do("GET", "/api/v1/access-tokens/"+created.ID, bearerAuth(tok), nil)
		wantStatus(t, r, http.StatusOK)
		got := decode[accessTokenBody](t, r)
		if got.LastUsedAt == nil {
			t.Fatalf("after use: last_used_at is null: %s", r.Body)
		}
		if got.LastUsedAt.Before(start) || got.LastUsedAt.After(e.clock.Now()) {
			t.Errorf("last_used_at %v is not between %v and %v", got.LastUsedAt, start, e.clock.Now())
		}

		// List, rename, and the other reads never show the token.
		r = e.do("GET", "/api/v1/access-tokens", tokenAuth(key), nil)
		wantStatus(t, r, http.StatusOK)
		list := decode[listBody[accessTokenBody]](t, r)
		if len(list.Data) != 1 || list.Data[0].ID != created.ID || list.NextCursor != nil {
			t.Fatalf("list: got %s, want the one token", r.Body)
		}
		r = e.do("PATCH", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), map[string]string{"name": "Deploy bot"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[accessTokenBody](t, r); got.Name != "Deploy bot" || got.ID != created.ID {
			t.Fatalf("rename: got %s", r.Body)
		}
		r = e.do("GET", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), nil)
		if got := decode[accessTokenBody](t, r); got.Name != "Deploy bot" {
			t.Fatalf("after rename: name %q, want Deploy bot", got.Name)
		}
		wantProblem(t, e.do("PATCH", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), map[string]string{"name": "  "}), http.StatusUnprocessableEntity, httpapi.TypeValidation)
		e.whoAmI(bearerAuth(tok)) // renaming does not change the token
		wantStatus(t, e.do("GET", "/api/v1/api", bearerAuth(tok), nil), http.StatusOK)
		// Made without scopes, it has every scope but credentials.
		wantProblem(t, e.do("GET", "/api/v1/api/key", bearerAuth(tok), nil), http.StatusForbidden, httpapi.TypeInsufficientScope)
		wantStatus(t, e.do("GET", "/api/v1/access-tokens?q=deploy", bearerAuth(tok), nil), http.StatusOK)
		wantStatus(t, e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil), http.StatusOK)

		// Revoke: the token is dead at once.
		r = e.do("DELETE", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), nil)
		wantStatus(t, r, http.StatusNoContent)
		r = e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil)
		wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
		wantProblem(t, e.do("DELETE", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("GET", "/api/v1/access-tokens/"+created.ID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)
		r = e.do("GET", "/api/v1/access-tokens", tokenAuth(key), nil)
		if list := decode[listBody[accessTokenBody]](t, r); len(list.Data) != 0 {
			t.Fatalf("list after revoke: %s", r.Body)
		}

		// The token never appeared again, in any body or header.
		for _, r := range e.responsesSince(after) {
			if strings.Contains(string(r.Body), tok) {
				t.Errorf("%s shows the token: %s", r, r.Body)
			}
			for k, vs := range r.Header {
				for _, v := range vs {
					if strings.Contains(v, tok) {
						t.Errorf("%s shows the token in header %s", r, k)
					}
				}
			}
		}
	})
}

func TestListPagination(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		auth := tokenAuth(key)
		names := []string{"delta", "alpha", "golf", "charlie", "echo", "bravo", "foxtrot"}
		ids := map[string]string{} // id → name
		for _, n := range names {
			ids[e.createAccessToken(auth, n).ID] = n
		}

		// Follow next_cursor with limit=3: three pages, each token once, in
		// creation order.
		seen := map[string]int{}
		var order []string
		path := "/api/v1/access-tokens?limit=3"
		pages := 0
		for {
			r := e.do("GET", path, auth, nil)
			wantStatus(t, r, http.StatusOK)
			page := decode[listBody[accessTokenBody]](t, r)
			pages++
			if len(page.Data) > 3 {
				t.Fatalf("page %d has %d items, want at most 3", pages, len(page.Data))
			}
			for _, tok := range page.Data {
				seen[tok.ID]++
				order = append(order, tok.Name)
				if tok.Token != "" {
					t.Errorf("list shows the token of %s", tok.ID)
				}
			}
			if page.NextCursor == nil {
				break
			}
			if pages > 10 {
				t.Fatalf("more than 10 pages")
			}
			path = "/api/v1/access-tokens?limit=3&cursor=" + url.QueryEscape(*page.NextCursor)
		}
		if pages != 3 {
			t.Errorf("pages: got %d, want 3", pages)
		}
		if len(seen) != len(names) {
			t.Errorf("saw %d tokens, want %d", len(seen), len(names))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("token %s seen %d times", id, n)
			}
			if _, ok := ids[id]; !ok {
				t.Errorf("unknown token %s listed", id)
			}
		}
		if !slices.Equal(order, names) {
			t.Errorf("default order: got %v, want creation order %v", order, names)
		}

		// sort=-name, across pages.
		want := slices.Clone(names)
		slices.Sort(want)
		slices.Reverse(want)
		if got := e.listAll(auth, "/api/v1/access-tokens?sort=-name&limit=2"); !slices.Equal(got, want) {
			t.Errorf("sort=-name: got %v, want %v", got, want)
		}
		slices.Reverse(want)
		if got := e.listAll(auth, "/api/v1/access-tokens?sort=name&limit=4"); !slices.Equal(got, want) {
			t.Errorf("sort=name: got %v, want %v", got, want)
		}

		// q= searches names, ignoring case.
		if got := e.listAll(auth, "/api/v1/access-tokens?q=HA"); !slices.Equal(got, []string{"alpha", "charlie"}) {
			t.Errorf("q=HA: got %v, want [alpha charlie]", got)
		}
		if got := e.listAll(auth, "/api/v1/access-tokens?q=zzz"); len(got) != 0 {
			t.Errorf("q=zzz: got %v, want none", got)
		}

		// Bad list parameters are problems naming the parameter.
		for _, tc := range []struct{ query, location string }{
			{"cursor=not-a-cursor", "query.cursor"},
			{"cursor=" + url.QueryEscape("eyJzIjoiIiwidiI6IiIsImkiOiIifQ"), "query.cursor"}, // well-formed, but empty
			{"sort=secret", "query.sort"},
			{"limit=0", "query.limit"},
			{"limit=501", "query.limit"},
			{"limit=abc", "query.limit"},
		} {
			r := e.do("GET", "/api/v1/access-tokens?"+tc.query, auth, nil)
			p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
			if !p.hasLocation(tc.location) {
				t.Errorf("?%s: errors %+v, want one at %s", tc.query, p.Errors, tc.location)
			}
		}
		// A cursor made for another sort is refused too.
		r := e.do("GET", "/api/v1/access-tokens?limit=3", auth, nil)
		c := decode[listBody[accessTokenBody]](t, r).NextCursor
		if c == nil {
			t.Fatal("no next_cursor")
		}
		r = e.do("GET", "/api/v1/access-tokens?sort=-name&cursor="+url.QueryEscape(*c), auth, nil)
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation); !p.hasLocation("query.cursor") {
			t.Errorf("cursor of another sort: errors %+v, want query.cursor", p.Errors)
		}
	})
}

// listAll follows a list's pages from path and returns the names (or
// emails) of its items in order.
func (e *env) listAll(auth, path string) []string {
	e.t.Helper()
	var out []string
	next := path
	for i := 0; ; i++ {
		if i > 50 {
			e.t.Fatalf("%s: more than 50 pages", path)
		}
		r := e.do("GET", next, auth, nil)
		wantStatus(e.t, r, http.StatusOK)
		page := decode[listBody[struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		}]](e.t, r)
		for _, it := range page.Data {
			out = append(out, it.Name+it.Email)
		}
		if page.NextCursor == nil {
			return out
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = fmt.Sprintf("%s%scursor=%s", path, sep, url.QueryEscape(*page.NextCursor))
	}
}
