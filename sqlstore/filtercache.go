package sqlstore

import (
	"sync"

	"github.com/hookd/hookd"
)

// storedFilters caches the parsed payload filters of endpoints read back,
// by their stored JSON: every publish reads its tenant's subscribed
// endpoints, and parsing a typical filter costs about 50 times what
// evaluating it does (docs/performance.md). A parsed hookd.Filter is
// immutable, so endpoints with the same filter share one. The cache is
// bounded: when full it is emptied and refilled by the reads that follow.
var storedFilters = &filterCache{parsed: map[string]*hookd.Filter{}}

// maxCachedFilters bounds storedFilters: at most this many filters of at
// most hookd.MaxFilterBytes each.
const maxCachedFilters = 1024

type filterCache struct {
	mu     sync.Mutex
	parsed map[string]*hookd.Filter
}

// parse returns the filter stored as raw, parsed once; an error is not
// cached (a stored filter was valid when saved, so there is none).
func (c *filterCache) parse(raw string) (*hookd.Filter, []hookd.FieldError) {
	c.mu.Lock()
	f, ok := c.parsed[raw]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, errs := hookd.ParseFilter([]byte(raw), "filter")
	if errs != nil {
		return nil, errs
	}
	c.mu.Lock()
	if len(c.parsed) >= maxCachedFilters {
		clear(c.parsed)
	}
	c.parsed[raw] = f
	c.mu.Unlock()
	return f, nil
}
