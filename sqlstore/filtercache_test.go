package sqlstore

import (
	"fmt"
	"testing"

	"github.com/hookd/hookd"
)

// TestFilterCache checks that a stored filter is parsed once and shared,
// that the cache stays bounded, and that a bad stored filter is an error
// every time.
func TestFilterCache(t *testing.T) {
	c := &filterCache{parsed: map[string]*hookd.Filter{}}
	raw := `{"data.amount":{"$gte":100}}`
	a, errs := c.parse(raw)
	if errs != nil || a == nil {
		t.Fatalf("parse: %v", errs)
	}
	b, _ := c.parse(raw)
	if a != b {
		t.Error("the same stored filter was parsed twice")
	}
	if a.String() != raw {
		t.Errorf("parsed filter %s, want %s", a, raw)
	}
	for i := range 3 * maxCachedFilters {
		if _, errs := c.parse(fmt.Sprintf(`{"data.n":{"$eq":%d}}`, i)); errs != nil {
			t.Fatal(errs)
		}
		if len(c.parsed) > maxCachedFilters {
			t.Fatalf("%d filters cached, at most %d allowed", len(c.parsed), maxCachedFilters)
		}
	}
	for range 2 {
		if f, errs := c.parse(`{"data.n":{"$nope":1}}`); errs == nil || f != nil {
			t.Fatalf("bad stored filter: %v, %v; want an error", f, errs)
		}
	}
}
