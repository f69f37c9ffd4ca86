package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointModePingToPullAndBack checks that changing a ping endpoint
// to pull holds its waiting notification and drops its URL, and that
// changing it back releases the notification.
func TestEndpointModePingToPullAndBack(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme", Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		ep, err := a.CreateEndpoint(ctx, tn.ID, app.CreateEndpointInput{Name: "Pinged", Mode: "ping", URL: "https://ping.example/hook"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Publish(ctx, tn.ID, app.PublishInput{Type: hookd.EventUserCreated, Data: json.RawMessage(userCreatedExample(t))}); err != nil {
			t.Fatal(err)
		}
		ep, err = a.Endpoint(ctx, tn.ID, ep.ID)
		if err != nil || ep.PingDeliveryID == "" {
			t.Fatalf("ping endpoint after a publish: %+v, %v; want a ping waiting", ep, err)
		}
		pingState := func() hookd.DeliveryState {
			t.Helper()
			d, _, err := a.Delivery(ctx, tn.ID, ep.PingDeliveryID)
			if err != nil {
				t.Fatal(err)
			}
			return d.State
		}
		if got := pingState(); got != hookd.DeliveryPending {
			t.Fatalf("ping %s, want pending", got)
		}

		pull := "pull"
		got, err := a.UpdateEndpoint(ctx, tn.ID, ep.ID, app.UpdateEndpointInput{Mode: &pull})
		if err != nil || got.Mode != hookd.ModePull || got.URL != "" {
			t.Fatalf("ping → pull: %+v, %v; want pull without URL", got, err)
		}
		if got := pingState(); got != hookd.DeliveryHeld {
			t.Fatalf("ping after ping → pull: %s, want held", got)
		}

		ping, url := "ping", "https://ping2.example/hook"
		got, err = a.UpdateEndpoint(ctx, tn.ID, ep.ID, app.UpdateEndpointInput{Mode: &ping, URL: &url})
		if err != nil || got.Mode != hookd.ModePing || got.URL != url {
			t.Fatalf("pull → ping: %+v, %v; want ping at %s", got, err, url)
		}
		if got := pingState(); got != hookd.DeliveryPending {
			t.Fatalf("ping after pull → ping: %s, want pending again", got)
		}

		full := "full"
		_, err = a.UpdateEndpoint(ctx, tn.ID, ep.ID, app.UpdateEndpointInput{Mode: &full})
		var e *hookd.Error
		if !asError(err, &e) || e.Code != hookd.EINVALID || len(e.Fields) != 1 || e.Fields[0].Location != "body.mode" {
			t.Fatalf("ping → full: %v, want EINVALID at body.mode", err)
		}
	})
}
