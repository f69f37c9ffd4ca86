package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// BenchmarkPublishFiltered measures what an active payload filter adds to
// publishing an event (user.created, its catalog example, ~500 bytes of
// data) to a tenant with one subscribed endpoint: without a filter (the
// baseline), with a filter the event matches, and with one it does not
// (then no delivery is stored). The three take turns in every iteration,
// each reported as its mean ns per publish; ns/op is the three together. The filter is a typical one: a string
// prefix, an $in and an $exists across nested fields. A publish reads the
// subscribed endpoints (parsing each stored filter), decodes the event's
// data once if any endpoint has a filter, and evaluates the filters.
// benchTenants numbers the tenants of benchmarks: a benchmark function runs
// several times on one store.
var benchTenants atomic.Int64

func BenchmarkPublishFiltered(b *testing.B) {
	const filter = `{"type": {"$startsWith": "user."}, "data.user.status": {"$in": ["active", "invited"]},` +
		` "data.user.email": {"$endsWith": "@example.com"}, "data.user.organizations.0.id": {"$exists": true}}`
	const miss = `{"type": {"$startsWith": "user."}, "data.user.status": {"$in": ["terminated"]}}`
	for _, bk := range sqlstoretest.Backends() {
		b.Run(bk.Name, func(b *testing.B) {
			s := bk.Open(b)
			ctx := context.Background()
			a, _ := newApp(b, s)
			variants := []struct {
				name   string
				filter string
				stored int
				tenant string
				spent  time.Duration
			}{{name: "none", stored: 1}, {name: "matching", filter: filter, stored: 1}, {name: "not_matching", filter: miss}}
			for i := range variants {
				v := &variants[i]
				tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: fmt.Sprintf("filter-bench-%d", benchTenants.Add(1)), Plan: hookd.PlanEnterprise})
				if err != nil {
					b.Fatal(err)
				}
				in := app.CreateEndpointInput{Name: "ep", URL: "https://ep.example/h", EventTypes: []string{hookd.EventUserCreated}}
				if v.filter != "" {
					in.Filter = json.RawMessage(v.filter)
				}
				if _, err := a.CreateEndpoint(ctx, tn.ID, in); err != nil {
					b.Fatal(err)
				}
				v.tenant = tn.ID
			}
			ev := app.PublishInput{Type: hookd.EventUserCreated, Data: json.RawMessage(mustExample(hookd.EventUserCreated))}
			n := 0
			for b.Loop() {
				// The variants take turns, so a change of the machine's
				// load falls on all of them alike.
				for i := range variants {
					v := &variants[(n+i)%len(variants)]
					start := time.Now()
					_, ds, _, err := a.PublishWithDeliveries(ctx, v.tenant, ev)
					v.spent += time.Since(start)
					if err != nil {
						b.Fatal(err)
					}
					if len(ds) != v.stored {
						b.Fatalf("%s: %d deliveries stored, want %d", v.name, len(ds), v.stored)
					}
				}
				n++
			}
			for _, v := range variants {
				b.ReportMetric(float64(v.spent.Nanoseconds())/float64(n), v.name+"-ns/publish")
			}
		})
	}
}
