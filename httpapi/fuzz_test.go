package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// FuzzRequestBody sends arbitrary bytes as the JSON body of operations that
// decode one, straight through the handler, and checks the answer: never a
// 5xx, every error a hookd problem document, success only for valid JSON.
func FuzzRequestBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"CI pipeline"}`,
		`{"slug":"acme","name":"Acme","plan":"enterprise"}`,
		`{"slug":"free-one","plan":"free","admin_email":"a@b.example","admin_password":"correct-horse-battery"}`,
		`{"name":"x",}`,
		`{"name":`,
		`{"name":"x"}}`,
		`{"name":"x","scopes":[]}`,
		`{"slug":"Not A Slug"}`,
		`{"slug":"acme","plan":"gold"}`,
		`{"name":42}`,
		`{"name":null}`,
		`{"name":"a\u0000b"}`,
		`{"name":"\ud800"}`,
		"{\"name\":\"\xff\xfe\"}",
		"\xef\xbb\xbf{\"name\":\"bom\"}",
		`{"name":"x","name":"y"}`,
		`{"name":1e999}`,
		`[` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 201),
		`{}`,
		`[]`,
		`null`,
		`""`,
		``,
		` `,
		`{"name":"` + strings.Repeat("n", 300) + `"}`,
	} {
		f.Add([]byte(seed))
	}

	s := sqlstoretest.SQLite(f)
	ctx := context.Background()
	box, err := secret.NewBox(secret.RandomBytes(32))
	if err != nil {
		f.Fatal(err)
	}
	a := app.New(s, hookd.NewManualClock(start), box, nil)
	a.PasswordParams = fastPasswords
	if _, err := a.EnsureOperatorToken(ctx, operatorToken); err != nil {
		f.Fatal(err)
	}
	if _, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "fuzz", Plan: hookd.PlanEnterprise}); err != nil {
		f.Fatal(err)
	}
	acc, err := a.SetAPIEnabled(ctx, "fuzz", true)
	if err != nil {
		f.Fatal(err)
	}
	// No rate limit: the fuzzer calls far faster than 5 times a second.
	srv := httpapi.New(a, &httpapi.RateLimiter{Clock: a.Clock, Default: 0}, nil)

	targets := []struct{ path, auth string }{
		{"/api/v1/access-tokens", tokenAuth(acc.Key)},
		{"/api/v1/admin/tenants", operatorAuth()},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			req := httptest.NewRequest("POST", target.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", target.auth)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			r := &response{Method: "POST", Path: target.path, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}

			switch {
			case r.Status >= 500:
				t.Fatalf("POST %s %q: %s", target.path, body, r)
			case r.Status >= 200 && r.Status < 300:
				if !json.Valid(body) {
					t.Fatalf("POST %s %q: %d for a body that is not valid JSON", target.path, body, r.Status)
				}
				if !json.Valid(r.Body) {
					t.Fatalf("POST %s %q: the answer is not JSON: %s", target.path, body, r.Body)
				}
			default:
				if _, err := checkProblem(r, r.Status, ""); err != nil {
					t.Fatalf("POST %s %q: %v", target.path, body, err)
				}
				if r.Status/100 != 4 {
					t.Fatalf("POST %s %q: status %d, want 2xx or 4xx", target.path, body, r.Status)
				}
			}
		}
	})
}
