// Package storetest is the conformance suite of hookd.Store: every
// implementation runs Exercise and must pass it, so that SQLite and
// PostgreSQL behave alike down to error codes, time precision and list order.
//
// Beyond the doc comments of hookd.Store, the suite pins these choices:
// times come back in UTC, rounded down to microseconds; text sorts by code
// point; a NULL time (a token never used) sorts as the oldest; a cursor only
// serves the sort it was made for; touching a credential never moves its
// last use back in time, and touching one that is gone is not an error.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// Exercise runs the conformance suite against the stores newStore makes.
// newStore is called once per subtest, possibly from parallel subtests, and
// must return a new, empty, migrated store that it closes when t ends.
func Exercise(t *testing.T, newStore func(t *testing.T) hookd.Store) {
	t.Helper()
	groups := []struct {
		name  string
		tests []storeTest
	}{
		{"Tenant", tenantTests},
		{"AccessToken", accessTokenTests},
		{"ServiceAccount", serviceAccountTests},
		{"OAuthClient", oauthClientTests},
		{"Setting", settingTests},
		{"EventType", eventTypeTests},
		{"Endpoint", endpointTests},
		{"Event", eventTests},
		{"FanOut", fanOutTests},
		{"Quota", quotaTests},
		{"Delivery", deliveryTests},
		{"Queue", queueTests},
		{"Directory", directoryTests},
		{"Inbound", inboundTests},
		{"ConsoleSession", consoleSessionTests},
		{"List", listTests},
		{"Pull", pullTests},
		{"PullLifecycle", pullLifecycleTests},
		{"Operational", operationalTests},
	}
	t.Run("Ping", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					tt.run(t, newStore(t))
				})
			}
		})
	}
}

// storeTest is one test of the suite.
type storeTest struct {
	name string
	run  func(t *testing.T, s hookd.Store)
}

// t0 is when the suite's world begins: a time with microseconds, as stores
// keep them.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// wantCode fails t unless err carries the hookd error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (error: %v)", got, want, err)
	}
}

// wantField fails t unless err is EINVALID naming location among its fields.
func wantField(t *testing.T, err error, location string) {
	t.Helper()
	wantCode(t, err, hookd.EINVALID)
	var e *hookd.Error
	errors.As(err, &e)
	for _, f := range e.Fields {
		if f.Location == location {
			return
		}
	}
	t.Fatalf("error fields = %+v, want one at %q", e.Fields, location)
}

// must fails t if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantEqual fails t unless got and want are deeply equal.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

// show renders v readably, following pointers.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// newTenant stores a tenant with the given slug and returns it.
func newTenant(t *testing.T, s hookd.Store, slug string) *hookd.Tenant {
	t.Helper()
	tn := &hookd.Tenant{
		ID:        hookd.NewID(hookd.PrefixTenant),
		Slug:      slug,
		Name:      "Tenant " + slug,
		Plan:      hookd.PlanPlatinum,
		CreatedAt: t0,
	}
	if err := s.CreateTenant(context.Background(), tn, nil); err != nil {
		t.Fatalf("CreateTenant(%s): %v", slug, err)
	}
	return tn
}

// hash returns the SHA-256 hash of seed.
func hash(seed string) []byte {
	h := sha256.Sum256([]byte(seed))
	return h[:]
}
