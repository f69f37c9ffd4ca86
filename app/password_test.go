package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestWeakPasswordsAreRefused checks the NIST SP 800-63B password rules
// wherever a password is set: a tenant's first admin and a service
// account. Each weak password is refused with 422 at its field with a
// message that says which rule it breaks; strong ones pass.
func TestWeakPasswordsAreRefused(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	const email = "robert.sync@acme.example"
	weak := []struct {
		name, password, want string
	}{
		{"empty", "", "at least 12 characters"},
		{"short", "Xk3#pq9!", "at least 12 characters"},
		{"twelve spaces", strings.Repeat(" ", 12), "one character"},
		{"one letter repeated", strings.Repeat("a", 40), "one character"},
		{"short run repeated", "abcabcabcabc", "short sequence repeated"},
		{"ascending digits", "123456789012", "consecutive"},
		{"descending letters", "zyxwvutsrqpo", "consecutive"},
		{"the email", email, "email"},
		{"the email in other case", "ROBERT.SYNC@ACME.EXAMPLE!", "email"},
		{"the local part", "robert.sync", "at least 12"},
		{"the local part padded", "Robert.Sync2026", "before the @"},
		{"the local part twice", "robert.sync!Robert.Sync", "before the @"},
		{"common password", "qwerty123456", "most common"},
		{"common password in other case", "QwErTy123456", "most common"},
		{"common long password", "1qaz2wsx3edc", "most common"},
		{"common phrase", "leavemealone", "most common"},
		{"too long", strings.Repeat("correct horse battery staple ", 40), "at most 1024 bytes"},
		{"control characters", "correct\nhorse\tbattery", "control characters"},
		{"invalid UTF-8", "correct horse \xff\xfe battery", "UTF-8"},
	}
	for i, c := range weak {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.CreateServiceAccount(ctx, admin(tn), email, c.password, nil)
			checkPasswordRefused(t, err, "body.password", c.want)
			_, err = a.CreateTenant(ctx, app.CreateTenantInput{
				Slug: "weak-" + string(rune('a'+i)), AdminEmail: email, AdminPassword: c.password,
			})
			checkPasswordRefused(t, err, "body.admin_password", c.want)
		})
	}
	for i, strong := range []string{
		"correct horse battery staple",
		"Tr0ub4dor&3-but-longer",
		"zq8-Lm2v-Wp5t-Rk7e",
		"пароль-который-длинный",
	} {
		if _, err := a.CreateServiceAccount(ctx, admin(tn), "bot"+string(rune('a'+i))+"@acme.example", strong, nil); err != nil {
			t.Errorf("strong password %q refused: %v", strong, err)
		}
	}
	// The name before the @, with plenty more, is fine.
	if _, err := a.CreateServiceAccount(ctx, admin(tn), email, "robert.sync-7f3a9c2e1b8d4f60", nil); err != nil {
		t.Errorf("the local part with a long random rest refused: %v", err)
	}
}

func checkPasswordRefused(t *testing.T, err error, location, want string) {
	t.Helper()
	var e *hookd.Error
	if !asError(err, &e) || e.Code != hookd.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	for _, f := range e.Fields {
		if f.Location == location {
			if !strings.Contains(f.Message, want) {
				t.Errorf("%s: message %q does not say %q", location, f.Message, want)
			}
			return
		}
	}
	t.Errorf("fields %v lack %s", e.Fields, location)
}
