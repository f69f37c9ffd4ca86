package hookd

import (
	"context"
	"time"
)

// LimitStore keeps the counts behind the request rate limit and the
// failure throttles (console sign-ins, HTTP Basic, OAuth client
// authentication) where every instance sharing the database sees them, so
// that a limit holds across instances rather than per process. A store for
// a single process (SQLite) need not have one: its limits stay in memory.
type LimitStore interface {
	// HitRateLimit counts one request by key at now against a sliding
	// window: the request is allowed when fewer than limit requests of key
	// were allowed in (now-window, now], and key is not in a penalty. The
	// request that finds limit allowed requests in the window starts a
	// penalty that ends at now+penalty, during which every request of key
	// is refused (and not counted). It returns the end of the penalty when
	// the request is refused, and the zero time when it is allowed. The
	// check and the count are one atomic step, so racing requests from
	// several instances never let more than limit through. limit must be
	// at least 1.
	HitRateLimit(ctx context.Context, key string, limit int, window, penalty time.Duration, now time.Time) (blockedUntil time.Time, err error)

	// ReserveFailures counts, as one atomic step, a failure of each key at
	// now, unless one of the keys already has its Limit failures in its
	// current window: then nothing is counted and it returns how long the
	// first of those windows still lasts. A key's window starts at its
	// first failure after the previous window ended and lasts window. A
	// key with Limit 0 or less is counted but never refuses.
	ReserveFailures(ctx context.Context, now time.Time, window time.Duration, keys ...FailureKey) (wait time.Duration, err error)
	// ReleaseFailure gives back one failure of key that ReserveFailures
	// counted (the attempt succeeded).
	ReleaseFailure(ctx context.Context, key string) error
	// ResetFailures forgets every failure of key.
	ResetFailures(ctx context.Context, key string) error

	// PruneLimits deletes the rate-limit windows, penalties and failure
	// windows that have ended by now, and returns how many it deleted.
	PruneLimits(ctx context.Context, now time.Time) (int64, error)
}

// FailureKey is one key an attempt counts a failure against (an account,
// an address), with how many failures it may have in one window.
type FailureKey struct {
	Name  string
	Limit int
}
