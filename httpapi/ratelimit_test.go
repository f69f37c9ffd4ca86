package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// wantLimited fails unless r is the rate limit's 429 telling the client to
// retry after the given seconds: 30 when the limit is first crossed, the rest
// of the lock-out afterwards.
func wantLimited(t *testing.T, r *response, retryAfter string) {
	t.Helper()
	wantProblem(t, r, http.StatusTooManyRequests, httpapi.TypeRateLimited)
	if got := r.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %s", got, retryAfter)
	}
}

func TestRateLimit(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		keyA := e.tenantWithAPI("acme")
		tok1 := e.createAccessToken(tokenAuth(keyA), "one").Token
		tok2 := e.createAccessToken(tokenAuth(keyA), "two").Token
		e.tick = 0
		e.clock.Advance(time.Minute) // past every window of the setup

		// Five calls in one instant go through; the sixth is refused.
		for range 5 {
			wantStatus(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok1), nil), http.StatusOK)
		}
		wantLimited(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok1), nil), "30")

		// Another token of the same tenant, and its API key, are not limited.
		for range 5 {
			wantStatus(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok2), nil), http.StatusOK)
			wantStatus(t, e.do("GET", "/api/v1/tenant", tokenAuth(keyA), nil), http.StatusOK)
		}

		// The operator is never limited.
		for i := range 50 {
			if r := e.do("GET", "/api/v1/admin/tenants/acme", operatorAuth(), nil); r.Status != http.StatusOK {
				t.Fatalf("operator call %d: %s", i+1, r)
			}
		}

		// tok1 stays limited for 30 s, whatever it does.
		e.clock.Advance(29*time.Second + 900*time.Millisecond)
		wantLimited(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok1), nil), "1")
		e.clock.Advance(100 * time.Millisecond)
		wantStatus(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok1), nil), http.StatusOK)
	})
}

func TestRateLimitSpread(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		tok := e.createAccessToken(tokenAuth(key), "spread").Token
		e.tick = 0
		e.clock.Advance(time.Minute)

		// Calls 0.15 s apart: the sixth falls within one second of the first.
		for range 5 {
			wantStatus(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil), http.StatusOK)
			e.clock.Advance(150 * time.Millisecond)
		}
		wantLimited(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil), "30")
		e.clock.Advance(15 * time.Second)
		wantLimited(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil), "15")
		e.clock.Advance(15 * time.Second)
		wantStatus(t, e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil), http.StatusOK)

		// Five calls a second, kept up for a while, are fine: each falls
		// just over a second after the call five before it.
		e.clock.Advance(time.Minute)
		for i := range 20 {
			if r := e.do("GET", "/api/v1/tenant", bearerAuth(tok), nil); r.Status != http.StatusOK {
				t.Fatalf("steady call %d: %s", i+1, r)
			}
			e.clock.Advance(201 * time.Millisecond)
		}
	})
}

func TestRateLimitCredentialKinds(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		const pw = "correct-horse-battery"
		sa := e.createServiceAccount(tokenAuth(key), "bot@acme.example", pw)
		e.tick = 0
		e.clock.Advance(time.Minute)

		// The API key, a service account: each limited on its own.
		for _, auth := range []string{tokenAuth(key), basicAuth(sa.Email, pw)} {
			for range 5 {
				wantStatus(t, e.do("GET", "/api/v1/api", auth, nil), http.StatusOK)
			}
			wantLimited(t, e.do("GET", "/api/v1/api", auth, nil), "30")
		}
		// A limited credential is limited on every path, and is limited
		// before its request is handled.
		wantLimited(t, e.do("POST", "/api/v1/access-tokens", tokenAuth(key), map[string]string{"name": "x"}), "30")
		e.clock.Advance(31 * time.Second)
		r := e.do("GET", "/api/v1/access-tokens", tokenAuth(key), nil)
		if l := decode[listBody[accessTokenBody]](t, r); len(l.Data) != 0 {
			t.Errorf("a refused request made a token: %s", r.Body)
		}
	})
}

func TestRateLimitPerPlan(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		keyE := e.tenantWithAPI("big")
		e.createTenant("small", "platinum")
		keyP := e.enableAPI("small")
		e.tick = 0
		e.clock.Advance(time.Minute)
		// Set before any request of these credentials; the limiter is read
		// under its own lock afterwards.
		e.limiter.PerPlan = map[hookd.Plan]int{hookd.PlanEnterprise: 10, hookd.PlanPlatinum: 0}

		for i := range 10 {
			if r := e.do("GET", "/api/v1/tenant", tokenAuth(keyE), nil); r.Status != http.StatusOK {
				t.Fatalf("enterprise call %d: %s", i+1, r)
			}
		}
		wantLimited(t, e.do("GET", "/api/v1/tenant", tokenAuth(keyE), nil), "30")

		// 0 for a plan: no limit.
		for i := range 40 {
			if r := e.do("GET", "/api/v1/tenant", tokenAuth(keyP), nil); r.Status != http.StatusOK {
				t.Fatalf("unlimited call %d: %s", i+1, r)
			}
		}
	})
}

func TestRateLimitDefaultZero(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		e.tick = 0
		e.limiter.Default = 0
		for i := range 40 {
			if r := e.do("GET", "/api/v1/tenant", tokenAuth(key), nil); r.Status != http.StatusOK {
				t.Fatalf("call %d with no limit: %s", i+1, r)
			}
		}
	})
}

// TestRateLimiter checks the limiter on its own: windows, lock-out, plans.
func TestRateLimiter(t *testing.T) {
	t.Parallel()
	clock := hookd.NewManualClock(start)
	l := &httpapi.RateLimiter{Clock: clock, Default: 2, PerPlan: map[hookd.Plan]int{hookd.PlanFree: 0}, Penalty: 10 * time.Second}
	allow := func(cred string, plan hookd.Plan) bool {
		ok, _ := l.Allow(context.Background(), cred, plan)
		return ok
	}
	if !allow("a", hookd.PlanEnterprise) || !allow("a", hookd.PlanEnterprise) {
		t.Fatal("first two calls refused")
	}
	ok, wait := l.Allow(context.Background(), "a", hookd.PlanEnterprise)
	if ok || wait != 10*time.Second {
		t.Fatalf("third call: %v %v, want refused for 10s", ok, wait)
	}
	clock.Advance(4 * time.Second)
	if ok, wait := l.Allow(context.Background(), "a", hookd.PlanEnterprise); ok || wait != 6*time.Second {
		t.Fatalf("during the penalty: %v %v, want refused for 6s", ok, wait)
	}
	if !allow("b", hookd.PlanEnterprise) {
		t.Fatal("another credential refused")
	}
	for range 100 {
		if !allow("c", hookd.PlanFree) {
			t.Fatal("a plan with limit 0 was limited")
		}
	}
	// Idle entries are forgotten without changing answers.
	clock.Advance(2 * time.Minute)
	if !allow("a", hookd.PlanEnterprise) || !allow("a", hookd.PlanEnterprise) || allow("a", hookd.PlanEnterprise) {
		t.Fatal("after the penalty: want two calls, then refused")
	}

	var nilLimiter *httpapi.RateLimiter
	if ok, _ := nilLimiter.Allow(context.Background(), "a", hookd.PlanFree); !ok {
		t.Fatal("a nil limiter refused")
	}
}
