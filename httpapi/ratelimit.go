package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// RateLimiter limits requests per credential: a credential may make at most
// its limit of requests in any one-second window (a sliding window, so the
// sixth request within one second is refused however the five before it were
// spread). The first request past the limit locks the credential out for the
// Penalty, during which every request is refused (and not counted).
//
// Without Shared the windows are kept in memory, per process: right for
// one process (SQLite). With Shared (PostgreSQL) every instance counts in
// the same windows, so the limit holds whichever instance each request
// reaches; see Shared for what that costs.
//
// A token bucket (golang.org/x/time/rate) would let a sixth request through
// within one second once a token had refilled; the product rule is "5
// requests per second", so an exact window is kept instead. For the same
// reason instances do not split the budget into local buckets: with
// requests alternating between instances, any local share either lets
// more than the limit through in a second or refuses below it.
type RateLimiter struct {
	// Clock tells the time; tests move it instead of sleeping. With Shared,
	// the instances' clocks are compared, so keep them synchronized (NTP):
	// a skew of d moves a window's edge by d.
	Clock hookd.Clock
	// Default is the requests per second for plans without their own limit;
	// 0 means no limit.
	Default int
	// PerPlan overrides Default for the plans it names; 0 means no limit.
	PerPlan map[hookd.Plan]int
	// Penalty is how long a credential stays limited once over. Defaults to
	// 30 seconds.
	Penalty time.Duration
	// Shared, when set, keeps the windows and penalties where every
	// instance sees them. Each request of a limited credential then costs
	// one statement (one round trip) on Shared, except that once Shared has
	// refused a credential, this instance refuses it without asking until
	// the penalty ends: a credential flooding the API costs at most its
	// limit of statements a second, plus one per instance per penalty.
	// Requests on plans without a limit never reach it. When Shared fails,
	// the request is counted in this process's own window instead (the
	// limit then holds per instance) and the failure logged, at most once
	// a minute.
	Shared SharedRateLimit
	// Log receives the failures of Shared; nil discards them.
	Log *slog.Logger

	mu         sync.Mutex
	entries    map[string]*limitEntry // windows counted here: no Shared, or Shared failing
	blocked    map[string]time.Time   // the penalties Shared reported, by credential
	sweep      time.Time
	lastFailed time.Time // when a failure of Shared was last logged
}

// SharedRateLimit keeps rate-limit windows for every instance:
// hookd.LimitStore's HitRateLimit.
type SharedRateLimit interface {
	HitRateLimit(ctx context.Context, key string, limit int, window, penalty time.Duration, now time.Time) (blockedUntil time.Time, err error)
}

// rateWindow is the span the limit counts requests in.
const rateWindow = time.Second

type limitEntry struct {
	recent       []time.Time // times of the last requests, oldest first, at most limit
	blockedUntil time.Time
}

// LimitFor returns the requests per second allowed on plan; 0 means no limit.
// A nil RateLimiter limits nothing.
func (l *RateLimiter) LimitFor(plan hookd.Plan) int {
	if l == nil {
		return 0
	}
	if v, ok := l.PerPlan[plan]; ok {
		return v
	}
	return l.Default
}

// Allow reports whether one more request by credential (on plan) may go
// ahead. When it may not, it also returns how long the caller must wait. A
// nil RateLimiter allows everything.
func (l *RateLimiter) Allow(ctx context.Context, credential string, plan hookd.Plan) (bool, time.Duration) {
	limit := l.LimitFor(plan)
	if limit <= 0 {
		return true, 0
	}
	penalty := l.Penalty
	if penalty == 0 {
		penalty = 30 * time.Second
	}
	now := l.Clock.Now()
	if l.Shared == nil {
		return l.allowHere(credential, limit, penalty, now)
	}

	l.mu.Lock()
	l.forgetIdle(now)
	until, known := l.blocked[credential]
	l.mu.Unlock()
	if known && now.Before(until) {
		return false, until.Sub(now)
	}
	until, err := l.Shared.HitRateLimit(ctx, credential, limit, rateWindow, penalty, now)
	if err != nil {
		l.sharedFailed(ctx, now, err)
		return l.allowHere(credential, limit, penalty, now)
	}
	if until.IsZero() {
		return true, 0
	}
	l.mu.Lock()
	if l.blocked == nil {
		l.blocked = make(map[string]time.Time)
	}
	l.blocked[credential] = until
	l.mu.Unlock()
	return false, until.Sub(now)
}

// allowHere is Allow on this process's own windows.
func (l *RateLimiter) allowHere(credential string, limit int, penalty time.Duration, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = make(map[string]*limitEntry)
	}
	l.forgetIdle(now)
	e := l.entries[credential]
	if e == nil {
		e = &limitEntry{}
		l.entries[credential] = e
	}
	if now.Before(e.blockedUntil) {
		return false, e.blockedUntil.Sub(now)
	}
	windowStart := now.Add(-rateWindow)
	drop := 0
	for drop < len(e.recent) && !e.recent[drop].After(windowStart) {
		drop++
	}
	e.recent = e.recent[drop:]
	if len(e.recent) >= limit {
		e.blockedUntil = now.Add(penalty)
		e.recent = e.recent[:0]
		return false, penalty
	}
	e.recent = append(e.recent, now)
	return true, 0
}

// sharedFailed logs a failure of Shared, at most once a minute.
func (l *RateLimiter) sharedFailed(ctx context.Context, now time.Time, err error) {
	if ctx.Err() != nil || l.Log == nil {
		return // the client went away, or nobody listens
	}
	l.mu.Lock()
	quiet := !l.lastFailed.IsZero() && now.Sub(l.lastFailed) < time.Minute
	if !quiet {
		l.lastFailed = now
	}
	l.mu.Unlock()
	if !quiet {
		l.Log.WarnContext(ctx, "the shared rate limit failed; counting in this instance only", "err", err)
	}
}

// forgetIdle drops, at most once a minute, entries with no request in the
// last second and no lock-out, and penalties that have ended, so the maps
// do not grow without end. l.mu is held.
func (l *RateLimiter) forgetIdle(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, e := range l.entries {
		idle := len(e.recent) == 0 || now.Sub(e.recent[len(e.recent)-1]) > rateWindow
		if idle && !now.Before(e.blockedUntil) {
			delete(l.entries, k)
		}
	}
	for k, until := range l.blocked {
		if !now.Before(until) {
			delete(l.blocked, k)
		}
	}
}
