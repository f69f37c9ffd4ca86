package app_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// dirEnv is an app with a tenant, an enabled endpoint and a disabled one,
// both subscribed to every type, and a count of DeliveriesStored calls.
type dirEnv struct {
	a         *app.App
	clock     *hookd.ManualClock
	tenant    string
	on, off   *hookd.Endpoint
	woken     atomic.Int32
	seenEvent map[string]bool
}

func newDirEnv(t *testing.T, s *sqlstore.Store) *dirEnv {
	t.Helper()
	a, clock := newApp(t, s)
	a.PublicURL = "https://hookd.example"
	d := &dirEnv{a: a, clock: clock, seenEvent: map[string]bool{}}
	a.DeliveriesStored = func(...string) { d.woken.Add(1) }
	d.tenant = etTenant(t, a, "acme", hookd.PlanEnterprise)
	var err error
	ctx := context.Background()
	if d.on, err = a.CreateEndpoint(ctx, d.tenant, app.CreateEndpointInput{Name: "on", URL: "https://on.example/hook"}); err != nil {
		t.Fatal(err)
	}
	if d.off, err = a.CreateEndpoint(ctx, d.tenant, app.CreateEndpointInput{Name: "off", URL: "https://off.example/hook"}); err != nil {
		t.Fatal(err)
	}
	if _, err = a.DisableEndpoint(ctx, d.tenant, d.off.ID, ""); err != nil {
		t.Fatal(err)
	}
	return d
}

// newEvents returns the tenant's events not returned before, oldest first,
// after checking that each is valid against its type's schema and has a
// pending delivery to the enabled endpoint and a held one to the disabled.
func (d *dirEnv) newEvents(t *testing.T) []*hookd.Event {
	t.Helper()
	ctx := context.Background()
	page, err := d.a.Store.ListEvents(ctx, d.tenant, "", hookd.ListParams{Limit: hookd.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []*hookd.Event
	for _, e := range page.Items {
		if d.seenEvent[e.ID] {
			continue
		}
		d.seenEvent[e.ID] = true
		if err := d.a.ValidateEventData(ctx, d.tenant, e.Type, e.Data); err != nil {
			t.Fatalf("event %s data %s: %v", e.Type, e.Data, err)
		}
		ds, err := d.a.Store.ListDeliveriesForEvent(ctx, d.tenant, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]hookd.DeliveryState{}
		for _, dl := range ds {
			states[dl.EndpointID] = dl.State
		}
		if len(ds) != 2 || states[d.on.ID] != hookd.DeliveryPending || states[d.off.ID] != hookd.DeliveryHeld {
			t.Fatalf("deliveries of %s: %+v", e.Type, ds)
		}
		out = append(out, e)
	}
	return out
}

// wantEvent fails t unless exactly one new event was published, of type
// typ, and returns its data decoded.
func (d *dirEnv) wantEvent(t *testing.T, typ string) map[string]any {
	t.Helper()
	es := d.newEvents(t)
	if len(es) != 1 || es[0].Type != typ {
		var got []string
		for _, e := range es {
			got = append(got, e.Type)
		}
		t.Fatalf("new events %v, want one %s", got, typ)
	}
	var data map[string]any
	if err := json.Unmarshal(es[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	return data
}

func (d *dirEnv) wantNoEvent(t *testing.T) {
	t.Helper()
	if es := d.newEvents(t); len(es) != 0 {
		t.Fatalf("%d new events (first %s), want none", len(es), es[0].Type)
	}
}

func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	var g any
	_ = json.Unmarshal(b, &g)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s = %s, want %s", what, b, want)
	}
}

func TestOrganizationEvents(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := newDirEnv(t, s)
		o, err := d.a.CreateOrganization(ctx, d.tenant, "  R&D ")
		if err != nil {
			t.Fatal(err)
		}
		data := d.wantEvent(t, hookd.EventOrganizationUpdated)
		wantJSON(t, "created", data, `{"organization":{"id":"`+o.ID+`","name":"R&D"},"change":"created"}`)
		if d.woken.Load() == 0 {
			t.Fatal("DeliveriesStored was not called")
		}

		if _, err := d.a.RenameOrganization(ctx, d.tenant, o.ID, "Research"); err != nil {
			t.Fatal(err)
		}
		data = d.wantEvent(t, hookd.EventOrganizationUpdated)
		wantJSON(t, "renamed", data, `{"organization":{"id":"`+o.ID+`","name":"Research"},"change":"renamed","previous":{"name":"R&D"}}`)
		if _, err := d.a.RenameOrganization(ctx, d.tenant, o.ID, "Research"); err != nil {
			t.Fatal(err)
		}
		d.wantNoEvent(t)

		_, err = d.a.CreateOrganization(ctx, d.tenant, "Research")
		if hookd.ErrorCode(err) != hookd.ECONFLICT {
			t.Fatalf("duplicate name: %v", err)
		}
		_, err = d.a.CreateOrganization(ctx, d.tenant, " ")
		wantFieldError(t, err, "body.name")
		_, err = d.a.RenameOrganization(ctx, d.tenant, "org_nope", "x")
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("unknown organization: %v", err)
		}
		d.wantNoEvent(t)
	})
}

func TestUserEvents(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := newDirEnv(t, s)
		rd, err := d.a.CreateOrganization(ctx, d.tenant, "R&D")
		if err != nil {
			t.Fatal(err)
		}
		sales, err := d.a.CreateOrganization(ctx, d.tenant, "Sales")
		if err != nil {
			t.Fatal(err)
		}
		d.newEvents(t)

		u, err := d.a.CreateUser(ctx, d.tenant, app.CreateUserInput{
			EmployeeID: "E-1042", FirstName: "Ada", LastName: "Lovelace", Email: "Ada@Example.com",
			OrganizationIDs: []string{rd.ID, rd.ID},
		})
		if err != nil {
			t.Fatal(err)
		}
		if u.DisplayName != "Ada Lovelace" || u.Email != "ada@example.com" || len(u.Organizations) != 1 || u.Status != hookd.UserActive {
			t.Fatalf("created %+v", u)
		}
		data := d.wantEvent(t, hookd.EventUserCreated)
		user := data["user"].(map[string]any)
		if user["id"] != u.ID || user["employee_id"] != "E-1042" || user["mobile"] != "" || user["status"] != "active" {
			t.Fatalf("user.created data %v", data)
		}

		// Change email and organizations: user.updated with both.
		d.clock.Advance(time.Minute)
		u, err = d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{
			Email: epPtr("ada@lovelace.example"), OrganizationIDs: &[]string{sales.ID}, FirstName: epPtr("Ada"),
		})
		if err != nil {
			t.Fatal(err)
		}
		data = d.wantEvent(t, hookd.EventUserUpdated)
		wantJSON(t, "changed_fields", data["changed_fields"], `["email","organizations"]`)
		wantJSON(t, "previous", data["previous"], `{"email":"ada@example.com","organizations":[{"id":"`+rd.ID+`","name":"R&D"}]}`)

		// The same again changes nothing.
		if _, err := d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{Email: epPtr("ada@lovelace.example")}); err != nil {
			t.Fatal(err)
		}
		d.wantNoEvent(t)

		// Terminate.
		d.clock.Advance(time.Minute)
		term := hookd.UserTerminated
		u, err = d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{Status: &term})
		if err != nil {
			t.Fatal(err)
		}
		if u.TerminatedAt == nil || u.Status != hookd.UserTerminated {
			t.Fatalf("terminated %+v", u)
		}
		data = d.wantEvent(t, hookd.EventUserTerminated)
		if data["user"].(map[string]any)["status"] != "terminated" || data["terminated_at"] == nil {
			t.Fatalf("user.terminated data %v", data)
		}
		got, err := d.a.User(ctx, d.tenant, u.ID)
		if err != nil || got.Status != hookd.UserTerminated {
			t.Fatalf("terminated user reads %+v, %v", got, err)
		}

		// Bad input is listed, field by field, and changes nothing.
		_, err = d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{
			Email: epPtr("nope"), FirstName: epPtr("a\nb"), OrganizationIDs: &[]string{"org_nope"}, Status: epPtr(hookd.UserStatus("gone")),
		})
		for _, loc := range []string{"body.email", "body.first_name", "body.organization_ids[0]", "body.status"} {
			wantFieldError(t, err, loc)
		}
		_, err = d.a.CreateUser(ctx, d.tenant, app.CreateUserInput{EmployeeID: "E-1042"})
		if hookd.ErrorCode(err) != hookd.ECONFLICT {
			t.Fatalf("duplicate employee ID: %v", err)
		}
		_, err = d.a.CreateUser(ctx, d.tenant, app.CreateUserInput{})
		wantFieldError(t, err, "body.employee_id")
		d.wantNoEvent(t)
	})
}

func TestProvisionUser(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := newDirEnv(t, s)
		in := hookd.UserInput{EmployeeID: "1111", FirstName: epPtr("John"), LastName: epPtr("Doe"), Email: epPtr("john@example.com")}
		u, created, err := d.a.ProvisionUser(ctx, d.tenant, hookd.AddUser, in)
		if err != nil || !created {
			t.Fatalf("adduser: created %v, %v", created, err)
		}
		d.wantEvent(t, hookd.EventUserCreated)

		// adduser again: an update, not a second user.
		in.Mobile = epPtr("555-0100")
		again, created, err := d.a.ProvisionUser(ctx, d.tenant, hookd.AddUser, in)
		if err != nil || created || again.ID != u.ID || again.Mobile != "555-0100" {
			t.Fatalf("adduser again: %+v created %v, %v", again, created, err)
		}
		data := d.wantEvent(t, hookd.EventUserUpdated)
		wantJSON(t, "changed_fields", data["changed_fields"], `["mobile"]`)
		page, err := d.a.ListUsers(ctx, d.tenant, "", hookd.ListParams{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("users after adduser twice: %d, %v", len(page.Items), err)
		}

		// modifyuser changes only what it gives.
		got, _, err := d.a.ProvisionUser(ctx, d.tenant, hookd.ModifyUser, hookd.UserInput{EmployeeID: "1111", LastName: epPtr("Roe")})
		if err != nil || got.LastName != "Roe" || got.FirstName != "John" || got.Email != "john@example.com" {
			t.Fatalf("modifyuser: %+v, %v", got, err)
		}
		d.wantEvent(t, hookd.EventUserUpdated)
		_, _, err = d.a.ProvisionUser(ctx, d.tenant, hookd.ModifyUser, hookd.UserInput{EmployeeID: "9999"})
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("modifyuser of an unknown employee: %v", err)
		}

		// deleteuser terminates, once.
		got, _, err = d.a.ProvisionUser(ctx, d.tenant, hookd.DeleteUser, hookd.UserInput{EmployeeID: "1111"})
		if err != nil || got.Status != hookd.UserTerminated {
			t.Fatalf("deleteuser: %+v, %v", got, err)
		}
		d.wantEvent(t, hookd.EventUserTerminated)
		if _, _, err = d.a.ProvisionUser(ctx, d.tenant, hookd.DeleteUser, hookd.UserInput{EmployeeID: "1111"}); err != nil {
			t.Fatal(err)
		}
		d.wantNoEvent(t)
		_, _, err = d.a.ProvisionUser(ctx, d.tenant, hookd.DeleteUser, hookd.UserInput{EmployeeID: "9999"})
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("deleteuser of an unknown employee: %v", err)
		}

		// adduser of a terminated employee takes them back.
		got, created, err = d.a.ProvisionUser(ctx, d.tenant, hookd.AddUser, in)
		if err != nil || created || got.Status != hookd.UserActive || got.TerminatedAt != nil {
			t.Fatalf("rehire: %+v created %v, %v", got, created, err)
		}
		data = d.wantEvent(t, hookd.EventUserUpdated)
		if changed := data["changed_fields"].([]any); !slices.Contains(changed, any("status")) {
			t.Fatalf("rehire changed_fields %v", changed)
		}

		_, _, err = d.a.ProvisionUser(ctx, d.tenant, hookd.AddUser, hookd.UserInput{EmployeeID: "2", Email: epPtr("x@example.com"), FirstName: epPtr(string(make([]byte, 201)))})
		wantFieldError(t, err, "body.first_name")
	})
}

func TestTickets(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := newDirEnv(t, s)
		opened := time.Date(2024, 1, 15, 19, 25, 51, 927013000, time.UTC)
		in := hookd.TicketInput{
			Number: "INC0012345", Title: "VPN does not connect", RequesterEmail: "jane@example.com", OpenedAt: &opened,
			Impact: "low", State: "open", Source: "servicenow", ExternalID: "sys-1", Comment: "assignment_group: Network",
		}
		tk, created, err := d.a.ReceiveTicket(ctx, d.tenant, in)
		if err != nil || !created {
			t.Fatalf("ReceiveTicket: created %v, %v", created, err)
		}
		if len(tk.Comments) != 1 || tk.Comments[0].Author != "servicenow" || tk.Number != "INC0012345" {
			t.Fatalf("ticket %+v", tk)
		}
		data := d.wantEvent(t, hookd.EventTicketCreated)
		ticket := data["ticket"].(map[string]any)
		if ticket["link"] != "https://hookd.example/api/v1/tickets/"+tk.ID || ticket["opened_at"] != "2024-01-15T19:25:51.927013Z" {
			t.Fatalf("ticket.created data %v", data)
		}

		// A resend changes nothing and publishes nothing; a changed one
		// updates the same ticket.
		again, created, err := d.a.ReceiveTicket(ctx, d.tenant, in)
		if err != nil || created || again.ID != tk.ID {
			t.Fatalf("resend: %+v created %v, %v", again, created, err)
		}
		d.wantNoEvent(t)
		in.State = "in progress"
		again, created, err = d.a.ReceiveTicket(ctx, d.tenant, in)
		if err != nil || created || again.ID != tk.ID || again.State != "in progress" || len(again.Comments) != 1 {
			t.Fatalf("changed resend: %+v created %v, %v", again, created, err)
		}
		data = d.wantEvent(t, hookd.EventTicketUpdated)
		wantJSON(t, "changed", data["changed_fields"], `["state"]`)
		wantJSON(t, "previous", data["previous"], `{"state":"open"}`)
		page, err := d.a.ListTickets(ctx, d.tenant, hookd.ListParams{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("tickets: %d, %v", len(page.Items), err)
		}

		// Tickets without a number get hookd's own.
		for i, want := range []string{"TKT0000001", "TKT0000002"} {
			g, created, err := d.a.ReceiveTicket(ctx, d.tenant, hookd.TicketInput{Title: "Printer", RequesterEmail: "a@example.com", Source: "generic"})
			if err != nil || !created || g.Number != want || g.State != app.DefaultTicketState {
				t.Fatalf("generic %d: %+v, %v", i, g, err)
			}
			d.wantEvent(t, hookd.EventTicketCreated)
		}
		api, err := d.a.CreateTicket(ctx, d.tenant, app.CreateTicketInput{Title: "By API", Comment: "first"})
		if err != nil || api.Number != "TKT0000003" || api.Source != hookd.TicketSourceAPI || len(api.Comments) != 1 {
			t.Fatalf("CreateTicket: %+v, %v", api, err)
		}
		d.wantEvent(t, hookd.EventTicketCreated)
		api, err = d.a.UpdateTicket(ctx, d.tenant, api.ID, app.UpdateTicketInput{State: epPtr("closed"), Comment: epPtr("done")})
		if err != nil || len(api.Comments) != 2 || api.State != "closed" {
			t.Fatalf("UpdateTicket: %+v, %v", api, err)
		}
		data = d.wantEvent(t, hookd.EventTicketUpdated)
		wantJSON(t, "changed", data["changed_fields"], `["state","comments"]`)

		_, err = d.a.CreateTicket(ctx, d.tenant, app.CreateTicketInput{RequesterEmail: "nope"})
		wantFieldError(t, err, "body.title")
		wantFieldError(t, err, "body.requester_email")
		_, err = d.a.UpdateTicket(ctx, d.tenant, api.ID, app.UpdateTicketInput{Comment: epPtr(" ")})
		wantFieldError(t, err, "body.comment")
		d.wantNoEvent(t)
	})
}

// vanishingStore deletes an endpoint right after the app looked up the
// subscribed endpoints, as a concurrent DELETE would.
type vanishingStore struct {
	hookd.Store
	endpoint *hookd.Endpoint
}

func (s *vanishingStore) SubscribedEndpoints(ctx context.Context, tenantID, eventType string) ([]*hookd.Endpoint, error) {
	eps, err := s.Store.SubscribedEndpoints(ctx, tenantID, eventType)
	if err == nil && s.endpoint != nil {
		err = s.Store.DeleteEndpoint(ctx, tenantID, s.endpoint.ID)
		s.endpoint = nil
	}
	return eps, err
}

// TestDirectoryChangeAtomic checks that a change whose event cannot be
// stored (a delivery's endpoint was deleted meanwhile) leaves nothing
// behind, and that the same change goes through afterwards.
func TestDirectoryChangeAtomic(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		d := newDirEnv(t, s)
		u, err := d.a.CreateUser(ctx, d.tenant, app.CreateUserInput{EmployeeID: "1", FirstName: "A", Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		before := d.newEvents(t)
		woken := d.woken.Load()

		vs := &vanishingStore{Store: s, endpoint: d.on}
		d.a.Store = vs
		_, err = d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{Email: epPtr("b@example.com")})
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("update whose delivery's endpoint vanished: %v, want ENOTFOUND", err)
		}
		got, err := d.a.User(ctx, d.tenant, u.ID)
		if err != nil || got.Email != "a@example.com" || got.Version != u.Version {
			t.Fatalf("user after the failed update: %+v, %v", got, err)
		}
		vs.endpoint = d.off
		_, err = d.a.CreateTicket(ctx, d.tenant, app.CreateTicketInput{Title: "T"})
		if hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Fatalf("create whose delivery's endpoint vanished: %v, want ENOTFOUND", err)
		}
		page, err := d.a.ListTickets(ctx, d.tenant, hookd.ListParams{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("tickets after the failed create: %d, %v", len(page.Items), err)
		}
		events, err := s.ListEvents(ctx, d.tenant, "", hookd.ListParams{})
		if err != nil || len(events.Items) != len(before) {
			t.Fatalf("events after failed changes: %d, want %d (%v)", len(events.Items), len(before), err)
		}
		if d.woken.Load() != woken {
			t.Fatal("DeliveriesStored called for changes that failed")
		}
		// With no endpoints left, the change goes through, with no deliveries.
		u, err = d.a.UpdateUser(ctx, d.tenant, u.ID, app.UpdateUserInput{Email: epPtr("b@example.com")})
		if err != nil || u.Email != "b@example.com" {
			t.Fatalf("update after: %+v, %v", u, err)
		}
	})
}
