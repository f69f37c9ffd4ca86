package console

import (
	"net/http"
	"net/url"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["destination-created"] = "The provisioning destination was added. Give its three URLs to the HR system."
	notices["destination-deleted"] = "The provisioning destination was deleted: its URLs answer 404 from now on."
}

// inboundListLimit is how many destinations, service accounts and calls
// the inbound page shows at once.
const inboundListLimit = 50

// destinationTypes are the types a new destination may have.
var destinationTypes = []hookd.DestinationType{hookd.DestinationGeneric, hookd.DestinationPaylocity}

// destinationView is a destination with its three webhook URLs.
type destinationView struct {
	D                               *hookd.ProvisioningDestination
	AddUser, ModifyUser, DeleteUser string
}

// inboundPage is the data of the Inbound page.
type inboundPage struct {
	Destinations []destinationView
	// MoreDestinations and MoreAccounts say that there are more than the
	// page shows.
	MoreDestinations bool
	Types            []hookd.DestinationType
	// ServiceNow and CreateTicket are the helpdesk webhook URLs.
	ServiceNow, CreateTicket string
	Accounts                 []*hookd.ServiceAccount
	MoreAccounts             bool
	// List is the call log's search and paging; Failed keeps failed calls.
	List   listView
	Calls  []*hookd.InboundCall
	Failed bool
	// Create opens the create dialog; Name, Type and Error refill it.
	Create     bool
	Name, Type string
	Error      string
	// Delete opens the delete dialog of the destination with that ID.
	Delete string
	// Replay is the replay just made, to show its outcome.
	Replay *hookd.InboundCall
}

func (s *Server) inbound(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	p := inboundPage{Create: q.Has("create"), Delete: q.Get("delete"), Type: string(hookd.DestinationGeneric)}
	if id := q.Get("replay"); id != "" {
		c, err := s.App.InboundCall(r.Context(), v.Tenant().ID, id)
		if err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND {
			return err
		}
		if c != nil && c.ReplayOf != "" {
			p.Replay = c
		}
	}
	return s.renderInbound(w, r, v, http.StatusOK, p)
}

// renderInbound renders the page p with the tenant's destinations, webhook
// URLs, service accounts and inbound log.
func (s *Server) renderInbound(w http.ResponseWriter, r *http.Request, v *visit, status int, p inboundPage) error {
	ctx, tenant := r.Context(), v.Tenant()
	dests, err := s.App.ListProvisioningDestinations(ctx, tenant.ID, hookd.ListParams{Limit: inboundListLimit, Sort: "name"})
	if err != nil {
		return err
	}
	p.MoreDestinations = dests.NextCursor != ""
	for _, d := range dests.Items {
		p.Destinations = append(p.Destinations, destinationView{
			D:          d,
			AddUser:    s.App.DestinationURL(tenant.Slug, d, hookd.AddUser),
			ModifyUser: s.App.DestinationURL(tenant.Slug, d, hookd.ModifyUser),
			DeleteUser: s.App.DestinationURL(tenant.Slug, d, hookd.DeleteUser),
		})
	}
	p.Types = destinationTypes
	p.ServiceNow = s.App.HelpdeskURL(tenant.Slug, hookd.InboundServiceNow)
	p.CreateTicket = s.App.HelpdeskURL(tenant.Slug, hookd.InboundCreateTicket)
	accounts, err := s.App.ListServiceAccounts(ctx, tenant.ID, hookd.ListParams{Limit: inboundListLimit, Sort: "email"})
	if err != nil {
		return err
	}
	p.Accounts, p.MoreAccounts = accounts.Items, accounts.NextCursor != ""

	p.Failed = r.URL.Query().Get("failed") == "true"
	lv, params := listParams(r, "/inbound", inboundListLimit, "-received_at")
	if p.Failed {
		lv.Filters = url.Values{"failed": {"true"}}
	}
	calls, err := s.App.ListInboundCalls(ctx, tenant.ID, p.Failed, params)
	if err != nil {
		return err
	}
	lv.Next = calls.NextCursor
	p.List, p.Calls = lv, calls.Items
	return s.render(w, r, v, status, "inbound", "Inbound", p)
}

func (s *Server) createDestination(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, typ := r.PostForm.Get("name"), r.PostForm.Get("type")
	_, err := s.App.CreateProvisioningDestination(r.Context(), v.Tenant().ID, app.CreateDestinationInput{Name: name, Type: typ})
	if err != nil {
		if msg, ok := invalid(err); ok {
			return s.renderInbound(w, r, v, http.StatusUnprocessableEntity, inboundPage{Create: true, Name: name, Type: typ, Error: msg})
		}
		return err
	}
	redirect(w, r, "/inbound", "destination-created")
	return nil
}

func (s *Server) deleteDestination(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.App.DeleteProvisioningDestination(r.Context(), v.Tenant().ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/inbound", "destination-deleted")
	return nil
}

// replayInboundCall runs a failed call again on behalf of the signed-in
// user and shows how the replay went.
func (s *Server) replayInboundCall(w http.ResponseWriter, r *http.Request, v *visit) error {
	tenant := v.Tenant()
	p := &hookd.Principal{Kind: hookd.CredentialConsoleUser, TenantID: tenant.ID, Tenant: tenant, CredentialID: v.ID.User.ID}
	res, err := s.App.ReplayInboundCall(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	target := "/inbound?replay=" + url.QueryEscape(res.Call.ID)
	if back := r.PostForm.Get("failed"); back == "true" {
		target += "&failed=true"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
