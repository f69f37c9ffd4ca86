package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpoints adds an endpoint through the side panel's form, then edits,
// rotates, disables, enables and deletes it, checking each step against
// the app.
func TestEndpoints(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		b := h.browser()
		b.signIn()

		p := b.get("/webhooks")
		wantStatus(t, "webhooks", p, http.StatusOK)
		wantContains(t, "webhooks", p, "No endpoints yet.", `href="/webhooks/documentation"`, "Open the webhooks documentation",
			`id="add-endpoint" class="panel"`, `value="user.login"`, "A user signed in.", `aria-label="Example payload of user.login"`,
			html.EscapeString(`"method": "password"`))
		wantContains(t, "panel without script", b.get("/webhooks?add"), `class="panel" aria-labelledby="add-endpoint-title" data-modal open>`)

		bad := url.Values{"url": {"ftp://x.example"}, "name": {"Billing"}, "max_events_per_request": {"lots"},
			"timeout_seconds": {"15"}, "format": {"json"}, "mode": {"full"}, "verification_key_header": {"X-Hookd-Verification-Key"},
			"headers": {"X-Team billing"}}
		p = b.post("/webhooks", bad)
		wantStatus(t, "bad endpoint", p, http.StatusUnprocessableEntity)
		wantContains(t, "bad endpoint", p, "data-modal open>", "Max events per request: must be a whole number",
			"Custom headers: line 1 must be a header name", `value="ftp://x.example"`, `value="Billing"`)
		bad.Set("max_events_per_request", "1")
		bad.Set("headers", "")
		p = b.post("/webhooks", bad)
		wantStatus(t, "bad URL", p, http.StatusUnprocessableEntity)
		wantContains(t, "bad URL", p, "URL: must be an absolute http or https URL", `aria-invalid="true"`)

		p = b.post("/webhooks", url.Values{
			"url": {"https://billing.example/hooks?key={VerificationKey}"}, "name": {"Billing"}, "description": {"Invoices"},
			"event_types": {"user.login", "user.created"}, "format": {"xml"}, "mode": {"ping"},
			"max_events_per_request": {"10"}, "timeout_seconds": {"30"}, "verification_key_header": {"X-Key"},
			"headers": {"X-Team: billing\r\nX-Env: prod\r\n"},
		})
		wantStatus(t, "add", p, http.StatusSeeOther)
		id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
		e, err := h.app.Endpoint(ctx, h.tenant.ID, id)
		if err != nil {
			t.Fatalf("the endpoint added (redirect %q): %v", p.location(), err)
		}
		if e.Name != "Billing" || e.Description != "Invoices" || e.VerifyTLS || e.Format != hookd.FormatXML || e.Mode != hookd.ModePing ||
			e.MaxEventsPerRequest != 10 || e.TimeoutSeconds != 30 || e.VerificationKeyHeader != "X-Key" ||
			strings.Join(e.EventTypes, ",") != "user.login,user.created" || e.Headers["X-Team"] != "billing" || e.Headers["X-Env"] != "prod" {
			t.Fatalf("endpoint as added: %+v", e)
		}
		secret, _ := h.app.EndpointSecret(ctx, h.tenant.ID, id)

		p = b.get(p.location())
		wantContains(t, "endpoint page", p, "The endpoint was added.", `<span class="plain">`+secret+`</span>`,
			`<span class="plain">`+e.VerificationKey+`</span>`, `data-copy="signing-secret-value"`, `data-copy="verification-key-value"`,
			"Sent in the <code>X-Key</code> header of every request and in the URL", "<code>user.login</code>, <code>user.created</code>",
			"XML, ping mode</dd>", "Certificates not verified", `name="event_types" value="user.login" checked`,
			"X-Env: prod\nX-Team: billing\n", `action="/webhooks/`+id+`/secret/rotate"`, `action="/webhooks/`+id+`/verification-key/rotate"`)
		wantNotContains(t, "endpoint page", p, `id="disabled-banner"`, `id="previous-secret"`)

		// Edit: no event types is every event type.
		edit := url.Values{"url": {"https://billing.example/v2"}, "name": {"Billing v2"}, "format": {"json"}, "mode": {"ping"},
			"verify_tls": {"true"}, "max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"}}
		wantStatus(t, "save", b.post("/webhooks/"+id, edit), http.StatusSeeOther)
		e, _ = h.app.Endpoint(ctx, h.tenant.ID, id)
		if e.Name != "Billing v2" || !e.AllEventTypes || !e.VerifyTLS || len(e.Headers) != 0 || e.URL != "https://billing.example/v2" {
			t.Fatalf("endpoint after saving: %+v", e)
		}
		edit.Set("timeout_seconds", "600")
		p = b.post("/webhooks/"+id, edit)
		wantStatus(t, "save a bad timeout", p, http.StatusUnprocessableEntity)
		wantContains(t, "save a bad timeout", p, "Timeout: must be 1 to 60", `value="600"`)

		// Rotations.
		wantStatus(t, "rotate secret", b.post("/webhooks/"+id+"/secret/rotate", nil), http.StatusSeeOther)
		rotated, _ := h.app.EndpointSecret(ctx, h.tenant.ID, id)
		if rotated == secret {
			t.Fatal("the secret did not change")
		}
		p = b.get("/webhooks/" + id + "?notice=secret-rotated")
		wantContains(t, "after rotating", p, "A new signing secret was made.", rotated, `id="previous-secret"`,
			when(h.clock.Now().Add(hookd.SecretRotationOverlap)))
		wantStatus(t, "rotate key", b.post("/webhooks/"+id+"/verification-key/rotate", nil), http.StatusSeeOther)
		if e2, _ := h.app.Endpoint(ctx, h.tenant.ID, id); e2.VerificationKey == e.VerificationKey {
			t.Fatal("the verification key did not change")
		}

		// Disable with a reason, enable from the list.
		wantStatus(t, "disable", b.post("/webhooks/"+id+"/disable", url.Values{"reason": {"receiver down for maintenance"}}), http.StatusSeeOther)
		e, _ = h.app.Endpoint(ctx, h.tenant.ID, id)
		if e.Enabled || e.DisabledReason != "disabled by user: receiver down for maintenance" {
			t.Fatalf("after disabling: enabled %v, reason %q", e.Enabled, e.DisabledReason)
		}
		p = b.get("/webhooks/" + id)
		wantContains(t, "disabled", p, `id="disabled-banner"`, "disabled by user: receiver down for maintenance", `id="enable-endpoint"`)
		wantContains(t, "list, disabled", b.get("/webhooks"), `<span class="badge bad" title="disabled by user: receiver down for maintenance">Disabled</span>`)
		p = b.post("/webhooks/"+id+"/enable", url.Values{"back": {"/webhooks"}})
		if p.location() != "/webhooks?notice=endpoint-enabled" {
			t.Errorf("enable from the list redirects to %q", p.location())
		}
		if e, _ = h.app.Endpoint(ctx, h.tenant.ID, id); !e.Enabled {
			t.Fatal("not enabled")
		}
		p = b.post("/webhooks/"+id+"/disable", url.Values{"back": {"https://evil.example/"}})
		if p.location() != "/?notice=endpoint-disabled" {
			t.Errorf("a foreign back redirects to %q", p.location())
		}

		// Another tenant's console sees none of it.
		if _, err := h.app.CreateTenant(ctx, appTenant("globex", "bob@globex.example", adminPassword)); err != nil {
			t.Fatal(err)
		}
		other := h.browser()
		other.get("/login")
		other.post("/login", url.Values{"email": {"bob@globex.example"}, "password": {adminPassword}})
		wantStatus(t, "another tenant's endpoint", other.get("/webhooks/"+id), http.StatusNotFound)
		wantStatus(t, "delete another tenant's endpoint", other.post("/webhooks/"+id+"/delete", nil), http.StatusNotFound)

		wantStatus(t, "delete", b.post("/webhooks/"+id+"/delete", nil), http.StatusSeeOther)
		wantStatus(t, "deleted", b.get("/webhooks/"+id), http.StatusNotFound)
		wantContains(t, "list after delete", b.get("/webhooks?notice=endpoint-deleted"), "The endpoint was deleted.", "No endpoints yet.")
	})
}

// when is how the console shows a time.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// TestEndpointTable checks the endpoints table: every column sorts, and
// the search finds by name and URL.
func TestEndpointTable(t *testing.T) {
	ctx := context.Background()
	h := sqliteHarness(t)
	for _, ep := range []struct{ name, url string }{
		{"Charlie", "https://a.example/"}, {"Alpha", "https://c.example/"}, {"Bravo", "https://b.example/"},
	} {
		e, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: ep.name, URL: ep.url})
		if err != nil {
			t.Fatal(err)
		}
		switch ep.name {
		case "Bravo":
			if _, err := h.app.DisableEndpoint(ctx, h.tenant.ID, e.ID, ""); err != nil {
				t.Fatal(err)
			}
		case "Alpha":
			if err := h.store.RecordDeliveries(ctx, nil, []hookd.EndpointResult{{EndpointID: e.ID, TriggeredAt: h.clock.Now().Add(time.Hour)}}); err != nil {
				t.Fatal(err)
			}
		case "Charlie":
			if err := h.store.RecordDeliveries(ctx, nil, []hookd.EndpointResult{{EndpointID: e.ID, TriggeredAt: h.clock.Now()}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := h.browser()
	b.signIn()
	names := regexp.MustCompile(`class="endpoint-name">([^<]+)</a>`)
	order := func(path string) string {
		t.Helper()
		p := b.get(path)
		wantStatus(t, path, p, http.StatusOK)
		var got []string
		for _, m := range names.FindAllStringSubmatch(p.body, -1) {
			got = append(got, m[1])
		}
		return strings.Join(got, ",")
	}
	for path, want := range map[string]string{
		"/webhooks":                         "Alpha,Bravo,Charlie",
		"/webhooks?sort=-name":              "Charlie,Bravo,Alpha",
		"/webhooks?sort=url":                "Charlie,Bravo,Alpha",
		"/webhooks?sort=last_triggered_at":  "Bravo,Charlie,Alpha",
		"/webhooks?sort=-last_triggered_at": "Alpha,Charlie,Bravo",
		"/webhooks?sort=state":              "Alpha,Charlie,Bravo",
		"/webhooks?sort=-state":             "Bravo,Alpha,Charlie",
		"/webhooks?q=c.example":             "Alpha",
		"/webhooks?q=BRA":                   "Bravo",
	} {
		if got := order(path); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	wantContains(t, "header of the sorted column", b.get("/webhooks?sort=state"),
		`aria-sort="ascending"><a href="/webhooks?sort=-state">State</a>`, `<a href="/webhooks?sort=url">URL</a>`)
}

// TestWebhookDocs checks the documentation page: every event type of the
// catalog with its description, example and schema, the signature check
// and the retry schedule.
func TestWebhookDocs(t *testing.T) {
	ctx := context.Background()
	h := sqliteHarness(t)
	if _, err := h.app.CreateEventType(ctx, h.tenant.ID, app.CreateEventTypeInput{
		Name: "assessment.completed", Description: "A candidate completed an assessment.",
		Schema:  []byte(`{"type":"object","properties":{"score":{"type":"integer"}}}`),
		Example: []byte(`{"score":87}`),
	}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.signIn()
	p := b.get("/webhooks/documentation")
	wantStatus(t, "documentation", p, http.StatusOK)
	for _, et := range hookd.BuiltinEventTypes() {
		wantContains(t, "documentation", p, `id="type-`+et.Name+`"`, html.EscapeString(et.Description))
	}
	wantContains(t, "documentation", p, `id="type-assessment.completed"`, `<span class="badge ok">yours</span>`, html.EscapeString(`"score": 87`),
		"JSON Schema of <code>data</code>", `id="signatures"`, "func Verify(secret string, h http.Header, body []byte, now time.Time) bool",
		"<tr><td>1</td><td>5 s</td></tr>", "<tr><td>8</td><td>10 h</td></tr>", "<tr><td>9</td><td>nothing more",
		"X-Hookd-Verification-Key", "{VerificationKey}")
	wantNotContains(t, "documentation", p, "package webhookverify")
}

// TestWebhooksPlan shows a tenant whose plan lacks webhooks why.
func TestWebhooksPlan(t *testing.T) {
	h := sqliteHarness(t)
	free := hookd.PlanFree
	if _, err := h.app.UpdateTenant(context.Background(), "acme", app.UpdateTenantInput{Plan: &free}); err != nil {
		t.Fatal(err)
	}
	b := h.browser()
	b.signIn()
	p := b.get("/webhooks")
	wantStatus(t, "free plan", p, http.StatusForbidden)
	wantContains(t, "free plan", p, "The free plan does not include webhooks")
	wantNotContains(t, "free plan", p, `id="add-endpoint"`)
}

// TestRequireHTTPS switches the tenant setting on the Webhooks page: refused
// with a 409 naming the http endpoint, then on once it is https, after which
// the endpoint forms refuse http URLs. Posts without the CSRF token change
// nothing.
func TestRequireHTTPS(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		plain, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: "Orders", URL: "http://orders.example/hook"})
		if err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		b.signIn()
		requireHTTPS := func() bool {
			t.Helper()
			st, err := h.app.TenantSettings(ctx, h.tenant.ID)
			if err != nil {
				t.Fatal(err)
			}
			return st.RequireHTTPSEndpoints
		}

		p := b.get("/webhooks")
		wantStatus(t, "webhooks", p, http.StatusOK)
		wantContains(t, "webhooks", p, `id="https-form"`, `action="/webhooks/settings"`, "Require HTTPS for endpoints", `name="csrf_token"`)
		wantNotContains(t, "webhooks", p, `id="require-https" checked`, `id="https-conflict"`)

		// Without (or with a wrong) CSRF token: 403, nothing changes.
		on := url.Values{"require_https_endpoints": {"true"}}
		wantStatus(t, "no CSRF", b.postRaw("/webhooks/settings", on, nil), http.StatusForbidden)
		wantStatus(t, "wrong CSRF", b.postRaw("/webhooks/settings", url.Values{"require_https_endpoints": {"true"}, "csrf_token": {"nope"}}, nil), http.StatusForbidden)
		if requireHTTPS() {
			t.Fatal("the setting changed without a CSRF token")
		}
		// Signed out: no change either.
		anon := h.browser()
		anon.get("/login")
		if p := anon.post("/webhooks/settings", on); p.status == http.StatusSeeOther && !strings.HasPrefix(p.location(), "/login") {
			t.Fatalf("signed out post: %d to %q", p.status, p.location())
		}

		// With an http endpoint: 409, the page names it with a link.
		b.get("/webhooks")
		p = b.post("/webhooks/settings", on)
		wantStatus(t, "enable with an http endpoint", p, http.StatusConflict)
		wantContains(t, "conflict", p, `id="https-conflict"`, `role="alert"`, "while 1 endpoint does not use https",
			`href="/webhooks/`+plain.ID+`#settings"`, "http://orders.example/hook", `"Orders"`)
		if requireHTTPS() {
			t.Fatal("the setting changed despite the conflict")
		}

		// Change the endpoint to https through its form, then it works.
		edit := url.Values{"url": {"https://orders.example/hook"}, "name": {"Orders"}, "format": {"json"}, "mode": {"full"},
			"verify_tls": {"true"}, "max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Hookd-Verification-Key"}}
		b.get("/webhooks/" + plain.ID)
		wantStatus(t, "save https", b.post("/webhooks/"+plain.ID, edit), http.StatusSeeOther)
		b.get("/webhooks")
		p = b.post("/webhooks/settings", on)
		wantStatus(t, "enable", p, http.StatusSeeOther)
		if p.location() != "/webhooks?notice=https-required" || !requireHTTPS() {
			t.Fatalf("enable: redirect %q, setting %v", p.location(), requireHTTPS())
		}
		p = b.get(p.location())
		wantContains(t, "after enabling", p, "Endpoints must now use https", `id="require-https" checked`)

		// The endpoint forms now refuse http with a readable 422.
		add := url.Values{"url": {"http://plain.example/hook"}, "name": {"Plain"}, "format": {"json"}, "mode": {"full"},
			"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Hookd-Verification-Key"}}
		p = b.post("/webhooks", add)
		wantStatus(t, "add http", p, http.StatusUnprocessableEntity)
		wantContains(t, "add http", p, "URL: must be an https URL: the tenant requires https for endpoints", `aria-invalid="true"`,
			`value="http://plain.example/hook"`, "data-modal open>")
		edit.Set("url", "http://orders.example/hook")
		b.get("/webhooks/" + plain.ID)
		p = b.post("/webhooks/"+plain.ID, edit)
		wantStatus(t, "edit to http", p, http.StatusUnprocessableEntity)
		wantContains(t, "edit to http", p, "the tenant requires https for endpoints")
		if e, _ := h.app.Endpoint(ctx, h.tenant.ID, plain.ID); e.URL != "https://orders.example/hook" {
			t.Fatalf("URL after a refused edit: %s", e.URL)
		}
		add.Set("url", "https://plain.example/hook")
		b.get("/webhooks")
		wantStatus(t, "add https", b.post("/webhooks", add), http.StatusSeeOther)

		// Unchecking the box (the field is absent) switches it off.
		b.get("/webhooks")
		p = b.post("/webhooks/settings", url.Values{})
		wantStatus(t, "disable", p, http.StatusSeeOther)
		if p.location() != "/webhooks?notice=https-not-required" || requireHTTPS() {
			t.Fatalf("disable: redirect %q, setting %v", p.location(), requireHTTPS())
		}
	})
}
