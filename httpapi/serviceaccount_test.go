package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

type serviceAccountBody struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// createServiceAccount makes a service account with auth, with every scope
// (the default, inbound only, is TestServiceAccountDefaultsToInboundOnly's).
func (e *env) createServiceAccount(auth, email, password string) serviceAccountBody {
	e.t.Helper()
	r := e.do("POST", "/api/v1/service-accounts", auth, map[string]any{"email": email, "password": password, "scopes": allScopes})
	wantStatus(e.t, r, http.StatusCreated)
	sa := decode[serviceAccountBody](e.t, r)
	if sa.ID == "" || strings.Contains(string(r.Body), password) {
		e.t.Fatalf("create service account: %s", r.Body)
	}
	return sa
}

func TestServiceAccounts(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		const pw = "correct-horse-battery"
		sa := e.createServiceAccount(tokenAuth(key), "HR-Sync@Acme.example", pw)
		if sa.Email != "hr-sync@acme.example" || !strings.HasPrefix(sa.ID, "sva_") {
			t.Fatalf("created %+v, want the lowercased email and an sva_ id", sa)
		}

		// Basic auth works, with the email in any case.
		if got := e.whoAmI(basicAuth("hr-sync@acme.example", pw)); got != "acme" {
			t.Fatalf("basic auth: tenant %q, want acme", got)
		}
		e.whoAmI(basicAuth("HR-SYNC@acme.example", pw))

		// Wrong passwords and unknown accounts: 401 with WWW-Authenticate.
		for _, auth := range []string{
			basicAuth("hr-sync@acme.example", pw+"x"),
			basicAuth("hr-sync@acme.example", ""),
			basicAuth("nobody@acme.example", pw),
			"Basic not-base64!",
			"Basic " + "aHItc3luYw==", // no colon
		} {
			r := e.do("GET", "/api/v1/tenant", auth, nil)
			wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
			if !strings.Contains(strings.Join(r.Header.Values("WWW-Authenticate"), ","), "Basic") {
				t.Errorf("%q: WWW-Authenticate %q does not offer Basic", auth, r.Header.Values("WWW-Authenticate"))
			}
		}

		// List and get, never the password.
		r := e.do("GET", "/api/v1/service-accounts", tokenAuth(key), nil)
		wantStatus(t, r, http.StatusOK)
		l := decode[listBody[serviceAccountBody]](t, r)
		if len(l.Data) != 1 || l.Data[0].ID != sa.ID {
			t.Fatalf("list: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/service-accounts/"+sa.ID, basicAuth(sa.Email, pw), nil)
		wantStatus(t, r, http.StatusOK)
		for _, r := range e.responsesSince(0) {
			if strings.Contains(string(r.Body), pw) || strings.Contains(string(r.Body), "argon2") {
				t.Errorf("%s shows the password or its hash", r)
			}
		}

		// A duplicate email in the tenant, in any case: 409. (Another
		// tenant may use it: see TestServiceAccountEmailDoesNotRevealOtherTenants.)
		wantProblem(t, e.do("POST", "/api/v1/service-accounts", tokenAuth(key),
			map[string]string{"email": "HR-Sync@acme.example", "password": "another-long-password"}), http.StatusConflict, httpapi.TypeConflict)

		// A short password, a bad email: 422 listing each field.
		r = e.do("POST", "/api/v1/service-accounts", tokenAuth(key), map[string]string{"email": "ok@acme.example", "password": "short"})
		p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.password") || len(p.Errors) != 1 {
			t.Errorf("short password: errors %+v, want one at body.password", p.Errors)
		}
		r = e.do("POST", "/api/v1/service-accounts", tokenAuth(key), map[string]string{"email": "not-an-email", "password": "short"})
		p = wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.password") || !p.hasLocation("body.email") {
			t.Errorf("bad email and password: errors %+v, want body.email and body.password", p.Errors)
		}

		// Delete: the account's credentials are dead at once.
		wantStatus(t, e.do("DELETE", "/api/v1/service-accounts/"+sa.ID, tokenAuth(key), nil), http.StatusNoContent)
		wantProblem(t, e.do("GET", "/api/v1/tenant", basicAuth(sa.Email, pw), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		wantProblem(t, e.do("GET", "/api/v1/service-accounts/"+sa.ID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)
		wantProblem(t, e.do("DELETE", "/api/v1/service-accounts/"+sa.ID, tokenAuth(key), nil), http.StatusNotFound, httpapi.TypeNotFound)

		// The email is free again.
		e.createServiceAccount(tokenAuth(key), "hr-sync@acme.example", "a-brand-new-password")
		wantProblem(t, e.do("GET", "/api/v1/tenant", basicAuth(sa.Email, pw), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		e.whoAmI(basicAuth(sa.Email, "a-brand-new-password"))
	})
}

// TestServiceAccountEmailDoesNotRevealOtherTenants checks that creating a
// service account answers the same whether or not another tenant uses
// the email, that each tenant's account then authenticates (on /api/v1 and
// on its own /hooks/{tenant}), that one tenant's password never opens the
// other's hooks, and that a failed Basic attempt costs the same number of
// password checks however many tenants use the email, so its time tells
// nothing either.
func TestServiceAccountEmailDoesNotRevealOtherTenants(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		keyA, keyB := e.tenantWithAPI("acme"), e.tenantWithAPI("beta")
		const email, pwA, pwB = "hr-sync@shared.example", "acme-horse-battery", "beta-horse-battery"

		checksOfFailure := func(email string) int64 {
			t.Helper()
			before := e.app.PasswordHashing().Checks
			wantProblem(t, e.do("GET", "/api/v1/tenant", basicAuth(email, "wrong-password-guess"), nil), http.StatusUnauthorized, httpapi.TypeUnauthorized)
			return e.app.PasswordHashing().Checks - before
		}
		unused := checksOfFailure(email)

		a := e.createServiceAccount(tokenAuth(keyA), email, pwA)
		oneTenant := checksOfFailure(email)

		// Beta's creation succeeds as if the email were new.
		fresh := e.do("POST", "/api/v1/service-accounts", tokenAuth(keyB), map[string]string{"email": "fresh@beta.example", "password": pwB})
		wantStatus(t, fresh, http.StatusCreated)
		dup := e.do("POST", "/api/v1/service-accounts", tokenAuth(keyB), map[string]any{"email": strings.ToUpper(email), "password": pwB, "scopes": allScopes})
		wantStatus(t, dup, http.StatusCreated)
		b := decode[serviceAccountBody](t, dup)
		if b.ID == a.ID || b.Email != email {
			t.Fatalf("beta's account %+v, acme's %+v", b, a)
		}
		twoTenants := checksOfFailure(email)
		if unused != oneTenant || oneTenant != twoTenants {
			t.Errorf("password checks of a failed attempt: %d (no tenant), %d (one), %d (two); want the same", unused, oneTenant, twoTenants)
		}

		// Both authenticate on /api/v1 and on their own hooks.
		if got := e.whoAmI(basicAuth(email, pwA)); got != "acme" {
			t.Errorf("acme's password: tenant %q", got)
		}
		if got := e.whoAmI(basicAuth(email, pwB)); got != "beta" {
			t.Errorf("beta's password: tenant %q", got)
		}
		wantStatus(t, e.hook("/hooks/acme/helpdesk/createticket", basicAuth(email, pwA), refGenericTicket), http.StatusCreated)
		wantStatus(t, e.hook("/hooks/beta/helpdesk/createticket", basicAuth(email, pwB), refGenericTicket), http.StatusCreated)
		// One tenant's password does not open the other's hooks.
		wantProblem(t, e.hook("/hooks/beta/helpdesk/createticket", basicAuth(email, pwA), refGenericTicket), http.StatusUnauthorized, httpapi.TypeUnauthorized)
		wantProblem(t, e.hook("/hooks/acme/helpdesk/createticket", basicAuth(email, pwB), refGenericTicket), http.StatusUnauthorized, httpapi.TypeUnauthorized)

		// Each tenant sees only its own account.
		for _, c := range []struct{ key, id string }{{keyA, a.ID}, {keyB, b.ID}} {
			r := e.do("GET", "/api/v1/service-accounts?q=shared", tokenAuth(c.key), nil)
			wantStatus(t, r, http.StatusOK)
			if l := decode[listBody[serviceAccountBody]](t, r); len(l.Data) != 1 || l.Data[0].ID != c.id {
				t.Errorf("list: %s, want only %s", r.Body, c.id)
			}
		}
	})
}
