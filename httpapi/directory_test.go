package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/httpapi"
)

// dirOrg, dirUser and dirTicket are directory items as a client reads them.
type dirOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type dirUser struct {
	ID            string     `json:"id"`
	EmployeeID    string     `json:"employee_id"`
	FirstName     string     `json:"first_name"`
	LastName      string     `json:"last_name"`
	DisplayName   string     `json:"display_name"`
	Email         string     `json:"email"`
	Mobile        string     `json:"mobile"`
	Status        string     `json:"status"`
	Organizations []dirOrg   `json:"organizations"`
	ExternalID    string     `json:"external_id"`
	TerminatedAt  *time.Time `json:"terminated_at"`
}

type dirTicket struct {
	ID             string `json:"id"`
	Number         string `json:"number"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	RequesterEmail string `json:"requester_email"`
	State          string `json:"state"`
	Source         string `json:"source"`
	ExternalID     string `json:"external_id"`
	Link           string `json:"link"`
	Comments       []struct {
		Author string `json:"author"`
		Body   string `json:"body"`
	} `json:"comments"`
}

// dirEvents returns the data of the tenant's events of type typ, oldest
// first.
func (e *env) dirEvents(auth, typ string) []map[string]any {
	e.t.Helper()
	r := e.do("GET", "/api/v1/events?limit=500&type="+typ, auth, nil)
	wantStatus(e.t, r, http.StatusOK)
	var page struct {
		Data []struct {
			Data map[string]any `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		e.t.Fatal(err)
	}
	out := make([]map[string]any, len(page.Data))
	for i, ev := range page.Data {
		out[i] = ev.Data
	}
	return out
}

func TestDirectoryAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auth := tokenAuth(e.tenantWithAPI("acme"))

		// Organizations.
		r := e.do("POST", "/api/v1/organizations", auth, map[string]string{"name": "R&D"})
		wantStatus(t, r, http.StatusCreated)
		rd := decode[dirOrg](t, r)
		r = e.do("POST", "/api/v1/organizations", auth, map[string]string{"name": "R&D"})
		wantProblem(t, r, http.StatusConflict, httpapi.TypeConflict)
		r = e.do("POST", "/api/v1/organizations", auth, map[string]string{"name": "Sales"})
		wantStatus(t, r, http.StatusCreated)
		sales := decode[dirOrg](t, r)
		r = e.do("PATCH", "/api/v1/organizations/"+sales.ID, auth, map[string]string{"name": "Sales & Marketing"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[dirOrg](t, r); got.Name != "Sales & Marketing" {
			t.Fatalf("renamed: %+v", got)
		}
		if evs := e.dirEvents(auth, "organization.updated"); len(evs) != 3 || evs[2]["change"] != "renamed" {
			t.Fatalf("organization.updated events: %v", evs)
		}
		r = e.do("GET", "/api/v1/organizations?sort=name&q=sales", auth, nil)
		wantStatus(t, r, http.StatusOK)
		if l := decode[listBody[dirOrg]](t, r); len(l.Data) != 1 || l.Data[0].ID != sales.ID {
			t.Fatalf("search organizations: %s", r.Body)
		}

		// Users.
		r = e.do("POST", "/api/v1/users", auth, map[string]any{
			"employee_id": "E-1042", "first_name": "Ada", "last_name": "Lovelace", "email": "Ada@Example.com",
			"organization_ids": []string{rd.ID},
		})
		wantStatus(t, r, http.StatusCreated)
		u := decode[dirUser](t, r)
		if u.DisplayName != "Ada Lovelace" || u.Email != "ada@example.com" || u.Status != "active" ||
			len(u.Organizations) != 1 || u.Organizations[0].Name != "R&D" || u.TerminatedAt != nil {
			t.Fatalf("created user %s", r.Body)
		}
		r = e.do("POST", "/api/v1/users", auth, map[string]any{"employee_id": "E-1042"})
		wantProblem(t, r, http.StatusConflict, httpapi.TypeConflict)
		r = e.do("POST", "/api/v1/users", auth, map[string]any{
			"employee_id": "E-2", "email": "nope", "organization_ids": []string{"org_nope"}, "first_name": "a\tb",
		})
		p := wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		for _, loc := range []string{"body.email", "body.organization_ids[0]", "body.first_name"} {
			if !p.hasLocation(loc) {
				t.Errorf("invalid user: no error at %s: %s", loc, r.Body)
			}
		}
		r = e.do("POST", "/api/v1/users", auth, map[string]any{"employee_id": "E-3", "salary": 1})
		wantProblem(t, r, http.StatusBadRequest, httpapi.TypeUnknownField)

		r = e.do("PATCH", "/api/v1/users/"+u.ID, auth, map[string]any{"email": "ada@lovelace.example", "organization_ids": []string{sales.ID}})
		wantStatus(t, r, http.StatusOK)
		if got := decode[dirUser](t, r); got.Email != "ada@lovelace.example" || got.Organizations[0].ID != sales.ID {
			t.Fatalf("patched user %s", r.Body)
		}
		r = e.do("PATCH", "/api/v1/users/"+u.ID, auth, map[string]any{"status": "terminated"})
		wantStatus(t, r, http.StatusOK)
		if got := decode[dirUser](t, r); got.Status != "terminated" || got.TerminatedAt == nil {
			t.Fatalf("terminated user %s", r.Body)
		}
		// Users are never erased.
		r = e.do("DELETE", "/api/v1/users/"+u.ID, auth, nil)
		if r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
			t.Fatalf("DELETE a user: %s", r)
		}
		r = e.do("GET", "/api/v1/users/"+u.ID, auth, nil)
		wantStatus(t, r, http.StatusOK)
		r = e.do("PATCH", "/api/v1/users/"+u.ID, auth, map[string]any{"status": "gone"})
		wantProblem(t, r, http.StatusUnprocessableEntity, "")

		for _, typ := range []string{"user.created", "user.updated", "user.terminated"} {
			if evs := e.dirEvents(auth, typ); len(evs) != 1 {
				t.Fatalf("%s events: %v", typ, evs)
			}
		}
		upd := e.dirEvents(auth, "user.updated")[0]
		if got, _ := json.Marshal(upd["changed_fields"]); string(got) != `["email","organizations"]` {
			t.Fatalf("user.updated changed_fields %s", got)
		}

		for i := range 3 {
			r = e.do("POST", "/api/v1/users", auth, map[string]any{"employee_id": "B" + string(rune('3'-i)), "last_name": "Babbage"})
			wantStatus(t, r, http.StatusCreated)
		}
		r = e.do("GET", "/api/v1/users?status=active&sort=-employee_id&limit=2", auth, nil)
		wantStatus(t, r, http.StatusOK)
		l := decode[listBody[dirUser]](t, r)
		if len(l.Data) != 2 || l.Data[0].EmployeeID != "B3" || l.NextCursor == nil {
			t.Fatalf("first page: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/users?status=active&sort=-employee_id&limit=2&cursor="+*l.NextCursor, auth, nil)
		wantStatus(t, r, http.StatusOK)
		if l := decode[listBody[dirUser]](t, r); len(l.Data) != 1 || l.Data[0].EmployeeID != "B1" || l.NextCursor != nil {
			t.Fatalf("second page: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/users?q=lovelace", auth, nil)
		if l := decode[listBody[dirUser]](t, r); len(l.Data) != 1 || l.Data[0].ID != u.ID {
			t.Fatalf("search users: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/users?status=gone", auth, nil)
		wantProblem(t, r, http.StatusUnprocessableEntity, "")
		r = e.do("GET", "/api/v1/users?sort=salary", auth, nil)
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, ""); !p.hasLocation("query.sort") {
			t.Fatalf("bad sort: %s", r.Body)
		}

		// Tickets.
		r = e.do("POST", "/api/v1/tickets", auth, map[string]any{"title": "VPN down", "requester_email": "ada@example.com", "comment": "By phone."})
		wantStatus(t, r, http.StatusCreated)
		tk := decode[dirTicket](t, r)
		if tk.Number != "TKT0000001" || tk.State != "new" || tk.Source != "api" || len(tk.Comments) != 1 ||
			tk.Link != "https://hookd.example/api/v1/tickets/"+tk.ID {
			t.Fatalf("created ticket %s", r.Body)
		}
		r = e.do("PATCH", "/api/v1/tickets/"+tk.ID, auth, map[string]any{"state": "closed", "comment": "Fixed."})
		wantStatus(t, r, http.StatusOK)
		if got := decode[dirTicket](t, r); got.State != "closed" || len(got.Comments) != 2 || got.Comments[1].Author != "api" {
			t.Fatalf("patched ticket %s", r.Body)
		}
		r = e.do("POST", "/api/v1/tickets", auth, map[string]any{"requester_email": "nope"})
		p = wantProblem(t, r, http.StatusUnprocessableEntity, httpapi.TypeValidation)
		if !p.hasLocation("body.title") || !p.hasLocation("body.requester_email") {
			t.Fatalf("invalid ticket: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/tickets?q=vpn", auth, nil)
		if l := decode[listBody[dirTicket]](t, r); len(l.Data) != 1 || l.Data[0].ID != tk.ID {
			t.Fatalf("search tickets: %s", r.Body)
		}
		if evs := e.dirEvents(auth, "ticket.updated"); len(evs) != 1 {
			t.Fatalf("ticket.updated events: %v", evs)
		}
	})
}

// TestDirectoryIsolation checks that one tenant's directory items are 404
// to another tenant, and left as they were.
func TestDirectoryIsolation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		authA := tokenAuth(e.tenantWithAPI("alpha"))
		authB := tokenAuth(e.tenantWithAPI("beta"))
		r := e.do("POST", "/api/v1/organizations", authA, map[string]string{"name": "alpha org"})
		wantStatus(t, r, http.StatusCreated)
		org := decode[dirOrg](t, r)
		r = e.do("POST", "/api/v1/users", authA, map[string]any{"employee_id": "alpha-1", "first_name": "alpha"})
		wantStatus(t, r, http.StatusCreated)
		user := decode[dirUser](t, r)
		r = e.do("POST", "/api/v1/tickets", authA, map[string]any{"title": "alpha ticket"})
		wantStatus(t, r, http.StatusCreated)
		tk := decode[dirTicket](t, r)

		for _, res := range []struct{ path, id, field string }{
			{"/api/v1/organizations", org.ID, "name"},
			{"/api/v1/users", user.ID, "first_name"},
			{"/api/v1/tickets", tk.ID, "title"},
		} {
			r := e.do("GET", res.path+"/"+res.id, authB, nil)
			wantProblem(t, r, http.StatusNotFound, httpapi.TypeNotFound)
			r = e.do("PATCH", res.path+"/"+res.id, authB, map[string]string{res.field: "stolen"})
			wantProblem(t, r, http.StatusNotFound, httpapi.TypeNotFound)
			r = e.do("GET", res.path, authB, nil)
			wantStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.Body), "alpha") {
				t.Errorf("beta lists alpha's %s: %s", res.path, r.Body)
			}
			r = e.do("GET", res.path+"/"+res.id, authA, nil)
			wantStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.Body), "stolen") {
				t.Errorf("beta changed alpha's %s: %s", res.path, r.Body)
			}
		}
		// Nor may B put its user in A's organization.
		r = e.do("POST", "/api/v1/users", authB, map[string]any{"employee_id": "b-1", "organization_ids": []string{org.ID}})
		if p := wantProblem(t, r, http.StatusUnprocessableEntity, ""); !p.hasLocation("body.organization_ids[0]") {
			t.Fatalf("B used A's organization: %s", r.Body)
		}
		if evs := e.dirEvents(authB, "user.created"); len(evs) != 0 {
			t.Fatalf("beta sees user.created events: %v", evs)
		}
	})
}
