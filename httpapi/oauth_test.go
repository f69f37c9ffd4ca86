package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/hookd/hookd/httpapi"
)

type oauthClientBody struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Name         string `json:"name"`
}

// createOAuthClient registers an OAuth client with every scope with auth.
func (e *env) createOAuthClient(auth, name string) oauthClientBody {
	e.t.Helper()
	r := e.do("POST", "/api/v1/oauth-clients", auth, map[string]any{"name": name, "scopes": allScopes})
	wantStatus(e.t, r, http.StatusCreated)
	c := decode[oauthClientBody](e.t, r)
	if c.ClientID == "" || c.ClientSecret == "" || c.Name != name {
		e.t.Fatalf("register client: %s", r.Body)
	}
	return c
}

// oauthConfig is the x/oauth2 client-credentials config for a client.
func (e *env) oauthConfig(c oauthClientBody, style oauth2.AuthStyle) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		TokenURL: e.url + "/oauth/token", AuthStyle: style,
	}
}

// oauthContext makes x/oauth2 use the test server's client.
func (e *env) oauthContext() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, e.ts.Client())
}

// get sends GET path with client, after moving the clock by e.tick.
func (e *env) get(client *http.Client, path string) *response {
	e.t.Helper()
	if e.tick > 0 {
		e.clock.Advance(e.tick)
	}
	res, err := client.Get(e.url + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{Method: "GET", Path: path, Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestOAuthClientCredentials(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		c := e.createOAuthClient(tokenAuth(key), "Reporting")
		ctx := e.oauthContext()

		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			cfg := e.oauthConfig(c, style)
			tok, err := cfg.Token(ctx)
			if err != nil {
				t.Fatalf("style %d: Token: %v", style, err)
			}
			if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "Bearer") {
				t.Fatalf("style %d: token %+v", style, tok)
			}
			if got := tok.Expiry.Sub(time.Now()); got < 50*time.Minute || got > 61*time.Minute {
				t.Errorf("style %d: token expires in %v, want about an hour", style, got)
			}
			r := e.get(oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok)), "/api/v1/tenant")
			wantStatus(t, r, http.StatusOK)
			if got := decode[tenantBody](t, r).Slug; got != "acme" {
				t.Fatalf("style %d: tenant %q, want acme", style, got)
			}
		}

		// cfg.Client fetches a token by itself.
		r := e.get(e.oauthConfig(c, oauth2.AuthStyleInHeader).Client(ctx), "/api/v1/tenant")
		wantStatus(t, r, http.StatusOK)

		// OAuth tokens are not listed with the named access tokens.
		r = e.do("GET", "/api/v1/access-tokens", tokenAuth(key), nil)
		if l := decode[listBody[accessTokenBody]](t, r); len(l.Data) != 0 {
			t.Errorf("access token list shows OAuth tokens: %s", r.Body)
		}
		// The client is listed, without its secret.
		r = e.do("GET", "/api/v1/oauth-clients", tokenAuth(key), nil)
		l := decode[listBody[oauthClientBody]](t, r)
		if len(l.Data) != 1 || l.Data[0].ClientID != c.ClientID || strings.Contains(string(r.Body), c.ClientSecret) {
			t.Errorf("client list: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/oauth-clients/"+c.ClientID, tokenAuth(key), nil)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), c.ClientSecret) || strings.Contains(string(r.Body), "client_secret") {
			t.Errorf("GET client shows its secret: %s", r.Body)
		}
	})
}

func TestOAuthErrors(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		c := e.createOAuthClient(tokenAuth(key), "Reporting")
		ctx := e.oauthContext()

		// A wrong secret, and an unknown client, in both styles.
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			for _, bad := range []oauthClientBody{
				{ClientID: c.ClientID, ClientSecret: c.ClientSecret + "x"},
				{ClientID: "oac_nope", ClientSecret: c.ClientSecret},
			} {
				_, err := e.oauthConfig(bad, style).Token(ctx)
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) {
					t.Fatalf("style %d, %+v: err %v, want a RetrieveError", style, bad, err)
				}
				if re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
					t.Errorf("style %d: error %q status %d, want invalid_client 401", style, re.ErrorCode, re.Response.StatusCode)
				}
			}
		}

		post := func(form url.Values, basic bool) (*response, map[string]string) {
			t.Helper()
			req := e.newRequest("POST", "/oauth/token", "", form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if basic {
				req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
			}
			r := e.send(req)
			var body map[string]string
			if r.Status != http.StatusOK {
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("token error Content-Type %q, want application/json", ct)
				}
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatalf("token error body: %v: %s", err, r.Body)
				}
			}
			return r, body
		}
		r, body := post(url.Values{"grant_type": {"password"}, "username": {"a"}, "password": {"b"}}, true)
		if r.Status != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
			t.Errorf("grant_type=password: %d %s, want 400 unsupported_grant_type", r.Status, r.Body)
		}
		r, body = post(url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}, false)
		if r.Status != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
			t.Errorf("grant_type=authorization_code: %d %s, want 400 unsupported_grant_type", r.Status, r.Body)
		}
		r, body = post(url.Values{"client_id": {c.ClientID}, "client_secret": {c.ClientSecret}}, false)
		if r.Status != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Errorf("no grant_type: %d %s, want 400 invalid_request", r.Status, r.Body)
		}
		r, body = post(url.Values{"grant_type": {"client_credentials"}}, false)
		if r.Status != http.StatusUnauthorized || body["error"] != "invalid_client" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("no client credentials: %d %s %v, want 401 invalid_client with WWW-Authenticate", r.Status, r.Body, r.Header)
		}
		r, _ = post(url.Values{"grant_type": {"client_credentials"}}, true)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("token answer Cache-Control %q, want no-store", got)
		}

		// A tenant whose API is off gets no tokens.
		wantStatus(t, e.do("PUT", "/api/v1/admin/tenants/acme/api", operatorAuth(), map[string]bool{"enabled": false}), http.StatusOK)
		r, body = post(url.Values{"grant_type": {"client_credentials"}}, true)
		if r.Status != http.StatusForbidden || body["error"] != "access_denied" {
			t.Errorf("API disabled: %d %s, want 403 access_denied", r.Status, r.Body)
		}
	})
}

func TestOAuthTokenExpiry(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		c := e.createOAuthClient(tokenAuth(key), "Reporting")
		tok, err := e.oauthConfig(c, oauth2.AuthStyleInHeader).Token(e.oauthContext())
		if err != nil {
			t.Fatal(err)
		}
		auth := bearerAuth(tok.AccessToken)
		e.whoAmI(auth)

		// Just before the TTL the token works; at it, it does not.
		e.tick = 0
		e.clock.Advance(e.app.OAuthTokenTTL - time.Second)
		e.whoAmI(auth)
		e.clock.Advance(time.Second)
		r := e.do("GET", "/api/v1/tenant", auth, nil)
		wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	})
}

func TestOAuthClientDelete(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		c := e.createOAuthClient(tokenAuth(key), "Reporting")
		other := e.createOAuthClient(tokenAuth(key), "Other")
		cfg := e.oauthConfig(c, oauth2.AuthStyleInParams)
		var auths []string
		for range 2 {
			tok, err := cfg.Token(e.oauthContext())
			if err != nil {
				t.Fatal(err)
			}
			auths = append(auths, bearerAuth(tok.AccessToken))
		}
		otherTok, err := e.oauthConfig(other, oauth2.AuthStyleInHeader).Token(e.oauthContext())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range auths {
			e.whoAmI(a)
		}

		wantStatus(t, e.do("DELETE", "/api/v1/oauth-clients/"+c.ClientID, tokenAuth(key), nil), http.StatusNoContent)
		for i, a := range auths {
			if r := e.do("GET", "/api/v1/tenant", a, nil); r.Status != http.StatusUnauthorized {
				t.Errorf("token %d of the deleted client: status %d, want 401", i, r.Status)
			}
		}
		if _, err := cfg.Token(e.oauthContext()); err == nil {
			t.Errorf("the deleted client still gets tokens")
		}
		wantProblem(t, e.do("GET", "/api/v1/oauth-clients/"+c.ClientID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("DELETE", "/api/v1/oauth-clients/"+c.ClientID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)
		// The other client's token lives on.
		e.whoAmI(bearerAuth(otherTok.AccessToken))
	})
}
