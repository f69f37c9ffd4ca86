package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// dirPublication returns an event of tn and one pending delivery per
// endpoint, as a directory change hands them to the store.
func dirPublication(tn *hookd.Tenant, typ string, created time.Time, eps ...*hookd.Endpoint) *hookd.Publication {
	e := evNewEvent(tn, typ, "", created)
	e.Data = json.RawMessage(`{"change":"` + typ + `"}`)
	pub := &hookd.Publication{Event: e, Deliveries: []*hookd.Delivery{}}
	for _, ep := range eps {
		pub.Deliveries = append(pub.Deliveries, evNewDelivery(e, ep, hookd.DeliveryPending))
	}
	return pub
}

// dirBrokenPublication returns a publication that cannot be stored: its
// delivery goes to an endpoint that does not exist.
func dirBrokenPublication(tn *hookd.Tenant, typ string) *hookd.Publication {
	return dirPublication(tn, typ, t0, &hookd.Endpoint{ID: "ep_gone"})
}

// dirWantPublished fails t unless pub's event and deliveries are stored as
// given.
func dirWantPublished(t *testing.T, s hookd.Store, pub *hookd.Publication) {
	t.Helper()
	got, err := s.Event(t.Context(), pub.Event.TenantID, pub.Event.ID)
	must(t, err)
	wantEqual(t, "published event", got, pub.Event)
	ds, err := s.ListDeliveriesForEvent(t.Context(), pub.Event.TenantID, pub.Event.ID)
	must(t, err)
	wantEqual(t, "published deliveries", ds, pub.Deliveries)
}

// dirWantNotPublished fails t if pub's event was stored.
func dirWantNotPublished(t *testing.T, s hookd.Store, pub *hookd.Publication) {
	t.Helper()
	_, err := s.Event(t.Context(), pub.Event.TenantID, pub.Event.ID)
	wantCode(t, err, hookd.ENOTFOUND)
}

// wantStale fails t unless err is hookd.ErrStale.
func wantStale(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, hookd.ErrStale) {
		t.Fatalf("error = %v, want hookd.ErrStale", err)
	}
}

func newOrganization(tn *hookd.Tenant, name string, created time.Time) *hookd.Organization {
	return &hookd.Organization{ID: hookd.NewID(hookd.PrefixOrganization), TenantID: tn.ID, Name: name, CreatedAt: created, UpdatedAt: created}
}

func createOrganization(t *testing.T, s hookd.Store, tn *hookd.Tenant, name string) *hookd.Organization {
	t.Helper()
	o := newOrganization(tn, name, t0)
	must(t, s.CreateOrganization(t.Context(), o, nil))
	return o
}

func newUser(tn *hookd.Tenant, employeeID string, created time.Time) *hookd.User {
	return &hookd.User{
		ID: hookd.NewID(hookd.PrefixUser), TenantID: tn.ID, EmployeeID: employeeID,
		FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace", Email: "ada@example.com",
		Mobile: "+44 20 7946 0018", Status: hookd.UserActive, Organizations: []hookd.OrganizationRef{},
		CreatedAt: created, UpdatedAt: created,
	}
}

func newTicket(tn *hookd.Tenant, number string, created time.Time) *hookd.Ticket {
	return &hookd.Ticket{
		ID: hookd.NewID(hookd.PrefixTicket), TenantID: tn.ID, Number: number, Title: "VPN down",
		RequesterEmail: "ada@example.com", State: "new", Source: hookd.TicketSourceAPI,
		Comments: []hookd.TicketComment{}, CreatedAt: created, UpdatedAt: created,
	}
}

var directoryTests = []storeTest{
	{"OrganizationRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		o := newOrganization(tn, "Research & Development", at(1500*time.Nanosecond))
		pub := dirPublication(tn, hookd.EventOrganizationUpdated, at(1500*time.Nanosecond), ep)
		must(t, s.CreateOrganization(ctx, o, pub))
		if o.Version != 1 || !o.CreatedAt.Equal(at(time.Microsecond)) {
			t.Fatalf("after create: version %d, created %v; want 1 and rounded times", o.Version, o.CreatedAt)
		}
		got, err := s.Organization(ctx, tn.ID, o.ID)
		must(t, err)
		wantEqual(t, "organization", got, o)
		dirWantPublished(t, s, pub)

		// Rename.
		got.Name, got.UpdatedAt = "R&D", at(time.Hour)
		pub2 := dirPublication(tn, hookd.EventOrganizationUpdated, at(time.Hour), ep)
		must(t, s.UpdateOrganization(ctx, got, pub2))
		if got.Version != 2 {
			t.Fatalf("version after update = %d, want 2", got.Version)
		}
		again, err := s.Organization(ctx, tn.ID, o.ID)
		must(t, err)
		wantEqual(t, "renamed organization", again, got)
		dirWantPublished(t, s, pub2)

		// A stale version is a conflict and publishes nothing.
		o.Name = "Stale"
		stale := dirPublication(tn, hookd.EventOrganizationUpdated, at(2*time.Hour), ep)
		wantStale(t, s.UpdateOrganization(ctx, o, stale))
		dirWantNotPublished(t, s, stale)
		again, err = s.Organization(ctx, tn.ID, o.ID)
		must(t, err)
		wantEqual(t, "organization after stale update", again, got)

		// Names are unique per tenant.
		dup := newOrganization(tn, "R&D", t0)
		wantCode(t, s.CreateOrganization(ctx, dup, nil), hookd.ECONFLICT)
		other := createOrganization(t, s, tn, "Sales")
		other.Name = "R&D"
		if err := s.UpdateOrganization(ctx, other, nil); hookd.ErrorCode(err) != hookd.ECONFLICT || errors.Is(err, hookd.ErrStale) {
			t.Fatalf("rename to a taken name: %v, want ECONFLICT (not stale)", err)
		}
		createOrganization(t, s, newTenant(t, s, "other"), "R&D")

		_, err = s.Organization(ctx, tn.ID, "org_missing")
		wantCode(t, err, hookd.ENOTFOUND)
		missing := newOrganization(tn, "Nobody", t0)
		missing.Version = 1
		wantCode(t, s.UpdateOrganization(ctx, missing, nil), hookd.ENOTFOUND)
		wantCode(t, s.CreateOrganization(ctx, newOrganization(&hookd.Tenant{ID: "ten_missing"}, "X", t0), nil), hookd.ENOTFOUND)
	}},
	{"UserRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		rd, sales := createOrganization(t, s, tn, "R&D"), createOrganization(t, s, tn, "Sales")
		u := newUser(tn, "E-1042", at(1500*time.Nanosecond))
		u.ExternalID = "C01/E-1042"
		u.Organizations = []hookd.OrganizationRef{{ID: sales.ID, Name: sales.Name}, {ID: rd.ID, Name: rd.Name}}
		pub := dirPublication(tn, hookd.EventUserCreated, u.CreatedAt, ep)
		must(t, s.CreateUser(ctx, u, pub))
		if u.Version != 1 || u.Organizations[0].ID != rd.ID {
			t.Fatalf("after create: version %d, organizations %s; want 1 and by name", u.Version, show(u.Organizations))
		}
		got, err := s.User(ctx, tn.ID, u.ID)
		must(t, err)
		wantEqual(t, "user", got, u)
		byEmployee, err := s.UserByEmployeeID(ctx, tn.ID, "E-1042")
		must(t, err)
		wantEqual(t, "user by employee ID", byEmployee, u)
		dirWantPublished(t, s, pub)

		// Terminate, leaving one organization.
		got.Status, got.TerminatedAt, got.UpdatedAt = hookd.UserTerminated, ptr(at(time.Hour)), at(time.Hour)
		got.FirstName, got.Email, got.Mobile = "Augusta", "", ""
		got.Organizations = []hookd.OrganizationRef{{ID: sales.ID, Name: sales.Name}}
		pub2 := dirPublication(tn, hookd.EventUserTerminated, at(time.Hour), ep)
		must(t, s.UpdateUser(ctx, got, pub2))
		again, err := s.User(ctx, tn.ID, u.ID)
		must(t, err)
		wantEqual(t, "terminated user", again, got)
		if again.Version != 2 {
			t.Fatalf("version = %d, want 2", again.Version)
		}
		dirWantPublished(t, s, pub2)

		// Stale.
		u.FirstName = "Stale"
		wantStale(t, s.UpdateUser(ctx, u, nil))
		again, err = s.User(ctx, tn.ID, u.ID)
		must(t, err)
		wantEqual(t, "user after stale update", again, got)

		// Employee IDs are unique per tenant; another tenant may reuse one.
		wantCode(t, s.CreateUser(ctx, newUser(tn, "E-1042", t0), nil), hookd.ECONFLICT)
		must(t, s.CreateUser(ctx, newUser(newTenant(t, s, "other"), "E-1042", t0), nil))

		_, err = s.User(ctx, tn.ID, "dus_missing")
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.UserByEmployeeID(ctx, tn.ID, "nobody")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"UserOrganizationOfAnotherTenant", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn, other := newTenant(t, s, "a"), newTenant(t, s, "b")
		theirs := createOrganization(t, s, other, "Theirs")
		u := newUser(tn, "1", t0)
		u.Organizations = []hookd.OrganizationRef{{ID: theirs.ID, Name: theirs.Name}}
		wantCode(t, s.CreateUser(ctx, u, nil), hookd.ENOTFOUND)
		_, err := s.User(ctx, tn.ID, u.ID)
		wantCode(t, err, hookd.ENOTFOUND)

		u.Organizations = nil
		must(t, s.CreateUser(ctx, u, nil))
		u.Organizations = []hookd.OrganizationRef{{ID: theirs.ID, Name: theirs.Name}}
		wantCode(t, s.UpdateUser(ctx, u, nil), hookd.ENOTFOUND)
		got, err := s.User(ctx, tn.ID, u.ID)
		must(t, err)
		if len(got.Organizations) != 0 || got.Version != 1 {
			t.Fatalf("after refused update: %s", show(got))
		}
	}},
	{"TicketRoundTrip", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		tk := newTicket(tn, "INC0012345", at(1500*time.Nanosecond))
		tk.Description, tk.ReportedByEmail, tk.OpenedAt = "Line 1\nline 2 é", "helpdesk@example.com", ptr(at(-time.Hour+1500*time.Nanosecond))
		tk.Impact, tk.Urgency, tk.Priority, tk.Category, tk.Subcategory = "low", "medium", "high", "network", "vpn"
		tk.Source, tk.ExternalID = "servicenow", "4f1c0b2a9e8d7c6b5a4f3e2d1c0b9a88"
		tk.Comments = []hookd.TicketComment{{Author: "servicenow", Body: "caller_id: x\nlocation: HQ", CreatedAt: at(1500 * time.Nanosecond)}}
		pub := dirPublication(tn, hookd.EventTicketCreated, tk.CreatedAt, ep)
		must(t, s.CreateTicket(ctx, tk, pub))
		if tk.Version != 1 || !tk.Comments[0].CreatedAt.Equal(at(time.Microsecond)) || !tk.OpenedAt.Equal(at(-time.Hour+time.Microsecond)) {
			t.Fatalf("after create: %s", show(tk))
		}
		got, err := s.Ticket(ctx, tn.ID, tk.ID)
		must(t, err)
		wantEqual(t, "ticket", got, tk)
		byExternal, err := s.TicketByExternalID(ctx, tn.ID, "servicenow", tk.ExternalID)
		must(t, err)
		wantEqual(t, "ticket by external ID", byExternal, tk)
		dirWantPublished(t, s, pub)
		_, err = s.TicketByExternalID(ctx, tn.ID, "generic", tk.ExternalID)
		wantCode(t, err, hookd.ENOTFOUND)

		// Update.
		got.State, got.OpenedAt, got.UpdatedAt = "in progress", nil, at(time.Hour)
		got.Comments = append(got.Comments, hookd.TicketComment{Author: "api", Body: "On it.", CreatedAt: at(time.Hour)})
		pub2 := dirPublication(tn, hookd.EventTicketUpdated, at(time.Hour), ep)
		must(t, s.UpdateTicket(ctx, got, pub2))
		again, err := s.Ticket(ctx, tn.ID, tk.ID)
		must(t, err)
		wantEqual(t, "updated ticket", again, got)
		dirWantPublished(t, s, pub2)
		wantStale(t, s.UpdateTicket(ctx, tk, nil))

		// (source, external ID) is unique; tickets without one are not.
		dup := newTicket(tn, "INC1", t0)
		dup.Source, dup.ExternalID = "servicenow", tk.ExternalID
		wantCode(t, s.CreateTicket(ctx, dup, nil), hookd.ECONFLICT)
		dup.Source = "generic"
		must(t, s.CreateTicket(ctx, dup, nil))
		must(t, s.CreateTicket(ctx, newTicket(tn, "TKT1", t0), nil))
		must(t, s.CreateTicket(ctx, newTicket(tn, "TKT1", t0), nil))

		_, err = s.Ticket(ctx, tn.ID, "tkt_missing")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"TicketNumbers", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		for want := int64(1); want <= 3; want++ {
			n, err := s.NextTicketNumber(ctx, a.ID)
			must(t, err)
			if n != want {
				t.Fatalf("tenant a: number %d, want %d", n, want)
			}
		}
		n, err := s.NextTicketNumber(ctx, b.ID)
		must(t, err)
		if n != 1 {
			t.Fatalf("tenant b: number %d, want 1", n)
		}
		_, err = s.NextTicketNumber(ctx, "ten_missing")
		wantCode(t, err, hookd.ENOTFOUND)
	}},
	{"Atomic", func(t *testing.T, s hookd.Store) {
		// A change whose event cannot be stored leaves nothing behind.
		ctx := t.Context()
		tn := newTenant(t, s, "acme")
		ep := createEndpoint(t, s, tn, "A", t0)
		taken := dirPublication(tn, hookd.EventUserCreated, t0, ep)
		must(t, s.CreateOrganization(ctx, newOrganization(tn, "First", t0), taken))
		// An event whose ID is taken.
		conflicting := func(typ string) *hookd.Publication {
			p := dirPublication(tn, typ, t0, ep)
			p.Event.ID = taken.Event.ID
			for _, d := range p.Deliveries {
				d.EventID = taken.Event.ID
			}
			return p
		}

		o := newOrganization(tn, "Org", t0)
		wantCode(t, s.CreateOrganization(ctx, o, dirBrokenPublication(tn, hookd.EventOrganizationUpdated)), hookd.ENOTFOUND)
		_, err := s.Organization(ctx, tn.ID, o.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.CreateOrganization(ctx, o, conflicting(hookd.EventOrganizationUpdated)), hookd.ECONFLICT)
		must(t, s.CreateOrganization(ctx, o, nil))
		o.Name = "Renamed"
		wantCode(t, s.UpdateOrganization(ctx, o, dirBrokenPublication(tn, hookd.EventOrganizationUpdated)), hookd.ENOTFOUND)
		got, err := s.Organization(ctx, tn.ID, o.ID)
		must(t, err)
		if got.Name != "Org" || got.Version != 1 {
			t.Fatalf("organization after failed rename: %s", show(got))
		}

		u := newUser(tn, "1", t0)
		wantCode(t, s.CreateUser(ctx, u, dirBrokenPublication(tn, hookd.EventUserCreated)), hookd.ENOTFOUND)
		_, err = s.UserByEmployeeID(ctx, tn.ID, "1")
		wantCode(t, err, hookd.ENOTFOUND)
		wantCode(t, s.CreateUser(ctx, u, conflicting(hookd.EventUserCreated)), hookd.ECONFLICT)
		_, err = s.User(ctx, tn.ID, u.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		must(t, s.CreateUser(ctx, u, nil))
		u.Status, u.TerminatedAt = hookd.UserTerminated, ptr(at(time.Hour))
		u.Organizations = []hookd.OrganizationRef{{ID: o.ID, Name: o.Name}}
		wantCode(t, s.UpdateUser(ctx, u, dirBrokenPublication(tn, hookd.EventUserTerminated)), hookd.ENOTFOUND)
		gotU, err := s.User(ctx, tn.ID, u.ID)
		must(t, err)
		if gotU.Status != hookd.UserActive || gotU.TerminatedAt != nil || len(gotU.Organizations) != 0 || gotU.Version != 1 {
			t.Fatalf("user after failed termination: %s", show(gotU))
		}

		tk := newTicket(tn, "INC1", t0)
		tk.Source, tk.ExternalID = "servicenow", "sys-1"
		wantCode(t, s.CreateTicket(ctx, tk, dirBrokenPublication(tn, hookd.EventTicketCreated)), hookd.ENOTFOUND)
		_, err = s.TicketByExternalID(ctx, tn.ID, "servicenow", "sys-1")
		wantCode(t, err, hookd.ENOTFOUND)
		must(t, s.CreateTicket(ctx, tk, nil))
		tk.State = "closed"
		wantCode(t, s.UpdateTicket(ctx, tk, conflicting(hookd.EventTicketUpdated)), hookd.ECONFLICT)
		gotT, err := s.Ticket(ctx, tn.ID, tk.ID)
		must(t, err)
		if gotT.State != "new" || gotT.Version != 1 {
			t.Fatalf("ticket after failed update: %s", show(gotT))
		}

		// Only the first event, of the organization made before, is stored.
		if n := evCount(t, s, tn); n != 1 {
			t.Fatalf("events = %d, want 1", n)
		}
	}},
	{"Isolation", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		a, b := newTenant(t, s, "a"), newTenant(t, s, "b")
		o := createOrganization(t, s, a, "Org")
		u := newUser(a, "1", t0)
		must(t, s.CreateUser(ctx, u, nil))
		tk := newTicket(a, "INC1", t0)
		tk.ExternalID = "x"
		must(t, s.CreateTicket(ctx, tk, nil))

		_, err := s.Organization(ctx, b.ID, o.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.User(ctx, b.ID, u.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.UserByEmployeeID(ctx, b.ID, "1")
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.Ticket(ctx, b.ID, tk.ID)
		wantCode(t, err, hookd.ENOTFOUND)
		_, err = s.TicketByExternalID(ctx, b.ID, tk.Source, "x")
		wantCode(t, err, hookd.ENOTFOUND)

		theirs := *o
		theirs.TenantID, theirs.Name = b.ID, "Stolen"
		wantCode(t, s.UpdateOrganization(ctx, &theirs, nil), hookd.ENOTFOUND)
		uu := *u
		uu.TenantID, uu.FirstName = b.ID, "Stolen"
		wantCode(t, s.UpdateUser(ctx, &uu, nil), hookd.ENOTFOUND)
		tt := *tk
		tt.TenantID, tt.Title = b.ID, "Stolen"
		wantCode(t, s.UpdateTicket(ctx, &tt, nil), hookd.ENOTFOUND)

		os, err := s.ListOrganizations(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		us, err := s.ListUsers(ctx, b.ID, "", hookd.ListParams{})
		must(t, err)
		ts, err := s.ListTickets(ctx, b.ID, hookd.ListParams{})
		must(t, err)
		if len(os.Items)+len(us.Items)+len(ts.Items) != 0 {
			t.Fatalf("tenant b lists a's directory: %s %s %s", show(os.Items), show(us.Items), show(ts.Items))
		}
		got, err := s.Organization(ctx, a.ID, o.ID)
		must(t, err)
		wantEqual(t, "organization", got, o)
	}},
	{"ListOrganizations", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		createOrganization(t, s, newTenant(t, s, "b"), "alpha other")
		var items []*hookd.Organization
		for i, name := range listNames {
			o := newOrganization(tn, fmt.Sprintf("%s %d", name, i), at(listTimes[i]))
			o.UpdatedAt = at(listTimes[len(listTimes)-1-i])
			must(t, s.CreateOrganization(ctx, o, nil))
			items = append(items, o)
		}
		l := lister[*hookd.Organization]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Organization], error) {
				return s.ListOrganizations(ctx, tn.ID, p)
			},
			id: func(x *hookd.Organization) string { return x.ID },
			sorts: map[string]func(a, b *hookd.Organization) int{
				"created_at": func(a, b *hookd.Organization) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at": func(a, b *hookd.Organization) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
				"name":       func(a, b *hookd.Organization) int { return strings.Compare(a.Name, b.Name) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "ALPHA", l.matching(items, func(x *hookd.Organization) bool { return strings.Contains(strings.ToLower(x.Name), "alpha") }))
		l.checkQuery(t, "100%", []string{items[6].ID})
	}},
	{"ListUsers", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		must(t, s.CreateUser(ctx, newUser(newTenant(t, s, "b"), "other", t0), nil))
		org := createOrganization(t, s, tn, "Org")
		var items []*hookd.User
		for i, name := range listNames {
			u := newUser(tn, fmt.Sprintf("E%d", len(listNames)-i), at(listTimes[i]))
			u.LastName, u.FirstName = name, fmt.Sprint("First", i)
			u.Email = fmt.Sprintf("%s%d@example.com", strings.ToLower(strings.Fields(name)[0]), i%3)
			u.UpdatedAt = at(listTimes[len(listTimes)-1-i])
			if i%2 == 0 {
				u.Status, u.TerminatedAt = hookd.UserTerminated, ptr(at(time.Hour))
				u.Organizations = []hookd.OrganizationRef{{ID: org.ID, Name: org.Name}}
			}
			must(t, s.CreateUser(ctx, u, nil))
			items = append(items, u)
		}
		l := lister[*hookd.User]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.User], error) {
				return s.ListUsers(ctx, tn.ID, "", p)
			},
			id: func(x *hookd.User) string { return x.ID },
			sorts: map[string]func(a, b *hookd.User) int{
				"created_at":  func(a, b *hookd.User) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at":  func(a, b *hookd.User) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
				"employee_id": func(a, b *hookd.User) int { return strings.Compare(a.EmployeeID, b.EmployeeID) },
				"last_name":   func(a, b *hookd.User) int { return strings.Compare(a.LastName, b.LastName) },
				"email":       func(a, b *hookd.User) int { return strings.Compare(a.Email, b.Email) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "first3", []string{items[3].ID})
		l.checkQuery(t, "e7", []string{items[0].ID})
		l.checkQuery(t, "BETA", l.matching(items, func(x *hookd.User) bool { return x.LastName == "beta" }))

		// Users round-trip through lists, organizations included.
		page, err := s.ListUsers(ctx, tn.ID, hookd.UserTerminated, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 4 {
			t.Fatalf("terminated users = %d, want 4", len(page.Items))
		}
		for _, got := range page.Items {
			want := items[slices.IndexFunc(items, func(x *hookd.User) bool { return x.ID == got.ID })]
			wantEqual(t, "listed user", got, want)
		}
		page, err = s.ListUsers(ctx, tn.ID, hookd.UserActive, hookd.ListParams{})
		must(t, err)
		if len(page.Items) != 3 || len(page.Items[0].Organizations) != 0 {
			t.Fatalf("active users = %s, want 3 without organizations", show(page.Items))
		}
	}},
	{"ListTickets", func(t *testing.T, s hookd.Store) {
		ctx := t.Context()
		tn := newTenant(t, s, "a")
		must(t, s.CreateTicket(ctx, newTicket(newTenant(t, s, "b"), "INC0", t0), nil))
		var items []*hookd.Ticket
		for i, name := range listNames {
			tk := newTicket(tn, fmt.Sprintf("INC%d", len(listNames)-i), at(listTimes[i]))
			tk.Title, tk.State = name, []string{"new", "closed", "New"}[i%3]
			tk.Description = fmt.Sprint("description ", i)
			tk.UpdatedAt = at(listTimes[len(listTimes)-1-i])
			must(t, s.CreateTicket(ctx, tk, nil))
			items = append(items, tk)
		}
		l := lister[*hookd.Ticket]{
			list: func(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Ticket], error) {
				return s.ListTickets(ctx, tn.ID, p)
			},
			id: func(x *hookd.Ticket) string { return x.ID },
			sorts: map[string]func(a, b *hookd.Ticket) int{
				"created_at": func(a, b *hookd.Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) },
				"updated_at": func(a, b *hookd.Ticket) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
				"number":     func(a, b *hookd.Ticket) int { return strings.Compare(a.Number, b.Number) },
				"title":      func(a, b *hookd.Ticket) int { return strings.Compare(a.Title, b.Title) },
				"state":      func(a, b *hookd.Ticket) int { return strings.Compare(a.State, b.State) },
			},
		}
		l.checkPaging(t, items)
		l.checkBadParams(t)
		l.checkQuery(t, "inc7", []string{items[0].ID})
		l.checkQuery(t, "DESCRIPTION 2", []string{items[2].ID})
		l.checkQuery(t, "zulu", []string{items[6].ID})
	}},
}
