package storetest

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// newConsoleUser stores a tenant with the given slug and its first console
// user with the given email, and returns both.
func newConsoleUser(t *testing.T, s hookd.Store, slug, email string, created time.Time) (*hookd.Tenant, *hookd.ConsoleUser) {
	t.Helper()
	tn := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: slug, Name: slug, Plan: hookd.PlanPlatinum, CreatedAt: created}
	u := &hookd.ConsoleUser{ID: hookd.NewID(hookd.PrefixConsoleUser), Email: email, PasswordHash: "hash-" + slug, CreatedAt: created}
	if err := s.CreateTenant(t.Context(), tn, u); err != nil {
		t.Fatalf("CreateTenant(%s): %v", slug, err)
	}
	return tn, u
}

// newSession stores a session of u (the operator's when u is nil) whose token
// hashes from seed, ending at expires.
func newSession(t *testing.T, s hookd.Store, u *hookd.ConsoleUser, seed string, expires time.Time) *hookd.ConsoleSession {
	t.Helper()
	cs := &hookd.ConsoleSession{
		ID:         hookd.NewID(hookd.PrefixConsoleSession),
		Hash:       hash(seed),
		CreatedAt:  t0,
		LastSeenAt: t0,
		ExpiresAt:  expires,
	}
	if u != nil {
		cs.TenantID, cs.UserID = u.TenantID, u.ID
	}
	if err := s.CreateConsoleSession(t.Context(), cs); err != nil {
		t.Fatalf("CreateConsoleSession(%s): %v", seed, err)
	}
	return cs
}

var consoleSessionTests = []storeTest{
	{"ConsoleUsers", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u1 := newConsoleUser(t, s, "a", "ada@example.com", at(time.Hour))
		_, u2 := newConsoleUser(t, s, "b", "ada@example.com", t0)
		tc, u3 := newConsoleUser(t, s, "c", "grace@example.com", t0)

		got, err := s.ConsoleUser(ctx, u1.TenantID, u1.ID)
		must(t, err)
		wantEqual(t, "ConsoleUser", got, u1)
		_, err = s.ConsoleUser(ctx, tc.ID, u1.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.ConsoleUser(ctx, u1.TenantID, hookd.NewID(hookd.PrefixConsoleUser))
		wantCode(t, err, hookd.ENOTFOUND)

		all, err := s.ConsoleUsersByEmail(ctx, "ada@example.com")
		must(t, err)
		wantEqual(t, "ConsoleUsersByEmail (oldest first)", all, []*hookd.ConsoleUser{u2, u1})
		one, err := s.ConsoleUsersByEmail(ctx, "grace@example.com")
		must(t, err)
		wantEqual(t, "ConsoleUsersByEmail", one, []*hookd.ConsoleUser{u3})
		none, err := s.ConsoleUsersByEmail(ctx, "nobody@example.com")
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("ConsoleUsersByEmail(unknown) = %s, want none", show(none))
		}
	}},
	{"RoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u := newConsoleUser(t, s, "a", "ada@example.com", t0)
		want := &hookd.ConsoleSession{
			ID:         hookd.NewID(hookd.PrefixConsoleSession),
			Hash:       hash("user session"),
			TenantID:   u.TenantID,
			UserID:     u.ID,
			CreatedAt:  at(time.Minute),
			LastSeenAt: at(time.Minute),
			ExpiresAt:  at(12 * time.Hour),
			IPAddress:  "203.0.113.7",
			UserAgent:  "Mozilla/5.0 (X11; Linux x86_64) ☃",
		}
		must(t, s.CreateConsoleSession(ctx, want))
		got, err := s.ConsoleSessionByHash(ctx, hash("user session"))
		must(t, err)
		wantEqual(t, "ConsoleSessionByHash", got, want)
		if got.IsOperator() {
			t.Fatal("a user's session says it is the operator's")
		}

		op := newSession(t, s, nil, "operator session", at(time.Hour))
		got, err = s.ConsoleSessionByHash(ctx, hash("operator session"))
		must(t, err)
		wantEqual(t, "operator session", got, op)
		if !got.IsOperator() || got.TenantID != "" || got.UserID != "" {
			t.Fatalf("operator session = %s, want no tenant and no user", show(got))
		}

		_, err = s.ConsoleSessionByHash(ctx, hash("unknown"))
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.ConsoleSessionByHash(ctx, nil)
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"Conflicts", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u := newConsoleUser(t, s, "a", "ada@example.com", t0)
		first := newSession(t, s, u, "one", at(time.Hour))
		sameHash := &hookd.ConsoleSession{ID: hookd.NewID(hookd.PrefixConsoleSession), Hash: hash("one"),
			TenantID: u.TenantID, UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: at(time.Hour)}
		wantCode(t, s.CreateConsoleSession(ctx, sameHash), hookd.ECONFLICT)
		sameID := &hookd.ConsoleSession{ID: first.ID, Hash: hash("two"),
			TenantID: u.TenantID, UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: at(time.Hour)}
		wantCode(t, s.CreateConsoleSession(ctx, sameID), hookd.ECONFLICT)
		noUser := &hookd.ConsoleSession{ID: hookd.NewID(hookd.PrefixConsoleSession), Hash: hash("three"),
			TenantID: u.TenantID, UserID: hookd.NewID(hookd.PrefixConsoleUser), CreatedAt: t0, LastSeenAt: t0, ExpiresAt: at(time.Hour)}
		wantCode(t, s.CreateConsoleSession(ctx, noUser), hookd.ENOTFOUND)
		noTenant := &hookd.ConsoleSession{ID: hookd.NewID(hookd.PrefixConsoleSession), Hash: hash("four"),
			TenantID: hookd.NewID(hookd.PrefixTenant), UserID: u.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: at(time.Hour)}
		wantCode(t, s.CreateConsoleSession(ctx, noTenant), hookd.ENOTFOUND)
	}},
	{"Touch", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u := newConsoleUser(t, s, "a", "ada@example.com", t0)
		cs := newSession(t, s, u, "s", at(time.Hour))
		for _, step := range []struct {
			at, expires        time.Time
			wantSeen, wantEnds time.Time
		}{
			{at(10 * time.Minute), at(2 * time.Hour), at(10 * time.Minute), at(2 * time.Hour)},
			// An older use (a slow request finishing late) changes nothing.
			{at(5 * time.Minute), at(90 * time.Minute), at(10 * time.Minute), at(2 * time.Hour)},
			{at(time.Hour), at(3 * time.Hour), at(time.Hour), at(3 * time.Hour)},
		} {
			must(t, s.TouchConsoleSession(ctx, cs.ID, step.at, step.expires))
			got, err := s.ConsoleSessionByHash(ctx, hash("s"))
			must(t, err)
			if !got.LastSeenAt.Equal(step.wantSeen) || !got.ExpiresAt.Equal(step.wantEnds) {
				t.Fatalf("after touch at %v: last seen %v, ends %v; want %v, %v",
					step.at, got.LastSeenAt, got.ExpiresAt, step.wantSeen, step.wantEnds)
			}
		}
		must(t, s.TouchConsoleSession(ctx, hookd.NewID(hookd.PrefixConsoleSession), t0, at(time.Hour)))
	}},
	{"Delete", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u := newConsoleUser(t, s, "a", "ada@example.com", t0)
		gone := newSession(t, s, u, "gone", at(time.Hour))
		kept := newSession(t, s, u, "kept", at(time.Hour))
		must(t, s.DeleteConsoleSession(ctx, gone.ID))
		_, err := s.ConsoleSessionByHash(ctx, hash("gone"))
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.DeleteConsoleSession(ctx, gone.ID), hookd.ENOTFOUND)
		got, err := s.ConsoleSessionByHash(ctx, hash("kept"))
		must(t, err)
		wantEqual(t, "the other session", got, kept)
	}},
	{"DeleteExpired", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		_, u := newConsoleUser(t, s, "a", "ada@example.com", t0)
		now := at(24 * time.Hour)
		var ended []*hookd.ConsoleSession
		for i, d := range []time.Duration{-5 * time.Hour, -4 * time.Hour, -time.Hour, -time.Microsecond, 0} {
			var owner *hookd.ConsoleUser
			if i%2 == 0 {
				owner = u
			}
			ended = append(ended, newSession(t, s, owner, "ended"+string(rune('a'+i)), now.Add(d)))
		}
		live := []*hookd.ConsoleSession{
			newSession(t, s, u, "live1", now.Add(time.Microsecond)),
			newSession(t, s, nil, "live2", now.Add(time.Hour)),
		}
		for _, step := range []struct{ limit, want int }{{0, 0}, {3, 3}, {10, 2}, {10, 0}} {
			n, err := s.DeleteExpiredConsoleSessions(ctx, now, step.limit)
			must(t, err)
			if n != step.want {
				t.Fatalf("DeleteExpiredConsoleSessions(limit %d) = %d, want %d", step.limit, n, step.want)
			}
		}
		for _, cs := range ended {
			if _, err := s.ConsoleSessionByHash(ctx, cs.Hash); hookd.ErrorCode(err) != hookd.ENOTFOUND {
				t.Errorf("session ending at %v: err = %v, want ENOTFOUND", cs.ExpiresAt, err)
			}
		}
		for _, cs := range live {
			if _, err := s.ConsoleSessionByHash(ctx, cs.Hash); err != nil {
				t.Errorf("session ending at %v: %v", cs.ExpiresAt, err)
			}
		}
	}},
}
