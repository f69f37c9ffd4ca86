package console

import (
	"net/http"
	"net/url"

	"github.com/hookd/hookd"
)

// directoryLimit is how many rows a Directory table shows at once.
const directoryLimit = 50

// directoryTabs are the tabs of the Directory page, the first the default.
var directoryTabs = []string{"users", "organizations", "tickets"}

// directoryPage is the data of the Directory page: one tab's table.
type directoryPage struct {
	Tab           string
	List          listView
	Users         []*hookd.User
	Organizations []*hookd.Organization
	Tickets       []*hookd.Ticket
}

func (s *Server) directory(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	p := directoryPage{Tab: directoryTabs[0]}
	for _, t := range directoryTabs {
		if r.URL.Query().Get("tab") == t {
			p.Tab = t
		}
	}
	filters := url.Values{}
	if p.Tab != directoryTabs[0] {
		filters.Set("tab", p.Tab)
	}
	switch p.Tab {
	case "organizations":
		lv, params := listParams(r, "/directory", directoryLimit, "name", "created_at", "updated_at")
		page, err := s.App.ListOrganizations(ctx, tenantID, params)
		if err != nil {
			return err
		}
		lv.Next, lv.Filters = page.NextCursor, filters
		p.List, p.Organizations = lv, page.Items
	case "tickets":
		lv, params := listParams(r, "/directory", directoryLimit, "-created_at", "number", "title", "state", "updated_at")
		page, err := s.App.ListTickets(ctx, tenantID, params)
		if err != nil {
			return err
		}
		lv.Next, lv.Filters = page.NextCursor, filters
		p.List, p.Tickets = lv, page.Items
	default:
		lv, params := listParams(r, "/directory", directoryLimit, "last_name", "employee_id", "email", "created_at", "updated_at")
		page, err := s.App.ListUsers(ctx, tenantID, "", params)
		if err != nil {
			return err
		}
		lv.Next, lv.Filters = page.NextCursor, filters
		p.List, p.Users = lv, page.Items
	}
	return s.render(w, r, v, http.StatusOK, "directory", "Directory", p)
}
