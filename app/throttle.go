package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// throttle counts failures per key (an account, an address) in fixed
// windows: once a key has failed limit times within window of its first
// failure, it is refused until that window ends. An attempt reserves its
// failure before the password is checked, under one lock for all its keys,
// so that parallel attempts cannot all pass the check before any of them
// fails; a success gives the reservation back. It is safe for concurrent
// use.
//
// Without a shared store the counts are kept in memory, per process,
// bounded in size. With one (App.ShareLimits: PostgreSQL) they are kept
// there, under the throttle's name, and hold across every instance; should
// the store fail, the attempt is counted in memory instead and the failure
// logged.
type throttle struct {
	name   string           // prefixes the keys in shared
	shared hookd.LimitStore // nil: in memory
	log    *slog.Logger

	mu        sync.Mutex
	entries   map[string]*throttleEntry
	nextSweep time.Time
}

// ShareLimits makes the failure throttles (console sign-ins, HTTP Basic,
// OAuth client authentication) keep their counts in store, which every
// instance using the same database shares, so that LoginAccountLimit,
// LoginAddressLimit, BasicAccountLimit and BasicAddressLimit hold across
// instances rather than per process. Call it before use; without it the
// counts are kept in memory (right for one process, as on SQLite).
func (a *App) ShareLimits(store hookd.LimitStore) {
	a.logins.share("login", store, a.Log)
	a.basicFailures.share("basic", store, a.Log)
}

// PruneLimits deletes the shared limits' rows whose windows and penalties
// have ended (see ShareLimits), keeping their tables as small as the keys
// active within a window; without shared limits it does nothing. Run it
// about once a minute.
func (a *App) PruneLimits(ctx context.Context) (int64, error) {
	if a.logins.shared == nil {
		return 0, nil
	}
	return a.logins.shared.PruneLimits(ctx, a.now())
}

// share makes th keep its counts in store, under name.
func (th *throttle) share(name string, store hookd.LimitStore, log *slog.Logger) {
	th.name, th.shared, th.log = name, store, log
}

// sharedFailed logs a failure of the shared store.
func (th *throttle) sharedFailed(ctx context.Context, op string, err error) {
	if th.log != nil && ctx.Err() == nil {
		th.log.WarnContext(ctx, "the shared failure count failed; counting in this instance", "throttle", th.name, "op", op, "err", err)
	}
}

// sharedKey is key's name in the shared store.
func (th *throttle) sharedKey(key string) string { return th.name + ":" + entryKey(key) }

type throttleEntry struct {
	failures int
	ends     time.Time // the end of the window the failures count in
}

// throttleKey is one key an attempt counts against, with its limit.
type throttleKey struct {
	name  string
	limit int
}

// maxThrottleEntries bounds the memory a flood of distinct keys can take
// (each entry is well under 200 bytes): past it, ended windows are swept
// out (at most once a minute) and, if that is not enough, an arbitrary
// entry is dropped for each new one.
const maxThrottleEntries = 100_000

// reserve counts a failure of each key at now, unless one of them has
// already reached its limit: then it counts nothing and returns how long
// the attempt is still refused. A key with limit 0 or less is not limited
// but still counted.
func (th *throttle) reserve(ctx context.Context, now time.Time, window time.Duration, keys ...throttleKey) time.Duration {
	if th.shared != nil {
		fk := make([]hookd.FailureKey, len(keys))
		for i, k := range keys {
			fk[i] = hookd.FailureKey{Name: th.sharedKey(k.name), Limit: k.limit}
		}
		wait, err := th.shared.ReserveFailures(ctx, now, window, fk...)
		if err == nil {
			return wait
		}
		th.sharedFailed(ctx, "reserve", err)
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		e := th.entries[entryKey(k.name)]
		if e != nil && now.Before(e.ends) && k.limit > 0 && e.failures >= k.limit {
			wait = max(wait, e.ends.Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		th.add(entryKey(k.name), window, now)
	}
	return 0
}

// add records a failure of key at now; th.mu is held.
func (th *throttle) add(key string, window time.Duration, now time.Time) {
	if th.entries == nil {
		th.entries = map[string]*throttleEntry{}
	}
	e := th.entries[key]
	if e == nil || !now.Before(e.ends) {
		if e == nil && len(th.entries) >= maxThrottleEntries {
			th.makeRoom(now)
		}
		e = &throttleEntry{ends: now.Add(window)}
		th.entries[key] = e
	}
	e.failures++
}

// release gives back one reserved failure of key: the attempt succeeded.
func (th *throttle) release(ctx context.Context, key string) {
	if th.shared != nil {
		if err := th.shared.ReleaseFailure(ctx, th.sharedKey(key)); err != nil {
			th.sharedFailed(ctx, "release", err)
		}
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if e := th.entries[entryKey(key)]; e != nil && e.failures > 0 {
		e.failures--
	}
}

// reset forgets the failures of key.
func (th *throttle) reset(ctx context.Context, key string) {
	if th.shared != nil {
		if err := th.shared.ResetFailures(ctx, th.sharedKey(key)); err != nil {
			th.sharedFailed(ctx, "reset", err)
		}
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	delete(th.entries, entryKey(key))
}

// entryKey is the map key of a throttle key: the key itself when short, its
// SHA-256 when long (an email is whatever the client sent), so that each
// entry takes a bounded amount of memory.
func entryKey(key string) string {
	if len(key) <= sha256.Size*2 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// makeRoom frees an entry for a new key; th.mu is held.
func (th *throttle) makeRoom(now time.Time) {
	if !now.Before(th.nextSweep) {
		th.nextSweep = now.Add(time.Minute)
		for k, e := range th.entries {
			if !now.Before(e.ends) {
				delete(th.entries, k)
			}
		}
	}
	for k := range th.entries {
		if len(th.entries) < maxThrottleEntries {
			return
		}
		delete(th.entries, k)
	}
}

// addressKey returns the throttle key of a client address: the address
// itself for IPv4, its /64 network for IPv6 (one host usually has a whole
// /64), and the text as given when it is not an IP address.
func addressKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "address:" + ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "address:" + p.String()
	}
	return "address:" + addr.String()
}
