package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// etHarness is the API over a real HTTP server, for the event catalog's
// tests.
type etHarness struct {
	t     *testing.T
	app   *app.App
	clock *hookd.ManualClock
	url   string
	http  *http.Client
}

func etNewHarness(t *testing.T, s *sqlstore.Store) *etHarness {
	t.Helper()
	clock := hookd.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	a.PasswordParams = secret.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	ts := httptest.NewServer(httpapi.New(a, &httpapi.RateLimiter{Clock: clock, Default: 0}, nil))
	t.Cleanup(ts.Close)
	return &etHarness{t: t, app: a, clock: clock, url: ts.URL, http: ts.Client()}
}

// etEach runs f in parallel on SQLite and PostgreSQL.
func etEach(t *testing.T, f func(t *testing.T, h *etHarness)) {
	t.Helper()
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		f(t, etNewHarness(t, s))
	})
}

// tenant creates a tenant on plan with its API on and returns the
// Authorization header of its API key.
func (h *etHarness) tenant(slug string, plan hookd.Plan) string {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.app.CreateTenant(ctx, app.CreateTenantInput{Slug: slug, Plan: plan}); err != nil {
		h.t.Fatalf("CreateTenant(%s): %v", slug, err)
	}
	acc, err := h.app.SetAPIEnabled(ctx, slug, true)
	if err != nil {
		h.t.Fatalf("SetAPIEnabled(%s): %v", slug, err)
	}
	return "Token " + acc.Key
}

// etResponse is an answer read in full.
type etResponse struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

// do sends body (a string as is, anything else as JSON, nil for none).
func (h *etHarness) do(method, path, auth string, body any) *etResponse {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := h.http.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return &etResponse{method: method, path: path, status: res.StatusCode, header: res.Header, body: b}
}

// etEventType is an event type as a client reads it.
type etEventType struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Example     json.RawMessage `json:"example"`
	Version     int             `json:"version"`
	Deprecated  bool            `json:"deprecated"`
	BuiltIn     bool            `json:"built_in"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

type etProblem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

// etWant fails the test unless r has status, and decodes its body into v
// (if not nil).
func etWant(t *testing.T, r *etResponse, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.method, r.path, r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s %s: decode: %v; body: %s", r.method, r.path, err, r.body)
		}
	}
}

// etWantProblem fails the test unless r is a problem with status and type,
// and, if location is not "", an error there whose message contains part.
func etWantProblem(t *testing.T, r *etResponse, status int, typ, location, part string) {
	t.Helper()
	var p etProblem
	etWant(t, r, status, &p)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: Content-Type %q, want application/problem+json", r.method, r.path, ct)
	}
	if p.Type != typ || p.Status != status {
		t.Fatalf("%s %s: problem %s/%d, want %s/%d; body: %s", r.method, r.path, p.Type, p.Status, typ, status, r.body)
	}
	if location == "" {
		return
	}
	for _, e := range p.Errors {
		if e.Location == location && strings.Contains(e.Message, part) {
			return
		}
	}
	t.Fatalf("%s %s: no error at %s containing %q; body: %s", r.method, r.path, location, part, r.body)
}

const etSchema = `{"type":"object","required":["assessment_id","score"],"properties":{"assessment_id":{"type":"string"},"score":{"type":"integer","minimum":0,"maximum":100}}}`

func etCreateBody() map[string]any {
	return map[string]any{
		"name":        "assessment.completed",
		"description": "A candidate completed an assessment.",
		"schema":      json.RawMessage(etSchema),
		"example":     json.RawMessage(`{"assessment_id":"as_1","score":87}`),
	}
}

func TestEventCatalogAPI(t *testing.T) {
	etEach(t, func(t *testing.T, h *etHarness) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		other := h.tenant("other", hookd.PlanPlatinum)

		// Create.
		h.clock.Advance(time.Minute)
		var created etEventType
		etWant(t, h.do("POST", "/api/v1/event-types", acme, etCreateBody()), http.StatusCreated, &created)
		if created.Name != "assessment.completed" || created.Version != 1 || created.BuiltIn || created.Deprecated ||
			string(created.Schema) != etSchema || string(created.Example) != `{"assessment_id":"as_1","score":87}` ||
			!created.CreatedAt.Equal(h.clock.Now()) || !created.UpdatedAt.Equal(h.clock.Now()) {
			t.Fatalf("created %+v", created)
		}

		// List: the built-ins and the tenant's own; the other tenant sees
		// only the built-ins.
		var page struct {
			Data       []etEventType `json:"data"`
			NextCursor *string       `json:"next_cursor"`
		}
		etWant(t, h.do("GET", "/api/v1/event-types?sort=name&limit=500", acme, nil), http.StatusOK, &page)
		var names []string
		for _, et := range page.Data {
			names = append(names, et.Name)
			if et.BuiltIn != (et.Name != "assessment.completed") {
				t.Errorf("%s: built_in %v", et.Name, et.BuiltIn)
			}
			if len(et.Schema) == 0 || len(et.Example) == 0 || et.Description == "" || et.Version < 1 {
				t.Errorf("%s is missing its schema, example, description or version: %+v", et.Name, et)
			}
		}
		want := "assessment.completed delivery.exhausted endpoint.disabled endpoint.enabled endpoint.failing organization.updated " +
			"ticket.created ticket.updated user.created user.login user.terminated user.updated webhook.test"
		if got := strings.Join(names, " "); got != want || page.NextCursor != nil {
			t.Fatalf("acme's catalog = %s (cursor %v), want %s", got, page.NextCursor, want)
		}
		etWant(t, h.do("GET", "/api/v1/event-types?q=assessment", other, nil), http.StatusOK, &page)
		if len(page.Data) != 0 {
			t.Fatalf("other tenant finds %+v", page.Data)
		}
		etWant(t, h.do("GET", "/api/v1/event-types?q=USER.&sort=-name&limit=2", acme, nil), http.StatusOK, &page)
		if len(page.Data) != 2 || page.Data[0].Name != "user.updated" || page.NextCursor == nil {
			t.Fatalf("first page of users by -name: %+v", page)
		}
		etWantProblem(t, h.do("GET", "/api/v1/event-types?sort=bogus", acme, nil), http.StatusUnprocessableEntity,
			httpapi.TypeValidation, "query.sort", "name")

		// Get.
		var got etEventType
		etWant(t, h.do("GET", "/api/v1/event-types/assessment.completed", acme, nil), http.StatusOK, &got)
		if got.Name != created.Name || string(got.Schema) != etSchema {
			t.Fatalf("get = %+v", got)
		}
		etWant(t, h.do("GET", "/api/v1/event-types/user.created", other, nil), http.StatusOK, &got)
		if !got.BuiltIn || !strings.Contains(string(got.Schema), "must ignore fields they do not know") {
			t.Fatalf("built-in user.created = %+v", got)
		}
		etWantProblem(t, h.do("GET", "/api/v1/event-types/assessment.completed", other, nil), http.StatusNotFound, httpapi.TypeNotFound, "", "")
		etWantProblem(t, h.do("GET", "/api/v1/event-types/no.such", acme, nil), http.StatusNotFound, httpapi.TypeNotFound, "", "")

		// Conflicts.
		etWantProblem(t, h.do("POST", "/api/v1/event-types", acme, etCreateBody()), http.StatusConflict, httpapi.TypeConflict, "", "")
		builtin := etCreateBody()
		builtin["name"] = "ticket.created"
		etWantProblem(t, h.do("POST", "/api/v1/event-types", acme, builtin), http.StatusConflict, httpapi.TypeConflict, "", "")
		// Another tenant may use the name.
		etWant(t, h.do("POST", "/api/v1/event-types", other, etCreateBody()), http.StatusCreated, nil)

		// Patch: description only keeps the version; a new schema bumps it.
		h.clock.Advance(time.Minute)
		var patched etEventType
		etWant(t, h.do("PATCH", "/api/v1/event-types/assessment.completed", acme, map[string]any{"description": "Done."}), http.StatusOK, &patched)
		if patched.Version != 1 || patched.Description != "Done." || !patched.UpdatedAt.Equal(h.clock.Now()) || !patched.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("after description patch: %+v", patched)
		}
		newSchema := `{"type":"object","required":["assessment_id","passed"],"properties":{"passed":{"type":"boolean"}}}`
		etWantProblem(t, h.do("PATCH", "/api/v1/event-types/assessment.completed", acme, map[string]any{"schema": json.RawMessage(newSchema)}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.example", "passed")
		etWant(t, h.do("PATCH", "/api/v1/event-types/assessment.completed", acme, map[string]any{
			"schema": json.RawMessage(newSchema), "example": json.RawMessage(`{"assessment_id":"as_1","passed":true}`),
		}), http.StatusOK, &patched)
		if patched.Version != 2 || string(patched.Schema) != newSchema {
			t.Fatalf("after schema patch: %+v", patched)
		}
		etWant(t, h.do("PATCH", "/api/v1/event-types/assessment.completed", acme, map[string]any{"deprecated": true}), http.StatusOK, &patched)
		if !patched.Deprecated || patched.Version != 2 {
			t.Fatalf("after deprecation: %+v", patched)
		}
		etWant(t, h.do("GET", "/api/v1/event-types?q=assessment", acme, nil), http.StatusOK, &page)
		if len(page.Data) != 1 || !page.Data[0].Deprecated {
			t.Fatalf("deprecated type listed as %+v", page.Data)
		}
		// The other tenant's type of the same name did not change.
		etWant(t, h.do("GET", "/api/v1/event-types/assessment.completed", other, nil), http.StatusOK, &got)
		if got.Version != 1 || got.Deprecated {
			t.Fatalf("other tenant's type changed: %+v", got)
		}

		// Built-ins cannot be changed; another tenant's type is not found.
		etWantProblem(t, h.do("PATCH", "/api/v1/event-types/user.created", acme, map[string]any{"deprecated": true}),
			http.StatusForbidden, httpapi.TypeForbidden, "", "")
		etWantProblem(t, h.do("PATCH", "/api/v1/event-types/no.such", acme, map[string]any{"deprecated": true}),
			http.StatusNotFound, httpapi.TypeNotFound, "", "")
		h.tenant("third", hookd.PlanEnterprise)
	})
}

func TestEventCatalogValidation(t *testing.T) {
	etEach(t, func(t *testing.T, h *etHarness) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		for _, c := range []struct {
			name           string
			change         func(b map[string]any)
			location, part string
		}{
			{"BadSchema", func(b map[string]any) { b["schema"] = json.RawMessage(`{"type":"integr"}`) }, "body.schema", "/type"},
			{"SchemaNull", func(b map[string]any) { b["schema"] = nil }, "body.schema", "JSON Schema object"},
			{"RemoteRef", func(b map[string]any) { b["schema"] = json.RawMessage(`{"$ref":"http://169.254.169.254/latest"}`) }, "body.schema", "refers to"},
			{"ExampleMismatch", func(b map[string]any) { b["example"] = json.RawMessage(`{"assessment_id":"as_1","score":"high"}`) }, "body.example", "at /score"},
			{"ExampleMissingField", func(b map[string]any) { b["example"] = json.RawMessage(`{"score":1}`) }, "body.example", "assessment_id"},
			{"BadName", func(b map[string]any) { b["name"] = "Assessment" }, "body.name", ""},
			{"NoExample", func(b map[string]any) { delete(b, "example") }, "body.example", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := etCreateBody()
				c.change(b)
				etWantProblem(t, h.do("POST", "/api/v1/event-types", acme, b), http.StatusUnprocessableEntity, httpapi.TypeValidation, c.location, c.part)
			})
		}
		// Unknown fields and malformed JSON are 400.
		b := etCreateBody()
		b["colour"] = "blue"
		if r := h.do("POST", "/api/v1/event-types", acme, b); r.status != http.StatusBadRequest {
			t.Errorf("unknown field: status %d, want 400; body %s", r.status, r.body)
		}
		if r := h.do("POST", "/api/v1/event-types", acme, `{"name": "a.b", "schema": {`); r.status != http.StatusBadRequest {
			t.Errorf("malformed JSON: status %d, want 400; body %s", r.status, r.body)
		}
		// Nothing was created.
		var page struct {
			Data []etEventType `json:"data"`
		}
		etWant(t, h.do("GET", "/api/v1/event-types?q=assessment", acme, nil), http.StatusOK, &page)
		if len(page.Data) != 0 {
			t.Fatalf("invalid requests created %+v", page.Data)
		}
		// A bad example in a patch.
		etWant(t, h.do("POST", "/api/v1/event-types", acme, etCreateBody()), http.StatusCreated, nil)
		etWantProblem(t, h.do("PATCH", "/api/v1/event-types/assessment.completed", acme, map[string]any{"example": json.RawMessage(`{"assessment_id":"a","score":-1}`)}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.example", "at /score")
	})
}

func TestEventCatalogNeedsWebhooksPlan(t *testing.T) {
	etEach(t, func(t *testing.T, h *etHarness) {
		auth := h.tenant("acme", hookd.PlanEnterprise)
		free := hookd.PlanFree
		if _, err := h.app.UpdateTenant(context.Background(), "acme", app.UpdateTenantInput{Plan: &free}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*etResponse{
			h.do("GET", "/api/v1/event-types", auth, nil),
			h.do("POST", "/api/v1/event-types", auth, etCreateBody()),
			h.do("GET", "/api/v1/event-types/user.created", auth, nil),
			h.do("PATCH", "/api/v1/event-types/user.created", auth, map[string]any{"deprecated": true}),
		} {
			etWantProblem(t, r, http.StatusForbidden, httpapi.TypePlanForbidden, "", "")
		}
		// Without credentials: 401.
		if r := h.do("GET", "/api/v1/event-types", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("no credentials: status %d, want 401", r.status)
		}
	})
}

func TestEventCatalogOpenAPI(t *testing.T) {
	t.Parallel()
	h := etNewHarness(t, sqlstoretest.SQLite(t))
	r := h.do("GET", "/openapi.json", "", nil)
	etWant(t, r, http.StatusOK, nil)
	doc, err := libopenapi.NewDocument(r.body)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			msg := e.Message + ": " + e.Reason
			for _, se := range e.SchemaValidationErrors {
				msg += fmt.Sprintf("\n    %s: %s", se.FieldPath, se.Reason)
			}
			t.Errorf("/openapi.json is not valid OpenAPI 3.1: %s", msg)
		}
		t.FailNow()
	}
	var oa struct {
		Paths map[string]map[string]struct {
			Summary     string              `json:"summary"`
			Description string              `json:"description"`
			Tags        []string            `json:"tags"`
			Responses   map[string]struct{} `json:"responses"`
		} `json:"paths"`
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
	}
	if err := json.Unmarshal(r.body, &oa); err != nil {
		t.Fatal(err)
	}
	for path, methods := range map[string][]string{
		"/api/v1/event-types":        {"get", "post"},
		"/api/v1/event-types/{name}": {"get", "patch"},
	} {
		for _, m := range methods {
			op, ok := oa.Paths[path][m]
			if !ok {
				t.Errorf("%s %s is not documented", m, path)
				continue
			}
			if op.Summary == "" || op.Description == "" || len(op.Tags) != 1 || op.Tags[0] != "Event catalog" {
				t.Errorf("%s %s: summary %q, description %q, tags %v", m, path, op.Summary, op.Description, op.Tags)
			}
			for _, code := range []string{"401", "403", "429"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s does not document %s", m, path, code)
				}
			}
		}
	}
	found := false
	for _, tag := range oa.Tags {
		found = found || tag.Name == "Event catalog"
	}
	if !found {
		t.Error("the Event catalog tag is not described")
	}
	if !bytes.Contains(r.body, []byte(`"assessment.completed"`)) {
		t.Error("the event-type examples are not in the document")
	}
}
