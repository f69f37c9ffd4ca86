package sqlstore_test

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkPublishToOneEndpoint publishes events in parallel (8
// goroutines), each to one endpoint: a full endpoint (one delivery per
// event, the baseline), a pull endpoint (a payload numbered under the
// endpoint's row lock) and a ping endpoint (the same, plus the ping slot).
func BenchmarkPublishToOneEndpoint(b *testing.B) {
	for _, bk := range sqlstoretest.Backends() {
		backend, open := bk.Name, bk.Open
		for _, mode := range []hookd.EndpointMode{hookd.ModeFull, hookd.ModePull, hookd.ModePing} {
			b.Run(backend+"/"+string(mode), func(b *testing.B) {
				s := open(b)
				w := newPullWorld(b, s)
				ep := w.pull
				switch mode {
				case hookd.ModePing:
					ep = w.ping
				case hookd.ModeFull:
					ep.Mode = hookd.ModeFull
					ep.UpdatedAt = time.Now()
					if err := s.UpdateEndpoint(b.Context(), ep); err != nil {
						b.Fatal(err)
					}
				}
				b.SetParallelism(4)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						now := time.Now()
						e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.tenant.ID, Type: "user.created",
							Data: json.RawMessage(`{}`), Timestamp: now, CreatedAt: now}
						d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID,
							EndpointID: ep.ID, EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now}
						if mode.Pulls() {
							d.Pull = &hookd.PullDelivery{Notify: mode == hookd.ModePing}
						}
						if _, err := s.PublishEvent(b.Context(), e, []*hookd.Delivery{d}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// BenchmarkPublishToManyEndpoints publishes in parallel (8 goroutines) to
// 16 endpoints, each goroutine to one: full endpoints (the baseline) and
// pull endpoints. Publishers to different endpoints do not wait for each
// other (and the notifications of PostgreSQL are sent outside the
// publishing transactions: inside, they serialized every commit).
func BenchmarkPublishToManyEndpoints(b *testing.B) {
	for _, bk := range sqlstoretest.Backends() {
		backend, open := bk.Name, bk.Open
		for _, mode := range []hookd.EndpointMode{hookd.ModeFull, hookd.ModePull} {
			b.Run(backend+"/"+string(mode), func(b *testing.B) {
				s := open(b)
				w := newPullWorld(b, s)
				var eps []*hookd.Endpoint
				for i := 0; i < 16; i++ {
					ep := *w.pull
					ep.ID = hookd.NewID(hookd.PrefixEndpoint)
					ep.Mode = mode
					if err := s.CreateEndpoint(b.Context(), &ep); err != nil {
						b.Fatal(err)
					}
					eps = append(eps, &ep)
				}
				var next atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					ep := eps[next.Add(1)%16]
					for pb.Next() {
						now := time.Now()
						e := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent), TenantID: w.tenant.ID, Type: "user.created",
							Data: json.RawMessage(`{}`), Timestamp: now, CreatedAt: now}
						d := &hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery), TenantID: e.TenantID, EventID: e.ID,
							EndpointID: ep.ID, EventType: e.Type, State: hookd.DeliveryPending, RunAt: now, CreatedAt: now, UpdatedAt: now}
						if mode.Pulls() {
							d.Pull = &hookd.PullDelivery{}
						}
						if _, err := s.PublishEvent(b.Context(), e, []*hookd.Delivery{d}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
