package console

import (
	"net/http"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["api-enabled"] = "The API is enabled."
	notices["api-disabled"] = "The API is disabled: calls to it are refused until you enable it again."
	notices["api-key-regenerated"] = "A new API key was made. The old key no longer works."
}

// apiAccessPage is the data of Configuration → API.
type apiAccessPage struct {
	Access app.APIAccess
	// Key is the plaintext key while the API is enabled.
	Key string
	// PlanAllows is false when the tenant's plan lacks the API.
	PlanAllows bool
	// Confirm opens the regenerate confirmation (the no-script way).
	Confirm bool
	// BaseURL is where the API answers, for the example call.
	BaseURL string
}

func (s *Server) apiAccess(w http.ResponseWriter, r *http.Request, v *visit) error {
	t := v.Tenant()
	acc, err := s.App.APIAccess(r.Context(), t.ID)
	if err != nil {
		return err
	}
	p := apiAccessPage{
		Access:     acc,
		PlanAllows: t.Plan.Allows(hookd.FeatureAPI),
		Confirm:    r.URL.Query().Get("confirm") == "regenerate",
		BaseURL:    s.baseURL(r),
	}
	if acc.Enabled {
		if p.Key, err = s.App.RevealAPIKey(r.Context(), t.ID); err != nil {
			return err
		}
	}
	return s.render(w, r, v, http.StatusOK, "apiaccess", "API", p)
}

// setAPIAccess switches the API on or off (form field enabled).
func (s *Server) setAPIAccess(w http.ResponseWriter, r *http.Request, v *visit) error {
	enabled := r.PostForm.Get("enabled") == "true"
	if _, err := s.App.SetAPIEnabled(r.Context(), v.Tenant().Slug, enabled); err != nil {
		return err
	}
	notice := "api-disabled"
	if enabled {
		notice = "api-enabled"
	}
	redirect(w, r, "/api-access", notice)
	return nil
}

func (s *Server) regenerateAPIKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := s.App.RegenerateAPIKey(r.Context(), v.Tenant().ID); err != nil {
		return err
	}
	redirect(w, r, "/api-access", "api-key-regenerated")
	return nil
}

// baseURL is the public URL of hookd, or the one the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
