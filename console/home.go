package console

import "net/http"

// home is "/": the tenant's overview, the operator's start page, or the way
// to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) error {
	switch {
	case v.ID == nil:
		redirectToSignIn(w, r)
		return nil
	case v.Operator():
		http.Redirect(w, r, "/operator/tenants", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, v, http.StatusOK, "home", "Overview", nil)
}
