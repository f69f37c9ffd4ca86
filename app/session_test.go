package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

const consolePassword = "correct-horse-battery"

// newConsoleTenant creates a tenant with a console user.
func newConsoleTenant(t *testing.T, a *app.App, slug string, plan hookd.Plan, email, password string) *hookd.Tenant {
	t.Helper()
	tn, err := a.CreateTenant(context.Background(), app.CreateTenantInput{Slug: slug, Plan: plan, AdminEmail: email, AdminPassword: password})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != code {
		t.Fatalf("%s: err %v, want code %q", what, err, code)
	}
}

func TestSignIn(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := newConsoleTenant(t, a, "acme", hookd.PlanEnterprise, "Ada@Acme.example", consolePassword)

		id, token, err := a.SignIn(ctx, app.SignInInput{
			Email: " ADA@acme.example ", Password: consolePassword,
			IPAddress: "203.0.113.9", UserAgent: "Mozilla/5.0 (test)\x00\n",
		})
		if err != nil {
			t.Fatal(err)
		}
		if id.IsOperator() || id.Tenant.ID != tn.ID || id.User.Email != "ada@acme.example" {
			t.Fatalf("identity %+v, want ada of acme", id)
		}
		if !strings.HasPrefix(token, "hkd_ses_") {
			t.Fatalf("token %q, want hkd_ses_…", token)
		}
		if id.Session.UserAgent != "Mozilla/5.0 (test)" || id.Session.IPAddress != "203.0.113.9" {
			t.Errorf("session keeps address %q and agent %q", id.Session.IPAddress, id.Session.UserAgent)
		}
		got, err := a.ConsoleSession(ctx, token)
		if err != nil || got.User.ID != id.User.ID || got.Tenant.Slug != "acme" {
			t.Fatalf("ConsoleSession: %+v, %v", got, err)
		}

		// The sign-in published user.login, valid against its schema (Publish
		// checks it) and saying who, when, where from and how.
		events, err := s.ListEvents(ctx, tn.ID, hookd.EventUserLogin, hookd.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		if len(events.Items) != 1 {
			t.Fatalf("%d user.login events, want 1", len(events.Items))
		}
		var data struct {
			User struct {
				ID, Email string
			}
			LoginAt   time.Time `json:"login_at"`
			IPAddress string    `json:"ip_address"`
			UserAgent string    `json:"user_agent"`
			Method    string
		}
		if err := json.Unmarshal(events.Items[0].Data, &data); err != nil {
			t.Fatal(err)
		}
		if data.User.ID != id.User.ID || data.User.Email != "ada@acme.example" || !data.LoginAt.Equal(clock.Now()) ||
			data.IPAddress != "203.0.113.9" || data.UserAgent != "Mozilla/5.0 (test)" || data.Method != "password" {
			t.Errorf("user.login data %s", events.Items[0].Data)
		}

		// Wrong passwords and unknown emails get the same answer.
		_, _, err = a.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: "not-the-password", IPAddress: "203.0.113.9"})
		wantCode(t, "wrong password", err, hookd.EUNAUTHORIZED)
		_, _, err = a.SignIn(ctx, app.SignInInput{Email: "eve@acme.example", Password: consolePassword, IPAddress: "203.0.113.9"})
		wantCode(t, "unknown email", err, hookd.EUNAUTHORIZED)
		_, _, err = a.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: consolePassword, Tenant: "globex"})
		wantCode(t, "unknown tenant", err, hookd.EUNAUTHORIZED)

		// Signing out ends the session; twice is fine.
		if err := a.SignOut(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err = a.ConsoleSession(ctx, token)
		wantCode(t, "session after sign-out", err, hookd.EUNAUTHORIZED)
		if err := a.SignOut(ctx, token); err != nil {
			t.Errorf("second sign-out: %v", err)
		}
		_, err = a.ConsoleSession(ctx, "not-a-token")
		wantCode(t, "malformed token", err, hookd.EUNAUTHORIZED)
	})
}

// TestSignInWithoutWebhooks checks that a plan without webhooks signs in and
// publishes nothing.
func TestSignInWithoutWebhooks(t *testing.T) {
	ctx := context.Background()
	s := sqlstoretest.SQLite(t)
	a, _ := newApp(t, s)
	tn := newConsoleTenant(t, a, "free", hookd.PlanFree, "ada@free.example", consolePassword)
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@free.example", Password: consolePassword}); err != nil {
		t.Fatal(err)
	}
	events, err := s.ListEvents(ctx, tn.ID, "", hookd.ListParams{})
	if err != nil || len(events.Items) != 0 {
		t.Fatalf("events of a free tenant after sign-in: %d, %v; want none", len(events.Items), err)
	}
}

// TestSignInSeveralTenants checks an email that has users in several tenants.
func TestSignInSeveralTenants(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	acme := newConsoleTenant(t, a, "acme", hookd.PlanEnterprise, "ada@example.com", consolePassword)
	globex := newConsoleTenant(t, a, "globex", hookd.PlanEnterprise, "ada@example.com", consolePassword)
	newConsoleTenant(t, a, "initech", hookd.PlanEnterprise, "ada@example.com", "another-long-password")

	// The same password in two tenants: the tenant must be named.
	_, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@example.com", Password: consolePassword})
	var e *hookd.Error
	if !asError(err, &e) || e.Code != hookd.EINVALID || len(e.Fields) != 1 || e.Fields[0].Location != "form.tenant" {
		t.Fatalf("err %v, want EINVALID at form.tenant", err)
	}
	for _, tn := range []*hookd.Tenant{acme, globex} {
		id, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@example.com", Password: consolePassword, Tenant: tn.Slug})
		if err != nil || id.Tenant.ID != tn.ID {
			t.Fatalf("sign in to %s: %+v, %v", tn.Slug, id, err)
		}
	}
	// A password that fits one tenant only needs no tenant.
	id, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@example.com", Password: "another-long-password"})
	if err != nil || id.Tenant.Slug != "initech" {
		t.Fatalf("sign in with initech's password: %+v, %v", id, err)
	}
}

// TestSignInThrottle checks that failures lock an email, then an address,
// and that the lock ends with the window, moved by the clock.
func TestSignInThrottle(t *testing.T) {
	ctx := context.Background()
	a, clock := newApp(t, sqlstoretest.SQLite(t))
	newConsoleTenant(t, a, "acme", hookd.PlanPlatinum, "ada@acme.example", consolePassword)
	newConsoleTenant(t, a, "globex", hookd.PlanPlatinum, "bob@globex.example", consolePassword)

	wrong := app.SignInInput{Email: "ada@acme.example", Password: "wrong-password", IPAddress: "198.51.100.1"}
	for i := 0; i < a.LoginAccountLimit; i++ {
		_, _, err := a.SignIn(ctx, wrong)
		wantCode(t, "failure", err, hookd.EUNAUTHORIZED)
		clock.Advance(time.Minute)
	}
	// Locked: even the right password, from another address, is refused
	// before it is checked.
	right := app.SignInInput{Email: "ADA@acme.example", Password: consolePassword, IPAddress: "198.51.100.2"}
	_, _, err := a.SignIn(ctx, right)
	wantCode(t, "right password while locked", err, hookd.ERATELIMITED)
	if msg := hookd.ErrorMessage(err); !strings.Contains(msg, "10 minutes") {
		t.Errorf("message %q, want the 10 minutes left of the window", msg)
	}
	// Another email from the failing address is not locked.
	if _, _, err := a.SignIn(ctx, app.SignInInput{Email: "bob@globex.example", Password: consolePassword, IPAddress: "198.51.100.1"}); err != nil {
		t.Fatalf("another account: %v", err)
	}
	clock.Advance(a.LoginLockout - time.Duration(a.LoginAccountLimit)*time.Minute - time.Second)
	_, _, err = a.SignIn(ctx, right)
	wantCode(t, "a second before the window ends", err, hookd.ERATELIMITED)
	clock.Advance(time.Second)
	if _, _, err := a.SignIn(ctx, right); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// An address that fails for many emails is locked for all of them,
	// and for the operator.
	a.LoginAddressLimit = 3
	for i := 0; i < 3; i++ {
		_, _, err := a.SignIn(ctx, app.SignInInput{Email: "user" + string(rune('a'+i)) + "@example.com", Password: "x", IPAddress: "192.0.2.1"})
		wantCode(t, "failure", err, hookd.EUNAUTHORIZED)
	}
	_, _, err = a.SignIn(ctx, app.SignInInput{Email: "bob@globex.example", Password: consolePassword, IPAddress: "192.0.2.1"})
	wantCode(t, "locked address", err, hookd.ERATELIMITED)
	_, _, err = a.SignInOperator(ctx, "hkd_op_whatever", "192.0.2.1", "")
	wantCode(t, "operator from a locked address", err, hookd.ERATELIMITED)
}

func TestSignInOperator(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		op, err := a.EnsureOperatorToken(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = a.SignInOperator(ctx, "hkd_op_wrong", "192.0.2.1", "")
		wantCode(t, "wrong operator token", err, hookd.EUNAUTHORIZED)
		id, token, err := a.SignInOperator(ctx, " "+op+" ", "192.0.2.1", "curl")
		if err != nil {
			t.Fatal(err)
		}
		if !id.IsOperator() || id.Tenant != nil || id.User != nil {
			t.Fatalf("identity %+v, want the operator", id)
		}
		got, err := a.ConsoleSession(ctx, token)
		if err != nil || !got.IsOperator() {
			t.Fatalf("ConsoleSession: %+v, %v", got, err)
		}
	})
}

// TestSessionLifetime checks the idle timeout, its renewal by use, the
// maximum age, and pruning, all by moving the clock.
func TestSessionLifetime(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		newConsoleTenant(t, a, "acme", hookd.PlanPlatinum, "ada@acme.example", consolePassword)
		signIn := func() string {
			t.Helper()
			_, token, err := a.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: consolePassword})
			if err != nil {
				t.Fatal(err)
			}
			return token
		}

		idle := signIn()
		busy := signIn()
		clock.Advance(a.SessionIdleTimeout - time.Minute)
		if _, err := a.ConsoleSession(ctx, busy); err != nil {
			t.Fatalf("busy session before the idle timeout: %v", err)
		}
		clock.Advance(time.Minute)
		_, err := a.ConsoleSession(ctx, idle)
		wantCode(t, "idle session", err, hookd.EUNAUTHORIZED)
		// Use renewed the busy one; keep using it until its maximum age.
		elapsed, lastUse := a.SessionIdleTimeout, a.SessionIdleTimeout-time.Minute
		for {
			next := lastUse + a.SessionIdleTimeout - time.Minute
			if next >= a.SessionMaxAge {
				break
			}
			clock.Advance(next - elapsed)
			elapsed, lastUse = next, next
			if _, err := a.ConsoleSession(ctx, busy); err != nil {
				t.Fatalf("busy session %v after sign-in: %v", elapsed, err)
			}
		}
		clock.Advance(a.SessionMaxAge - elapsed - time.Second)
		if _, err := a.ConsoleSession(ctx, busy); err != nil {
			t.Fatalf("busy session a second before its maximum age: %v", err)
		}
		clock.Advance(time.Second)
		_, err = a.ConsoleSession(ctx, busy)
		wantCode(t, "session at its maximum age", err, hookd.EUNAUTHORIZED)

		live := signIn()
		n, err := a.PruneExpiredSessions(ctx)
		if err != nil || n != 2 {
			t.Fatalf("PruneExpiredSessions = %d, %v; want 2", n, err)
		}
		if _, err := a.ConsoleSession(ctx, live); err != nil {
			t.Fatalf("live session after pruning: %v", err)
		}
	})
}
