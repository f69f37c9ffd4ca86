package app

import (
	"net"
	"sync"
	"time"
)

// Defaults of InboundLimits.
const (
	DefaultInboundSourceFailures = 20
	DefaultInboundTenantFailures = 60
	DefaultInboundLogMaxCalls    = 10_000
	DefaultInboundLogMaxBytes    = 64 << 20
	// DefaultInboundTrackedKeys is how many addresses, and how many tenant
	// slugs, the failure limits track at most.
	DefaultInboundTrackedKeys = 10_000
)

// InboundLimits bound what calls of the inbound webhooks that fail
// authentication, and the inbound log, may cost. A zero field takes its
// default; a negative one lifts its limit.
type InboundLimits struct {
	// SourceFailures is how many calls failing authentication one address
	// (an IPv4 address, or an IPv6 /64) may make per minute: a token bucket
	// of that many, refilled evenly over a minute. Once it is empty, calls
	// from that address are answered 429, with Retry-After, before their
	// credentials are checked, and are not logged. Default 20.
	SourceFailures int
	// TenantFailures is the same budget per tenant slug of the URL, from
	// all addresses together: once it is empty, calls to that slug that
	// fail authentication are answered 429 and not logged, while calls
	// with a valid credential still go through. Default 60.
	TenantFailures int
	// LogMaxCalls is how many calls a tenant's inbound log keeps, the
	// newest. Default 10,000.
	LogMaxCalls int
	// LogMaxBytes is how many bytes (bodies, headers, paths and problems)
	// a tenant's inbound log keeps, the newest calls. Default 64 MiB.
	LogMaxBytes int64
	// TrackedKeys bounds the memory of the failure limits: how many
	// addresses, and how many slugs, each tracks; past it, the fullest
	// budgets are forgotten first. Default 10,000.
	TrackedKeys int
}

// withDefaults returns l with its zero fields set to their defaults.
func (l InboundLimits) withDefaults() InboundLimits {
	if l.SourceFailures == 0 {
		l.SourceFailures = DefaultInboundSourceFailures
	}
	if l.TenantFailures == 0 {
		l.TenantFailures = DefaultInboundTenantFailures
	}
	if l.LogMaxCalls == 0 {
		l.LogMaxCalls = DefaultInboundLogMaxCalls
	}
	if l.LogMaxBytes == 0 {
		l.LogMaxBytes = DefaultInboundLogMaxBytes
	}
	if l.TrackedKeys <= 0 {
		l.TrackedKeys = DefaultInboundTrackedKeys
	}
	return l
}

// failureBudget is a token bucket per key (an address, a slug), in memory,
// safe for concurrent use. A key whose bucket is full is not tracked: at
// most max keys are, and when a new one comes past that, the buckets that
// have refilled are swept out (at most once a second), else an arbitrary
// one is forgotten, which only gives that key its full budget back.
type failureBudget struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// level returns the tokens of b at now with perMinute refilling, at most
// perMinute.
func (b *bucket) level(perMinute int, now time.Time) float64 {
	t := b.tokens + now.Sub(b.at).Minutes()*float64(perMinute)
	return min(t, float64(perMinute))
}

// waitFor returns how long a bucket at level tokens waits for a whole one.
func waitFor(tokens float64, perMinute int) time.Duration {
	return time.Duration((1 - tokens) / float64(perMinute) * float64(time.Minute))
}

// wait returns how long key must wait before a failure would be allowed,
// 0 if one would be now.
func (fb *failureBudget) wait(key string, perMinute int, now time.Time) time.Duration {
	if perMinute < 0 {
		return 0
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	b := fb.buckets[key]
	if b == nil {
		return 0
	}
	if t := b.level(perMinute, now); t < 1 {
		return waitFor(t, perMinute)
	}
	return 0
}

// take spends one failure of key's budget at now. It reports false, and
// how long to wait, when the budget is spent.
func (fb *failureBudget) take(key string, perMinute, max int, now time.Time) (bool, time.Duration) {
	if perMinute < 0 {
		return true, 0
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	b := fb.buckets[key]
	if b == nil {
		if fb.buckets == nil {
			fb.buckets = map[string]*bucket{}
		}
		if len(fb.buckets) >= max {
			fb.makeRoom(perMinute, max, now)
		}
		b = &bucket{tokens: float64(perMinute), at: now}
		fb.buckets[key] = b
	}
	t := b.level(perMinute, now)
	if t < 1 {
		return false, waitFor(t, perMinute)
	}
	b.tokens, b.at = t-1, now
	return true, 0
}

// makeRoom brings the tracked keys under max; fb.mu is held.
func (fb *failureBudget) makeRoom(perMinute, max int, now time.Time) {
	if now.Sub(fb.swept) >= time.Second {
		fb.swept = now
		for k, b := range fb.buckets {
			if b.level(perMinute, now) >= float64(perMinute) {
				delete(fb.buckets, k)
			}
		}
	}
	for k := range fb.buckets {
		if len(fb.buckets) < max {
			break
		}
		delete(fb.buckets, k)
	}
}

// len returns how many keys are tracked.
func (fb *failureBudget) len() int {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return len(fb.buckets)
}

// sourceKey returns the key an address's failures count under: IPv6
// addresses by their /64, as one host commonly holds a whole /64.
func sourceKey(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		if len(addr) > 64 {
			addr = addr[:64]
		}
		return addr
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// slugKey returns the key a tenant slug's failures count under; slugs too
// long to exist share one.
func slugKey(slug string) string {
	if len(slug) > 63 {
		return "/too-long"
	}
	return slug
}
