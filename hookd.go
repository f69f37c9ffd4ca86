// Package hookd holds the domain of hookd, a self-hosted webhooks and
// integration platform: tenants, credentials, and the interfaces of the stores
// that keep them. It depends on the standard library only; adapters (SQL,
// HTTP, delivery) live in their own packages and point inward to this one.
package hookd

import (
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Version is the version of hookd, set at build time with
// -ldflags "-X github.com/hookd/hookd.Version=…".
var Version = "0.1.0-dev"

// Clock tells the time. Every piece of hookd that needs "now" takes a Clock,
// so tests can move time instead of sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the Clock of the real world, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ManualClock is a Clock that only moves when told to. Its zero value starts at
// the zero time; use NewManualClock for a useful start. It is safe for
// concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t.UTC()} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC()
}

// ID prefixes name the type of the thing an ID belongs to.
const (
	PrefixTenant         = "ten"
	PrefixConsoleUser    = "usr"
	PrefixAccessToken    = "tok"
	PrefixServiceAccount = "sva"
	PrefixOAuthClient    = "oac"
)

// NewID returns a new time-ordered ID (UUIDv7) with the given type prefix,
// such as "ten_0193c0ffee…". IDs sort by creation time.
func NewID(prefix string) string {
	u, err := uuid.NewV7()
	if err != nil {
		// uuid.NewV7 fails only when the system's random source does.
		panic("hookd: cannot generate an id: " + err.Error())
	}
	return prefix + "_" + strings.ReplaceAll(u.String(), "-", "")
}

// HasPrefix reports whether id carries the given type prefix.
func HasPrefix(id, prefix string) bool { return strings.HasPrefix(id, prefix+"_") }
