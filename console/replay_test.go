package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestBulkReplayPage previews a bulk replay from the console, starts it,
// sees its progress once the background job ran, and cancels another.
func TestBulkReplayPage(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, sqlstoretest.SQLite(t))
	e, err := h.app.CreateEndpoint(ctx, h.tenant.ID, app.CreateEndpointInput{Name: "Billing", URL: "https://billing.example/hooks",
		EventTypes: []string{"user.created"}})
	if err != nil {
		t.Fatal(err)
	}
	const events = 3
	for range events {
		if _, _, err := h.app.Publish(ctx, h.tenant.ID, app.PublishInput{Type: "user.created",
			Data: []byte(`{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"L","email":"ada@example.com","status":"active"}}`)}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(time.Minute)
	b := h.browser()
	b.signIn()
	p := b.get("/history")
	wantContains(t, "history", p, `href="/replays?endpoint=&amp;state="`)
	p = b.get("/replays?state=pending")
	wantStatus(t, "replays", p, http.StatusOK)
	wantContains(t, "replays", p, "No replay yet.", `<option value="`+e.ID+`">Billing</option>`, `<option value="pending" selected>`)

	form := url.Values{"endpoint": {e.ID}, "state": {"pending"}, "action": {"preview"}}
	p = b.post("/replays", form)
	wantStatus(t, "preview", p, http.StatusOK)
	wantContains(t, "preview", p, "<strong>3</strong> deliveries match; nothing was sent.", "<code>user.created</code>")
	if page, _ := h.app.ListReplays(ctx, h.tenant.ID, hookd.ListParams{}); len(page.Items) != 0 {
		t.Fatal("a preview started a replay")
	}

	form.Set("since", "tomorrow")
	p = b.post("/replays", form)
	wantStatus(t, "bad time", p, http.StatusUnprocessableEntity)
	wantContains(t, "bad time", p, "Published from: must be a date and time")
	form.Del("since")

	form.Set("action", "start")
	p = b.post("/replays", form)
	wantStatus(t, "start", p, http.StatusSeeOther)
	if n, err := h.app.RunReplays(ctx); err != nil || n != events {
		t.Fatalf("the background job resent %d (%v), want %d", n, err, events)
	}
	p = b.get(p.location())
	wantContains(t, "after the run", p, "The replay started", "3 of 3 resent", `<span class="badge ok">Done</span>`, "Billing, pending")

	p = b.post("/replays", form)
	wantStatus(t, "start another", p, http.StatusSeeOther)
	page, err := h.app.ListReplays(ctx, h.tenant.ID, hookd.ListParams{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("replays: %d (%v)", len(page.Items), err)
	}
	running := page.Items[0]
	wantContains(t, "running", b.get("/replays"), `id="cancel-`+running.ID+`"`)
	wantStatus(t, "cancel", b.post("/replays/"+running.ID+"/cancel", nil), http.StatusSeeOther)
	if r, _ := h.app.Replay(ctx, h.tenant.ID, running.ID); r.State != hookd.ReplayCancelled {
		t.Fatalf("after cancelling: %s", r.State)
	}
}
