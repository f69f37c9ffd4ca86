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

// pullForm is the side panel's form of a new endpoint in mode.
func pullForm(name, mode, endpointURL string) url.Values {
	return url.Values{"name": {name}, "mode": {mode}, "url": {endpointURL}, "format": {"json"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {hookd.DefaultVerificationKeyHeader},
		"event_types": {"user.created"}}
}

// addEndpoint posts the side panel's form and returns the endpoint added.
func addEndpoint(t *testing.T, h *harness, b *browser, form url.Values) *hookd.Endpoint {
	t.Helper()
	p := b.post("/webhooks", form)
	wantStatus(t, "add "+form.Get("name"), p, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
	e, err := h.app.Endpoint(context.Background(), h.tenant.ID, id)
	if err != nil {
		t.Fatalf("the endpoint added (redirect %q): %v", p.location(), err)
	}
	return e
}

// TestPullEndpointsInSidePanel creates a pull endpoint without a URL and a
// ping endpoint with one through the side panel's form, and edits one
// into the other.
func TestPullEndpointsInSidePanel(t *testing.T) {
	h := sqliteHarness(t)
	b := h.browser()
	b.signIn()
	p := b.get("/webhooks")
	wantContains(t, "side panel", p, `name="mode" value="full" id="add-mode-full" checked`, `name="mode" value="ping" id="add-mode-ping"`,
		`name="mode" value="pull" id="add-mode-pull"`, "Ping and pull", "Pull only", "No URL and nothing sent", `id="add-url-field"`)
	wantNotContains(t, "side panel", p, `id="add-url" name="url" inputmode="url" autocomplete="url" spellcheck="false" required`)

	pull := addEndpoint(t, h, b, pullForm("Warehouse", "pull", ""))
	if pull.Mode != hookd.ModePull || pull.URL != "" || pull.Name != "Warehouse" {
		t.Fatalf("pull endpoint as added: mode %q, URL %q, name %q", pull.Mode, pull.URL, pull.Name)
	}
	// A URL typed before choosing "Pull only" (the field is hidden then) is
	// not kept.
	leftover := addEndpoint(t, h, b, pullForm("Leftover", "pull", "https://typed.example/before"))
	if leftover.Mode != hookd.ModePull || leftover.URL != "" {
		t.Fatalf("pull endpoint with a leftover URL: mode %q, URL %q", leftover.Mode, leftover.URL)
	}
	ping := addEndpoint(t, h, b, pullForm("Notified", "ping", "https://receiver.example/ping"))
	if ping.Mode != hookd.ModePing || ping.URL != "https://receiver.example/ping" {
		t.Fatalf("ping endpoint as added: mode %q, URL %q", ping.Mode, ping.URL)
	}
	// Its test event is announced by a notice: the notice's page.
	p = b.post("/webhooks/"+ping.ID+"/test", nil)
	wantStatus(t, "test a ping endpoint", p, http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "/history/dlv_") {
		t.Fatalf("testing a ping endpoint redirects to %q", p.location())
	}
	wantStatus(t, "the notice's page", b.get(p.location()), http.StatusOK)
	// A ping endpoint needs its URL.
	p = b.post("/webhooks", pullForm("No URL", "ping", ""))
	wantStatus(t, "ping endpoint without a URL", p, http.StatusUnprocessableEntity)
	wantContains(t, "ping endpoint without a URL", p, "URL: ", `name="mode" value="ping" id="add-mode-ping" checked`)

	p = b.get("/webhooks")
	wantContains(t, "list", p, `<span class="muted">pull only</span>`, `title="The receiver lists the events; nothing is sent">pull</span>`,
		`title="hookd sends a notice; the receiver lists the events">ping</span>`)

	// The edit form shows the mode; the pull endpoint becomes a ping one.
	p = b.get("/webhooks/" + pull.ID)
	wantContains(t, "pull endpoint page", p, `name="mode" value="pull" id="edit-mode-pull" checked`, `id="pull-only"`, "pull only</dd>")
	wantNotContains(t, "pull endpoint page", p, `id="signing-secret"`, `id="cursor-notified"`, `id="recent"`, `id="send-test"`)
	edit := pullForm("Warehouse", "ping", "https://warehouse.example/notices")
	wantStatus(t, "pull → ping", b.post("/webhooks/"+pull.ID, edit), http.StatusSeeOther)
	e, err := h.app.Endpoint(context.Background(), h.tenant.ID, pull.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Mode != hookd.ModePing || e.URL != "https://warehouse.example/notices" {
		t.Fatalf("after editing: mode %q, URL %q", e.Mode, e.URL)
	}
	// Its form offers ping and pull, not full; a full endpoint's offers
	// full alone. Posting full anyway is refused with the app's reason.
	wantContains(t, "ping endpoint's form", b.get("/webhooks/"+pull.ID), `id="edit-mode-full" disabled>`,
		`id="edit-mode-ping" checked>`, `id="edit-mode-pull">`, "Ping and pull only can be swapped")
	full := addEndpoint(t, h, b, pullForm("Full", "full", "https://receiver.example/full"))
	wantContains(t, "full endpoint's form", b.get("/webhooks/"+full.ID), `id="edit-mode-full" checked>`,
		`id="edit-mode-ping" disabled>`, `id="edit-mode-pull" disabled>`, "A full endpoint cannot become ping or pull")
	p = b.post("/webhooks/"+pull.ID, pullForm("Warehouse", "full", "https://warehouse.example/notices"))
	wantStatus(t, "ping → full", p, http.StatusUnprocessableEntity)
	wantContains(t, "ping → full", p, "Mode: cannot change from ping to full", `id="edit-mode-full" disabled checked>`)
}

var previewRow = regexp.MustCompile(`<tr data-transaction="(\d+)">`)

// previewed returns the transaction numbers a "Pull now" preview lists.
func previewed(p page) string {
	var ns []string
	for _, m := range previewRow.FindAllStringSubmatch(p.body, -1) {
		ns = append(ns, m[1])
	}
	return strings.Join(ns, ",")
}

// TestPullEndpointPage checks what the page of a ping endpoint shows of
// its payloads: the cursor, the pending count, the last pull and the
// lifecycle's dates; that "Pull now" shows the next payloads without
// counting as a pull; and the inactive state.
func TestPullEndpointPage(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		b := h.browser()
		b.signIn()
		created := h.clock.Now()
		b.get("/webhooks")
		e := addEndpoint(t, h, b, pullForm("Notified", "ping", "https://receiver.example/ping"))
		full := addEndpoint(t, h, b, pullForm("Full", "full", "https://receiver.example/full"))

		p := b.get("/webhooks/" + e.ID)
		wantStatus(t, "new ping endpoint", p, http.StatusOK)
		wantContains(t, "new ping endpoint", p, `id="pull"`, `id="cursor-last">0<`, `id="cursor-notified">0<`, `id="cursor-pulled">0<`,
			`id="cursor-pending">0<`, `id="last-pulled">never<`,
			`<dd id="inactive-by"><time datetime="`+iso(created.Add(7*24*time.Hour))+`">`+when(created.Add(7*24*time.Hour)),
			`<dd id="deleted-by"><time datetime="`+iso(created.Add(14*24*time.Hour))+`">`+when(created.Add(14*24*time.Hour)),
			`/api/v1/endpoints/`+e.ID+`/payloads?after=0`, `href="/webhooks/`+e.ID+`?pull=now#pull-preview"`, "Recent notices")
		wantNotContains(t, "new ping endpoint", p, `id="pull-preview"`)
		wantNotContains(t, "full endpoint", b.get("/webhooks/"+full.ID), `id="pull"`, `id="pull-now"`)

		var events []*hookd.Event
		for range 23 {
			events = append(events, publish(t, h, "user.created"))
		}
		// The receiver pulls the first one, an hour later.
		h.clock.Advance(time.Hour)
		pulledAt := h.clock.Now()
		list, err := h.app.ListPayloads(ctx, h.tenant.ID, e.ID, app.ListPayloadsInput{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Payloads) != 1 || list.Payloads[0].Transaction != 1 || list.Payloads[0].EventID != events[0].ID {
			t.Fatalf("the receiver's pull: %+v", list.Payloads)
		}

		h.clock.Advance(time.Hour)
		p = b.get("/webhooks/" + e.ID)
		wantContains(t, "after a pull", p, `id="cursor-last">23<`, `id="cursor-pulled">1<`, `id="cursor-pending">22<`,
			`<dd id="last-pulled"><time datetime="`+iso(pulledAt)+`">`,
			`<dd id="inactive-by"><time datetime="`+iso(pulledAt.Add(7*24*time.Hour))+`">`,
			`<dd id="deleted-by"><time datetime="`+iso(pulledAt.Add(14*24*time.Hour))+`">`,
			`/api/v1/endpoints/`+e.ID+`/payloads?after=1`)

		// Pull now: the next 20 after the pulled cursor, with their events.
		p = b.get("/webhooks/" + e.ID + "?pull=now")
		wantStatus(t, "pull now", p, http.StatusOK)
		var want []string
		for n := 2; n <= 21; n++ {
			want = append(want, fmt.Sprint(n))
		}
		if got := previewed(p); got != strings.Join(want, ",") {
			t.Fatalf("pull now lists transactions %s, want %s", got, strings.Join(want, ","))
		}
		wantContains(t, "pull now", p, `id="pull-preview"`, "Next payloads after 1", "<code>"+events[1].ID+"</code>",
			"<code>"+events[20].ID+"</code>", "<code>user.created</code>", iso(events[1].Timestamp), `"first_name"`,
			`href="/webhooks/`+e.ID+`?pull=now&amp;after=21#pull-preview"`)
		wantNotContains(t, "pull now", p, "<code>"+events[0].ID+"</code>", "<code>"+events[21].ID+"</code>")
		p = b.get("/webhooks/" + e.ID + "?pull=now&after=21")
		if got := previewed(p); got != "22,23" {
			t.Fatalf("the preview's next page lists %s, want 22,23", got)
		}
		wantNotContains(t, "the preview's last page", p, `id="preview-next"`)
		p = b.get("/webhooks/" + e.ID + "?pull=now&after=23")
		wantContains(t, "nothing after 23", p, "Nothing after 23")
		wantStatus(t, "a bad after", b.get("/webhooks/"+e.ID+"?pull=now&after=x"), http.StatusUnprocessableEntity)

		// None of it was a pull.
		got, err := h.app.Endpoint(ctx, h.tenant.ID, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastPulledAt == nil || !got.LastPulledAt.Equal(pulledAt) || got.PulledTransaction != 1 || !got.ActiveSince().Equal(pulledAt) {
			t.Fatalf("after Pull now: last pulled %v (want %v), pulled %d (want 1), active since %v",
				got.LastPulledAt, pulledAt, got.PulledTransaction, got.ActiveSince())
		}
		wantContains(t, "after pull now", b.get("/webhooks/"+e.ID), `id="cursor-pulled">1<`, `id="cursor-pending">22<`)

		// Seven days without a pull: inactive.
		h.clock.Advance(7 * 24 * time.Hour)
		inactiveAt := h.clock.Now()
		if _, err := h.store.DeactivatePullEndpoints(ctx, inactiveAt.Add(-hookd.DefaultPullInactiveAfter), inactiveAt, 10); err != nil {
			t.Fatal(err)
		}
		b.signIn() // the session ended meanwhile
		p = b.get("/webhooks/" + e.ID)
		wantContains(t, "inactive", p, `<span class="badge warn" title="`+hookd.InactiveReason+`">Inactive</span>`, `id="inactive-banner"`,
			`<dd id="inactive-at"><time datetime="`+iso(inactiveAt)+`">`,
			`<dd id="deleted-by"><time datetime="`+iso(inactiveAt.Add(7*24*time.Hour))+`">`, hookd.InactiveReason)
		wantNotContains(t, "inactive", p, `id="inactive-by"`, `id="disabled-banner"`)
		wantContains(t, "list, inactive", b.get("/webhooks?sort=state"), `title="`+hookd.InactiveReason+`">Inactive</span>`)
	})
}

func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TestWebhookDocsPull checks the documentation's section on ping and pull
// endpoints: the notice, the list call, the guarantees, the lifecycle with
// the instance's periods, and the receiver's code.
func TestWebhookDocsPull(t *testing.T) {
	h := sqliteHarness(t)
	h.app.PullLifecycle = hookd.PullLifecycle{InactiveAfter: 3 * 24 * time.Hour, DeleteAfter: 10 * 24 * time.Hour}
	b := h.browser()
	b.signIn()
	p := b.get("/webhooks/documentation")
	wantStatus(t, "documentation", p, http.StatusOK)
	wantContains(t, "documentation", p, `<li><a href="#pull">Ping and pull endpoints</a></li>`, `<section id="pull"`,
		`"transaction": 42, "pending": 3`, `/api/v1/endpoints/ep_…/payloads?after=41&limit=1000&wait=30`,
		"Nothing is missed.", "At least once.", "at least once every 3 days", "during the next 10 days",
		"type Payload struct", "func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request)",
		"func (rc *Receiver) Run(ctx context.Context, wait time.Duration) error", "webhookverify.Verify(rc.Secret",
		`BaseURL: "`+h.srv.URL+`"`)
	wantNotContains(t, "documentation", p, "package webhookpull", "7 days")
}
