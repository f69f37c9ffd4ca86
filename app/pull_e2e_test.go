package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// instance is one hookd process: an app and its dispatcher, on a store
// that other instances may share.
type instance struct {
	app *app.App
	d   *dispatch.Dispatcher
}

// startInstance runs an app and a dispatcher on s until the test ends.
// Instances sharing a database share the key box, as processes sharing a
// configuration do.
func startInstance(t *testing.T, s *sqlstore.Store, clock hookd.Clock, box *secret.Box) *instance {
	t.Helper()
	a := app.New(s, clock, box, nil)
	a.PasswordParams = fastPasswords
	d := &dispatch.Dispatcher{
		Store:  s,
		Keys:   a,
		Client: &dispatch.Client{AllowPrivate: true},
		Clock:  clock,
		Retry:  hookd.RetryPolicy{Jitter: -1},
	}
	a.DeliveriesStored = d.Wake
	a.Workers = d
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return &instance{app: a, d: d}
}

// TestPullNeverMisses runs 8 publishers, split between the instances,
// while a receiver pulls continuously (after=<last>, a long poll): the
// receiver gets every published event exactly once, numbered 1, 2, 3, …
// in order. The numbers are taken in commit order, so a pull never skips
// one that commits later. On PostgreSQL two instances share the database,
// each publishing and dispatching pings.
func TestPullNeverMisses(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testPullNeverMisses(t, sqlstoretest.SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		url := sqlstoretest.PostgresURL(t)
		var stores []*sqlstore.Store
		for i := range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			s, err := sqlstore.OpenPostgres(ctx, url)
			if err == nil && i == 0 {
				err = s.Migrate(ctx)
			}
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			})
			stores = append(stores, s)
		}
		testPullNeverMisses(t, stores...)
	})
}

const userCreated = `{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"}}`

func testPullNeverMisses(t *testing.T, stores ...*sqlstore.Store) {
	ctx := context.Background()
	clock := hookd.NewManualClock(time.Now()) // stands still: the reference library checks timestamps
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var instances []*instance
	for _, s := range stores {
		instances = append(instances, startInstance(t, s, clock, box))
	}
	first := instances[0].app
	tn, err := first.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Plan: hookd.PlanEnterprise})
	if err != nil {
		t.Fatal(err)
	}

	// The receiver checks each ping's signature and answers 204.
	var (
		signing  atomic.Value
		pings    atomic.Int64
		badPings atomic.Int64
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		wh, _ := signing.Load().(*standardwebhooks.Webhook)
		if wh == nil || wh.Verify(body, r.Header) != nil {
			badPings.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		pings.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	ep, err := first.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "receiver", URL: rc.URL, Mode: "ping"})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(ep.Secrets[0].Secret)
	if err != nil {
		t.Fatal(err)
	}
	signing.Store(wh)

	const publishers, each = 8, 50
	const total = publishers * each
	published := make([][]string, publishers)
	var wg sync.WaitGroup
	for g := range publishers {
		a := instances[g%len(instances)].app
		wg.Go(func() {
			for range each {
				e, _, err := a.Publish(ctx, tn.ID, app.PublishInput{Type: "user.created", Data: []byte(userCreated)})
				if err != nil {
					t.Error(err)
					return
				}
				published[g] = append(published[g], e.ID)
			}
		})
	}

	// The receiver pulls continuously from the first instance while the
	// publishers run: small pages, waiting for more when it is ahead.
	var (
		last   int64
		got    []string
		pulls  int
		pullTo = time.Now().Add(2 * time.Minute)
	)
	for len(got) < total && time.Now().Before(pullTo) && !t.Failed() {
		list, err := first.ListPayloads(ctx, tn.ID, ep.ID, app.ListPayloadsInput{After: last, Limit: 25, Wait: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		pulls++
		for _, p := range list.Payloads {
			if p.Transaction != last+1 {
				t.Fatalf("after %d the pull returned %d: a number was skipped or repeated", last, p.Transaction)
			}
			last = p.Transaction
			got = append(got, p.EventID)
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	list, err := first.ListPayloads(ctx, tn.ID, ep.ID, app.ListPayloadsInput{After: last})
	if err != nil || len(list.Payloads) != 0 {
		t.Fatalf("after the last number: %d payloads, %v; want none", len(list.Payloads), err)
	}
	var want []string
	for _, ids := range published {
		want = append(want, ids...)
	}
	slices.Sort(want)
	gotSorted := slices.Sorted(slices.Values(got))
	if len(want) != total || !slices.Equal(gotSorted, want) {
		t.Fatalf("the receiver pulled %d events (%d distinct), %d were published; the sets differ",
			len(got), len(slices.Compact(gotSorted)), len(want))
	}
	if n := badPings.Load(); n > 0 {
		t.Fatalf("%d pings failed the signature check", n)
	}
	t.Log(fmt.Sprintf("%d instance(s), %d publishers: %d events pulled in order in %d calls; %d pings so far",
		len(instances), publishers, total, pulls, pings.Load()))
}
