package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"testing"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// nextPage is the href of a table's next page link.
var nextPage = regexp.MustCompile(`<a class="btn" href="([^"]+)">Next page</a>`)

// TestDirectory lists the tenant's users, organizations and tickets, each
// searchable and paged, and never another tenant's.
func TestDirectory(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		h := newHarness(t, s)
		org, err := h.app.CreateOrganization(ctx, h.tenant.ID, "Research")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateOrganization(ctx, h.tenant.ID, "Finance"); err != nil {
			t.Fatal(err)
		}
		grace, err := h.app.CreateUser(ctx, h.tenant.ID, app.CreateUserInput{EmployeeID: "1001", FirstName: "Grace",
			LastName: "Hopper", Email: "grace@acme.example", OrganizationIDs: []string{org.ID}})
		if err != nil {
			t.Fatal(err)
		}
		// 55 more users: more than a page.
		for i := range 55 {
			if _, err := h.app.CreateUser(ctx, h.tenant.ID, app.CreateUserInput{EmployeeID: fmt.Sprintf("2%03d", i),
				FirstName: "Staff", LastName: fmt.Sprintf("Member %03d", i), Email: fmt.Sprintf("staff%03d@acme.example", i)}); err != nil {
				t.Fatal(err)
			}
		}
		tk, err := h.app.CreateTicket(ctx, h.tenant.ID, app.CreateTicketInput{Title: "Printer on fire", RequesterEmail: "grace@acme.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateTicket(ctx, h.tenant.ID, app.CreateTicketInput{Title: "VPN is down"}); err != nil {
			t.Fatal(err)
		}

		other, err := h.app.CreateTenant(ctx, appTenant("globex", "hank@globex.example", "globex-password-1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateOrganization(ctx, other.ID, "Globex Secret Lab"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateUser(ctx, other.ID, app.CreateUserInput{EmployeeID: "1001", FirstName: "Hank",
			LastName: "Scorpio", Email: "hank.s@globex.example"}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.app.CreateTicket(ctx, other.ID, app.CreateTicketInput{Title: "Doomsday device jammed"}); err != nil {
			t.Fatal(err)
		}

		b := h.browser()
		b.signIn()

		// Users: the first page of 50, by last name; the next page has the rest.
		p := b.get("/directory")
		wantStatus(t, "users", p, http.StatusOK)
		wantContains(t, "users", p, `<a href="/directory" aria-current="page">Directory</a>`, `id="users"`,
			`data-user="`+grace.ID+`"`, "Grace Hopper", "grace@acme.example", "Research", `<span class="badge ok">active</span>`,
			"Staff Member 000", `href="/directory?cursor=`)
		wantNotContains(t, "users", p, "Hank Scorpio", "hank.s@globex.example", "Staff Member 054")
		next := nextPage.FindStringSubmatch(p.body)
		if next == nil {
			t.Fatal("no next page link")
		}
		p = b.get(html.UnescapeString(next[1]))
		wantStatus(t, "users, next page", p, http.StatusOK)
		wantContains(t, "users, next page", p, "Staff Member 054")
		wantNotContains(t, "users, next page", p, "Staff Member 000")

		p = b.get("/directory?q=hopper")
		wantContains(t, "user search", p, `data-user="`+grace.ID+`"`, `value="hopper"`)
		wantNotContains(t, "user search", p, "Staff Member", "Hank Scorpio")
		wantContains(t, "no user", b.get("/directory?q=scorpio"), "No user matches “scorpio”.")

		// Organizations.
		p = b.get("/directory?tab=organizations")
		wantStatus(t, "organizations", p, http.StatusOK)
		wantContains(t, "organizations", p, `<a href="/directory?tab=organizations" aria-current="page">Organizations</a>`,
			`data-organization="`+org.ID+`"`, "Research", "Finance", `<input type="hidden" name="tab" value="organizations">`)
		wantNotContains(t, "organizations", p, "Globex Secret Lab")
		p = b.get("/directory?tab=organizations&q=fin")
		wantContains(t, "organization search", p, "Finance")
		wantNotContains(t, "organization search", p, "Research")

		// Tickets.
		p = b.get("/directory?tab=tickets")
		wantStatus(t, "tickets", p, http.StatusOK)
		wantContains(t, "tickets", p, `id="tickets"`, `data-ticket="`+tk.ID+`"`, tk.Number, "Printer on fire", "VPN is down")
		wantNotContains(t, "tickets", p, "Doomsday device jammed")
		p = b.get("/directory?tab=tickets&q=printer")
		wantContains(t, "ticket search", p, "Printer on fire")
		wantNotContains(t, "ticket search", p, "VPN is down")

		// An unknown tab is the users'.
		wantContains(t, "unknown tab", b.get("/directory?tab=nope"), `id="users"`)
	})
}
