package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestFilteredEndpointReceivesOnlyMatches publishes events of which some
// match an endpoint's payload filter: a real receiver gets exactly those,
// an endpoint without a filter beside it gets all, and the others leave no
// delivery (nothing failed, nothing to retry).
func TestFilteredEndpointReceivesOnlyMatches(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		filteredRC, allRC := newReceiver(t), newReceiver(t)
		w := newWorld(t, s, nil)
		filter := json.RawMessage(`{"data.user.email":{"$endsWith":"@example.com"},"$not":{"data.user.first_name":{"$in":["Eve","Mallory"]}}}`)
		filtered := w.endpoint(filteredRC.URL, app.CreateEndpointInput{Filter: filter})
		w.endpoint(allRC.URL, app.CreateEndpointInput{})
		w.start()

		var want []string
		const events = 12
		names := []string{"Ada", "Eve", "Grace", "Mallory"}
		for i := range events {
			domain := "example.com"
			if i%3 == 2 {
				domain = "other.org"
			}
			name := names[i%len(names)]
			e := w.publish(fmt.Sprintf(`{"user":{"id":"usr_%d","employee_id":"E%d","first_name":%q,"last_name":"L","email":"%s@%s","status":"active"}}`,
				i, i, name, name, domain))
			if domain == "example.com" && name != "Eve" && name != "Mallory" {
				want = append(want, e.ID)
			}
		}
		if len(want) == 0 || len(want) == events {
			t.Fatalf("the test's events all match or none do: %v", want)
		}
		var got []string
		for range want {
			got = append(got, filteredRC.next(t).Header.Get("Webhook-Id"))
		}
		for range events {
			allRC.next(t)
		}
		w.waitRecorded(len(want) + events)
		filteredRC.none(t)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("the filtered endpoint received %v, want %v", got, want)
		}
		page, err := w.app.ListDeliveries(ctx, w.tenant, hookd.DeliveryFilter{EndpointID: filtered.ID}, hookd.ListParams{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != len(want) {
			t.Errorf("the filtered endpoint has %d deliveries, want %d (one per matching event)", len(page.Items), len(want))
		}
		for _, d := range page.Items {
			if d.State != hookd.DeliverySucceeded {
				t.Errorf("delivery %s is %s", d.ID, d.State)
			}
		}
	})
}
