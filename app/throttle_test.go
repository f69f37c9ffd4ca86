package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestThrottleMemoryIsBounded floods the throttle with more distinct keys
// than it keeps, some of them huge: it stays within maxThrottleEntries
// entries with keys of bounded size, and a key it still holds keeps
// counting.
func TestThrottleMemoryIsBounded(t *testing.T) {
	var th throttle
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	huge := strings.Repeat("x", 1<<16)
	for i := range maxThrottleEntries + 5_000 {
		name := "account:" + strconv.Itoa(i)
		if i%1000 == 0 {
			name += huge
		}
		th.reserve(context.Background(), now, time.Hour, throttleKey{name, 5})
	}
	if n := len(th.entries); n > maxThrottleEntries {
		t.Fatalf("%d entries, want at most %d", n, maxThrottleEntries)
	}
	for k := range th.entries {
		if len(k) > 100 {
			t.Fatalf("an entry's key is %d bytes", len(k))
		}
	}
	// Ended windows are swept before anything live is dropped.
	later := now.Add(2 * time.Hour)
	for range 5 {
		th.reserve(context.Background(), later, time.Hour, throttleKey{"address:192.0.2.1", 5})
	}
	if wait := th.reserve(context.Background(), later, time.Hour, throttleKey{"address:192.0.2.1", 5}); wait != time.Hour {
		t.Errorf("sixth failure: wait %v, want the rest of the window (1h)", wait)
	}
	if n := len(th.entries); n != 1 {
		t.Errorf("%d entries after the windows ended, want 1", n)
	}
}
