package hookd_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestRateCoolDown checks the cool-down of a rate slot: 1 s over the
// requests each slot may carry a second, floor(limit/burst), so the slots
// together never carry more than the limit.
func TestRateCoolDown(t *testing.T) {
	for _, c := range []struct {
		limit, burst int
		burstUsed    int
		coolDown     time.Duration
	}{
		{0, 0, 0, 0},
		{20, 0, 20, time.Second},
		{20, 20, 20, time.Second},
		{20, 1, 1, 50 * time.Millisecond},
		{10, 3, 3, time.Second / 3},       // 3 slots × 3 a second: 9 ≤ 10
		{20, 30, 20, time.Second},         // a burst over the limit is the limit
		{10000, 7, 7, time.Second / 1428}, // 7 × floor(10000/7) = 9,996 ≤ 10,000
	} {
		e := &hookd.Endpoint{RateLimit: c.limit, RateLimitBurst: c.burst}
		if got := e.RateBurst(); got != c.burstUsed {
			t.Errorf("limit %d, burst %d: RateBurst %d, want %d", c.limit, c.burst, got, c.burstUsed)
		}
		got := e.RateCoolDown()
		if got != c.coolDown {
			t.Errorf("limit %d, burst %d: cool-down %v, want %v", c.limit, c.burst, got, c.coolDown)
		}
		if c.limit > 0 {
			if perSecond := c.burstUsed * int(time.Second/got); perSecond > c.limit {
				t.Errorf("limit %d, burst %d: the slots carry %d a second", c.limit, c.burst, perSecond)
			}
		}
	}
}
