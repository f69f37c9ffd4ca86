package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// twoInstances returns two Apps on one new PostgreSQL schema, as two hookd
// instances would be, sharing their limits, a clock and an instance key.
func twoInstances(t *testing.T) (*app.App, *app.App, *hookd.ManualClock) {
	t.Helper()
	dsn := sqlstoretest.PostgresURL(t)
	ctx := context.Background()
	var apps [2]*app.App
	a, clock := (*app.App)(nil), (*hookd.ManualClock)(nil)
	for i := range apps {
		s, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		s.DB().SetMaxOpenConns(4)
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if i == 0 {
			a, clock = newApp(t, s)
		} else {
			a = app.New(s, clock, apps[0].Box, nil)
			a.PasswordParams = fastPasswords
		}
		a.ShareLimits(s)
		a.PasswordHashConcurrency = 8
		apps[i] = a
	}
	return apps[0], apps[1], clock
}

// TestSignInThrottleAcrossInstances: failed sign-ins alternating between
// two instances lock the account, then the address, on both.
func TestSignInThrottleAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, clock := twoInstances(t)
	both := []*app.App{a, b}
	newConsoleTenant(t, a, "acme", hookd.PlanPlatinum, "ada@acme.example", consolePassword)
	newConsoleTenant(t, a, "globex", hookd.PlanPlatinum, "bob@globex.example", consolePassword)

	wrong := app.SignInInput{Email: "ada@acme.example", Password: "wrong-password", IPAddress: "198.51.100.1"}
	for i := range a.LoginAccountLimit {
		_, _, err := both[i%2].SignIn(ctx, wrong)
		wantCode(t, "failure", err, hookd.EUNAUTHORIZED)
		clock.Advance(time.Minute)
	}
	right := app.SignInInput{Email: "ada@acme.example", Password: consolePassword, IPAddress: "198.51.100.2"}
	for _, x := range both {
		_, _, err := x.SignIn(ctx, right)
		wantCode(t, "right password while locked", err, hookd.ERATELIMITED)
		if wait, ok := app.RetryAfter(err); !ok || wait != a.LoginLockout-time.Duration(a.LoginAccountLimit)*time.Minute {
			t.Errorf("retry after %v, %v; want the rest of the window", wait, ok)
		}
	}
	clock.Advance(a.LoginLockout - time.Duration(a.LoginAccountLimit)*time.Minute)
	if _, _, err := b.SignIn(ctx, right); err != nil {
		t.Fatalf("after the window: %v", err)
	}

	// The address: failures for many emails, across both, lock it for
	// every account and for the operator, on both.
	a.LoginAddressLimit, b.LoginAddressLimit = 4, 4
	for i := range 4 {
		_, _, err := both[i%2].SignIn(ctx, app.SignInInput{Email: "user" + string(rune('a'+i)) + "@example.com", Password: "x", IPAddress: "192.0.2.1"})
		wantCode(t, "failure", err, hookd.EUNAUTHORIZED)
	}
	for _, x := range both {
		_, _, err := x.SignIn(ctx, app.SignInInput{Email: "bob@globex.example", Password: consolePassword, IPAddress: "192.0.2.1"})
		wantCode(t, "locked address", err, hookd.ERATELIMITED)
		_, _, err = x.SignInOperator(ctx, "hkd_op_whatever", "192.0.2.1", "")
		wantCode(t, "operator from a locked address", err, hookd.ERATELIMITED)
	}

	// Pruning forgets only the windows that have ended (the first
	// address's): the locked address stays locked.
	if n, err := a.PruneLimits(ctx); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v; want the one ended window", n, err)
	}
	_, _, err := b.SignInOperator(ctx, "hkd_op_whatever", "192.0.2.1", "")
	wantCode(t, "operator from a locked address after a prune", err, hookd.ERATELIMITED)
	clock.Advance(a.LoginLockout)
	if n, err := b.PruneLimits(ctx); err != nil || n == 0 {
		t.Fatalf("prune after the windows: %d, %v; want some", n, err)
	}
	_, _, err = a.SignInOperator(ctx, "hkd_op_whatever", "192.0.2.1", "")
	wantCode(t, "operator after the window", err, hookd.EUNAUTHORIZED)
}

// TestSignInThrottleAtomicAcrossInstances: parallel wrong passwords for
// one account, half on each instance: the limit holds over both.
func TestSignInThrottleAtomicAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, _ := twoInstances(t)
	newConsoleTenant(t, a, "acme", hookd.PlanEnterprise, "ada@acme.example", consolePassword)
	before := a.PasswordHashing().Checks + b.PasswordHashing().Checks

	const attempts = 12
	codes := make([]string, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		x := []*app.App{a, b}[i%2]
		wg.Go(func() {
			<-start
			_, _, err := x.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: "wrong-password-guess", IPAddress: "198.51.100.7"})
			codes[i] = hookd.ErrorCode(err)
		})
	}
	close(start)
	wg.Wait()
	if checked := a.PasswordHashing().Checks + b.PasswordHashing().Checks - before; checked > int64(a.LoginAccountLimit) {
		t.Errorf("%d passwords checked for %d parallel sign-ins on two instances, want at most %d", checked, attempts, a.LoginAccountLimit)
	}
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[hookd.EUNAUTHORIZED] != a.LoginAccountLimit || count[hookd.ERATELIMITED] != attempts-a.LoginAccountLimit {
		t.Errorf("answers %v, want %d unauthorized and %d rate limited", count, a.LoginAccountLimit, attempts-a.LoginAccountLimit)
	}
}

// TestBasicThrottleAcrossInstances: failed HTTP Basic attempts on two
// instances lock the service account on both; a success on one clears it.
func TestBasicThrottleAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, clock := twoInstances(t)
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetAPIEnabled(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	const pw = "correct-horse-battery"
	if _, err := a.CreateServiceAccount(ctx, admin(tn), "bot@acme.example", pw, nil); err != nil {
		t.Fatal(err)
	}
	auth := func(x *app.App, password, ip string) error {
		_, err := x.AuthenticateRequest(ctx, app.AuthRequest{Authorization: basicHeader("bot@acme.example", password), SourceIP: ip})
		return err
	}
	a.BasicAccountLimit, b.BasicAccountLimit = 4, 4
	for i := range 3 {
		wantCode(t, "wrong password", auth([]*app.App{a, b}[i%2], "wrong-password-guess", "203.0.113.1"), hookd.EUNAUTHORIZED)
	}
	// A success (on b) forgets the account's failures everywhere.
	if err := auth(b, pw, "203.0.113.2"); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		wantCode(t, "wrong password", auth([]*app.App{a, b}[i%2], "wrong-password-guess", "203.0.113.1"), hookd.EUNAUTHORIZED)
	}
	// Locked on both: the right password on a (which has not verified it
	// before), any other on b, are refused before they are checked.
	wantCode(t, "right password after the limit", auth(a, pw, "192.0.2.9"), hookd.ERATELIMITED)
	wantCode(t, "another password after the limit", auth(b, "another-guess", "192.0.2.9"), hookd.ERATELIMITED)
	clock.Advance(a.BasicLockout)
	wantCode(t, "after the lockout", auth(a, "wrong-password-guess", "192.0.2.9"), hookd.EUNAUTHORIZED)
}
