package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// newEventType returns an event type of tn (or a built-in one for a nil
// tn) named name, not yet stored.
func newEventType(tn *hookd.Tenant, name string, created time.Time) *hookd.EventType {
	et := &hookd.EventType{
		ID:          hookd.NewID(hookd.PrefixEventType),
		Name:        name,
		Description: "The " + name + " event.",
		Schema:      json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`),
		Example:     json.RawMessage(`{"n": 1}`),
		Version:     1,
		CreatedAt:   created,
		UpdatedAt:   created,
	}
	if tn != nil {
		et.TenantID = tn.ID
	}
	return et
}

// createEventType stores a type of tn.
func createEventType(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string, created time.Time) *hookd.EventType {
	t.Helper()
	et := newEventType(tn, name, created)
	if err := s.CreateEventType(t.Context(), et); err != nil {
		t.Fatalf("CreateEventType(%s): %v", name, err)
	}
	return et
}

// putBuiltins stores built-in types with the given names.
func putBuiltins(t *testing.T, s hookd.Store, created time.Time, names ...string) []*hookd.EventType {
	t.Helper()
	var ts []*hookd.EventType
	for _, name := range names {
		ts = append(ts, newEventType(nil, name, created))
	}
	if err := s.PutBuiltinEventTypes(t.Context(), ts); err != nil {
		t.Fatalf("PutBuiltinEventTypes: %v", err)
	}
	return ts
}

var eventTypeTests = []storeTest{
	{"CreateRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		want := newEventType(tn, "assessment.completed", at(time.Nanosecond*1500))
		want.Schema = json.RawMessage(`{ "type": "object",  "description": "kept byte for byte: \u00e9 é" }`)
		want.Example = json.RawMessage(`{}`)
		want.Deprecated = true
		want.Version = 3
		want.UpdatedAt = at(time.Hour)
		must(t, s.CreateEventType(ctx, want))
		if !want.CreatedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("CreatedAt after create = %v, want rounded down to microseconds", want.CreatedAt)
		}
		got, err := s.EventType(ctx, tn.ID, "assessment.completed")
		must(t, err)
		wantEqual(t, "EventType", got, want)
		if got.BuiltIn() {
			t.Fatal("a tenant's type reports BuiltIn")
		}
	}},
	{"CreateConflicts", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		putBuiltins(t, s, t0, "user.created")
		createEventType(t, s, a, "assessment.completed", t0)
		wantCode(t, s.CreateEventType(ctx, newEventType(a, "assessment.completed", t0)), hookd.ECONFLICT)
		wantCode(t, s.CreateEventType(ctx, newEventType(a, "user.created", t0)), hookd.ECONFLICT)
		// Another tenant may use the same name.
		createEventType(t, s, b, "assessment.completed", t0)
		// No such tenant; and "" names no tenant.
		wantCode(t, s.CreateEventType(ctx, newEventType(&hookd.Tenant{ID: "ten_missing"}, "x.y", t0)), hookd.ENOTFOUND)
		wantCode(t, s.CreateEventType(ctx, newEventType(nil, "x.y", t0)), hookd.ENOTFOUND)
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		et := createEventType(t, s, a, "assessment.completed", t0)
		_, err := s.EventType(ctx, b.ID, "assessment.completed")
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.EventType(ctx, "", "assessment.completed")
		wantCode(t, err, hookd.ENOTFOUND)
		page, err := s.ListEventTypes(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("tenant b lists %s", show(page.Items))
		}
		// Another tenant cannot change it.
		other := *et
		other.TenantID = b.ID
		other.Description = "mine now"
		wantCode(t, s.UpdateEventType(ctx, &other), hookd.ENOTFOUND)
		got, err := s.EventType(ctx, a.ID, et.Name)
		must(t, err)
		wantEqual(t, "EventType after another tenant's update", got, et)
		_, err = s.EventType(ctx, a.ID, "no.such")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"Builtins", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		first := putBuiltins(t, s, t0, "user.created", "webhook.test")
		for _, who := range []string{"", tn.ID} {
			got, err := s.EventType(ctx, who, "user.created")
			must(t, err)
			wantEqual(t, "built-in type", got, first[0])
			if !got.BuiltIn() {
				t.Fatal("a built-in type does not report BuiltIn")
			}
		}
		// Putting the same catalog again changes nothing, whatever the new
		// IDs and times.
		putBuiltins(t, s, at(time.Hour), "user.created", "webhook.test")
		got, err := s.EventType(ctx, tn.ID, "user.created")
		must(t, err)
		wantEqual(t, "built-in type after an unchanged put", got, first[0])
		// A changed entry is saved, keeping its ID and creation time; a new
		// one is added.
		changed := newEventType(nil, "user.created", at(2*time.Hour))
		changed.Description = "Changed."
		changed.Schema = json.RawMessage(`{"type":"object"}`)
		changed.Version = 2
		changed.Deprecated = true
		added := newEventType(nil, "user.login", at(2*time.Hour))
		must(t, s.PutBuiltinEventTypes(ctx, []*hookd.EventType{changed, added}))
		got, err = s.EventType(ctx, tn.ID, "user.created")
		must(t, err)
		want := *changed
		want.ID, want.CreatedAt = first[0].ID, first[0].CreatedAt
		wantEqual(t, "built-in type after a changed put", got, &want)
		got, err = s.EventType(ctx, tn.ID, "user.login")
		must(t, err)
		wantEqual(t, "added built-in type", got, added)
		// A tenant cannot change a built-in type; the catalog can.
		up := *got
		up.TenantID = tn.ID
		wantCode(t, s.UpdateEventType(ctx, &up), hookd.ENOTFOUND)
		up.TenantID = ""
		up.Description = "Updated by the catalog."
		must(t, s.UpdateEventType(ctx, &up))
	}},
	{"Update", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		et := createEventType(t, s, tn, "assessment.completed", t0)
		et.Description = "Now described."
		et.Schema = json.RawMessage(`{"type":"object","required":["n"]}`)
		et.Example = json.RawMessage(`{"n":2}`)
		et.Version = 2
		et.Deprecated = true
		et.UpdatedAt = at(time.Hour + 1500*time.Nanosecond)
		must(t, s.UpdateEventType(ctx, et))
		if !et.UpdatedAt.Equal(at(time.Hour + time.Microsecond)) {
			t.Fatalf("UpdatedAt after update = %v, want rounded down to microseconds", et.UpdatedAt)
		}
		got, err := s.EventType(ctx, tn.ID, et.Name)
		must(t, err)
		wantEqual(t, "EventType after update", got, et)
		missing := newEventType(tn, "no.such", t0)
		wantCode(t, s.UpdateEventType(ctx, missing), hookd.ENOTFOUND)
	}},
	{"List", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		createEventType(t, s, other, "other.secret", t0)
		var items []*hookd.EventType
		// Built-ins and the tenant's own, with tied times.
		for i, name := range []string{"user.created", "ticket.created", "webhook.test"} {
			bt := newEventType(nil, name, at(listTimes[i]))
			bt.UpdatedAt = at(listTimes[len(listTimes)-1-i])
			must(t, s.PutBuiltinEventTypes(ctx, []*hookd.EventType{bt}))
			items = append(items, bt)
		}
		for i, name := range []string{"assessment.completed", "a_b.c", "ab.c", "zulu.v100"} {
			et := newEventType(tn, name, at(listTimes[3+i]))
			et.UpdatedAt = at(listTimes[i])
			if name == "zulu.v100" {
				et.Description = "Reaches 100% of the Alpha audience."
			}
			must(t, s.CreateEventType(ctx, et))
			items = append(items, et)
		}
		l := lister[*hookd.EventType]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.EventType], error) {
				return s.ListEventTypes(ctx, tn.ID, p)
			},
			id: func(x *hookd.EventType) string { return x.ID },
			sorts: map[string]func(a, b *hookd.EventType) int{
				"created_at": func(a, b *hookd.EventType) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at": func(a, b *hookd.EventType) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
				"name":       func(a, b *hookd.EventType) int { return strings.Compare(a.Name, b.Name) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		has := func(sub string) func(*hookd.EventType) bool {
			return func(x *hookd.EventType) bool {
				return strings.Contains(strings.ToLower(x.Name), sub) || strings.Contains(strings.ToLower(x.Description), sub)
			}
		}
		for _, q := range []string{"CREATED", "alpha", "100%", "a_b", ".c", "secret", "the "} {
			l.checkQuery(t, q, l.matching(items, has(strings.ToLower(q))))
		}
		page, err := s.ListEventTypes(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		for _, got := range page.Items {
			want := items[slices.IndexFunc(items, func(x *hookd.EventType) bool { return x.ID == got.ID })]
			wantEqual(t, fmt.Sprintf("listed %s", got.Name), got, want)
		}
	}},
}
