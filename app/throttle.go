package app

import (
	"sync"
	"time"
)

// throttle counts failures per key (an account, an address) in fixed
// windows: once a key has failed limit times within window of its first
// failure, it is refused until that window ends. It is kept in memory, per
// process, and safe for concurrent use.
type throttle struct {
	mu      sync.Mutex
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	ends     time.Time // the end of the window the failures count in
}

// maxThrottleEntries bounds the memory a flood of distinct keys can take:
// past it, ended windows are swept out before a new key is added.
const maxThrottleEntries = 100_000

// wait returns how long key is still refused at now, or 0 if it may try.
func (th *throttle) wait(key string, limit int, now time.Time) time.Duration {
	th.mu.Lock()
	defer th.mu.Unlock()
	e := th.entries[key]
	if e == nil || !now.Before(e.ends) || e.failures < limit {
		return 0
	}
	return e.ends.Sub(now)
}

// fail records a failure of key at now.
func (th *throttle) fail(key string, window time.Duration, now time.Time) {
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.entries == nil {
		th.entries = map[string]*throttleEntry{}
	}
	e := th.entries[key]
	if e == nil || !now.Before(e.ends) {
		if e == nil && len(th.entries) >= maxThrottleEntries {
			th.sweep(now)
		}
		e = &throttleEntry{ends: now.Add(window)}
		th.entries[key] = e
	}
	e.failures++
}

// reset forgets the failures of key.
func (th *throttle) reset(key string) {
	th.mu.Lock()
	defer th.mu.Unlock()
	delete(th.entries, key)
}

// sweep drops the entries whose window has ended; th.mu is held.
func (th *throttle) sweep(now time.Time) {
	for k, e := range th.entries {
		if !now.Before(e.ends) {
			delete(th.entries, k)
		}
	}
}
