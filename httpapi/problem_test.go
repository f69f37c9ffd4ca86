package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

func TestUnauthorized(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.tenantWithAPI("acme")
		for _, auth := range []string{
			"",
			"Token",
			"Token ",
			"Token hkd_key_wrong",
			"Bearer hkd_at_wrong",
			"Bearer " + operatorToken,
			"Digest abc",
			"Basic " + "Og==", // ":"
		} {
			for _, path := range []string{"/api/v1/tenant", "/api/v1/access-tokens", "/api/v1/nothing-here", "/api/v1"} {
				r := e.do("GET", path, auth, nil)
				if _, err := checkProblem(r, http.StatusUnauthorized, httpapi.TypeUnauthorized); err != nil {
					t.Errorf("auth %q, %s: %v", auth, path, err)
					continue
				}
				www := strings.Join(r.Header.Values("WWW-Authenticate"), ", ")
				for _, scheme := range []string{"Token", "Bearer", "Basic"} {
					if !strings.Contains(www, scheme) {
						t.Errorf("auth %q, %s: WWW-Authenticate %q lacks %s", auth, path, www, scheme)
					}
				}
				if got := r.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("auth %q, %s: Cache-Control %q, want no-store", auth, path, got)
				}
			}
		}
	})
}

func TestRequestBodyErrors(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		auth := tokenAuth(key)

		// Malformed JSON: 400 naming the byte offset.
		for _, body := range []string{
			`{"name":"x",}`,
			`{"name":`,
			`{"name" "x"}`,
			`{name:"x"}`,
			`{"name":"x"}}`,
			`{"name":"x"} trailing`,
			`not json`,
			`{`,
			`"`,
		} {
			r := e.do("POST", "/api/v1/access-tokens", auth, body)
			p, err := checkProblem(r, http.StatusBadRequest, httpapi.TypeMalformedJSON)
			if err != nil {
				t.Errorf("body %s: %v", body, err)
				continue
			}
			if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "byte offset") {
				t.Errorf("body %s: errors %+v do not name the byte offset", body, p.Errors)
			}
		}
		// The offset is the zero-based offset of the bad byte, or the
		// length of a body that ended too soon.
		for _, tc := range []struct {
			body string
			want string
		}{
			{`{"name":"x",}`, "byte offset 12:"},
			{`{"name":`, "byte offset 8:"},
			{`not json`, "byte offset 1:"},
			{`{"name":"x"}}`, "byte offset 12:"},
		} {
			r := e.do("POST", "/api/v1/access-tokens", auth, tc.body)
			if p := wantProblem(t, r, http.StatusBadRequest, httpapi.TypeMalformedJSON); !strings.Contains(p.Errors[0].Message, tc.want) {
				t.Errorf("body %s: %q, want %s", tc.body, p.Errors[0].Message, tc.want)
			}
		}

		// Unknown fields: 400 naming the field.
		r := e.do("POST", "/api/v1/access-tokens", auth, `{"name":"x","permissions":["all"]}`)
		p := wantProblem(t, r, http.StatusBadRequest, httpapi.TypeUnknownField)
		if !p.hasLocation("body.permissions") {
			t.Errorf("unknown field: errors %+v, want body.permissions", p.Errors)
		}
		r = e.do("POST", "/api/v1/admin/tenants", operatorAuth(), `{"slug":"new","colour":"red"}`)
		p = wantProblem(t, r, http.StatusBadRequest, httpapi.TypeUnknownField)
		if !p.hasLocation("body.colour") {
			t.Errorf("unknown field: errors %+v, want body.colour", p.Errors)
		}
		wantProblem(t, e.do("GET", "/api/v1/admin/tenants/new", operatorAuth(), nil), http.StatusNotFound, httpapi.TypeNotFound)

		// Wrong types and missing bodies.
		r = e.do("POST", "/api/v1/access-tokens", auth, `{"name":42}`)
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation); !p.hasLocation("body.name") {
			t.Errorf("wrong type: errors %+v, want body.name", p.Errors)
		}
		for _, body := range []string{`[]`, `"name"`, `null`, `42`} {
			r := e.do("POST", "/api/v1/access-tokens", auth, body)
			if r.Status/100 != 4 {
				t.Errorf("body %s: status %d, want 4xx", body, r.Status)
			}
			if _, err := checkProblem(r, r.Status, ""); err != nil {
				t.Errorf("body %s: %v", body, err)
			}
		}
		req := e.newRequest("POST", "/api/v1/access-tokens", auth, nil)
		req.Header.Set("Content-Type", "application/json")
		wantProblem(t, e.send(req), http.StatusBadRequest, "")

		// Over 1 MiB: 413. Just under it: read, and judged on its content.
		big := `{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", auth, big), http.StatusRequestEntityTooLarge, httpapi.TypeBodyTooLarge)
		wantProblem(t, e.do("POST", "/api/v1/admin/tenants", operatorAuth(), big), http.StatusRequestEntityTooLarge, httpapi.TypeBodyTooLarge)
		almost := `{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes-20) + `"}`
		r = e.do("POST", "/api/v1/access-tokens", auth, almost)
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation); !p.hasLocation("body.name") {
			t.Errorf("long name: errors %+v, want body.name", p.Errors)
		}
		if len(r.Body) > 10000 {
			t.Errorf("the problem echoes the body: %d bytes", len(r.Body))
		}

		// A body of another media type.
		req = e.newRequest("POST", "/api/v1/access-tokens", auth, `name=x`)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = e.send(req)
		if _, err := checkProblem(r, http.StatusUnsupportedMediaType, httpapi.TypeUnsupportedType); err != nil {
			t.Errorf("form body: %v", err)
		}

		// No token was made by any of this.
		r = e.do("GET", "/api/v1/access-tokens", auth, nil)
		if l := decode[listBody[accessTokenBody]](t, r); len(l.Data) != 0 {
			t.Errorf("bad requests made tokens: %s", r.Body)
		}
	})
}

func TestValidationAndConflicts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.createTenant("acme", "")

		// A bad slug, plan and admin: 422 listing each field.
		r := e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{"slug": "Not A Slug!"})
		p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.slug") || p.Errors[0].Message == "" {
			t.Errorf("bad slug: errors %+v, want body.slug", p.Errors)
		}
		for _, slug := range []string{"", "-acme", "acme-", strings.Repeat("a", 64), "ac_me", "ACME"} {
			r := e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{"slug": slug})
			if p, err := checkProblem(r, http.StatusUnprocessableEntity, httpapi.TypeValidation); err != nil || !p.hasLocation("body.slug") {
				t.Errorf("slug %q: %v %+v, want 422 at body.slug", slug, err, p.Errors)
			}
		}
		r = e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{"slug": "new", "plan": "gold"})
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation); !p.hasLocation("body.plan") {
			t.Errorf("bad plan: errors %+v, want body.plan", p.Errors)
		}
		r = e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{
			"slug": "New!", "admin_email": "nope", "admin_password": "short",
		})
		p = wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		for _, loc := range []string{"body.slug", "body.admin_email", "body.admin_password"} {
			if !p.hasLocation(loc) {
				t.Errorf("bad tenant: errors %+v, want one at %s", p.Errors, loc)
			}
		}
		for _, f := range p.Errors {
			if f.Message == "" {
				t.Errorf("error at %s has no message", f.Location)
			}
		}

		// A taken slug: 409.
		wantProblem(t, e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{"slug": "acme"}), http.StatusConflict, httpapi.TypeConflict)
		wantProblem(t, e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{"slug": " acme "}), http.StatusConflict, httpapi.TypeConflict)

		// A tenant with its first console user.
		r = e.do("POST", "/api/v1/admin/tenants", operatorAuth(), map[string]string{
			"slug": "withadmin", "admin_email": "Admin@Example.com", "admin_password": "correct-horse-battery",
		})
		wantStatus(t, r, http.StatusCreated)
		if ten := decode[tenantBody](t, r); ten.Plan != "enterprise" || ten.Name != "withadmin" || !strings.HasPrefix(ten.ID, "ten_") {
			t.Errorf("created %s, want the default plan and name", r.Body)
		}
		if strings.Contains(string(r.Body), "correct-horse") {
			t.Errorf("the answer shows the admin password")
		}

		// PATCH validates too.
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]string{"plan": "gold"})
		if _, err := checkProblem(r, http.StatusUnprocessableEntity, httpapi.TypeValidation); err != nil {
			t.Errorf("PATCH plan gold: %v", err)
		}
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]string{"name": " "})
		if p, err := checkProblem(r, http.StatusUnprocessableEntity, httpapi.TypeValidation); err != nil || !p.hasLocation("body.name") {
			t.Errorf("PATCH name blank: %v %+v", err, p.Errors)
		}
		r = e.do("PATCH", "/api/v1/admin/tenants/acme", operatorAuth(), map[string]string{"name": "Acme Corporation"})
		wantStatus(t, r, http.StatusOK)
		if ten := decode[tenantBody](t, r); ten.Name != "Acme Corporation" || ten.Plan != "enterprise" {
			t.Errorf("PATCH name: %s", r.Body)
		}
		wantProblem(t, e.do("PATCH", "/api/v1/admin/tenants/nope", operatorAuth(), map[string]string{"name": "x"}), http.StatusNotFound, httpapi.TypeNotFound)

		// Names are checked on every credential kind that has one.
		key := e.enableAPI("acme")
		for _, path := range []string{"/api/v1/access-tokens", "/api/v1/oauth-clients"} {
			for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("n", 201) + `"}`, `{}`} {
				r := e.do("POST", path, tokenAuth(key), body)
				if p, err := checkProblem(r, http.StatusUnprocessableEntity, httpapi.TypeValidation); err != nil || !p.hasLocation("body.name") {
					t.Errorf("POST %s %.30s: %v %+v, want 422 at body.name", path, body, err, p.Errors)
				}
			}
		}
	})
}

// TestNULInNames checks that text PostgreSQL cannot hold (a NUL character), in
// a body, a query, a cursor, a path or a credential, gets a 4xx answer, never
// an internal error.
func TestNULInNames(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		for _, path := range []string{"/api/v1/access-tokens", "/api/v1/oauth-clients"} {
			r := e.do("POST", path, tokenAuth(key), `{"name":"a\u0000b"}`)
			if r.Status >= 500 {
				t.Errorf("POST %s with a NUL in the name: %s", path, r)
			}
		}
		for _, tc := range []struct {
			method, path, auth string
			body               any
		}{
			{"POST", "/api/v1/admin/tenants", operatorAuth(), `{"slug":"nul","name":"a\u0000b"}`},
			{"POST", "/api/v1/service-accounts", tokenAuth(key), `{"email":"a\u0000b@acme.example","password":"correct-horse-battery"}`},
			{"GET", "/api/v1/access-tokens?q=%00", tokenAuth(key), nil},
			{"GET", "/api/v1/admin/tenants?q=%00", operatorAuth(), nil},
			// A cursor whose id holds a NUL: {"s":"created_at","v":"2026-11-23T09:00:00Z","i":"\u0000"}.
			{"GET", "/api/v1/access-tokens?cursor=eyJzIjoiY3JlYXRlZF9hdCIsInYiOiIyMDI2LTExLTIzVDA5OjAwOjAwWiIsImkiOiJcdTAwMDAifQ", tokenAuth(key), nil},
			{"GET", "/api/v1/tenant", basicAuth("a\x00b@acme.example", "correct-horse-battery"), nil},
			{"GET", "/api/v1/access-tokens/tok_%00", tokenAuth(key), nil},
		} {
			r := e.do(tc.method, tc.path, tc.auth, tc.body)
			if r.Status >= 500 {
				t.Errorf("%s", r)
			}
		}
	})
}

func TestNoCORS(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		for _, tc := range []struct{ method, path, auth string }{
			{"GET", "/api/v1/tenant", tokenAuth(key)},
			{"GET", "/api/v1/tenant", ""},
			{"OPTIONS", "/api/v1/tenant", ""},
			{"OPTIONS", "/api/v1/tenant", tokenAuth(key)},
			{"GET", "/openapi.json", ""},
			{"POST", "/oauth/token", ""},
			{"OPTIONS", "/oauth/token", ""},
			{"GET", "/", ""},
		} {
			req := e.newRequest(tc.method, tc.path, tc.auth, nil)
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Access-Control-Request-Method", "POST")
			r := e.send(req)
			for k := range r.Header {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("%s %s: CORS header %s: %q", tc.method, tc.path, k, r.Header.Get(k))
				}
			}
		}
	})
}

func TestErrorsAreProblems(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		for _, tc := range []struct {
			method, path, auth string
			status             int
		}{
			{"GET", "/nothing-here", "", http.StatusNotFound},
			{"POST", "/", "", http.StatusMethodNotAllowed},
			{"GET", "/api/v1/nothing-here", tokenAuth(key), http.StatusNotFound},
			{"GET", "/api/v1/admin/nothing-here", operatorAuth(), http.StatusNotFound},
			{"GET", "/api/v1/access-tokens/tok_nope", tokenAuth(key), http.StatusNotFound},
			{"DELETE", "/api/v1/tenant", tokenAuth(key), 0},
			{"PUT", "/api/v1/access-tokens", tokenAuth(key), 0},
			{"GET", "/api/v1/admin/tenants?limit=-1", operatorAuth(), http.StatusUnprocessableEntity},
			{"GET", "/api/v1/admin/tenants?sort=nope", operatorAuth(), http.StatusUnprocessableEntity},
		} {
			r := e.do(tc.method, tc.path, tc.auth, nil)
			status := tc.status
			if status == 0 {
				status = r.Status
				if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
					t.Errorf("%s %s: status %d, want 404 or 405", tc.method, tc.path, r.Status)
				}
			}
			if _, err := checkProblem(r, status, ""); err != nil {
				t.Errorf("%s %s: %v", tc.method, tc.path, err)
			}
		}
		// Every error seen in this env's life, and every one of the other
		// tests' envs through the same code, is a problem document.
		for _, r := range e.responsesSince(0) {
			if r.Status >= 400 {
				if _, err := checkProblem(r, r.Status, ""); err != nil {
					t.Errorf("%s: %v", r, err)
				}
			}
		}
	})
}
