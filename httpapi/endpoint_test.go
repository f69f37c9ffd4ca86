package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// epEndpoint is an endpoint as a client reads it.
type epEndpoint struct {
	ID                      string            `json:"id"`
	Name                    string            `json:"name"`
	URL                     string            `json:"url"`
	Description             string            `json:"description"`
	EventTypes              []string          `json:"event_types"`
	AllEventTypes           bool              `json:"all_event_types"`
	Enabled                 bool              `json:"enabled"`
	DisabledReason          string            `json:"disabled_reason"`
	DisabledAt              *time.Time        `json:"disabled_at"`
	VerifyTLS               bool              `json:"verify_tls"`
	Format                  string            `json:"format"`
	MaxEventsPerRequest     int               `json:"max_events_per_request"`
	Mode                    string            `json:"mode"`
	Headers                 map[string]string `json:"headers"`
	VerificationKey         string            `json:"verification_key"`
	VerificationKeyHeader   string            `json:"verification_key_header"`
	TimeoutSeconds          int               `json:"timeout_seconds"`
	PreviousSecretExpiresAt *time.Time        `json:"previous_secret_expires_at"`
	Secret                  string            `json:"secret"`
}

type epPage struct {
	Data       []epEndpoint `json:"data"`
	NextCursor *string      `json:"next_cursor"`
}

// epEach runs f on SQLite and PostgreSQL with a harness and its store.
func epEach(t *testing.T, f func(t *testing.T, h *etHarness, s *sqlstore.Store)) {
	t.Helper()
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		f(t, etNewHarness(t, s), s)
	})
}

func epCreate(t *testing.T, h *etHarness, auth string, body map[string]any) epEndpoint {
	t.Helper()
	var e epEndpoint
	etWant(t, h.do("POST", "/api/v1/endpoints", auth, body), http.StatusCreated, &e)
	return e
}

func epNames(p epPage) string {
	var names []string
	for _, e := range p.Data {
		names = append(names, e.Name)
	}
	return strings.Join(names, ",")
}

func TestEndpointAPI(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, s *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)

		// Create: 201 with the secret and the verification key.
		e := epCreate(t, h, acme, map[string]any{
			"name": "Assessments", "url": "https://hooks.example/a?k={VerificationKey}", "event_types": []string{"user.created"},
			"format": "xml", "max_events_per_request": 10, "headers": map[string]string{"X-Team": "a"},
		})
		if !strings.HasPrefix(e.ID, "ep_") || !strings.HasPrefix(e.Secret, "whsec_") || e.VerificationKey == "" ||
			e.Format != "xml" || e.MaxEventsPerRequest != 10 || e.Mode != "full" || !e.VerifyTLS || !e.Enabled ||
			e.TimeoutSeconds != 15 || e.VerificationKeyHeader != "X-Hookd-Verification-Key" || e.Headers["X-Team"] != "a" ||
			e.AllEventTypes || len(e.EventTypes) != 1 {
			t.Fatalf("created: %+v", e)
		}
		// GET has no secret but the key.
		var got epEndpoint
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusOK, &got)
		if got.Secret != "" || got.VerificationKey != e.VerificationKey || got.Name != "Assessments" {
			t.Fatalf("get: %+v", got)
		}
		// Reveal the secret.
		var sec struct {
			Secret string `json:"secret"`
		}
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID+"/secret", acme, nil), http.StatusOK, &sec)
		if sec.Secret != e.Secret {
			t.Fatalf("secret %q, want %q", sec.Secret, e.Secret)
		}
		// Nothing secret is kept in plaintext.
		dump := sqlstoretest.DumpAtRest(t, s)
		for _, plain := range []string{e.Secret, strings.TrimPrefix(e.Secret, "whsec_"), e.VerificationKey} {
			if bytes.Contains(dump, []byte(plain)) {
				t.Fatalf("%q is stored in plaintext", plain)
			}
		}

		// Rotate.
		var rot struct {
			Secret                  string    `json:"secret"`
			PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at"`
		}
		etWant(t, h.do("POST", "/api/v1/endpoints/"+e.ID+"/secret/rotate", acme, nil), http.StatusOK, &rot)
		if rot.Secret == e.Secret || !strings.HasPrefix(rot.Secret, "whsec_") || !rot.PreviousSecretExpiresAt.Equal(h.clock.Now().Add(24*time.Hour)) {
			t.Fatalf("rotate: %+v", rot)
		}
		etWant(t, h.do("GET", "/api/v1/endpoints/"+e.ID+"/secret", acme, nil), http.StatusOK, &sec)
		if sec.Secret != rot.Secret {
			t.Fatalf("secret after rotation %q, want %q", sec.Secret, rot.Secret)
		}
		if bytes.Contains(sqlstoretest.DumpAtRest(t, s), []byte(rot.Secret)) {
			t.Fatal("the rotated secret is stored in plaintext")
		}

		// Patch.
		got = epEndpoint{}
		etWant(t, h.do("PATCH", "/api/v1/endpoints/"+e.ID, acme, map[string]any{"name": "Renamed", "event_types": []string{}, "headers": map[string]string{}}), http.StatusOK, &got)
		if got.Name != "Renamed" || !got.AllEventTypes || len(got.EventTypes) != 0 || len(got.Headers) != 0 || got.URL != e.URL || got.Format != "xml" ||
			got.PreviousSecretExpiresAt == nil {
			t.Fatalf("patched: %+v", got)
		}

		// Disable and enable.
		got = epEndpoint{}
		etWant(t, h.do("POST", "/api/v1/endpoints/"+e.ID+"/disable", acme, nil), http.StatusOK, &got)
		if got.Enabled || got.DisabledReason != "disabled by user" || got.DisabledAt == nil {
			t.Fatalf("disabled: %+v", got)
		}
		got = epEndpoint{}
		etWant(t, h.do("POST", "/api/v1/endpoints/"+e.ID+"/enable", acme, nil), http.StatusOK, &got)
		if !got.Enabled || got.DisabledReason != "" || got.DisabledAt != nil {
			t.Fatalf("enabled: %+v", got)
		}

		// List, sort, search, page.
		h.clock.Advance(time.Minute)
		epCreate(t, h, acme, map[string]any{"name": "Billing", "url": "https://billing.example/z"})
		h.clock.Advance(time.Minute)
		epCreate(t, h, acme, map[string]any{"name": "Audit", "url": "https://audit.example/y", "description": "compliance copy"})
		var p epPage
		etWant(t, h.do("GET", "/api/v1/endpoints", acme, nil), http.StatusOK, &p)
		if epNames(p) != "Renamed,Billing,Audit" || p.NextCursor != nil {
			t.Fatalf("list: %s", epNames(p))
		}
		etWant(t, h.do("GET", "/api/v1/endpoints?sort=name", acme, nil), http.StatusOK, &p)
		if epNames(p) != "Audit,Billing,Renamed" {
			t.Fatalf("sort=name: %s", epNames(p))
		}
		etWant(t, h.do("GET", "/api/v1/endpoints?sort=-url", acme, nil), http.StatusOK, &p)
		if epNames(p) != "Renamed,Billing,Audit" {
			t.Fatalf("sort=-url: %s", epNames(p))
		}
		etWant(t, h.do("GET", "/api/v1/endpoints?q=COMPLIANCE", acme, nil), http.StatusOK, &p)
		if epNames(p) != "Audit" {
			t.Fatalf("q: %s", epNames(p))
		}
		etWant(t, h.do("GET", "/api/v1/endpoints?limit=2&sort=-created_at", acme, nil), http.StatusOK, &p)
		if epNames(p) != "Audit,Billing" || p.NextCursor == nil {
			t.Fatalf("page 1: %s", epNames(p))
		}
		etWant(t, h.do("GET", "/api/v1/endpoints?limit=2&sort=-created_at&cursor="+*p.NextCursor, acme, nil), http.StatusOK, &p)
		if epNames(p) != "Renamed" || p.NextCursor != nil {
			t.Fatalf("page 2: %s", epNames(p))
		}
		etWantProblem(t, h.do("GET", "/api/v1/endpoints?sort=colour", acme, nil), http.StatusUnprocessableEntity, httpapi.TypeValidation, "query.sort", "")

		// Delete.
		etWant(t, h.do("DELETE", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusNoContent, nil)
		etWantProblem(t, h.do("GET", "/api/v1/endpoints/"+e.ID, acme, nil), http.StatusNotFound, httpapi.TypeNotFound, "", "")
	})
}

func TestEndpointAPICrossTenant(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		other := h.tenant("other", hookd.PlanEnterprise)
		e := epCreate(t, h, acme, map[string]any{"name": "Mine", "url": "https://x.example"})
		path := "/api/v1/endpoints/" + e.ID
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", path, nil},
			{"PATCH", path, map[string]any{"name": "stolen"}},
			{"DELETE", path, nil},
			{"GET", path + "/secret", nil},
			{"POST", path + "/secret/rotate", nil},
			{"POST", path + "/enable", nil},
			{"POST", path + "/disable", nil},
		} {
			etWantProblem(t, h.do(c.method, c.path, other, c.body), http.StatusNotFound, httpapi.TypeNotFound, "", "")
		}
		var p epPage
		etWant(t, h.do("GET", "/api/v1/endpoints", other, nil), http.StatusOK, &p)
		if len(p.Data) != 0 {
			t.Fatalf("other tenant lists %+v", p.Data)
		}
		var got epEndpoint
		etWant(t, h.do("GET", path, acme, nil), http.StatusOK, &got)
		if got.Name != "Mine" || !got.Enabled {
			t.Fatalf("after another tenant's tries: %+v", got)
		}
	})
}

func TestEndpointAPIValidationAndPlan(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, _ *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "n", "url": "https://x.example", "event_types": []string{"no.such"}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.event_types[0]", "not an event type")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "n", "url": "not a url"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.url", "")
		// Every bad field at once.
		r := h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "", "url": "ftp://x", "headers": map[string]string{"Content-Type": "x"}, "timeout_seconds": 0})
		for _, loc := range []string{"body.name", "body.url", "body.headers.Content-Type", "body.timeout_seconds"} {
			etWantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation, loc, "")
		}
		if r := h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "n", "url": "https://x.example", "colour": "blue"}); r.status != http.StatusBadRequest {
			t.Fatalf("unknown field: status %d", r.status)
		}

		// A free plan: 403 everywhere.
		e := epCreate(t, h, acme, map[string]any{"name": "n", "url": "https://x.example"})
		if _, err := h.app.UpdateTenant(context.Background(), "acme", epFreePlan()); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/endpoints/" + e.ID
		for _, r := range []*etResponse{
			h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "n", "url": "https://x.example"}),
			h.do("GET", "/api/v1/endpoints", acme, nil),
			h.do("GET", path, acme, nil),
			h.do("PATCH", path, acme, map[string]any{"name": "m"}),
			h.do("DELETE", path, acme, nil),
			h.do("GET", path+"/secret", acme, nil),
			h.do("POST", path+"/secret/rotate", acme, nil),
			h.do("POST", path+"/enable", acme, nil),
			h.do("POST", path+"/disable", acme, nil),
		} {
			etWantProblem(t, r, http.StatusForbidden, httpapi.TypePlanForbidden, "", "")
		}
	})
}

func epFreePlan() app.UpdateTenantInput {
	free := hookd.PlanFree
	return app.UpdateTenantInput{Plan: &free}
}
