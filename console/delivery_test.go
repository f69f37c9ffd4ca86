package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// deliverAll does what a delivery worker does, through the store: it
// claims every due delivery and records one attempt for each, answered by
// answer (status and body) for its endpoint. A 2xx succeeds; anything else
// fails for good.
func deliverAll(t *testing.T, h *harness, answer func(endpointID string) (int, string)) int {
	t.Helper()
	ctx := context.Background()
	now := h.clock.Now()
	claimed := sqlstoretest.ClaimDue(t, h.store, now, now.Add(time.Minute), hookd.MaxListLimit)
	var results []hookd.DeliveryResult
	for _, d := range claimed {
		status, body := answer(d.EndpointID)
		state := hookd.DeliveryFailed
		if status >= 200 && status < 300 {
			state = hookd.DeliverySucceeded
		}
		results = append(results, hookd.DeliveryResult{
			DeliveryID: d.ID,
			State:      state,
			RunAt:      now,
			Attempt: &hookd.Attempt{
				ID: hookd.NewID(hookd.PrefixAttempt), TenantID: d.TenantID, DeliveryID: d.ID, EndpointID: d.EndpointID,
				URL: "https://" + d.EndpointID + ".example/hooks",
				RequestHeaders: map[string][]string{
					"Content-Type": {"application/json"}, "Webhook-Id": {d.EventID}, "Webhook-Signature": {"v1,c2lnbmF0dXJl"},
				},
				RequestBody:     fmt.Sprintf(`{"id":%q,"type":%q,"data":{}}`, d.EventID, d.EventType),
				ResponseStatus:  status,
				ResponseHeaders: map[string][]string{"X-Receiver": {"test receiver"}},
				ResponseBody:    body,
				Duration:        12500 * time.Microsecond,
				CreatedAt:       now,
			},
		})
	}
	if err := h.store.RecordDeliveries(ctx, results, nil); err != nil {
		t.Fatal(err)
	}
	return len(claimed)
}

// publish publishes an event of the type, with the catalog's example data.
func publish(t *testing.T, h *harness, typ string) *hookd.Event {
	t.Helper()
	ctx := context.Background()
	et, err := h.app.EventType(ctx, h.tenant.ID, typ)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := h.app.Publish(ctx, h.tenant.ID, app.PublishInput{Type: typ, Data: et.Example})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var deliveryRow = regexp.MustCompile(`<tr data-delivery="(dlv_[0-9a-f]+)">`)

// rows returns the IDs of the deliveries a page lists, in order.
func rows(p page) []string {
	var ids []string
	for _, m := range deliveryRow.FindAllStringSubmatch(p.body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestHistory lists deliveries with their results, filters, searches and
// sorts them, shows one with its attempts, and re-sends it.
func TestHistory(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		// Sign in first: the sign-in publishes user.login, to no endpoint yet.
		b := h.browser()
		b.signIn()
		good, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: "Good", URL: "https://good.example/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		bad, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: "Bad", URL: "https://bad.example/hooks"})
		if err != nil {
			t.Fatal(err)
		}
		login := publish(t, h, hookd.EventUserLogin)
		h.clock.Advance(time.Second)
		org := publish(t, h, hookd.EventOrganizationUpdated)
		h.clock.Advance(time.Second)
		n := deliverAll(t, h, func(endpointID string) (int, string) {
			if endpointID == good.ID {
				return 200, `{"received":true}`
			}
			return 500, "boom"
		})
		if n != 4 {
			t.Fatalf("%d deliveries sent, want 4", n)
		}

		p := b.get("/history")
		wantStatus(t, "history", p, http.StatusOK)
		if got := len(rows(p)); got != 4 {
			t.Fatalf("history lists %d deliveries, want 4", got)
		}
		wantContains(t, "history", p, "https://good.example/hooks", "https://bad.example/hooks", "<code>user.login</code>",
			"<code>organization.updated</code>", `<span class="badge ok">Succeeded</span> <code class="status">200</code>`,
			`<span class="badge bad">Failed</span> <code class="status">500</code>`, `<option value="`+good.ID+`">Good</option>`)

		for query, want := range map[string]int{
			"?state=failed":                          2,
			"?state=succeeded&endpoint=" + good.ID:   2,
			"?endpoint=" + bad.ID:                    2,
			"?q=organization":                        2,
			"?q=organization&state=failed":           1,
			"?q=" + login.ID:                         2,
			"?q=nothing-like-it":                     0,
			"?state=held":                            0,
			"?sort=event_type&endpoint=" + good.ID:   2,
			"?sort=-last_attempt_at&state=succeeded": 2,
		} {
			p := b.get("/history" + query)
			wantStatus(t, query, p, http.StatusOK)
			if got := len(rows(p)); got != want {
				t.Errorf("%s lists %d deliveries, want %d", query, got, want)
			}
		}
		p = b.get("/history?q=" + ds0(t, h, good.ID))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/history/dlv_") {
			t.Errorf("searching a delivery's ID: %d to %q, want its page", p.status, p.location())
		}
		if got := rows(b.get("/history?q=" + bad.ID)); len(got) != 2 {
			t.Errorf("searching an endpoint's ID lists %d deliveries, want 2", len(got))
		}
		sorted := rows(b.get("/history?sort=event_type&endpoint=" + good.ID))
		if d, _, _ := h.app.Delivery(ctx, h.tenant.ID, sorted[0]); d.EventType != "organization.updated" {
			t.Errorf("sorted by event type, the first is %s", d.EventType)
		}
		p = b.get("/history?state=failed&endpoint=" + bad.ID)
		wantContains(t, "filters kept by sort links", p, `href="/history?endpoint=`+bad.ID+`&amp;sort=event_type&amp;state=failed"`)
		wantStatus(t, "an unknown state", b.get("/history?state=lost"), http.StatusUnprocessableEntity)

		// A delivery's page: the request and the response.
		ds, _ := h.app.ListDeliveries(ctx, h.tenant.ID, hookd.DeliveryFilter{EndpointID: good.ID, EventID: login.ID}, hookd.ListParams{})
		id := ds.Items[0].ID
		p = b.get("/history/" + id)
		wantStatus(t, "delivery", p, http.StatusOK)
		wantContains(t, "delivery", p, "<code>user.login</code>", `<code class="status ok">200 OK</code>`, "12.5 ms",
			"POST https://"+good.ID+".example/hooks", "<th scope=\"row\">Webhook-Id</th><td>"+login.ID+"</td>",
			`"id": "`+login.ID+`"`, `<th scope="row">X-Receiver</th><td>test receiver</td>`, `"received": true`,
			`href="/webhooks/`+good.ID+`">Good</a>`, "Event data", `"method": "password"`, `action="/history/`+id+`/resend"`)
		p = b.get("/history/" + rows(b.get("/history?state=failed&q=" + org.ID))[0])
		wantContains(t, "failed delivery", p, `<code class="status bad">500 Internal Server Error</code>`, "boom")

		p = b.post("/history/"+id+"/resend", nil)
		wantStatus(t, "re-send", p, http.StatusSeeOther)
		if p.location() != "/history/"+id+"?notice=delivery-resent" {
			t.Errorf("re-send redirects to %q", p.location())
		}
		d, _, _ := h.app.Delivery(ctx, h.tenant.ID, id)
		if d.State != hookd.DeliveryPending || d.RoundStart != 1 {
			t.Fatalf("after re-send: state %s, round start %d", d.State, d.RoundStart)
		}
		wantContains(t, "after re-send", b.get(p.location()), "The delivery is on its way again", `<span class="badge warn">Retrying</span>`)
		deliverAll(t, h, func(string) (int, string) { return 204, "" })
		p = b.get("/history/" + id)
		if n := strings.Count(p.body, `class="card attempt"`); n != 2 {
			t.Errorf("the delivery shows %d attempts, want 2", n)
		}
		wantContains(t, "second attempt", p, `<code class="status ok">204 No Content</code>`, "An empty body.")
		wantStatus(t, "another tenant's delivery", b.get("/history/dlv_0000"), http.StatusNotFound)
	})
}

// ds0 returns the ID of a delivery to the endpoint.
func ds0(t *testing.T, h *harness, endpointID string) string {
	t.Helper()
	page, err := h.app.ListDeliveries(context.Background(), h.tenant.ID, hookd.DeliveryFilter{EndpointID: endpointID}, hookd.ListParams{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no delivery to %s: %v", endpointID, err)
	}
	return page.Items[0].ID
}

// TestEndpointDeliveries checks an endpoint's recent deliveries, its test
// event and the recovery of its failed deliveries.
func TestEndpointDeliveries(t *testing.T) {
	ctx := context.Background()
	h := sqliteHarness(t)
	b := h.browser()
	b.signIn()
	ep, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: "Receiver", URL: "https://r.example/"})
	if err != nil {
		t.Fatal(err)
	}
	p := b.get("/webhooks/" + ep.ID)
	wantContains(t, "no deliveries", p, "Nothing sent to this endpoint yet.", `href="/history?endpoint=`+ep.ID+`"`,
		`action="/webhooks/`+ep.ID+`/test"`, `name="since" type="datetime-local" required value="2026-11-22T09:00"`)

	p = b.post("/webhooks/"+ep.ID+"/test", nil)
	wantStatus(t, "send test event", p, http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "/history/dlv_") {
		t.Fatalf("the test event redirects to %q", p.location())
	}
	wantContains(t, "test delivery", b.get(p.location()), "A webhook.test event is on its way", "<code>webhook.test</code>", "Not sent yet")

	for range 2 {
		publish(t, h, hookd.EventUserCreated)
	}
	h.clock.Advance(time.Hour)
	deliverAll(t, h, func(string) (int, string) { return 503, "later" })
	p = b.get("/webhooks/" + ep.ID)
	if got := len(rows(p)); got != 3 {
		t.Errorf("the endpoint shows %d recent deliveries, want 3", got)
	}
	wantContains(t, "recent", p, `<span class="badge bad">Failed</span> <code class="status">503</code>`, "<code>user.created</code>")

	p = b.post("/webhooks/"+ep.ID+"/recover", url.Values{"since": {"2026-11-23T08:30"}})
	wantStatus(t, "recover", p, http.StatusSeeOther)
	wantContains(t, "recovered", b.get(p.location()), "3 failed deliveries are on their way again.")
	failed, _ := h.app.ListDeliveries(ctx, h.tenant.ID, hookd.DeliveryFilter{EndpointID: ep.ID, State: hookd.DeliveryFailed}, hookd.ListParams{})
	if len(failed.Items) != 0 {
		t.Errorf("%d deliveries still failed after recovering", len(failed.Items))
	}
	p = b.post("/webhooks/"+ep.ID+"/recover", url.Values{"since": {"yesterday"}})
	wantStatus(t, "recover from nonsense", p, http.StatusUnprocessableEntity)
	p = b.post("/webhooks/"+ep.ID+"/recover", url.Values{"since": {"2030-01-01T00:00"}})
	wantStatus(t, "recover from the future", p, http.StatusUnprocessableEntity)
	wantContains(t, "recover from the future", p, "must not be in the future")
}
