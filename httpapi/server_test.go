package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func TestServiceEndpoints(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		r := e.do("GET", "/healthz", "", nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[map[string]string](t, r)["status"]; got != "ok" {
			t.Errorf("/healthz: %s", r.Body)
		}
		r = e.do("GET", "/readyz", "", nil)
		wantStatus(t, r, http.StatusOK)
		if got := decode[map[string]any](t, r)["status"]; got != "ready" {
			t.Errorf("/readyz: %s", r.Body)
		}

		r = e.do("GET", "/", "", nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("/: Content-Type %q, want text/html", ct)
		}
		for _, want := range []string{"<title>hookd</title>", `href="/docs"`, `href="/openapi.json"`} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("/ lacks %s", want)
			}
		}
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("/: X-Content-Type-Options %q, want nosniff", got)
		}

		r = e.do("GET", "/openapi.json", "", nil)
		wantStatus(t, r, http.StatusOK)
		doc := decode[map[string]any](t, r)
		if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1") {
			t.Errorf("/openapi.json: openapi %q, want 3.1.x", v)
		}
		paths, _ := doc["paths"].(map[string]any)
		for _, p := range []string{"/api/v1/admin/tenants", "/api/v1/access-tokens/{id}", "/oauth/token", "/api/v1/api/regenerate"} {
			if _, ok := paths[p]; !ok {
				t.Errorf("/openapi.json lacks %s", p)
			}
		}
		r = e.do("GET", "/openapi.yaml", "", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), "openapi: 3.1") || !strings.Contains(string(r.Body), "/api/v1/access-tokens") {
			t.Errorf("/openapi.yaml: %.200s", r.Body)
		}

		r = e.do("GET", "/docs/", "", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), "/openapi.json") {
			t.Errorf("/docs/ does not load /openapi.json")
		}
		if strings.Contains(string(r.Body), "cdn.") || strings.Contains(string(r.Body), "unpkg.com") {
			t.Errorf("/docs/ loads from a CDN")
		}
	})
}

func TestReadyzNotReady(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.srv.Ready = func(context.Context) ([]hookd.Check, error) {
			return []hookd.Check{{Name: "database", Message: "The database does not answer."}}, errors.New("database down: secret detail")
		}
		r := e.do("GET", "/readyz", "", nil)
		wantProblem(t, r, http.StatusServiceUnavailable, "")
		if strings.Contains(string(r.Body), "secret detail") {
			t.Errorf("/readyz shows the cause: %s", r.Body)
		}
		wantStatus(t, e.do("GET", "/healthz", "", nil), http.StatusOK)
	})
}

// TestOpenAPIDocument checks that every operation is documented: a summary,
// a description, its errors, and for tenant operations the errors every
// credential may meet.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstoretest.SQLite(t))
	doc := e.srv.OpenAPI()
	if doc.Info == nil || doc.Info.Description == "" {
		t.Errorf("the document has no description")
	}
	count := 0
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, o := range map[string]*huma.Operation{
			"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete,
		} {
			if o == nil {
				continue
			}
			count++
			name := method + " " + path
			if o.OperationID == "" || ids[o.OperationID] {
				t.Errorf("%s: operation id %q missing or repeated", name, o.OperationID)
			}
			ids[o.OperationID] = true
			if strings.TrimSpace(o.Summary) == "" {
				t.Errorf("%s: no summary", name)
			}
			if strings.TrimSpace(o.Description) == "" {
				t.Errorf("%s: no description", name)
			}
			if len(o.Tags) == 0 {
				t.Errorf("%s: no tag", name)
			}
			var errs []int
			for code, res := range o.Responses {
				n, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				if n >= 400 {
					errs = append(errs, n)
				}
				if res.Description == "" {
					t.Errorf("%s: response %s has no description", name, code)
				}
			}
			if path != "/readyz" && path != "/oauth/token" && len(errs) == 0 {
				t.Errorf("%s: no error responses documented", name)
			}
			// Error responses are problem documents (the token endpoint's
			// are RFC 6749 errors).
			for _, code := range errs {
				res := o.Responses[strconv.Itoa(code)]
				want := "application/problem+json"
				if path == "/oauth/token" {
					want = "application/json"
				}
				if _, ok := res.Content[want]; !ok {
					t.Errorf("%s: response %d is not %s", name, code, want)
				}
			}
			switch {
			case strings.HasPrefix(path, "/api/v1/admin/"):
				if !slices.Contains(errs, 401) {
					t.Errorf("%s: operator operation without 401", name)
				}
				if len(o.Security) == 0 {
					t.Errorf("%s: no security requirement", name)
				}
			case strings.HasPrefix(path, "/api/v1/"):
				for _, want := range []int{401, 403, 429} {
					if !slices.Contains(errs, want) {
						t.Errorf("%s: tenant operation without %d", name, want)
					}
				}
				if len(o.Security) == 0 {
					t.Errorf("%s: no security requirement", name)
				}
			}
			if o.RequestBody != nil {
				for _, want := range []int{400, 413, 422} {
					// The inbound webhooks answer bad input with 400, never 422.
					inbound := strings.HasPrefix(path, "/hooks/") && want == 422
					if path != "/oauth/token" && !inbound && !slices.Contains(errs, want) {
						t.Errorf("%s: takes a body but does not document %d", name, want)
					}
				}
			}
			if strings.Contains(path, "{") && !slices.Contains(errs, 404) {
				t.Errorf("%s: takes an id but does not document 404", name)
			}
		}
	}
	if count < 25 {
		t.Errorf("the document has %d operations, want at least 25", count)
	}

	// The document served is the same one.
	r := e.do("GET", "/openapi.json", "", nil)
	var served struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &served); err != nil {
		t.Fatal(err)
	}
	if len(served.Paths) != len(doc.Paths) {
		t.Errorf("served %d paths, OpenAPI() has %d", len(served.Paths), len(doc.Paths))
	}
	if doc.Components == nil || len(doc.Components.SecuritySchemes) < 4 {
		t.Errorf("security schemes missing")
	}
}
