package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// newEndpoint returns an endpoint of tn, not yet stored.
func newEndpoint(tn *hookd.Tenant, name string, created time.Time) *hookd.Endpoint {
	return &hookd.Endpoint{
		ID:                    hookd.NewID(hookd.PrefixEndpoint),
		TenantID:              tn.ID,
		Name:                  name,
		URL:                   "https://" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) + ".example/hook",
		Description:           "",
		EventTypes:            []string{},
		AllEventTypes:         true,
		Enabled:               true,
		VerifyTLS:             true,
		Format:                hookd.FormatJSON,
		MaxEventsPerRequest:   1,
		Mode:                  hookd.ModeFull,
		Headers:               map[string]string{},
		SealedVerificationKey: []byte("sealed key " + name),
		VerificationKeyHeader: hookd.DefaultVerificationKeyHeader,
		TimeoutSeconds:        15,
		Secrets:               []hookd.EndpointSecret{{Sealed: []byte("sealed secret " + name)}},
		CreatedAt:             created,
		UpdatedAt:             created,
	}
}

func createEndpoint(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string, created time.Time) *hookd.Endpoint {
	t.Helper()
	e := newEndpoint(tn, name, created)
	if err := s.CreateEndpoint(t.Context(), e); err != nil {
		t.Fatalf("CreateEndpoint(%s): %v", name, err)
	}
	return e
}

var endpointTests = []storeTest{
	{"RoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		want := newEndpoint(tn, "Assessments", at(1500*time.Nanosecond))
		want.Description = "d é"
		want.EventTypes, want.AllEventTypes = []string{"user.created", "assessment.completed"}, false
		want.Enabled, want.DisabledReason, want.DisabledAt = false, "410 Gone", ptr(at(time.Hour))
		want.LastTriggeredAt = ptr(at(time.Minute))
		want.VerifyTLS, want.Format, want.MaxEventsPerRequest, want.Mode = false, hookd.FormatXML, 10, hookd.ModePing
		want.SealedHeaders = []byte("sealed headers \x00\xff")
		want.Secrets = append(want.Secrets, hookd.EndpointSecret{Sealed: []byte{0, 1, 2, 255}, ExpiresAt: ptr(at(24 * time.Hour))})
		want.UpdatedAt = at(2 * time.Hour)
		must(t, s.CreateEndpoint(ctx, want))
		if !want.CreatedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("CreatedAt after create = %v, want rounded down to microseconds", want.CreatedAt)
		}
		got, err := s.Endpoint(ctx, tn.ID, want.ID)
		must(t, err)
		wantEqual(t, "Endpoint", got, want)

		// Update saves all but LastTriggeredAt; one secret drops the previous.
		got.Name, got.URL, got.Enabled, got.DisabledReason, got.DisabledAt = "New", "http://new.example", true, "", nil
		got.EventTypes, got.AllEventTypes = []string{}, true
		got.SealedHeaders = nil
		got.Secrets = []hookd.EndpointSecret{{Sealed: []byte("rotated")}}
		got.SealedVerificationKey = []byte("new key")
		got.LastTriggeredAt = nil
		got.UpdatedAt = at(3 * time.Hour)
		must(t, s.UpdateEndpoint(ctx, got))
		again, err := s.Endpoint(ctx, tn.ID, want.ID)
		must(t, err)
		got.LastTriggeredAt = want.LastTriggeredAt
		wantEqual(t, "Endpoint after update", again, got)

		// A new endpoint without lists reads back with empty ones.
		e := newEndpoint(tn, "Bare", t0)
		e.EventTypes, e.Headers = nil, nil
		must(t, s.CreateEndpoint(ctx, e))
		bare, err := s.Endpoint(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "bare endpoint", bare, e)
		if bare.EventTypes == nil || bare.Headers == nil {
			t.Fatal("nil lists read back")
		}
	}},
	{"HeadersAreNeverStoredInClear", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		// Headers that are not sealed are refused, not stored in clear.
		e := newEndpoint(tn, "Clear", t0)
		e.Headers = map[string]string{"Authorization": "Bearer receiver-credential"}
		if err := s.CreateEndpoint(ctx, e); err == nil {
			t.Fatal("CreateEndpoint stored headers that are not sealed")
		}
		// Sealed ones are stored sealed only.
		e.SealedHeaders = []byte("sealed")
		must(t, s.CreateEndpoint(ctx, e))
		got, err := s.Endpoint(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "headers read back", got.Headers, map[string]string{})
		wantEqual(t, "sealed headers read back", got.SealedHeaders, []byte("sealed"))
		got.Headers, got.SealedHeaders = map[string]string{"X-Api-Key": "receiver-credential"}, nil
		if err := s.UpdateEndpoint(ctx, got); err == nil {
			t.Fatal("UpdateEndpoint stored headers that are not sealed")
		}
		// Nothing is left in clear to seal.
		n, err := s.SealEndpointHeaders(ctx, 10, func(e *hookd.Endpoint) ([]byte, error) {
			t.Errorf("seal called for %s", e.ID)
			return nil, nil
		})
		must(t, err)
		wantEqual(t, "endpoints sealed", n, 0)
	}},
	{"LastTriggered", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		e := createEndpoint(t, s, tn, "E", t0)
		touch := func(id string, at time.Time) {
			t.Helper()
			must(t, s.RecordDeliveries(ctx, nil, []hookd.EndpointResult{{EndpointID: id, TriggeredAt: at}}))
		}
		touch(e.ID, at(time.Hour))
		touch(e.ID, at(time.Minute)) // never back
		touch("ep_gone", at(time.Hour))
		got, err := s.Endpoint(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "LastTriggeredAt", got.LastTriggeredAt, ptr(at(time.Hour)))
		// Update keeps it.
		got.LastTriggeredAt = nil
		got.UpdatedAt = at(2 * time.Hour)
		must(t, s.UpdateEndpoint(ctx, got))
		got, err = s.Endpoint(ctx, tn.ID, e.ID)
		must(t, err)
		wantEqual(t, "LastTriggeredAt after update", got.LastTriggeredAt, ptr(at(time.Hour)))
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		e := createEndpoint(t, s, a, "Mine", t0)
		_, err := s.Endpoint(ctx, b.ID, e.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		page, err := s.ListEndpoints(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("tenant b lists %s", show(page.Items))
		}
		other := *e
		other.TenantID, other.Name = b.ID, "stolen"
		wantCode(t, s.UpdateEndpoint(ctx, &other), hookd.ENOTFOUND)
		wantCode(t, s.DeleteEndpoint(ctx, b.ID, e.ID), hookd.ENOTFOUND)
		got, err := s.Endpoint(ctx, a.ID, e.ID)
		must(t, err)
		wantEqual(t, "endpoint after another tenant's changes", got, e)
		// Delete, then it is gone.
		must(t, s.DeleteEndpoint(ctx, a.ID, e.ID))
		_, err = s.Endpoint(ctx, a.ID, e.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteEndpoint(ctx, a.ID, e.ID), hookd.ENOTFOUND)
		// No such tenant.
		wantCode(t, s.CreateEndpoint(ctx, newEndpoint(&hookd.Tenant{ID: "ten_missing"}, "x", t0)), hookd.ENOTFOUND)
		// Same ID twice.
		dup := createEndpoint(t, s, a, "dup", t0)
		wantCode(t, s.CreateEndpoint(ctx, dup), hookd.ECONFLICT)
	}},
	{"List", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		createEndpoint(t, s, other, "alpha", t0)
		triggered := []*time.Time{nil, ptr(at(time.Hour)), nil, ptr(at(time.Minute)), ptr(at(time.Hour)), nil, ptr(t0)}
		var items []*hookd.Endpoint
		for i, name := range listNames {
			e := newEndpoint(tn, name, at(listTimes[i]))
			e.URL = fmt.Sprintf("https://h%d.example/%s", len(listNames)-i, strings.ReplaceAll(name, " ", ""))
			e.Description = fmt.Sprintf("desc %d", i)
			e.LastTriggeredAt = triggered[i]
			must(t, s.CreateEndpoint(ctx, e))
			items = append(items, e)
		}
		l := lister[*hookd.Endpoint]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Endpoint], error) {
				return s.ListEndpoints(ctx, tn.ID, p)
			},
			id: func(x *hookd.Endpoint) string { return x.ID },
			sorts: map[string]func(a, b *hookd.Endpoint) int{
				"created_at": func(a, b *hookd.Endpoint) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"name":       func(a, b *hookd.Endpoint) int { return strings.Compare(a.Name, b.Name) },
				"url":        func(a, b *hookd.Endpoint) int { return strings.Compare(a.URL, b.URL) },
				"last_triggered_at": func(a, b *hookd.Endpoint) int {
					switch {
					case a.LastTriggeredAt == nil && b.LastTriggeredAt == nil:
						return 0
					case a.LastTriggeredAt == nil:
						return -1
					case b.LastTriggeredAt == nil:
						return 1
					}
					return a.LastTriggeredAt.Compare(*b.LastTriggeredAt)
				},
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "ALPHA", l.matching(items, func(x *hookd.Endpoint) bool { return strings.EqualFold(x.Name, "alpha") }))
		l.checkQuery(t, "h7.example", []string{items[0].ID}) // in the URL only
		l.checkQuery(t, "desc 3", []string{items[3].ID})     // in the description only
		l.checkQuery(t, "100%", []string{items[6].ID})
		l.checkQuery(t, "nothing", nil)

		// Items round-trip through lists as through Endpoint.
		page, err := s.ListEndpoints(ctx, tn.ID, hookd.ListParams{})
		must(t, err)
		for _, got := range page.Items {
			want := items[slices.IndexFunc(items, func(x *hookd.Endpoint) bool { return x.ID == got.ID })]
			wantEqual(t, "listed endpoint", got, want)
		}
	}},
}
