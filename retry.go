package hookd

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// DefaultRetrySchedule is the delay before each retry of a delivery, indexed
// by the number of attempts that have failed so far minus one: after the 1st
// failed attempt hookd waits 5 s, after the 2nd 1 min, and so on. Eight
// retries, nine attempts in all, spread over 27 h 36 min 5 s (99,365 s) before
// jitter: about a day.
//
//	failed attempt  wait before next  next attempt at (from the first)
//	1               5 s               5 s
//	2               1 min             1 min 5 s
//	3               5 min             6 min 5 s
//	4               30 min            36 min 5 s
//	5               2 h               2 h 36 min 5 s
//	6               5 h               7 h 36 min 5 s
//	7               10 h              17 h 36 min 5 s
//	8               10 h              27 h 36 min 5 s
//	9               none: the delivery has failed
var DefaultRetrySchedule = []time.Duration{
	5 * time.Second,
	1 * time.Minute,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// Defaults of RetryPolicy.
const (
	DefaultRetryJitter   = 0.10           // ±10 % of each scheduled wait
	DefaultMaxRetryAfter = 24 * time.Hour // longest Retry-After honoured
)

// RetryPolicy decides when a failed delivery is tried again. It is a pure
// function of the attempt count, the current time, the receiver's Retry-After
// and the injected random source. Its zero value is the default policy.
type RetryPolicy struct {
	// Schedule is the wait after each failed attempt; len(Schedule) is the
	// number of retries. Nil means DefaultRetrySchedule.
	Schedule []time.Duration

	// Jitter is the largest fraction by which a scheduled wait is moved up or
	// down at random: the wait is multiplied by a factor uniform in
	// [1-Jitter, 1+Jitter). Zero means DefaultRetryJitter (±10 %); a negative
	// value turns jitter off.
	Jitter float64

	// Rand returns a number in [0, 1). Nil means math/rand/v2's Float64.
	// Tests inject a constant for deterministic schedules.
	Rand func() float64

	// MaxRetryAfter caps the Retry-After a receiver may ask for. Zero means
	// DefaultMaxRetryAfter (24 h).
	MaxRetryAfter time.Duration
}

// MaxAttempts returns how many attempts a delivery gets in all: the first one
// plus one per entry of the schedule (9 by default).
func (p RetryPolicy) MaxAttempts() int { return len(p.schedule()) + 1 }

// Next returns when to make the next attempt of a delivery whose attempt
// number attempt (1 for the first) has just failed at now, and true; or the
// zero time and false when no retries are left (attempt >= MaxAttempts()).
// An attempt below 1 is taken as 1.
//
// The wait is Schedule[attempt-1] with jitter. retryAfter is the delay a 429
// or 503 answer asked for with Retry-After (0 if none): it is honoured when
// it is longer than the jittered wait, capped at MaxRetryAfter, and is not
// jittered itself. A Retry-After never adds retries beyond the schedule.
func (p RetryPolicy) Next(attempt int, now time.Time, retryAfter time.Duration) (time.Time, bool) {
	sched := p.schedule()
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(sched) {
		return time.Time{}, false
	}
	wait := p.jitter(sched[attempt-1])
	if retryAfter > 0 {
		maxRA := p.MaxRetryAfter
		if maxRA <= 0 {
			maxRA = DefaultMaxRetryAfter
		}
		retryAfter = min(retryAfter, maxRA)
		wait = max(wait, retryAfter)
	}
	return now.Add(wait), true
}

func (p RetryPolicy) schedule() []time.Duration {
	if p.Schedule == nil {
		return DefaultRetrySchedule
	}
	return p.Schedule
}

// jitter multiplies d by a factor in [1-j, 1+j).
func (p RetryPolicy) jitter(d time.Duration) time.Duration {
	j := p.Jitter
	switch {
	case j < 0:
		return d
	case j == 0:
		j = DefaultRetryJitter
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	r := rnd()
	if r < 0 || r >= 1 {
		r = 0.5 // a broken source gets no jitter rather than a wild wait
	}
	return time.Duration(float64(d) * (1 + j*(2*r-1)))
}

// AttemptResult is what happened to one attempt of a delivery, as far as
// deciding what comes next needs to know.
type AttemptResult struct {
	// DeliveryID names the delivery in the reason an endpoint is disabled.
	DeliveryID string
	// Attempt is the number of the attempt in the delivery's current round
	// of retries: 1 for the first (see Delivery.RoundStart).
	Attempt int
	// Status is the HTTP status answered; 0 when no answer came.
	Status int
	// Failure says in a few words why no answer came ("no answer in
	// time"); "" when one did.
	Failure string
	// RetryAfter is the wait the answer's Retry-After asked for; it is
	// honoured on a 429 or 503 only.
	RetryAfter time.Duration
	// EndpointDisabled is true when the endpoint was disabled before the
	// attempt was made, which was then not sent.
	EndpointDisabled bool
}

// GoneReason is why an endpoint that answered 410 Gone was disabled.
const GoneReason = "the endpoint answered 410 Gone"

// Outcome is what an attempt's result does to its delivery and endpoint.
type Outcome struct {
	// State is the delivery's next state: succeeded, pending (retried at
	// RunAt), failed, or held (until its endpoint is enabled again).
	State DeliveryState
	// RunAt is when a pending delivery is next due; now otherwise.
	RunAt time.Time
	// DisableReason, unless "", disables the endpoint with this reason.
	DisableReason string
}

// Outcome returns what the result r of an attempt made at now does. It is
// the one rule of delivery results:
//
//   - not sent because the endpoint is disabled: held, until it is enabled;
//   - a 2xx answer: succeeded;
//   - 410 Gone: held, and the endpoint disabled, since the receiver says it
//     is gone for good;
//   - anything else (3xx, since redirects are not followed; 4xx; 5xx; no
//     answer): retried when the policy says (Next, with the Retry-After of
//     a 429 or 503), or, when no retries are left, failed and the endpoint
//     disabled.
func (p RetryPolicy) Outcome(r AttemptResult, now time.Time) Outcome {
	answered := r.Failure == ""
	switch {
	case r.EndpointDisabled:
		return Outcome{State: DeliveryHeld, RunAt: now}
	case answered && r.Status >= 200 && r.Status < 300:
		return Outcome{State: DeliverySucceeded, RunAt: now}
	case answered && r.Status == 410:
		return Outcome{State: DeliveryHeld, RunAt: now, DisableReason: GoneReason}
	}
	var retryAfter time.Duration
	if answered && (r.Status == 429 || r.Status == 503) {
		retryAfter = r.RetryAfter
	}
	if next, ok := p.Next(r.Attempt, now, retryAfter); ok {
		return Outcome{State: DeliveryPending, RunAt: next}
	}
	last := r.Failure
	if answered {
		last = fmt.Sprintf("HTTP %d", r.Status)
	}
	return Outcome{State: DeliveryFailed, RunAt: now, DisableReason: fmt.Sprintf(
		"delivery %s failed %d attempts in a row, the last: %s", r.DeliveryID, max(r.Attempt, 1), last)}
}
