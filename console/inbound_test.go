package console_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// hrCall makes an inbound provisioning call of the tenant slug through
// the app, as the service account email (password hrPassword) would.
func (h *harness) hrCall(slug, email string, d *hookd.ProvisioningDestination, op hookd.ProvisioningOperation, body string) *hookd.InboundCall {
	h.t.Helper()
	header := http.Header{}
	header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(email+":"+hrPassword)))
	header.Set("Content-Type", "application/json")
	res, err := h.app.ReceiveInbound(context.Background(), app.InboundRequest{
		TenantSlug: slug, Kind: hookd.InboundProvisioning, DestinationID: d.ID, Operation: op, Method: http.MethodPost,
		Path: "/hooks/" + slug + "/provisioning/" + d.ID + "/" + string(op), SourceIP: "203.0.113.7", Header: header, Body: []byte(body),
	})
	if res == nil || res.Call == nil {
		h.t.Fatalf("the call to %s was not logged: %v", op, err)
	}
	if hookd.ErrorCode(err) == hookd.EINTERNAL {
		h.t.Fatalf("the call to %s: %v", op, err)
	}
	return res.Call
}

const hrPassword = "hr-password-12345"

// TestInbound shows the destinations with their URLs, the ticket webhook
// URLs, the service accounts and the inbound log; adds and deletes a
// destination; searches and filters the log and replays a failed call.
func TestInbound(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		h.app.PublicURL = "https://hooks.example.com"
		if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		d, err := h.app.CreateProvisioningDestination(ctx, h.tenant.ID, app.CreateDestinationInput{Name: "Workday HR"})
		if err != nil {
			t.Fatal(err)
		}
		sa, err := h.app.CreateServiceAccount(ctx, admin(h.tenant), "hr@acme.example", hrPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		// A modifyuser of an employee hookd does not know: 404.
		failed := h.hrCall("acme", sa.Email, d, hookd.ModifyUser, `{"employee_id":"4242","first_name":"Grace"}`)
		if !failed.Failed() {
			t.Fatalf("the call succeeded: %d", failed.Status)
		}
		h.clock.Advance(1)
		ok := h.hrCall("acme", sa.Email, d, hookd.AddUser,
			`{"employee_id":"1111","first_name":"Ada","last_name":"Lovelace","email":"ada.l@example.com"}`)
		if ok.Failed() {
			t.Fatalf("adduser: %d %s", ok.Status, ok.Problem)
		}

		// Another tenant's destination, account and calls never show.
		other, err := h.app.CreateTenant(ctx, appTenant("globex", "hank@globex.example", "globex-password-1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.SetAPIEnabled(ctx, "globex", true); err != nil {
			t.Fatal(err)
		}
		od, err := h.app.CreateProvisioningDestination(ctx, other.ID, app.CreateDestinationInput{Name: "Globex HR"})
		if err != nil {
			t.Fatal(err)
		}
		osa, err := h.app.CreateServiceAccount(ctx, admin(other), "hr@globex.example", hrPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		ocall := h.hrCall("globex", osa.Email, od, hookd.DeleteUser, `{"employee_id":"9999"}`)

		b := h.browser()
		b.signIn()
		p := b.get("/inbound")
		wantStatus(t, "inbound page", p, http.StatusOK)
		base := "https://hooks.example.com/hooks/acme/"
		wantContains(t, "inbound page", p,
			`<a href="/inbound" aria-current="page">Inbound</a>`,
			"Workday HR", `data-destination="`+d.ID+`"`,
			base+"provisioning/"+d.ID+"/adduser", base+"provisioning/"+d.ID+"/modifyuser", base+"provisioning/"+d.ID+"/deleteuser",
			`data-copy="dest-`+d.ID+`-adduser"`, `data-copy="dest-`+d.ID+`-deleteuser"`,
			base+"helpdesk/servicenow", base+"helpdesk/createticket", `data-copy="helpdesk-servicenow"`, `data-copy="helpdesk-createticket"`,
			"hr@acme.example", `data-call="`+failed.ID+`"`, `data-call="`+ok.ID+`"`, failed.Problem,
			`action="/inbound/calls/`+failed.ID+`/replay"`)
		wantNotContains(t, "inbound page", p, "Globex HR", od.ID, "hr@globex.example", ocall.ID,
			`action="/inbound/calls/`+ok.ID+`/replay"`)

		// Search and "failed only" narrow the log.
		p = b.get("/inbound?q=adduser")
		wantContains(t, "search", p, `data-call="`+ok.ID+`"`)
		wantNotContains(t, "search", p, `data-call="`+failed.ID+`"`)
		p = b.get("/inbound?failed=true")
		wantContains(t, "failed only", p, `data-call="`+failed.ID+`"`, `name="failed" value="true" checked`)
		wantNotContains(t, "failed only", p, `data-call="`+ok.ID+`"`)
		wantContains(t, "no match", b.get("/inbound?q=nothing-like-this"), "No call matches.")

		// Replay: still failing, then, once the employee exists, a success.
		p = b.post("/inbound/calls/"+failed.ID+"/replay", url.Values{"failed": {"true"}})
		wantStatus(t, "replay", p, http.StatusSeeOther)
		if !strings.HasPrefix(p.location(), "/inbound?replay=inb_") || !strings.HasSuffix(p.location(), "&failed=true") {
			t.Fatalf("replay redirects to %q", p.location())
		}
		p = b.get(p.location())
		wantContains(t, "replay failed", p, `id="replay-outcome"`, "The replay failed again (status 404).")
		if _, err := h.app.CreateUser(ctx, h.tenant.ID, app.CreateUserInput{EmployeeID: "4242", FirstName: "Grace",
			LastName: "Hopper", Email: "grace@example.com"}); err != nil {
			t.Fatal(err)
		}
		p = b.post("/inbound/calls/"+failed.ID+"/replay", nil)
		wantStatus(t, "replay again", p, http.StatusSeeOther)
		p = b.get(p.location())
		wantContains(t, "replay succeeded", p, "The replay succeeded (status 200): it changed a user.", `title="Replay of `+failed.ID+`"`)
		calls, err := h.app.ListInboundCalls(ctx, h.tenant.ID, false, hookd.ListParams{Sort: "-received_at", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if c := calls.Items[0]; c.ReplayOf != failed.ID || c.Caller == "" || !strings.HasPrefix(c.Caller, "replay by console_user ") {
			t.Errorf("the replay is logged as %+v", c)
		}
		wantStatus(t, "replay a call that succeeded", b.post("/inbound/calls/"+ok.ID+"/replay", nil), http.StatusConflict)
		wantStatus(t, "replay another tenant's call", b.post("/inbound/calls/"+ocall.ID+"/replay", nil), http.StatusNotFound)
		// Only a replay's own ID shows an outcome.
		wantNotContains(t, "outcome of a call that is no replay", b.get("/inbound?replay="+failed.ID), `id="replay-outcome"`)
		wantNotContains(t, "outcome of another tenant's call", b.get("/inbound?replay="+ocall.ID), `id="replay-outcome"`)

		// Add a destination.
		wantContains(t, "create without script", b.get("/inbound?create"), `id="create-dialog" aria-labelledby="create-title" data-modal open>`)
		p = b.post("/inbound/destinations", url.Values{"name": {""}, "type": {"paylocity"}})
		wantStatus(t, "no name", p, http.StatusUnprocessableEntity)
		wantContains(t, "no name", p, `data-modal open>`, `<option value="paylocity" selected>`, `class="field-error"`)
		p = b.post("/inbound/destinations", url.Values{"name": {"Paylocity"}, "type": {"paylocity"}})
		wantStatus(t, "create", p, http.StatusSeeOther)
		p = b.get(p.location())
		wantContains(t, "created", p, "The provisioning destination was added.", "Paylocity", `<span class="badge">paylocity</span>`)
		dests, err := h.app.ListProvisioningDestinations(ctx, h.tenant.ID, hookd.ListParams{Sort: "name"})
		if err != nil || len(dests.Items) != 2 || dests.Items[0].Name != "Paylocity" || dests.Items[0].Type != hookd.DestinationPaylocity {
			t.Fatalf("destinations after create: %v %+v", err, dests.Items)
		}
		created := dests.Items[0]
		wantContains(t, "created URLs", p, base+"provisioning/"+created.ID+"/adduser")

		// A post without the CSRF token is refused and changes nothing.
		p = b.postRaw("/inbound/destinations/"+created.ID+"/delete", url.Values{}, nil)
		wantStatus(t, "delete without CSRF", p, http.StatusForbidden)
		p = b.postRaw("/inbound/destinations", url.Values{"name": {"Sneaky"}}, nil)
		wantStatus(t, "create without CSRF", p, http.StatusForbidden)
		if _, err := h.app.ProvisioningDestination(ctx, h.tenant.ID, created.ID); err != nil {
			t.Fatalf("the destination is gone after a post without CSRF: %v", err)
		}

		// Delete it; another tenant's cannot be deleted.
		b.get("/inbound?delete=" + created.ID)
		p = b.post("/inbound/destinations/"+created.ID+"/delete", nil)
		wantStatus(t, "delete", p, http.StatusSeeOther)
		p = b.get(p.location())
		wantContains(t, "deleted", p, "The provisioning destination was deleted")
		wantNotContains(t, "deleted", p, `data-destination="`+created.ID+`"`)
		wantStatus(t, "delete another tenant's", b.post("/inbound/destinations/"+od.ID+"/delete", nil), http.StatusNotFound)
		if _, err := h.app.ProvisioningDestination(ctx, other.ID, od.ID); err != nil {
			t.Fatalf("another tenant's destination: %v", err)
		}
	})
}

// TestUnauthenticatedInboundCallHasNoReplay logs a call without valid
// credentials that would provision a user: the console shows it, marked,
// with no Replay button, and refuses to replay it.
func TestUnauthenticatedInboundCallHasNoReplay(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		if _, err := h.app.SetAPIEnabled(ctx, "acme", true); err != nil {
			t.Fatal(err)
		}
		d, err := h.app.CreateProvisioningDestination(ctx, h.tenant.ID, app.CreateDestinationInput{Name: "Workday HR"})
		if err != nil {
			t.Fatal(err)
		}
		header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Token not-a-key"}}
		res, err := h.app.ReceiveInbound(ctx, app.InboundRequest{
			TenantSlug: "acme", Kind: hookd.InboundProvisioning, DestinationID: d.ID, Operation: hookd.AddUser,
			Method: http.MethodPost, Path: "/hooks/acme/provisioning/" + d.ID + "/adduser", SourceIP: "203.0.113.9",
			Header: header, Body: []byte(`{"employee_id":"666","first_name":"Eve","last_name":"Il","email":"eve@example.com"}`),
		})
		if hookd.ErrorCode(err) != hookd.EUNAUTHORIZED || res.Call != nil {
			t.Fatalf("anonymous call: %v, %+v", err, res)
		}
		calls, err := h.app.ListInboundCalls(ctx, h.tenant.ID, false, hookd.ListParams{})
		if err != nil || len(calls.Items) != 1 {
			t.Fatalf("log: %v %+v", err, calls.Items)
		}
		c := calls.Items[0]

		b := h.browser()
		b.signIn()
		p := b.get("/inbound")
		wantStatus(t, "inbound page", p, http.StatusOK)
		wantContains(t, "inbound page", p, `data-call="`+c.ID+`"`, ">unauthenticated</span>")
		wantNotContains(t, "inbound page", p, `action="/inbound/calls/`+c.ID+`/replay"`, "eve@example.com")
		p = b.post("/inbound/calls/"+c.ID+"/replay", nil)
		wantStatus(t, "replay", p, http.StatusConflict)
		users, err := h.app.ListUsers(ctx, h.tenant.ID, "", hookd.ListParams{})
		if err != nil || len(users.Items) != 0 {
			t.Fatalf("users after the replay: %v %+v", err, users.Items)
		}
	})
}
