package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

// TestTenantIsolation checks that no credential of tenant B reaches any of
// tenant A's things, and that A's things are unchanged by B's attempts.
func TestTenantIsolation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		keyA := e.tenantWithAPI("alpha")
		keyB := e.tenantWithAPI("beta")
		authA := tokenAuth(keyA)

		tokA := e.createAccessToken(authA, "alpha token")
		saA := e.createServiceAccount(authA, "bot@alpha.example", "alpha-password-123")
		ocA := e.createOAuthClient(authA, "alpha client")
		tokB := e.createAccessToken(tokenAuth(keyB), "beta token")
		saB := e.createServiceAccount(tokenAuth(keyB), "bot@beta.example", "beta-password-1234")
		ocB := e.createOAuthClient(tokenAuth(keyB), "beta client")

		// Every kind of credential of B.
		authsB := map[string]string{
			"api key":         tokenAuth(keyB),
			"access token":    bearerAuth(tokB.Token),
			"service account": basicAuth(saB.Email, "beta-password-1234"),
		}
		oauthTok, err := e.oauthConfig(ocB, 0).Token(e.oauthContext())
		if err != nil {
			t.Fatal(err)
		}
		authsB["oauth token"] = bearerAuth(oauthTok.AccessToken)

		// patchable: the resource has a PATCH route; without one PATCH is
		// 405 for any ID, which tells nothing about A.
		resources := []struct {
			path, id  string
			patchable bool
		}{
			{"/api/v1/access-tokens", tokA.ID, true},
			{"/api/v1/service-accounts", saA.ID, false},
			{"/api/v1/oauth-clients", ocA.ClientID, false},
		}
		names := []string{"access token", "api key", "oauth token", "service account"}
		for _, name := range names {
			auth := authsB[name]
			if got := e.whoAmI(auth); got != "beta" {
				t.Fatalf("%s of B: tenant %q, want beta", name, got)
			}
			for _, res := range resources {
				for _, method := range []string{"GET", "PATCH", "DELETE"} {
					var body any
					if method == "PATCH" {
						body = map[string]string{"name": "stolen"}
					}
					r := e.do(method, res.path+"/"+res.id, auth, body)
					status, typ := http.StatusNotFound, httpapi.TypeNotFound
					if method == "PATCH" && !res.patchable {
						status, typ = http.StatusMethodNotAllowed, httpapi.TypeMethod
					}
					if _, err := checkProblem(r, status, typ); err != nil {
						t.Errorf("%s of B: %s %s/%s: %v", name, method, res.path, res.id, err)
					}
					if strings.Contains(string(r.Body), "alpha") {
						t.Errorf("%s of B: %s %s shows A's data: %s", name, method, res.path, r.Body)
					}
				}
				// Lists show only B's items.
				r := e.do("GET", res.path, auth, nil)
				wantStatus(t, r, http.StatusOK)
				if strings.Contains(string(r.Body), res.id) || strings.Contains(string(r.Body), "alpha") {
					t.Errorf("%s of B: %s lists A's items: %s", name, res.path, r.Body)
				}
				if l := decode[listBody[map[string]any]](t, r); len(l.Data) < 1 {
					t.Errorf("%s of B: %s lists none of B's items: %s", name, res.path, r.Body)
				}
			}

			// B's self and API endpoints show only B; an OAuth token,
			// which expires, never sees the key (TestOAuthTokenCannotRevealAPIKey).
			paths := []string{"/api/v1/tenant", "/api/v1/api", "/api/v1/api/key"}
			if name == "oauth token" {
				wantProblem(t, e.do("GET", "/api/v1/api/key", auth, nil), http.StatusForbidden, httpapi.TypeForbidden)
				paths = paths[:2]
			}
			for _, path := range paths {
				r := e.do("GET", path, auth, nil)
				wantStatus(t, r, http.StatusOK)
				if strings.Contains(string(r.Body), "alpha") || strings.Contains(string(r.Body), keyA) || strings.Contains(string(r.Body), keyA[:12]) {
					t.Errorf("%s of B: %s shows A: %s", name, path, r.Body)
				}
			}
			if len(paths) == 3 {
				r := e.do("GET", "/api/v1/api/key", auth, nil)
				if got := decode[apiKeyBody](t, r).APIKey; got != keyB {
					t.Errorf("%s of B: revealed key %q, want B's", name, got)
				}
			}
		}

		// A's things are unchanged, and A's credentials still work.
		r := e.do("GET", "/api/v1/access-tokens", authA, nil)
		toks := decode[listBody[accessTokenBody]](t, r)
		if len(toks.Data) != 1 || toks.Data[0].ID != tokA.ID || toks.Data[0].Name != "alpha token" {
			t.Errorf("A's tokens after B's attempts: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/service-accounts", authA, nil)
		sas := decode[listBody[serviceAccountBody]](t, r)
		if len(sas.Data) != 1 || sas.Data[0].ID != saA.ID {
			t.Errorf("A's service accounts after B's attempts: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/oauth-clients", authA, nil)
		ocs := decode[listBody[oauthClientBody]](t, r)
		if len(ocs.Data) != 1 || ocs.Data[0].ClientID != ocA.ClientID || ocs.Data[0].Name != "alpha client" {
			t.Errorf("A's OAuth clients after B's attempts: %s", r.Body)
		}
		for _, auth := range []string{authA, bearerAuth(tokA.Token), basicAuth(saA.Email, "alpha-password-123")} {
			if got := e.whoAmI(auth); got != "alpha" {
				t.Errorf("A's credential answers for %q", got)
			}
		}
		if _, err := e.oauthConfig(ocA, 0).Token(e.oauthContext()); err != nil {
			t.Errorf("A's OAuth client after B's attempts: %v", err)
		}

		// A regenerating its key does not touch B's.
		wantStatus(t, e.do("POST", "/api/v1/api/regenerate", authA, nil), http.StatusOK)
		for _, name := range names {
			if got := e.whoAmI(authsB[name]); got != "beta" {
				t.Errorf("%s of B after A regenerated: tenant %q", name, got)
			}
		}

		// The operator's list shows both.
		r = e.do("GET", "/api/v1/admin/tenants?sort=slug", operatorAuth(), nil)
		var slugs []string
		for _, ten := range decode[listBody[tenantBody]](t, r).Data {
			slugs = append(slugs, ten.Slug)
		}
		if !slices.Equal(slugs, []string{"alpha", "beta"}) {
			t.Errorf("operator list: %v, want [alpha beta]", slugs)
		}
	})
}
