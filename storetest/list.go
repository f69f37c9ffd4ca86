package storetest

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// lister is one list of a store under test.
type lister[T any] struct {
	list func(ctx context.Context, p hookd.ListParams) (hookd.Page[T], error)
	id   func(T) string
	// sorts compares two items by each sort field, ties left to the id.
	sorts map[string]func(a, b T) int
}

// expect returns items in the order sort asks for: by the field, then by id,
// both reversed for a leading "-".
func (l lister[T]) expect(items []T, sort string) []string {
	field, desc := strings.CutPrefix(sort, "-")
	if field == "" {
		field = "created_at"
	}
	byField := l.sorts[field]
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b T) int {
		c := byField(a, b)
		if c == 0 {
			c = strings.Compare(l.id(a), l.id(b))
		}
		if desc {
			c = -c
		}
		return c
	})
	return l.ids(sorted)
}

func (l lister[T]) ids(items []T) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = l.id(it)
	}
	return ids
}

// all pages through the list with p, checking every page but the last is
// full and has a cursor, and returns the ids in order.
func (l lister[T]) all(t *testing.T, p hookd.ListParams) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("list %+v: no last page after %d pages", p, pages)
		}
		page, err := l.list(t.Context(), p)
		if err != nil {
			t.Fatalf("list %+v: %v", p, err)
		}
		if page.Items == nil {
			t.Fatalf("list %+v: Items is nil, want a (possibly empty) slice", p)
		}
		ids = append(ids, l.ids(page.Items)...)
		if page.NextCursor == "" {
			return ids
		}
		if len(page.Items) != p.Limit {
			t.Fatalf("list %+v: %d items on a page with a next cursor, want %d", p, len(page.Items), p.Limit)
		}
		p.Cursor = page.NextCursor
	}
}

// checkPaging lists items under every sort, ascending and descending, a page
// at a time for several page sizes, and compares with the expected order.
func (l lister[T]) checkPaging(t *testing.T, items []T) {
	t.Helper()
	var sorts []string
	for field := range l.sorts {
		sorts = append(sorts, field, "-"+field)
	}
	slices.Sort(sorts)
	sorts = append(sorts, "")
	for _, sort := range sorts {
		want := l.expect(items, sort)
		for _, limit := range []int{1, 2, 3, len(items), len(items) + 1} {
			got := l.all(t, hookd.ListParams{Sort: sort, Limit: limit})
			if !slices.Equal(got, want) {
				t.Fatalf("sort %q, limit %d:\n got %v\nwant %v", sort, limit, got, want)
			}
		}
		// Limit 0 means the default, which is more than we have.
		page, err := l.list(t.Context(), hookd.ListParams{Sort: sort})
		must(t, err)
		if got := l.ids(page.Items); !slices.Equal(got, want) || page.NextCursor != "" {
			t.Fatalf("sort %q, limit 0: got %v with cursor %q, want %v and no cursor", sort, got, page.NextCursor, want)
		}
	}
}

// checkBadParams checks that a list refuses unknown sorts and malformed or
// mismatched cursors.
func (l lister[T]) checkBadParams(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	for _, sort := range []string{"bogus", "-bogus", "--created_at", "id", "created_at,name", "CREATED_AT"} {
		_, err := l.list(ctx, hookd.ListParams{Sort: sort})
		wantField(t, err, "query.sort")
	}
	for _, cursor := range []string{
		"!!!",
		"not a cursor",
		base64.RawURLEncoding.EncodeToString([]byte("{}")),
		base64.RawURLEncoding.EncodeToString([]byte("[1,2]")),
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":"created_at","v":"yesterday","i":"x"}`)),
	} {
		_, err := l.list(ctx, hookd.ListParams{Cursor: cursor})
		wantField(t, err, "query.cursor")
	}
	// A cursor serves the sort it was made for only.
	page, err := l.list(ctx, hookd.ListParams{Limit: 1, Sort: "-created_at"})
	must(t, err)
	if page.NextCursor == "" {
		t.Fatal("want at least two items to test cursors")
	}
	_, err = l.list(ctx, hookd.ListParams{Cursor: page.NextCursor, Sort: "created_at"})
	wantField(t, err, "query.cursor")
	_, err = l.list(ctx, hookd.ListParams{Limit: -1})
	wantField(t, err, "query.limit")
}

// checkQuery checks that Query q finds the items with want ids, in creation
// order, also a page at a time.
func (l lister[T]) checkQuery(t *testing.T, q string, want []string) {
	t.Helper()
	for _, limit := range []int{hookd.DefaultListLimit, 1} {
		got := l.all(t, hookd.ListParams{Query: q, Limit: limit})
		if !slices.Equal(got, want) {
			t.Fatalf("query %q, limit %d: got %v, want %v", q, limit, got, want)
		}
	}
}

// matching returns the ids of the items keep keeps, in creation order.
func (l lister[T]) matching(items []T, keep func(T) bool) []string {
	var kept []T
	for _, it := range items {
		if keep(it) {
			kept = append(kept, it)
		}
	}
	return l.expect(kept, "")
}

// Times with ties, so the id must break them.
var listTimes = []time.Duration{3 * time.Hour, time.Hour, time.Hour, 2 * time.Hour, 0, time.Hour, 5 * time.Hour}

// Names with ties, case and characters that sort differently under
// different collations.
var listNames = []string{"beta", "Alpha", "alpha", "beta", "a-b", "ab", "Zulu 100%"}

var listTests = []storeTest{
	{"Tenants", func(t *testing.T, s hookd.Store) {
		var items []*hookd.Tenant
		for i, name := range listNames {
			tn := &hookd.Tenant{
				ID:        hookd.NewID(hookd.PrefixTenant),
				Slug:      fmt.Sprintf("t%d-%s", len(listNames)-i, strings.ToLower(strings.Fields(name)[0])),
				Name:      name,
				Plan:      hookd.PlanFree,
				CreatedAt: at(listTimes[i]),
			}
			must(t, s.CreateTenant(t.Context(), tn, nil))
			items = append(items, tn)
		}
		l := lister[*hookd.Tenant]{
			list: s.ListTenants,
			id:   func(x *hookd.Tenant) string { return x.ID },
			sorts: map[string]func(a, b *hookd.Tenant) int{
				"created_at": func(a, b *hookd.Tenant) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"slug":       func(a, b *hookd.Tenant) int { return strings.Compare(a.Slug, b.Slug) },
				"name":       func(a, b *hookd.Tenant) int { return strings.Compare(a.Name, b.Name) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		has := func(sub string) func(*hookd.Tenant) bool {
			return func(x *hookd.Tenant) bool {
				return strings.Contains(strings.ToLower(x.Slug), sub) || strings.Contains(strings.ToLower(x.Name), sub)
			}
		}
		none := func(*hookd.Tenant) bool { return false }
		for _, c := range []struct {
			query string
			keep  func(*hookd.Tenant) bool
		}{
			{"ALPHA", has("alpha")},
			{"t7-", has("t7-")}, // in the slug only
			{"a-b", has("a-b")}, // in slug and name
			{"B", has("b")},     // in slug or name
			{"zulu 100", has("zulu 100")},
			{"%", has("%")}, // a literal percent sign
			{"a_b", none},   // a literal underscore
			{`\`, none},     // a literal backslash
			{"tenant", none},
			{"", func(*hookd.Tenant) bool { return true }},
		} {
			l.checkQuery(t, c.query, l.matching(items, c.keep))
		}
	}},
	{"TenantsLimitCap", func(t *testing.T, s hookd.Store) {
		for i := range hookd.MaxListLimit + 1 {
			tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: fmt.Sprintf("t%d", i), Name: "T", Plan: hookd.PlanFree, CreatedAt: t0}
			must(t, s.CreateTenant(t.Context(), tn, nil))
		}
		page, err := s.ListTenants(t.Context(), hookd.ListParams{Limit: 10 * hookd.MaxListLimit})
		must(t, err)
		if len(page.Items) != hookd.MaxListLimit || page.NextCursor == "" {
			t.Fatalf("got %d items with cursor %q, want %d and a cursor", len(page.Items), page.NextCursor, hookd.MaxListLimit)
		}
		page, err = s.ListTenants(t.Context(), hookd.ListParams{})
		must(t, err)
		if len(page.Items) != hookd.DefaultListLimit || page.NextCursor == "" {
			t.Fatalf("got %d items with cursor %q, want %d and a cursor", len(page.Items), page.NextCursor, hookd.DefaultListLimit)
		}
	}},
	{"AccessTokens", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		c := newClient(t, s, tn, "client")
		newOAuthToken(t, s, c, "not listed", at(time.Hour))
		newToken(t, s, other, "not listed either")
		used := []*time.Time{nil, ptr(at(time.Hour)), nil, ptr(at(time.Minute)), ptr(at(time.Hour)), nil, ptr(t0)}
		var items []*hookd.AccessToken
		for i, name := range listNames {
			tok := &hookd.AccessToken{
				ID:         hookd.NewID(hookd.PrefixAccessToken),
				TenantID:   tn.ID,
				Name:       name,
				Prefix:     "p",
				Hash:       hash(fmt.Sprint("list", i)),
				CreatedAt:  at(listTimes[i]),
				LastUsedAt: used[i],
			}
			must(t, s.CreateAccessToken(ctx, tok))
			items = append(items, tok)
		}
		l := lister[*hookd.AccessToken]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.AccessToken], error) {
				return s.ListAccessTokens(ctx, tn.ID, p)
			},
			id: func(x *hookd.AccessToken) string { return x.ID },
			sorts: map[string]func(a, b *hookd.AccessToken) int{
				"created_at": func(a, b *hookd.AccessToken) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"name":       func(a, b *hookd.AccessToken) int { return strings.Compare(a.Name, b.Name) },
				"last_used_at": func(a, b *hookd.AccessToken) int {
					// Never used sorts as the oldest.
					switch {
					case a.LastUsedAt == nil && b.LastUsedAt == nil:
						return 0
					case a.LastUsedAt == nil:
						return -1
					case b.LastUsedAt == nil:
						return 1
					}
					return a.LastUsedAt.Compare(*b.LastUsedAt)
				},
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "Alpha", l.matching(items, func(x *hookd.AccessToken) bool { return strings.EqualFold(x.Name, "alpha") }))
		l.checkQuery(t, "100%", []string{items[6].ID})

		// Items round-trip through lists as through AccessToken.
		page, err := s.ListAccessTokens(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		for _, got := range page.Items {
			want := items[slices.IndexFunc(items, func(x *hookd.AccessToken) bool { return x.ID == got.ID })]
			wantEqual(t, "listed token", got, want)
		}
	}},
	{"ServiceAccounts", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		newServiceAccount(t, s, other, "other@b.example")
		var items []*hookd.ServiceAccount
		for i, name := range listNames {
			a := &hookd.ServiceAccount{
				ID:           hookd.NewID(hookd.PrefixServiceAccount),
				TenantID:     tn.ID,
				Email:        fmt.Sprintf("%s%d@A.example", strings.ReplaceAll(name, " ", "."), i),
				PasswordHash: "x",
				CreatedAt:    at(listTimes[i]),
			}
			must(t, s.CreateServiceAccount(ctx, a))
			items = append(items, a)
		}
		l := lister[*hookd.ServiceAccount]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.ServiceAccount], error) {
				return s.ListServiceAccounts(ctx, tn.ID, p)
			},
			id: func(x *hookd.ServiceAccount) string { return x.ID },
			sorts: map[string]func(a, b *hookd.ServiceAccount) int{
				"created_at": func(a, b *hookd.ServiceAccount) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"email":      func(a, b *hookd.ServiceAccount) int { return strings.Compare(a.Email, b.Email) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "@a.EXAMPLE", l.expect(items, ""))
		l.checkQuery(t, "other", nil)
		l.checkQuery(t, "alpha1", []string{items[1].ID})
	}},
	{"OAuthClients", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		newClient(t, s, other, "alpha")
		var items []*hookd.OAuthClient
		for i, name := range listNames {
			c := &hookd.OAuthClient{
				ID:         hookd.NewID(hookd.PrefixOAuthClient),
				TenantID:   tn.ID,
				Name:       name,
				SecretHash: hash(fmt.Sprint("client", i)),
				CreatedAt:  at(listTimes[i]),
			}
			must(t, s.CreateOAuthClient(ctx, c))
			items = append(items, c)
		}
		l := lister[*hookd.OAuthClient]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.OAuthClient], error) {
				return s.ListOAuthClients(ctx, tn.ID, p)
			},
			id: func(x *hookd.OAuthClient) string { return x.ID },
			sorts: map[string]func(a, b *hookd.OAuthClient) int{
				"created_at": func(a, b *hookd.OAuthClient) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"name":       func(a, b *hookd.OAuthClient) int { return cmp.Compare(a.Name, b.Name) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "ETA", l.matching(items, func(x *hookd.OAuthClient) bool { return x.Name == "beta" }))
	}},
	{"Empty", func(t *testing.T, s hookd.Store) {
		page, err := s.ListTenants(t.Context(), hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 || page.NextCursor != "" {
			t.Fatalf("empty list: got %d items and cursor %q", len(page.Items), page.NextCursor)
		}
	}},
}
