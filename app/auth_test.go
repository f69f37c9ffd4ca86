package app_test

import (
	"context"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func basicHeader(email, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
}

// TestSignInThrottleIsAtomic sends 12 wrong passwords for one console user
// at once, with room to hash them all in parallel: the account's limit (5)
// must hold, so at most 5 passwords are checked and the rest are refused
// with ERATELIMITED before any hashing.
func TestSignInThrottleIsAtomic(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	a.PasswordHashConcurrency = 16
	newConsoleTenant(t, a, "acme", hookd.PlanEnterprise, "ada@acme.example", consolePassword)
	before := a.PasswordHashing().Checks

	const attempts = 12
	codes := make([]string, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: "wrong-password-guess", IPAddress: "198.51.100.7"})
			codes[i] = hookd.ErrorCode(err)
		}()
	}
	close(start)
	wg.Wait()

	checked := a.PasswordHashing().Checks - before
	if checked > int64(a.LoginAccountLimit) {
		t.Errorf("%d passwords checked for %d parallel sign-ins, want at most %d", checked, attempts, a.LoginAccountLimit)
	}
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[hookd.EUNAUTHORIZED] != a.LoginAccountLimit || count[hookd.ERATELIMITED] != attempts-a.LoginAccountLimit {
		t.Errorf("answers %v, want %d unauthorized and %d rate limited", count, a.LoginAccountLimit, attempts-a.LoginAccountLimit)
	}
	// Even the right password waits for the window to end.
	_, _, err := a.SignIn(ctx, app.SignInInput{Email: "ada@acme.example", Password: consolePassword, IPAddress: "198.51.100.8"})
	if wait, ok := app.RetryAfter(err); hookd.ErrorCode(err) != hookd.ERATELIMITED || !ok || wait <= 0 {
		t.Errorf("right password during the lockout: err %v, retry after %v", err, wait)
	}
}

// TestFailedBasicAttemptsAreThrottled checks that failed HTTP Basic
// attempts block the account and the address from more password checks
// for BasicLockout (refused with ERATELIMITED and a RetryAfter, without
// hashing), that a success gives the address its attempt back, and that a
// password verified before the attack still passes.
func TestFailedBasicAttemptsAreThrottled(t *testing.T) {
	ctx := context.Background()
	a, clock := newApp(t, sqlstoretest.SQLite(t))
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetAPIEnabled(ctx, "acme", true); err != nil {
		t.Fatal(err)
	}
	const pw = "correct-horse-battery"
	for _, email := range []string{"bot@acme.example", "other@acme.example", "fresh@acme.example", "cached@acme.example"} {
		if _, err := a.CreateServiceAccount(ctx, admin(tn), email, pw, nil); err != nil {
			t.Fatal(err)
		}
	}
	auth := func(email, password, ip string) error {
		_, err := a.AuthenticateRequest(ctx, app.AuthRequest{Authorization: basicHeader(email, password), SourceIP: ip})
		return err
	}
	// A client that authenticated before the attack is remembered.
	if err := auth("cached@acme.example", pw, "192.0.2.50"); err != nil {
		t.Fatal(err)
	}

	// The account: BasicAccountLimit failures from many addresses.
	for i := range a.BasicAccountLimit {
		ip := "203.0.113." + string(rune('1'+i%9))
		wantCode(t, "wrong password", auth("bot@acme.example", "wrong-password-guess", ip), hookd.EUNAUTHORIZED)
	}
	before := a.PasswordHashing().Checks
	err = auth("bot@acme.example", pw, "192.0.2.99")
	wantCode(t, "right password after the account's limit", err, hookd.ERATELIMITED)
	if wait, ok := app.RetryAfter(err); !ok || wait <= 0 || wait > a.BasicLockout {
		t.Errorf("retry after %v, %v; want within the lockout", wait, ok)
	}
	if got := a.PasswordHashing().Checks; got != before {
		t.Errorf("a throttled attempt checked %d passwords, want none", got-before)
	}
	// Another account from a fresh address is not blocked.
	if err := auth("other@acme.example", pw, "192.0.2.98"); err != nil {
		t.Errorf("another account: %v", err)
	}

	// The address: BasicAddressLimit failures for unknown emails.
	const attacker = "2001:db8:1:2::1"
	for i := range a.BasicAddressLimit {
		wantCode(t, "unknown email", auth("nobody"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@acme.example", "wrong-password-guess", attacker), hookd.EUNAUTHORIZED)
	}
	// The same /64 is the same address.
	wantCode(t, "another host of the attacker's /64", auth("fresh@acme.example", pw, "2001:db8:1:2::77"), hookd.ERATELIMITED)
	wantCode(t, "another /64", auth("fresh@acme.example", pw, "2001:db8:1:3::1"), "")

	// The cached password still passes, whatever the throttle says.
	if err := auth("cached@acme.example", pw, attacker); err != nil {
		t.Errorf("remembered password during the attack: %v", err)
	}

	// After the lockout, the account and address may try again.
	clock.Advance(a.BasicLockout)
	if err := auth("bot@acme.example", pw, attacker); err != nil {
		t.Errorf("after the lockout: %v", err)
	}
}

// TestPasswordHashingIsBounded checks that no more password checks run at
// once than PasswordHashConcurrency and that a check finding no slot
// within PasswordHashWait is refused with EUNAVAILABLE at once instead of
// queueing.
func TestPasswordHashingIsBounded(t *testing.T) {
	ctx := context.Background()
	a, _ := newApp(t, sqlstoretest.SQLite(t))
	a.PasswordParams.Memory, a.PasswordParams.Time = 8*1024, 4 // slow enough to overlap
	a.PasswordHashConcurrency, a.PasswordHashWait = 2, 10*time.Millisecond
	a.BasicAccountLimit, a.BasicAddressLimit = 1000, 1000
	const n = 16
	codes := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := a.AuthenticateRequest(ctx, app.AuthRequest{Authorization: basicHeader("nobody@acme.example", "wrong-password-guess"), SourceIP: "192.0.2.1"})
			codes[i] = hookd.ErrorCode(err)
			if hookd.ErrorCode(err) == hookd.EUNAVAILABLE {
				if wait, ok := app.RetryAfter(err); !ok || wait <= 0 {
					t.Errorf("busy without RetryAfter: %v", err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	st := a.PasswordHashing()
	if st.Peak > 2 || st.Peak < 1 || st.Running != 0 {
		t.Errorf("hashing peak %d (running %d), want at most 2", st.Peak, st.Running)
	}
	busy := 0
	for _, c := range codes {
		if c == hookd.EUNAVAILABLE {
			busy++
		} else if c != hookd.EUNAUTHORIZED {
			t.Errorf("answer %q, want unauthorized or unavailable", c)
		}
	}
	if busy == 0 {
		t.Errorf("no attempt was refused as busy: %v", codes)
	}
}
