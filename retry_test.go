package hookd_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func constRand(v float64) func() float64 { return func() float64 { return v } }

func TestRetryPolicyDefaultSchedule(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p := hookd.RetryPolicy{Rand: constRand(0.5)} // 0.5 = no jitter
	tests := []struct {
		attempt int
		want    time.Duration
		ok      bool
	}{
		{0, 5 * time.Second, true}, // below 1 counts as 1
		{1, 5 * time.Second, true},
		{2, time.Minute, true},
		{3, 5 * time.Minute, true},
		{4, 30 * time.Minute, true},
		{5, 2 * time.Hour, true},
		{6, 5 * time.Hour, true},
		{7, 10 * time.Hour, true},
		{8, 10 * time.Hour, true},
		{9, 0, false},
		{100, 0, false},
	}
	for _, tt := range tests {
		got, ok := p.Next(tt.attempt, now, 0)
		if ok != tt.ok {
			t.Errorf("Next(%d) ok = %v, want %v", tt.attempt, ok, tt.ok)
			continue
		}
		if !ok {
			if !got.IsZero() {
				t.Errorf("Next(%d) = %v, want zero time", tt.attempt, got)
			}
			continue
		}
		if d := got.Sub(now); d != tt.want {
			t.Errorf("Next(%d) waits %v, want %v", tt.attempt, d, tt.want)
		}
	}
	if got, want := p.MaxAttempts(), 9; got != want {
		t.Errorf("MaxAttempts = %d, want %d", got, want)
	}
}

func TestRetryPolicyTotalIsAboutADay(t *testing.T) {
	t.Parallel()
	p := hookd.RetryPolicy{Jitter: -1}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := start
	for n := 1; ; n++ {
		next, ok := p.Next(n, at, 0)
		if !ok {
			break
		}
		at = next
	}
	if got, want := at.Sub(start), 27*time.Hour+36*time.Minute+5*time.Second; got != want {
		t.Errorf("total = %v, want %v", got, want)
	}
}

func TestRetryPolicyJitter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		p       hookd.RetryPolicy
		attempt int
		want    time.Duration
	}{
		{"low end is -10%", hookd.RetryPolicy{Rand: constRand(0)}, 2, 54 * time.Second},
		{"quarter is -5%", hookd.RetryPolicy{Rand: constRand(0.25)}, 2, 57 * time.Second},
		{"three quarters is +5%", hookd.RetryPolicy{Rand: constRand(0.75)}, 5, 2*time.Hour + 6*time.Minute},
		{"custom jitter 50%", hookd.RetryPolicy{Rand: constRand(0), Jitter: 0.5}, 1, 2500 * time.Millisecond},
		{"jitter off", hookd.RetryPolicy{Rand: constRand(0), Jitter: -1}, 1, 5 * time.Second},
		{"broken source means no jitter", hookd.RetryPolicy{Rand: constRand(1)}, 1, 5 * time.Second},
	}
	for _, tt := range tests {
		got, ok := tt.p.Next(tt.attempt, now, 0)
		if !ok || got.Sub(now) != tt.want {
			t.Errorf("%s: Next(%d) = %v, %v; want wait %v", tt.name, tt.attempt, got.Sub(now), ok, tt.want)
		}
	}
}

func TestRetryPolicyJitterBounds(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var p hookd.RetryPolicy // real random source
	for range 1000 {
		got, ok := p.Next(4, now, 0)
		d := got.Sub(now)
		if !ok || d < 27*time.Minute || d >= 33*time.Minute {
			t.Fatalf("Next(4) waits %v, want within 30 min ±10%%", d)
		}
	}
}

func TestRetryPolicyRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := hookd.RetryPolicy{Rand: constRand(0.5)}
	tests := []struct {
		name       string
		attempt    int
		retryAfter time.Duration
		want       time.Duration
		ok         bool
	}{
		{"longer than schedule wins", 1, 2 * time.Minute, 2 * time.Minute, true},
		{"shorter than schedule is ignored", 3, 30 * time.Second, 5 * time.Minute, true},
		{"capped at 24h", 1, 72 * time.Hour, 24 * time.Hour, true},
		{"negative ignored", 1, -time.Hour, 5 * time.Second, true},
		{"no retries left despite Retry-After", 9, time.Minute, 0, false},
	}
	for _, tt := range tests {
		got, ok := p.Next(tt.attempt, now, tt.retryAfter)
		if ok != tt.ok || (ok && got.Sub(now) != tt.want) {
			t.Errorf("%s: Next(%d, %v) = %v, %v; want %v, %v", tt.name, tt.attempt, tt.retryAfter, got.Sub(now), ok, tt.want, tt.ok)
		}
	}
	capped := hookd.RetryPolicy{Rand: constRand(0.5), MaxRetryAfter: time.Hour}
	if got, _ := capped.Next(1, now, 3*time.Hour); got.Sub(now) != time.Hour {
		t.Errorf("MaxRetryAfter 1h: wait %v, want 1h", got.Sub(now))
	}
}

func TestRetryPolicyCustomSchedule(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := hookd.RetryPolicy{Schedule: []time.Duration{time.Second, 2 * time.Second}, Jitter: -1}
	if got, ok := p.Next(2, now, 0); !ok || got.Sub(now) != 2*time.Second {
		t.Errorf("Next(2) = %v, %v", got.Sub(now), ok)
	}
	if _, ok := p.Next(3, now, 0); ok {
		t.Error("Next(3) ok, want no retries left")
	}
	none := hookd.RetryPolicy{Schedule: []time.Duration{}}
	if _, ok := none.Next(1, now, 0); ok || none.MaxAttempts() != 1 {
		t.Error("empty schedule: want a single attempt and no retries")
	}
}

func TestAttemptOutcome(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := hookd.RetryPolicy{Jitter: -1}
	last := p.MaxAttempts()
	const id = "dlv_1"
	tests := []struct {
		name string
		r    hookd.AttemptResult
		want hookd.Outcome
	}{
		{"200", hookd.AttemptResult{Attempt: 1, Status: 200},
			hookd.Outcome{State: hookd.DeliverySucceeded, RunAt: now}},
		{"204 on the last attempt", hookd.AttemptResult{Attempt: last, Status: 204},
			hookd.Outcome{State: hookd.DeliverySucceeded, RunAt: now}},
		{"299", hookd.AttemptResult{Attempt: 3, Status: 299},
			hookd.Outcome{State: hookd.DeliverySucceeded, RunAt: now}},
		{"410 disables at once", hookd.AttemptResult{Attempt: 1, Status: 410},
			hookd.Outcome{State: hookd.DeliveryHeld, RunAt: now, DisableReason: hookd.GoneReason}},
		{"301 is retried: redirects are not followed", hookd.AttemptResult{Attempt: 1, Status: 301},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Second)}},
		{"302 on attempt 2", hookd.AttemptResult{Attempt: 2, Status: 302},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(time.Minute)}},
		{"400 is retried", hookd.AttemptResult{Attempt: 1, Status: 400},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Second)}},
		{"429 with a longer Retry-After", hookd.AttemptResult{Attempt: 1, Status: 429, RetryAfter: 10 * time.Minute},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(10 * time.Minute)}},
		{"503 with a longer Retry-After", hookd.AttemptResult{Attempt: 2, Status: 503, RetryAfter: time.Hour},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(time.Hour)}},
		{"503 with a shorter Retry-After keeps the schedule", hookd.AttemptResult{Attempt: 3, Status: 503, RetryAfter: time.Second},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Minute)}},
		{"429 with Retry-After beyond the cap", hookd.AttemptResult{Attempt: 1, Status: 429, RetryAfter: 1000 * time.Hour},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(hookd.DefaultMaxRetryAfter)}},
		{"500 ignores Retry-After", hookd.AttemptResult{Attempt: 1, Status: 500, RetryAfter: time.Hour},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Second)}},
		{"500", hookd.AttemptResult{Attempt: 4, Status: 500},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(30 * time.Minute)}},
		{"timeout", hookd.AttemptResult{Attempt: 1, Failure: "no answer in time"},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Second)}},
		{"a failure ignores Retry-After", hookd.AttemptResult{Attempt: 1, Failure: "connection reset", Status: 0, RetryAfter: time.Hour},
			hookd.Outcome{State: hookd.DeliveryPending, RunAt: now.Add(5 * time.Second)}},
		{"500 on the last attempt fails and disables", hookd.AttemptResult{DeliveryID: id, Attempt: last, Status: 500},
			hookd.Outcome{State: hookd.DeliveryFailed, RunAt: now, DisableReason: "delivery dlv_1 failed 9 attempts in a row, the last: HTTP 500"}},
		{"timeout on the last attempt", hookd.AttemptResult{DeliveryID: id, Attempt: last, Failure: "no answer in time"},
			hookd.Outcome{State: hookd.DeliveryFailed, RunAt: now, DisableReason: "delivery dlv_1 failed 9 attempts in a row, the last: no answer in time"}},
		{"429 on the last attempt: Retry-After adds no retry", hookd.AttemptResult{DeliveryID: id, Attempt: last, Status: 429, RetryAfter: time.Minute},
			hookd.Outcome{State: hookd.DeliveryFailed, RunAt: now, DisableReason: "delivery dlv_1 failed 9 attempts in a row, the last: HTTP 429"}},
		{"disabled endpoint: held, not disabled again", hookd.AttemptResult{Attempt: 1, EndpointDisabled: true},
			hookd.Outcome{State: hookd.DeliveryHeld, RunAt: now}},
		{"disabled endpoint on the last attempt", hookd.AttemptResult{Attempt: last, EndpointDisabled: true},
			hookd.Outcome{State: hookd.DeliveryHeld, RunAt: now}},
	}
	for _, tt := range tests {
		if got := p.Outcome(tt.r, now); got != tt.want {
			t.Errorf("%s: Outcome(%+v) =\n %+v, want\n %+v", tt.name, tt.r, got, tt.want)
		}
	}
}
