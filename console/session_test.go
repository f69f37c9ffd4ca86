package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestSignInAndOut walks a tenant user through signing in and out, on both
// databases.
func TestSignInAndOut(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		h := newHarness(t, s)
		b := h.browser()

		p := b.get("/")
		wantStatus(t, "GET / signed out", p, http.StatusSeeOther)
		if p.location() != "/login" {
			t.Fatalf("GET / signed out redirects to %q, want /login", p.location())
		}
		if c := setCookie(t, p, "hookd_signin"); !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("sign-in cookie %q: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c.Raw)
		}
		p = b.get("/login")
		wantStatus(t, "GET /login", p, http.StatusOK)
		wantContains(t, "sign-in page", p, `name="email"`, `name="password"`, `name="csrf_token"`, `href="/login?as=operator"`)

		p = b.post("/login", url.Values{"email": {"Ada@Acme.example"}, "password": {adminPassword}})
		wantStatus(t, "POST /login", p, http.StatusSeeOther)
		session := setCookie(t, p, "hookd_session")
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure ||
			session.Domain != "" || session.MaxAge != int((7*24*time.Hour).Seconds()) {
			t.Errorf("session cookie %q: want HttpOnly, SameSite=Lax, Path=/, host-only, Max-Age 7 days, not Secure over http", session.Raw)
		}
		if !strings.HasPrefix(session.Value, "hkd_ses_") {
			t.Errorf("session cookie value %q, want a session token", session.Value)
		}
		if c := setCookie(t, p, "hookd_signin"); c.MaxAge >= 0 {
			t.Errorf("signing in keeps the sign-in cookie: %q", c.Raw)
		}

		p = b.get("/")
		wantStatus(t, "GET / signed in", p, http.StatusOK)
		wantContains(t, "overview", p, "Acme Inc.", adminEmail, `action="/logout"`)
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control of a page %q, want no-store", cc)
		}

		// The store keeps the session's hash, never the token.
		if strings.Contains(string(sqlstoretest.DumpAtRest(t, s)), session.Value) {
			t.Error("the session token is stored in plaintext")
		}

		// The sign-in published user.login.
		events, err := s.ListEvents(context.Background(), h.tenant.ID, hookd.EventUserLogin, hookd.ListParams{})
		if err != nil || len(events.Items) != 1 {
			t.Fatalf("user.login events: %d, %v; want 1", len(events.Items), err)
		}
		if !strings.Contains(string(events.Items[0].Data), `"ip_address":"127.0.0.1"`) {
			t.Errorf("user.login data %s lacks the client address", events.Items[0].Data)
		}

		p = b.post("/logout", nil)
		wantStatus(t, "POST /logout", p, http.StatusSeeOther)
		if p.location() != "/login?signed_out" {
			t.Errorf("sign-out redirects to %q", p.location())
		}
		if c := setCookie(t, p, "hookd_session"); c.MaxAge >= 0 {
			t.Errorf("sign-out keeps the session cookie: %q", c.Raw)
		}
		wantContains(t, "after sign-out", b.get("/login?signed_out"), "You are signed out.")
		// The session is gone on the server, not only in this browser.
		if _, err := h.app.ConsoleSession(context.Background(), session.Value); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("session after sign-out: %v, want EUNAUTHORIZED", err)
		}
		wantStatus(t, "GET / after sign-out", b.get("/"), http.StatusSeeOther)
	})
}

// TestCSRF checks that every form post needs the token bound to the
// browser's own cookie, before and after sign-in, and that cross-origin
// posts are refused.
func TestCSRF(t *testing.T) {
	h := sqliteHarness(t)
	creds := url.Values{"email": {adminEmail}, "password": {adminPassword}}

	b := h.browser()
	b.get("/login")
	for name, token := range map[string][]string{"no token": nil, "empty token": {""}, "wrong token": {"forged"}} {
		f := url.Values{"email": creds["email"], "password": creds["password"]}
		if token != nil {
			f["csrf_token"] = token
		}
		p := b.postRaw("/login", f, nil)
		wantStatus(t, "sign-in with "+name, p, http.StatusForbidden)
		wantContains(t, "sign-in with "+name, p, "This form has expired")
		if len(p.header.Values("Set-Cookie")) != 0 && strings.Contains(strings.Join(p.header.Values("Set-Cookie"), ";"), "hookd_session=hkd") {
			t.Fatalf("sign-in with %s set a session", name)
		}
	}
	// A token of another browser does not fit this browser's cookie.
	other := h.browser()
	other.get("/login")
	p := b.postRaw("/login", url.Values{"email": creds["email"], "password": creds["password"], "csrf_token": {other.csrf}}, nil)
	wantStatus(t, "sign-in with another browser's token", p, http.StatusForbidden)
	// A post without any cookie has nothing to bind a token to.
	bare := h.browser()
	p = bare.postRaw("/login", url.Values{"email": creds["email"], "password": creds["password"], "csrf_token": {b.csrf}}, nil)
	wantStatus(t, "sign-in without cookies", p, http.StatusForbidden)

	// Signed in, the token is bound to the session: the sign-in page's
	// token no longer works.
	b.signIn()
	signInToken := b.csrf
	p = b.postRaw("/logout", url.Values{"csrf_token": {signInToken}}, nil)
	wantStatus(t, "sign-out with the sign-in page's token", p, http.StatusForbidden)
	p = b.postRaw("/logout", url.Values{}, nil)
	wantStatus(t, "sign-out without a token", p, http.StatusForbidden)
	wantStatus(t, "still signed in", b.get("/"), http.StatusOK)
	// The header works in place of the field.
	p = b.postRaw("/logout", url.Values{}, http.Header{"X-Csrf-Token": {b.csrf}})
	wantStatus(t, "sign-out with the token in the header", p, http.StatusSeeOther)

	// A post from another site is refused even with a valid token.
	b.signIn()
	p = b.postRaw("/logout", url.Values{"csrf_token": {b.csrf}}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	wantStatus(t, "cross-site sign-out", p, http.StatusForbidden)
	wantStatus(t, "still signed in after the cross-site post", b.get("/"), http.StatusOK)
}

// TestCookieFlagsHTTPS checks Secure cookies with the __Host- prefix under
// HTTPS: on a TLS connection, and behind a proxy when the public URL is
// https.
func TestCookieFlagsHTTPS(t *testing.T) {
	for name, opts := range map[string][]harnessOption{
		"tls":              {withTLS()},
		"https public URL": {withPublicURL("https://hooks.example.com")},
	} {
		t.Run(name, func(t *testing.T) {
			h := sqliteHarness(t, opts...)
			b := h.browser()
			p := b.get("/login")
			if c := setCookie(t, p, "__Host-hookd_signin"); !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
				t.Errorf("sign-in cookie %q: want Secure, HttpOnly, Path=/, host-only", c.Raw)
			}
			// Post with the cookie by hand: a jar does not send Secure
			// cookies over plain http.
			signIn := setCookie(t, p, "__Host-hookd_signin")
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/login", strings.NewReader(url.Values{
				"email": {adminEmail}, "password": {adminPassword}, "csrf_token": {b.csrf}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: signIn.Name, Value: signIn.Value})
			p = b.do(req)
			wantStatus(t, "sign-in", p, http.StatusSeeOther)
			c := setCookie(t, p, "__Host-hookd_session")
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("session cookie %q: want Secure, HttpOnly, SameSite=Lax, Path=/, host-only", c.Raw)
			}
		})
	}
}

// TestSignInErrors checks the answers to wrong credentials, the throttle
// and an email of several tenants.
func TestSignInErrors(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	b.get("/login")

	p := b.post("/login", url.Values{"email": {adminEmail}, "password": {"not-the-password"}})
	wantStatus(t, "wrong password", p, http.StatusUnauthorized)
	wantContains(t, "wrong password", p, "The email or password is wrong.", `value="ada@acme.example"`)
	wantNotContains(t, "wrong password", p, "not-the-password")

	for i := 1; i < h.app.LoginAccountLimit; i++ {
		wantStatus(t, "another wrong password", b.post("/login", url.Values{"email": {adminEmail}, "password": {"nope"}}), http.StatusUnauthorized)
	}
	p = b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	wantStatus(t, "right password while throttled", p, http.StatusTooManyRequests)
	wantContains(t, "throttled", p, "Too many failed sign-ins. Try again in 15 minutes.")
	h.clock.Advance(h.app.LoginLockout)
	wantStatus(t, "after the lockout", b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}}), http.StatusSeeOther)

	// The same email and password in a second tenant: the form asks which.
	if _, err := h.app.CreateTenant(context.Background(), appTenant("globex", adminEmail, adminPassword)); err != nil {
		t.Fatal(err)
	}
	b2 := h.browser()
	b2.get("/login")
	p = b2.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	wantStatus(t, "email of two tenants", p, http.StatusUnprocessableEntity)
	wantContains(t, "email of two tenants", p, `name="tenant"`, "say which one")
	p = b2.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "tenant": {"globex"}})
	wantStatus(t, "sign-in to globex", p, http.StatusSeeOther)
	wantContains(t, "globex overview", b2.get("/"), "Globex")
}

// TestOperatorSignIn signs the operator in with the operator token.
func TestOperatorSignIn(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	p := b.get("/login?as=operator")
	wantContains(t, "operator form", p, `name="operator_token"`, `value="operator"`)
	p = b.post("/login", url.Values{"as": {"operator"}, "operator_token": {"hkd_op_wrong"}})
	wantStatus(t, "wrong operator token", p, http.StatusUnauthorized)
	wantContains(t, "wrong operator token", p, "The operator token is wrong.", `name="operator_token"`)
	b.signInOperator()
	p = b.get("/")
	if p.status != http.StatusSeeOther || p.location() != "/operator/tenants" {
		t.Fatalf("the operator's start: %d to %q, want the tenants", p.status, p.location())
	}
	wantContains(t, "operator pages", b.get("/operator/tenants"), "Acme Inc.", `href="/operator/health"`)
}

// TestSessionEnds checks that an idle session sends the browser to sign in
// again, back to the page it asked for, and that only local pages are
// followed after sign-in.
func TestSessionEnds(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	b.signIn()
	h.clock.Advance(h.app.SessionIdleTimeout)
	p := b.get("/login")
	wantStatus(t, "sign-in page after the session ended", p, http.StatusOK)
	if c := setCookie(t, p, "hookd_session"); c.MaxAge >= 0 {
		t.Errorf("an ended session keeps its cookie: %q", c.Raw)
	}

	p = b.get("/no/such/page?x=1")
	wantStatus(t, "a page signed out", p, http.StatusNotFound)
	p = b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {"/history?x=1"}})
	if p.location() != "/history?x=1" {
		t.Errorf("after sign-in: redirect to %q, want the page asked for", p.location())
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", `/\evil.example`} {
		b.post("/logout", nil)
		b.get("/login")
		p = b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {next}})
		if p.location() != "/" {
			t.Errorf("next=%q: redirect to %q, want /", next, p.location())
		}
	}
}

// TestSignInDoesNotRedirectOffSite signs in with next= values that
// browsers would follow to another host (a tab or line break they drop, a
// backslash they read as a slash, encoded slashes, schemes): each lands
// on the home page. Console pages are kept, with their query.
func TestSignInDoesNotRedirectOffSite(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	for _, c := range []struct{ next, want string }{
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/%0d%0a/evil.example", "/"},
		{"/\r\nLocation: https://evil.example", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/%5cevil.example", "/"},
		{"\\/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"%2f%2fevil.example", "/"},
		{"https://evil.example/", "/"},
		{"HTTPS:evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/javascript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"/webhooks/../../evil.example", "/"},
		{"/webhooks/%2e%2e/%2e%2e//evil.example", "/"},
		{"/./evil.example", "/"},
		{"/evil.example", "/"},
		{"/login", "/"},
		{"/static/app.css", "/"},
		{"/webhooks\x00", "/"},
		{"/webhooks/\u2028", "/webhooks/%E2%80%A8"}, // kept, but only ever percent-encoded
		{"@evil.example", "/"},
		{"/@evil.example", "/"},
		{"", "/"},
		{"/", "/"},
		// Console pages are kept, with their query.
		{"/webhooks", "/webhooks"},
		{"/webhooks/ep_123?tab=attempts", "/webhooks/ep_123?tab=attempts"},
		{"/history?status=failed&page=2", "/history?page=2&status=failed"},
		{"/operator/tenants/acme", "/operator/tenants/acme"},
	} {
		next := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r", `\x00`, "\x00", `\u2028`, "\u2028").Replace(c.next)
		b.post("/logout", nil)
		b.get("/login")
		p := b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {next}})
		wantStatus(t, "sign-in", p, http.StatusSeeOther)
		if p.location() != c.want {
			t.Errorf("next=%q: after sign-in, redirect to %q, want %q", next, p.location(), c.want)
		}
		// Signed in, the sign-in page sends the browser on the same way.
		if p := b.get("/login?next=" + url.QueryEscape(next)); p.location() != c.want {
			t.Errorf("next=%q: signed in, /login redirects to %q, want %q", next, p.location(), c.want)
		}
	}
}

// TestStatic checks the stylesheet and script: served from the binary and
// cacheable for a year under their versioned URLs.
func TestStatic(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	p := b.get("/login")
	for _, name := range []string{"console.css", "console.js"} {
		i := strings.Index(p.body, "/static/"+name+"?v=")
		if i < 0 {
			t.Fatalf("the page does not link %s", name)
		}
		u := p.body[i:]
		u = u[:strings.IndexByte(u, '"')]
		asset := b.get(u)
		wantStatus(t, u, asset, http.StatusOK)
		if cc := asset.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control %q", u, cc)
		}
		if len(asset.body) < 500 {
			t.Errorf("%s is %d bytes", u, len(asset.body))
		}
		if cc := b.get("/static/" + name + "?v=old").header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("%s with an old version: Cache-Control %q, want no-cache", name, cc)
		}
	}
	wantStatus(t, "unknown static file", b.get("/static/nope.js"), http.StatusNotFound)
}
