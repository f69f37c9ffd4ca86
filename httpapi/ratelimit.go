package httpapi

import (
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// RateLimiter limits requests per credential: a credential may make at most
// its limit of requests in any one-second window (a sliding window, so the
// sixth request within one second is refused however the five before it were
// spread). The first request past the limit locks the credential out for the
// Penalty, during which every request is refused. It is in memory: with
// several hookd instances, each counts its own requests.
//
// A token bucket (golang.org/x/time/rate) would let a sixth request through
// within one second once a token had refilled; the product rule is "5
// requests per second", so an exact window is kept instead.
type RateLimiter struct {
	// Clock tells the time; tests move it instead of sleeping.
	Clock hookd.Clock
	// Default is the requests per second for plans without their own limit;
	// 0 means no limit.
	Default int
	// PerPlan overrides Default for the plans it names; 0 means no limit.
	PerPlan map[hookd.Plan]int
	// Penalty is how long a credential stays limited once over. Defaults to
	// 30 seconds.
	Penalty time.Duration

	mu      sync.Mutex
	entries map[string]*limitEntry
	sweep   time.Time
}

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
func (l *RateLimiter) Allow(credential string, plan hookd.Plan) (bool, time.Duration) {
	limit := l.LimitFor(plan)
	if limit <= 0 {
		return true, 0
	}
	penalty := l.Penalty
	if penalty == 0 {
		penalty = 30 * time.Second
	}
	now := l.Clock.Now()

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
	windowStart := now.Add(-time.Second)
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

// forgetIdle drops, at most once a minute, entries with no request in the
// last second and no lock-out, so the map does not grow without end.
func (l *RateLimiter) forgetIdle(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, e := range l.entries {
		idle := len(e.recent) == 0 || now.Sub(e.recent[len(e.recent)-1]) > time.Second
		if idle && !now.Before(e.blockedUntil) {
			delete(l.entries, k)
		}
	}
}
