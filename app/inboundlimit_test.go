package app

import (
	"strconv"
	"testing"
	"time"
)

// TestInboundFailureBudgetMemoryIsBounded floods a failure budget with
// distinct keys: it never tracks more than its maximum, and a key still
// within its window keeps its spent budget unless crowded out.
func TestInboundFailureBudgetMemoryIsBounded(t *testing.T) {
	var fb failureBudget
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	const max = 100
	for i := range 2 {
		if ok, _ := fb.take("victim", 2, max, now); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if ok, wait := fb.take("victim", 2, max, now); ok || wait != 30*time.Second {
		t.Fatalf("third take: %v, %v; want refused for 30s", ok, wait)
	}
	for i := range 100_000 {
		fb.take("k"+strconv.Itoa(i), 2, max, now.Add(time.Duration(i)*time.Millisecond))
		if n := fb.len(); n > max {
			t.Fatalf("after %d keys, %d are tracked", i+1, n)
		}
	}
	// Refilled buckets are swept first: a minute later, new keys find room
	// without crowding out the others.
	later := now.Add(100*time.Second + time.Minute)
	fb.take("fresh", 2, max, later)
	if n := fb.len(); n > max {
		t.Fatalf("%d tracked", n)
	}
}

func TestSourceKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":             "203.0.113.7",
		"::ffff:203.0.113.7":      "203.0.113.7",
		"2001:db8:1:2:3:4:5:6":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:4:5:6": "2001:db8:1:2::/64",
		"not an address":          "not an address",
	} {
		if got := sourceKey(in); got != want {
			t.Errorf("sourceKey(%q) = %q, want %q", in, got, want)
		}
	}
}
