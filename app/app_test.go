package app_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

var fastPasswords = secret.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

func newApp(t testing.TB, s *sqlstore.Store) (*app.App, *hookd.ManualClock) {
	t.Helper()
	clock := hookd.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	a.PasswordParams = fastPasswords
	return a, clock
}

func TestEnsureOperatorToken(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		first, err := a.EnsureOperatorToken(ctx, "")
		if err != nil || first == "" {
			t.Fatalf("first start: token %q, err %v; want a new token", first, err)
		}
		again, err := a.EnsureOperatorToken(ctx, "")
		if err != nil || again != "" {
			t.Fatalf("second start: token %q, err %v; want none", again, err)
		}
		if _, err := a.AuthenticateOperator(ctx, first); err != nil {
			t.Fatalf("generated token refused: %v", err)
		}
		if _, err := a.EnsureOperatorToken(ctx, "configured-operator-token"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.AuthenticateOperator(ctx, first); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("old token after HOOKD_ADMIN_TOKEN: err %v, want EUNAUTHORIZED", err)
		}
		if _, err := a.AuthenticateOperator(ctx, "configured-operator-token"); err != nil {
			t.Errorf("configured token refused: %v", err)
		}
		reset, err := a.ResetOperatorToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.AuthenticateOperator(ctx, "configured-operator-token"); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
			t.Errorf("token after reset: err %v, want EUNAUTHORIZED", err)
		}
		if _, err := a.AuthenticateOperator(ctx, reset); err != nil {
			t.Errorf("reset token refused: %v", err)
		}
	})
}

func TestCreateTenantValidation(t *testing.T) {
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	_, err := a.CreateTenant(context.Background(), app.CreateTenantInput{
		Slug: "Not A Slug", Plan: "gold", AdminEmail: "nope", AdminPassword: "short",
	})
	var e *hookd.Error
	if !asError(err, &e) || e.Code != hookd.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Location] = true
	}
	for _, want := range []string{"body.slug", "body.plan", "body.admin_email", "body.admin_password"} {
		if !got[want] {
			t.Errorf("fields %v lack %s", e.Fields, want)
		}
	}
	tn, err := a.CreateTenant(context.Background(), app.CreateTenantInput{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if tn.Plan != hookd.PlanEnterprise || tn.Name != "acme" || tn.APIEnabled {
		t.Errorf("defaults: plan %s, name %q, api %v; want enterprise, acme, false", tn.Plan, tn.Name, tn.APIEnabled)
	}
}

func asError(err error, target **hookd.Error) bool {
	e, ok := err.(*hookd.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestServiceAccountPasswordCache checks that a remembered password is
// remembered only for the right password and only for PasswordCacheTTL.
func TestServiceAccountPasswordCache(t *testing.T) {
	ctx := context.Background()
	a, clock := newApp(t, sqlstoretest.SQLite(t))
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetAPIEnabled(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateServiceAccount(ctx, admin(tn), "Bot@Acme.example", "a-long-password", nil); err != nil {
		t.Fatal(err)
	}
	basic := func(user, pass string) string { return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)) }
	for i := 0; i < 2; i++ {
		if p, err := a.Authenticate(ctx, "Basic", basic("bot@acme.example", "a-long-password")); err != nil || p.TenantID != tn.ID {
			t.Fatalf("call %d: %v, %v", i, p, err)
		}
	}
	if _, err := a.Authenticate(ctx, "Basic", basic("bot@acme.example", "a-long-passwore")); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
		t.Errorf("wrong password after a cached success: err %v", err)
	}
	clock.Advance(a.PasswordCacheTTL + time.Second)
	if _, err := a.Authenticate(ctx, "Basic", basic("BOT@acme.example", "a-long-password")); err != nil {
		t.Errorf("after the cache expired: %v", err)
	}
	if _, err := a.Authenticate(ctx, "Basic", "%%%"); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
		t.Errorf("undecodable Basic: err %v", err)
	}
	if _, err := a.Authenticate(ctx, "Digest", "x"); hookd.ErrorCode(err) != hookd.EUNAUTHORIZED {
		t.Errorf("unknown scheme: err %v", err)
	}
}
