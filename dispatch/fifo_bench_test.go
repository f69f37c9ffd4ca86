package dispatch_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkFIFODelivery measures how fast one endpoint whose receiver
// answers at once (a loopback httptest server) is sent a backlog of b.N
// stored events, with ordering fifo and, for comparison in the same run,
// none; on SQLite and PostgreSQL. It reports deliveries/s. The backlog is
// published (8 publishers) before the clock starts, with the dispatcher
// stopped; the clock runs from starting the dispatcher to the last
// request arriving. For docs/performance.md:
//
//	go test ./dispatch -run '^$' -bench FIFODelivery -benchtime 2000x -count 5
func BenchmarkFIFODelivery(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, ordering := range []string{"none", "fifo"} {
			b.Run(backend+"/"+ordering, func(b *testing.B) {
				var s *sqlstore.Store
				if backend == "sqlite" {
					s = sqlstoretest.SQLite(b)
				} else {
					s = sqlstoretest.Postgres(b)
				}
				benchmarkFIFODelivery(b, s, ordering)
			})
		}
	}
}

func benchmarkFIFODelivery(b *testing.B, s *sqlstore.Store, ordering string) {
	ctx := context.Background()
	var arrived atomic.Int64
	all := make(chan struct{})
	n := int64(b.N)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		if arrived.Add(1) == n {
			close(all)
		}
	}))
	b.Cleanup(rc.Close)
	clock := hookd.NewManualClock(time.Now())
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "bench", URL: rc.URL, Ordering: ordering}); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= n {
				if _, _, err := a.Publish(ctx, tn.ID, app.PublishInput{Type: "user.created",
					Data: []byte(strings.Replace(userData, "usr_1", "usr_2", 1))}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	d := &dispatch.Dispatcher{
		Store: s, Keys: a, Client: &dispatch.Client{AllowPrivate: true}, Clock: clock,
		Retry: hookd.RetryPolicy{Jitter: -1}, PollInterval: time.Hour,
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	b.ResetTimer()
	go func() {
		defer close(done)
		if err := d.Run(runCtx); err != nil {
			b.Error(err)
		}
	}()
	select {
	case <-all:
	case <-time.After(10 * time.Minute):
		b.Fatalf("%d of %d delivered", arrived.Load(), n)
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "deliveries/s")
	cancel()
	<-done
}
