package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/console"
	"github.com/hookd/hookd/inbound"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

const (
	adminEmail    = "ada@acme.example"
	adminPassword = "correct-horse-battery"
)

// harness is a console over a real store, served by httptest, with the
// clock in the test's hands.
type harness struct {
	t       testing.TB
	store   *sqlstore.Store
	app     *app.App
	clock   *hookd.ManualClock
	console *console.Server
	srv     *httptest.Server
	tenant  *hookd.Tenant
	opToken string
}

type harnessOption func(h *harness)

// withTLS serves the console over HTTPS.
func withTLS() harnessOption {
	return func(h *harness) { h.srv = httptest.NewUnstartedServer(nil); h.srv.EnableHTTP2 = false }
}

// withPublicURL sets the console's public URL.
func withPublicURL(u string) harnessOption { return func(h *harness) { h.console.PublicURL = u } }

// newHarness starts a console over s with the tenant acme (enterprise plan)
// and its console user, and an operator token.
func newHarness(t testing.TB, s *sqlstore.Store, opts ...harnessOption) *harness {
	t.Helper()
	ctx := context.Background()
	clock := hookd.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	a.PasswordParams = secret.PasswordParams{Memory: 1024, Time: 1, Threads: 1}
	a.Inbound = inbound.Parser{}
	h := &harness{t: t, store: s, app: a, clock: clock, console: console.New(a, nil)}
	h.tenant, err = a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Name: "Acme Inc.", Plan: hookd.PlanEnterprise,
		AdminEmail: adminEmail, AdminPassword: adminPassword})
	if err != nil {
		t.Fatal(err)
	}
	if h.opToken, err = a.EnsureOperatorToken(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(h)
	}
	if h.srv != nil {
		h.srv.Config.Handler = h.console
		h.srv.StartTLS()
	} else {
		h.srv = httptest.NewServer(h.console)
	}
	t.Cleanup(h.srv.Close)
	return h
}

// sqliteHarness is newHarness on a new SQLite store.
func sqliteHarness(t *testing.T, opts ...harnessOption) *harness {
	return newHarness(t, sqlstoretest.SQLite(t), opts...)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each answer.
type browser struct {
	h      *harness
	client *http.Client
	// csrf is the CSRF token of the last page that had a form.
	csrf string
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c := *h.srv.Client() // a copy: the server's client is shared
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{h: h, client: &c}
}

// page is an answer of the console.
type page struct {
	status int
	header http.Header
	body   string
}

// location returns the redirect target of the answer, as a path.
func (p page) location() string { return p.header.Get("Location") }

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.h.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	if m := csrfInput.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return b.do(req)
}

// post sends form to path with the CSRF token of the last page.
func (b *browser) post(path string, form url.Values) page {
	b.h.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if !f.Has("csrf_token") {
		f.Set("csrf_token", b.csrf)
	}
	return b.postRaw(path, f, nil)
}

// postRaw sends form to path as it is, with the extra headers.
func (b *browser) postRaw(path string, form url.Values, header http.Header) page {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return b.do(req)
}

// signIn signs the browser in as the tenant's console user.
func (b *browser) signIn() {
	b.h.t.Helper()
	b.get("/login")
	p := b.post("/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	if p.status != http.StatusSeeOther || p.location() != "/" {
		b.h.t.Fatalf("sign in: %d to %q, want 303 to /\n%s", p.status, p.location(), p.body)
	}
}

// signInOperator signs the browser in as the operator.
func (b *browser) signInOperator() {
	b.h.t.Helper()
	b.get("/login?as=operator")
	p := b.post("/login", url.Values{"as": {"operator"}, "operator_token": {b.h.opToken}})
	if p.status != http.StatusSeeOther {
		b.h.t.Fatalf("operator sign in: %d\n%s", p.status, p.body)
	}
}

// cookie returns the browser's cookie of that name for the server, or nil.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func wantStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%.2000s", what, p.status, status, p.body)
	}
}

// wantContains fails unless the page holds each text, as written or once
// character references are decoded (html/template writes + as &#43;).
func wantContains(t *testing.T, what string, p page, texts ...string) {
	t.Helper()
	decoded := html.UnescapeString(p.body)
	for _, s := range texts {
		if !strings.Contains(p.body, s) && !strings.Contains(decoded, s) {
			t.Fatalf("%s: page lacks %q\n%.3000s", what, s, p.body)
		}
	}
}

func wantNotContains(t *testing.T, what string, p page, texts ...string) {
	t.Helper()
	decoded := html.UnescapeString(p.body)
	for _, s := range texts {
		if strings.Contains(p.body, s) || strings.Contains(decoded, s) {
			t.Fatalf("%s: page has %q\n%.3000s", what, s, p.body)
		}
	}
}

// setCookie returns the Set-Cookie of the answer that sets name, parsed.
func setCookie(t *testing.T, p page, name string) *http.Cookie {
	t.Helper()
	for _, line := range p.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			c.Raw = line
			return c
		}
	}
	t.Fatalf("no Set-Cookie for %s in %q", name, p.header.Values("Set-Cookie"))
	return nil
}

// appTenant is the input of a tenant with a console user.
func appTenant(slug, email, password string) app.CreateTenantInput {
	return app.CreateTenantInput{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], Plan: hookd.PlanEnterprise,
		AdminEmail: email, AdminPassword: password}
}
