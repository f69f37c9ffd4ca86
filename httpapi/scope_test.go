package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// scopedToken is an access token as the API shows it, with its scopes.
type scopedToken struct {
	ID        string     `json:"id"`
	Token     string     `json:"token"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// scopedTokenWith makes a named access token with auth and scopes (nil:
// the default) and returns it.
func (e *env) scopedTokenWith(auth string, scopes ...string) scopedToken {
	e.t.Helper()
	body := map[string]any{"name": "scoped"}
	if scopes != nil {
		body["scopes"] = scopes
	}
	r := e.do("POST", "/api/v1/access-tokens", auth, body)
	wantStatus(e.t, r, http.StatusCreated)
	return decode[scopedToken](e.t, r)
}

// oauthToken registers an OAuth client with the given scopes (with auth)
// and returns a token issued to it, asking for scope ("" for all of the
// client's), and the token answer's scope.
func (e *env) oauthToken(auth string, clientScopes []string, scope string) (token, granted string) {
	e.t.Helper()
	r := e.do("POST", "/api/v1/oauth-clients", auth, map[string]any{"name": "app", "scopes": clientScopes})
	wantStatus(e.t, r, http.StatusCreated)
	c := decode[oauthClientBody](e.t, r)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}
	if scope != "" {
		form.Set("scope", scope)
	}
	tr := e.tokenRequest(form)
	wantStatus(e.t, tr, http.StatusOK)
	out := decode[struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}](e.t, tr)
	return out.AccessToken, out.Scope
}

// tokenRequest posts form to the token endpoint.
func (e *env) tokenRequest(form url.Values) *response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "POST", e.url+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(req)
}

// wantInsufficientScope fails t unless r is 403 insufficient-scope naming
// scope.
func wantInsufficientScope(t *testing.T, r *response, scope string) {
	t.Helper()
	p := wantProblem(t, r, http.StatusForbidden, httpapi.TypeInsufficientScope)
	if !strings.Contains(p.Detail, `"`+scope+`"`) {
		t.Fatalf("%s %s: detail %q does not name the %s scope", r.Method, r.Path, p.Detail, scope)
	}
}

// TestOAuthTokenCannotRevealAPIKey: a one-hour OAuth token, even one whose
// client has every scope, must not see or replace the permanent API key,
// nor make a permanent credential.
func TestOAuthTokenCannotRevealAPIKey(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")

		// A client made with the default scopes: no credentials.
		tok, granted := e.oauthToken(tokenAuth(key), nil, "")
		if granted != "read webhooks directory inbound" {
			t.Errorf("default client's token scope = %q, want every scope but credentials", granted)
		}
		wantInsufficientScope(t, e.do("GET", "/api/v1/api/key", bearerAuth(tok), nil), "credentials")
		wantInsufficientScope(t, e.do("POST", "/api/v1/api/regenerate", bearerAuth(tok), nil), "credentials")
		wantInsufficientScope(t, e.do("POST", "/api/v1/access-tokens", bearerAuth(tok), map[string]string{"name": "forever"}), "credentials")

		// A client with every scope: its token still expires, so it cannot
		// reveal or replace a key that never does.
		all := []string{"read", "webhooks", "directory", "inbound", "credentials"}
		tok, granted = e.oauthToken(tokenAuth(key), all, "")
		if granted != strings.Join(all, " ") {
			t.Errorf("all-scope client's token scope = %q", granted)
		}
		r := e.do("GET", "/api/v1/api/key", bearerAuth(tok), nil)
		wantProblem(t, r, http.StatusForbidden, httpapi.TypeForbidden)
		if strings.Contains(string(r.Body), "hkd_key_") {
			t.Fatalf("the OAuth token saw the API key: %s", r.Body)
		}
		wantProblem(t, e.do("POST", "/api/v1/api/regenerate", bearerAuth(tok), nil), http.StatusForbidden, httpapi.TypeForbidden)
		if got := e.whoAmI(tokenAuth(key)); got != "acme" {
			t.Fatal("the API key stopped working")
		}
		// Nor a client or service account, which would never expire.
		wantProblem(t, e.do("POST", "/api/v1/oauth-clients", bearerAuth(tok), map[string]string{"name": "forever"}), http.StatusForbidden, httpapi.TypeForbidden)
		wantProblem(t, e.do("POST", "/api/v1/service-accounts", bearerAuth(tok),
			map[string]string{"email": "bot@acme.example", "password": "a-long-password-1"}), http.StatusForbidden, httpapi.TypeForbidden)

		// The API key itself may.
		r = e.do("GET", "/api/v1/api/key", tokenAuth(key), nil)
		wantStatus(t, r, http.StatusOK)
		if decode[apiKeyBody](t, r).APIKey != key {
			t.Fatalf("reveal with the key: %s", r.Body)
		}
	})
}

// TestServiceAccountDefaultsToInboundOnly: an HR system's service account
// calls the inbound webhooks and nothing else, unless given more.
func TestServiceAccountDefaultsToInboundOnly(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		const pw = "correct-horse-battery"
		r := e.do("POST", "/api/v1/service-accounts", tokenAuth(key), map[string]string{"email": "hr@acme.example", "password": pw})
		wantStatus(t, r, http.StatusCreated)
		if got := decode[struct{ Scopes []string }](t, r).Scopes; !slices.Equal(got, []string{"inbound"}) {
			t.Fatalf("new service account scopes = %v, want [inbound]", got)
		}
		hr := basicAuth("hr@acme.example", pw)

		wantStatus(t, e.hook("/hooks/acme/helpdesk/createticket", hr, refGenericTicket), http.StatusCreated)
		wantInsufficientScope(t, e.do("GET", "/api/v1/api/key", hr, nil), "credentials")
		wantInsufficientScope(t, e.do("POST", "/api/v1/access-tokens", hr, map[string]string{"name": "x"}), "credentials")
		wantInsufficientScope(t, e.do("GET", "/api/v1/tenant", hr, nil), "read")
		wantInsufficientScope(t, e.do("POST", "/api/v1/users", hr, map[string]string{"email": "a@acme.example"}), "directory")

		// Given more scopes, it has them.
		r = e.do("POST", "/api/v1/service-accounts", tokenAuth(key),
			map[string]any{"email": "sync@acme.example", "password": pw, "scopes": []string{"read", "inbound"}})
		wantStatus(t, r, http.StatusCreated)
		if got := e.whoAmI(basicAuth("sync@acme.example", pw)); got != "acme" {
			t.Fatalf("read-scoped account: tenant %q", got)
		}

		// A credential without the inbound scope cannot call the webhooks.
		tok := e.scopedTokenWith(tokenAuth(key), "read", "directory")
		r = e.hook("/hooks/acme/helpdesk/createticket", bearerAuth(tok.Token), refGenericTicket)
		wantInsufficientScope(t, r, "inbound")
	})
}

// TestCredentialCannotMintMorePowerfulCredential: a credential grants only
// scopes it has, and what it makes never outlives it.
func TestCredentialCannotMintMorePowerfulCredential(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")

		// Scope escalation.
		minter := e.scopedTokenWith(tokenAuth(key), "read", "credentials")
		if !slices.Equal(minter.Scopes, []string{"read", "credentials"}) || minter.ExpiresAt != nil {
			t.Fatalf("minter = %+v", minter)
		}
		auth := bearerAuth(minter.Token)
		wantInsufficientScope(t, e.do("POST", "/api/v1/access-tokens", auth,
			map[string]any{"name": "x", "scopes": []string{"read", "webhooks"}}), "webhooks")
		wantInsufficientScope(t, e.do("POST", "/api/v1/oauth-clients", auth,
			map[string]any{"name": "x", "scopes": []string{"directory"}}), "directory")
		wantInsufficientScope(t, e.do("POST", "/api/v1/service-accounts", auth,
			map[string]any{"email": "x@acme.example", "password": "a-long-password-1", "scopes": []string{"inbound"}}), "inbound")
		// The API key has every scope; this token has not.
		wantInsufficientScope(t, e.do("GET", "/api/v1/api/key", auth, nil), "webhooks")
		// The default narrows to what the minter has.
		if got := e.scopedTokenWith(auth).Scopes; !slices.Equal(got, []string{"read"}) {
			t.Errorf("default scopes minted by a read+credentials token = %v, want [read]", got)
		}
		if got := e.scopedTokenWith(auth, "credentials").Scopes; !slices.Equal(got, []string{"credentials"}) {
			t.Errorf("narrowed scopes = %v", got)
		}
		// Unknown and empty scope lists are invalid input.
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", auth, map[string]any{"name": "x", "scopes": []string{"admin"}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation)
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", auth, map[string]any{"name": "x", "scopes": []string{}}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation)

		// An OAuth client cannot hand its tokens more than it has.
		r := e.do("POST", "/api/v1/oauth-clients", tokenAuth(key), map[string]any{"name": "reader", "scopes": []string{"read"}})
		wantStatus(t, r, http.StatusCreated)
		c := decode[oauthClientBody](t, r)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}, "scope": {"read credentials"}}
		r = e.tokenRequest(form)
		wantStatus(t, r, http.StatusBadRequest)
		if got := decode[map[string]string](t, r)["error"]; got != "invalid_scope" {
			t.Errorf("token with a scope the client lacks: error %q, want invalid_scope", got)
		}

		// Lifetime escalation: an OAuth token with the credentials scope
		// makes tokens that die with it.
		oauthTok, _ := e.oauthToken(tokenAuth(key), []string{"read", "credentials"}, "credentials read")
		oauthExpiry := e.clock.Now().Add(time.Hour)
		auth = bearerAuth(oauthTok)
		child := e.scopedTokenWith(auth, "read")
		if child.ExpiresAt == nil || child.ExpiresAt.After(oauthExpiry) {
			t.Fatalf("token minted by an OAuth token expires at %v, want no later than %v", child.ExpiresAt, oauthExpiry)
		}
		later := oauthExpiry.Add(24 * time.Hour)
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", auth, map[string]any{"name": "x", "expires_at": later}),
			http.StatusForbidden, httpapi.TypeForbidden)
		sooner := e.clock.Now().Add(10 * time.Minute).UTC().Truncate(time.Second)
		r = e.do("POST", "/api/v1/access-tokens", auth, map[string]any{"name": "short", "expires_at": sooner, "scopes": []string{"read", "credentials"}})
		wantStatus(t, r, http.StatusCreated)
		if got := decode[scopedToken](t, r).ExpiresAt; got == nil || !got.Equal(sooner) {
			t.Errorf("token asked to expire at %v expires at %v", sooner, got)
		}
		// A named token's own expiry binds what it mints too.
		short := decode[scopedToken](t, r)
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", bearerAuth(short.Token), map[string]any{"name": "x", "expires_at": oauthExpiry}),
			http.StatusForbidden, httpapi.TypeForbidden)
		// When the OAuth token expires, what it made stops too.
		e.clock.Advance(time.Hour + time.Minute)
		wantProblem(t, e.do("GET", "/api/v1/tenant", bearerAuth(child.Token), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		// An expiry in the past is invalid.
		wantProblem(t, e.do("POST", "/api/v1/access-tokens", tokenAuth(key), map[string]any{"name": "x", "expires_at": start}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation)
	})
}

// operationsOf returns the operations of a path by method.
func operationsOf(item *huma.PathItem) map[string]*huma.Operation {
	out := map[string]*huma.Operation{}
	for method, op := range map[string]*huma.Operation{
		"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete,
	} {
		if op != nil {
			out[method] = op
		}
	}
	return out
}

// TestEveryOperationDeclaresAScope walks the OpenAPI document: every
// operation under /api/v1 but the operator's declares exactly one known
// scope, in its x-hookd-scope extension and in each of its security
// requirements, so that users see it and a route added without one fails.
func TestEveryOperationDeclaresAScope(t *testing.T) {
	e := newEnv(t, sqlstoretest.SQLite(t))
	n := 0
	for path, item := range e.srv.OpenAPI().Paths {
		if !strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v1/admin/") {
			continue
		}
		for method, op := range operationsOf(item) {
			n++
			scope, _ := op.Extensions["x-hookd-scope"].(string)
			if !hookd.Scope(scope).Valid() {
				t.Errorf("%s %s declares scope %q", method, path, scope)
				continue
			}
			if len(op.Security) == 0 {
				t.Errorf("%s %s has no security requirement", method, path)
			}
			for _, req := range op.Security {
				for scheme, scopes := range req {
					if !slices.Equal(scopes, []string{scope}) {
						t.Errorf("%s %s: security %s lists %v, want [%s]", method, path, scheme, scopes, scope)
					}
				}
			}
			if !strings.Contains(op.Description, "`"+scope+"` scope") {
				t.Errorf("%s %s: the description does not name the %s scope", method, path, scope)
			}
		}
	}
	if n < 60 {
		t.Fatalf("walked %d tenant operations; the document lists more", n)
	}
	flows := e.srv.OpenAPI().Components.SecuritySchemes["oauth2"].Flows.ClientCredentials.Scopes
	for _, s := range hookd.AllScopes() {
		if flows[string(s)] == "" {
			t.Errorf("the oauth2 scheme does not describe the %s scope", s)
		}
	}
}

// TestScopesEnforcedPerOperation sends every tenant operation of the
// OpenAPI document with a credential that has every scope but the one the
// operation declares (403 insufficient-scope naming it) and with one that
// has every scope (never 403 insufficient-scope); and pins the scope of the
// operations that matter most.
func TestScopesEnforcedPerOperation(t *testing.T) {
	pinned := map[string]string{
		"GET /api/v1/tenant":                                "read",
		"GET /api/v1/access-tokens":                         "read",
		"GET /api/v1/endpoints/{id}":                        "read",
		"GET /api/v1/inbound-calls":                         "read",
		"POST /api/v1/events":                               "webhooks",
		"POST /api/v1/endpoints":                            "webhooks",
		"POST /api/v1/deliveries/{id}/resend":               "webhooks",
		"POST /api/v1/event-types":                          "webhooks",
		"POST /api/v1/users":                                "directory",
		"PATCH /api/v1/tickets/{id}":                        "directory",
		"POST /api/v1/provisioning-destinations":            "directory",
		"POST /api/v1/inbound-calls/{id}/replay":            "directory",
		"GET /api/v1/api/key":                               "credentials",
		"POST /api/v1/api/regenerate":                       "credentials",
		"POST /api/v1/access-tokens":                        "credentials",
		"POST /api/v1/oauth-clients":                        "credentials",
		"POST /api/v1/service-accounts":                     "credentials",
		"GET /api/v1/endpoints/{id}/secret":                 "credentials",
		"POST /api/v1/endpoints/{id}/secret/rotate":         "credentials",
		"GET /api/v1/provisioning-destinations/{id}/secret": "credentials",
		"DELETE /api/v1/access-tokens/{id}":                 "credentials",
		"GET /api/v1/service-accounts":                      "read",
		"PATCH /api/v1/settings":                            "webhooks",
		"GET /api/v1/helpdesk-webhooks":                     "read",
		"DELETE /api/v1/provisioning-destinations/{id}":     "directory",
		"GET /api/v1/provisioning-destinations/{id}":        "read",
		"POST /api/v1/endpoints/{id}/test":                  "webhooks",
		"GET /api/v1/deliveries":                            "read",
		"DELETE /api/v1/oauth-clients/{id}":                 "credentials",
		"PATCH /api/v1/access-tokens/{id}":                  "credentials",
		"DELETE /api/v1/service-accounts/{id}":              "credentials",
		"GET /api/v1/api":                                   "read",
		"PATCH /api/v1/organizations/{id}":                  "directory",
		"POST /api/v1/endpoints/{id}/recover":               "webhooks",
		"GET /api/v1/events/{id}":                           "read",
		"PATCH /api/v1/event-types/{name}":                  "webhooks",
		"GET /api/v1/oauth-clients/{id}":                    "read",
		"PATCH /api/v1/provisioning-destinations/{id}":      "directory",
		"POST /api/v1/tickets":                              "directory",
		"POST /api/v1/organizations":                        "directory",
		"DELETE /api/v1/endpoints/{id}":                     "webhooks",
		"POST /api/v1/endpoints/{id}/disable":               "webhooks",
		"GET /api/v1/users/{id}":                            "read",
	}
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		everything := e.scopedTokenWith(tokenAuth(key), "read", "webhooks", "directory", "inbound", "credentials")
		allBut := map[string]string{}
		for _, s := range hookd.AllScopes() {
			var others []string
			for _, o := range hookd.AllScopes() {
				if o != s {
					others = append(others, string(o))
				}
			}
			allBut[string(s)] = bearerAuth(e.scopedTokenWith(tokenAuth(key), others...).Token)
		}
		seen := map[string]bool{}
		for path, item := range e.srv.OpenAPI().Paths {
			if !strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/api/v1/admin/") {
				continue
			}
			for method, op := range operationsOf(item) {
				name := method + " " + path
				scope, _ := op.Extensions["x-hookd-scope"].(string)
				if want, ok := pinned[name]; ok {
					seen[name] = true
					if scope != want {
						t.Errorf("%s declares scope %q, want %q", name, scope, want)
					}
				}
				concrete := strings.NewReplacer("{id}", "x_nope", "{name}", "nope.nope").Replace(path)
				var body any
				if method != "GET" && method != "DELETE" {
					body = map[string]any{}
				}
				r := e.do(method, concrete, allBut[scope], body)
				if r.Status != http.StatusForbidden {
					t.Errorf("%s without the %s scope: status %d, want 403: %s", name, scope, r.Status, r.Body)
					continue
				}
				wantInsufficientScope(t, r, scope)
				r = e.do(method, concrete, bearerAuth(everything.Token), body)
				if p, err := checkProblem(r, r.Status, httpapi.TypeInsufficientScope); err == nil {
					t.Errorf("%s with every scope: %d %s", name, r.Status, p.Detail)
				}
			}
		}
		for name := range pinned {
			if !seen[name] {
				t.Errorf("the OpenAPI document has no operation %s", name)
			}
		}
	})
}
