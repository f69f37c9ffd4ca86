package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/inbound"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// openShared opens another store on the PostgreSQL database dsn names, as
// one more hookd instance would, with a small pool.
func openShared(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	s.DB().SetMaxOpenConns(4)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// secondInstance returns another hookd API over s, beside e: its own App,
// rate limiter and server, the same clock and instance key.
func secondInstance(t *testing.T, e *env, s *sqlstore.Store) *env {
	t.Helper()
	a := app.New(s, e.clock, e.app.Box, nil)
	a.PasswordParams = fastPasswords
	a.PublicURL = publicURL
	a.Inbound = inbound.Parser{}
	a.ShareLimits(s)
	lim := &httpapi.RateLimiter{Clock: e.clock, Default: 5, Shared: s}
	srv := httpapi.New(a, lim, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, store: s, clock: e.clock, app: a, limiter: lim, srv: srv, ts: ts, url: ts.URL}
}

// TestRateLimitAcrossInstances: two instances on one PostgreSQL, calls
// alternating between them: the sixth call in a second is refused, and
// the penalty holds on both.
func TestRateLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := sqlstoretest.PostgresURL(t)
	a := newEnv(t, openShared(t, dsn))
	b := secondInstance(t, a, openShared(t, dsn))
	key := a.tenantWithAPI("acme")
	const pw = "correct-horse-battery"
	sa := a.createServiceAccount(tokenAuth(key), "bot@acme.example", pw)
	tok := a.createAccessToken(tokenAuth(key), "spread").Token
	a.tick = 0
	a.clock.Advance(time.Minute)
	both := []*env{a, b}

	for _, auth := range []string{bearerAuth(tok), tokenAuth(key), basicAuth(sa.Email, pw)} {
		// Five calls 0.15 s apart, alternating: each instance saw at most
		// three, yet the sixth, within a second of the first, is refused.
		for i := range 5 {
			if r := both[i%2].do("GET", "/api/v1/tenant", auth, nil); r.Status != http.StatusOK {
				t.Fatalf("call %d: %s", i+1, r)
			}
			a.clock.Advance(150 * time.Millisecond)
		}
		wantLimited(t, b.do("GET", "/api/v1/tenant", auth, nil), "30")

		// The penalty holds on both instances, each telling the time left.
		a.clock.Advance(10 * time.Second)
		wantLimited(t, a.do("GET", "/api/v1/tenant", auth, nil), "20")
		wantLimited(t, b.do("GET", "/api/v1/tenant", auth, nil), "20")
		a.clock.Advance(19*time.Second + 500*time.Millisecond)
		wantLimited(t, b.do("GET", "/api/v1/tenant", auth, nil), "1")
		wantLimited(t, a.do("GET", "/api/v1/tenant", auth, nil), "1")

		// Once it ends, both serve the credential again, five a second.
		a.clock.Advance(500 * time.Millisecond)
		for i := range 10 {
			if r := both[i%2].do("GET", "/api/v1/tenant", auth, nil); r.Status != http.StatusOK {
				t.Fatalf("call %d after the penalty: %s", i+1, r)
			}
			a.clock.Advance(201 * time.Millisecond)
		}
		a.clock.Advance(time.Minute)
	}
}
