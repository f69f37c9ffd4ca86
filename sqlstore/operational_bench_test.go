package sqlstore_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkRecordSucceeded records batches of 64 successful attempts (the
// recorder's happy path) with and without the index that endpoint.failing
// counts attempts with (attempts_created_at_idx, issue 14, item 6): its
// cost on the delivery path. One op is one batch of 64.
func BenchmarkRecordSucceeded(b *testing.B) {
	for _, bk := range sqlstoretest.Backends() {
		backend, open := bk.Name, bk.Open
		for _, index := range []bool{true, false} {
			name := backend + "/with-index"
			if !index {
				name = backend + "/without-index"
			}
			b.Run(name, func(b *testing.B) {
				s := open(b)
				ctx := b.Context()
				if !index {
					if _, err := s.DB().ExecContext(ctx, "DROP INDEX attempts_created_at_idx"); err != nil {
						b.Fatal(err)
					}
				}
				w := newPullWorld(b, s)
				ep := w.pull
				ep.Mode, ep.UpdatedAt = hookd.ModeFull, time.Now()
				if err := s.UpdateEndpoint(ctx, ep); err != nil {
					b.Fatal(err)
				}
				const batch = 64
				body := strings.Repeat("x", 1024)
				for b.Loop() {
					b.StopTimer()
					now := time.Now()
					results := make([]hookd.DeliveryResult, 0, batch)
					for range batch {
						e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.tenant.ID, Type: "user.created",
							Data: json.RawMessage(`{}`), Timestamp: now, CreatedAt: now}
						lease := now.Add(time.Minute)
						d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID,
							EndpointID: ep.ID, EventType: e.Type, State: hookd.DeliveryRunning, LeaseUntil: &lease,
							RunAt: now, CreatedAt: now, UpdatedAt: now}
						if _, err := s.PublishEvent(ctx, e, []*hookd.Delivery{d}); err != nil {
							b.Fatal(err)
						}
						results = append(results, hookd.DeliveryResult{DeliveryID: d.ID, State: hookd.DeliverySucceeded, RunAt: now,
							Attempt: &hookd.Attempt{ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID,
								EndpointID: ep.ID, URL: ep.URL, RequestHeaders: map[string][]string{}, RequestBody: body,
								ResponseStatus: 204, ResponseHeaders: map[string][]string{}, Duration: time.Millisecond, CreatedAt: now}})
					}
					b.StartTimer()
					if err := s.RecordDeliveries(ctx, results, []hookd.EndpointResult{{EndpointID: ep.ID, TriggeredAt: now}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
