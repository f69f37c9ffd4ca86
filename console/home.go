package console

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// overviewPage is the data of a tenant's overview.
type overviewPage struct {
	API app.APIAccess
	// Webhooks is false when the plan lacks webhooks.
	Webhooks          bool
	Endpoints         int
	DisabledEndpoints int
	Tokens            int
	// More says a count stopped at a page of MaxListLimit.
	MoreEndpoints, MoreTokens bool
}

// home is "/": the tenant's overview, the operator's tenants, or the way to
// sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) error {
	switch {
	case v.ID == nil:
		redirectToSignIn(w, r)
		return nil
	case v.Operator():
		http.Redirect(w, r, "/operator/tenants", http.StatusSeeOther)
		return nil
	}
	ctx, t := r.Context(), v.Tenant()
	var p overviewPage
	var err error
	if p.API, err = s.App.APIAccess(ctx, t.ID); err != nil {
		return err
	}
	all := hookd.ListParams{Limit: hookd.MaxListLimit}
	eps, err := s.App.ListEndpoints(ctx, t.ID, all)
	switch hookd.ErrorCode(err) {
	case "":
		p.Webhooks, p.Endpoints, p.MoreEndpoints = true, len(eps.Items), eps.NextCursor != ""
		for _, e := range eps.Items {
			if !e.Enabled {
				p.DisabledEndpoints++
			}
		}
	case hookd.EPLANFORBIDDEN:
	default:
		return err
	}
	toks, err := s.App.ListAccessTokens(ctx, t.ID, all)
	if err != nil {
		return err
	}
	p.Tokens, p.MoreTokens = len(toks.Items), toks.NextCursor != ""
	return s.render(w, r, v, http.StatusOK, "home", "Overview", p)
}
