package sqlstore

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

var _ hookd.EndpointRateStore = (*Store)(nil)

// takeRateSlotQuery marks one free slot of an endpoint busy and returns
// it. On PostgreSQL the slot's row is locked with SKIP LOCKED, and the
// lock re-reads busy_until, so two instances never take the same slot;
// on SQLite the single write connection serializes takers. Arguments: 1
// hold until, 2 endpoint, 3 endpoint, 4 slots, 5 now.
func takeRateSlotQuery(d *dialect) string {
	lock := ""
	if d.name == BackendPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return "UPDATE endpoint_rate_slots SET busy_until = ? WHERE endpoint_id = ? AND slot IN (" +
		"SELECT slot FROM endpoint_rate_slots WHERE endpoint_id = ? AND slot < ? AND busy_until <= ?" +
		" ORDER BY busy_until, slot LIMIT 1" + lock + ") RETURNING slot"
}

// TakeRateSlot implements hookd.EndpointRateStore. On PostgreSQL it is one
// statement when a slot is free; otherwise a read of the earliest
// busy_until (and, the first time, the insert of the endpoint's slots).
// On SQLite, whose database one process uses, the slots are kept in that
// process's memory: two writes per request on the single write connection
// would queue behind every publish.
func (s *Store) TakeRateSlot(ctx context.Context, endpointID string, slots int, now, holdUntil time.Time) (hookd.RateSlot, error) {
	const op, noun = "take a rate slot", "endpoint"
	if slots < 1 {
		return hookd.RateSlot{}, errors.New("sqlstore: take a rate slot: an endpoint has at least one slot")
	}
	if s.d.name == BackendSQLite {
		return s.rateSlots.take(endpointID, slots, storeTime(now), storeTime(holdUntil)), nil
	}
	for made := false; ; made = true {
		rows, err := s.queryWrite(ctx, takeRateSlotQuery(s.d), s.d.time(holdUntil), endpointID, endpointID, slots, s.d.time(now))
		if err != nil {
			return hookd.RateSlot{}, interpretError(err, op, noun)
		}
		slot, taken := 0, false
		if rows.Next() {
			taken = true
			err = rows.Scan(&slot)
		}
		if err == nil {
			err = rows.Err()
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return hookd.RateSlot{}, interpretError(err, op, noun)
		}
		if taken {
			return hookd.RateSlot{Taken: true, Slot: slot}, nil
		}
		var (
			n      int
			freeAt timeValue
		)
		if err := s.queryRowRead(ctx, "SELECT count(*), min(busy_until) FROM endpoint_rate_slots WHERE endpoint_id = ? AND slot < ?",
			endpointID, slots).Scan(&n, &freeAt); err != nil {
			return hookd.RateSlot{}, interpretError(err, op, noun)
		}
		if n >= slots || made {
			return hookd.RateSlot{FreeAt: freeAt.Time}, nil
		}
		// The endpoint's first request, or a larger burst: make the
		// missing slots, free, and take one.
		for i := range slots {
			if _, err := s.exec(ctx, "INSERT INTO endpoint_rate_slots (endpoint_id, slot, busy_until) VALUES (?, ?, ?)"+
				" ON CONFLICT (endpoint_id, slot) DO NOTHING", endpointID, i, s.d.time(time.Time{})); err != nil {
				return hookd.RateSlot{}, interpretError(err, op, noun)
			}
		}
	}
}

// ReleaseRateSlot implements hookd.EndpointRateStore.
func (s *Store) ReleaseRateSlot(ctx context.Context, endpointID string, slot int, held, busyUntil time.Time) (bool, error) {
	if s.d.name == BackendSQLite {
		return s.rateSlots.release(endpointID, slot, storeTime(held), storeTime(busyUntil)), nil
	}
	res, err := s.exec(ctx, "UPDATE endpoint_rate_slots SET busy_until = ? WHERE endpoint_id = ? AND slot = ? AND busy_until = ?",
		s.d.time(busyUntil), endpointID, slot, s.d.time(held))
	if err != nil {
		return false, interpretError(err, "release a rate slot", "endpoint")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, interpretError(err, "release a rate slot", "endpoint")
	}
	return n > 0, nil
}

// PauseEndpoint implements hookd.EndpointRateStore. The claims skip a
// paused endpoint (see claimEndpointQuery and DueEndpoints).
func (s *Store) PauseEndpoint(ctx context.Context, endpointID string, until time.Time) error {
	_, err := s.exec(ctx, "UPDATE endpoints SET paused_until = ? WHERE id = ? AND (paused_until IS NULL OR paused_until < ?)",
		s.d.time(until), endpointID, s.d.time(until))
	return interpretError(err, "pause an endpoint", "endpoint")
}

// memoryRateSlots are the rate slots of a SQLite store, by endpoint: each
// slot's busy_until, as the table endpoint_rate_slots keeps them on
// PostgreSQL. An endpoint deleted leaves a few bytes until the process
// ends.
type memoryRateSlots struct {
	mu    sync.Mutex
	slots map[string][]time.Time
}

// take is TakeRateSlot: of the first n slots, the one free longest (the
// lowest on a tie), as the PostgreSQL statement orders them.
func (m *memoryRateSlots) take(endpointID string, n int, now, holdUntil time.Time) hookd.RateSlot {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.slots == nil {
		m.slots = map[string][]time.Time{}
	}
	slots := m.slots[endpointID]
	if len(slots) < n {
		slots = append(slots, make([]time.Time, n-len(slots))...)
		m.slots[endpointID] = slots
	}
	free := -1
	var freeAt time.Time
	for i, busy := range slots[:n] {
		switch {
		case busy.After(now):
			if freeAt.IsZero() || busy.Before(freeAt) {
				freeAt = busy
			}
		case free < 0 || busy.Before(slots[free]):
			free = i
		}
	}
	if free < 0 {
		return hookd.RateSlot{FreeAt: freeAt}
	}
	slots[free] = holdUntil
	return hookd.RateSlot{Taken: true, Slot: free}
}

// release is ReleaseRateSlot.
func (m *memoryRateSlots) release(endpointID string, slot int, held, busyUntil time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	slots := m.slots[endpointID]
	if slot < 0 || slot >= len(slots) || !slots[slot].Equal(held) {
		return false
	}
	slots[slot] = busyUntil
	return true
}
