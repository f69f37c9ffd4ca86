package console

import (
	"net/http"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["tenant-created"] = "The tenant was created."
	notices["tenant-saved"] = "The tenant was saved."
	notices["tenant-api-enabled"] = "The tenant's API is enabled."
	notices["tenant-api-disabled"] = "The tenant's API is disabled."
	notices["tenant-api-key-regenerated"] = "The tenant has a new API key. The old key no longer works."
}

// tenantForm is the create form of a tenant as typed.
type tenantForm struct {
	Slug, Name, Plan      string
	AdminEmail            string
	EnableAPI             bool
	Errors                []hookd.FieldError
	DefaultPlan, Password string // Password is never sent back; kept empty
}

// tenantsPage is the data of the operator's tenants page.
type tenantsPage struct {
	List    listView
	Tenants []*hookd.Tenant
	Plans   []hookd.Plan
	// Create opens the create dialog with Form.
	Create bool
	Form   tenantForm
}

func (s *Server) tenants(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderTenants(w, r, v, http.StatusOK, tenantsPage{
		Create: r.URL.Query().Has("create"),
		Form:   tenantForm{Plan: string(s.App.DefaultPlan)},
	})
}

func (s *Server) renderTenants(w http.ResponseWriter, r *http.Request, v *visit, status int, p tenantsPage) error {
	lv, params := listParams(r, "/operator/tenants", 100, "-created_at", "slug", "name")
	page, err := s.App.ListTenants(r.Context(), params)
	if err != nil {
		return err
	}
	lv.Next = page.NextCursor
	p.List, p.Tenants, p.Plans = lv, page.Items, hookd.Plans
	return s.render(w, r, v, status, "tenants", "Tenants", p)
}

func (s *Server) createTenant(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	form := tenantForm{
		Slug:       strings.TrimSpace(f.Get("slug")),
		Name:       f.Get("name"),
		Plan:       f.Get("plan"),
		AdminEmail: f.Get("admin_email"),
		EnableAPI:  f.Get("enable_api") == "true",
	}
	t, err := s.App.CreateTenant(r.Context(), app.CreateTenantInput{
		Slug: form.Slug, Name: form.Name, Plan: hookd.Plan(form.Plan),
		AdminEmail: form.AdminEmail, AdminPassword: f.Get("admin_password"),
	})
	if err != nil {
		fields, ok := fieldProblems(err)
		if !ok && hookd.ErrorCode(err) == hookd.ECONFLICT {
			fields, ok = []hookd.FieldError{{Location: "body.slug", Message: hookd.ErrorMessage(err)}}, true
		}
		if !ok {
			return err
		}
		form.Errors = fields
		return s.renderTenants(w, r, v, http.StatusUnprocessableEntity, tenantsPage{Create: true, Form: form})
	}
	if form.EnableAPI {
		if _, err := s.App.SetAPIEnabled(r.Context(), t.Slug, true); err != nil && hookd.ErrorCode(err) != hookd.EPLANFORBIDDEN {
			return err
		}
	}
	redirect(w, r, "/operator/tenants/"+t.Slug, "tenant-created")
	return nil
}

// tenantPage is the data of a tenant's page for the operator.
type tenantPage struct {
	T      *hookd.Tenant
	Plans  []hookd.Plan
	Access app.APIAccess
	Key    string
	// Confirm opens the regenerate confirmation without script.
	Confirm bool
	Errors  []hookd.FieldError
}

func (s *Server) tenant(w http.ResponseWriter, r *http.Request, v *visit) error {
	t, err := s.App.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return s.renderTenant(w, r, v, http.StatusOK, t, nil)
}

func (s *Server) renderTenant(w http.ResponseWriter, r *http.Request, v *visit, status int, t *hookd.Tenant, errs []hookd.FieldError) error {
	acc, err := s.App.APIAccess(r.Context(), t.ID)
	if err != nil {
		return err
	}
	p := tenantPage{T: t, Plans: hookd.Plans, Access: acc, Confirm: r.URL.Query().Get("confirm") == "regenerate", Errors: errs}
	if acc.Enabled {
		if p.Key, err = s.App.RevealAPIKey(r.Context(), t.ID); err != nil {
			return err
		}
	}
	return s.render(w, r, v, status, "tenant", t.Name, p)
}

func (s *Server) updateTenant(w http.ResponseWriter, r *http.Request, v *visit) error {
	slug := r.PathValue("slug")
	name, plan := r.PostForm.Get("name"), hookd.Plan(r.PostForm.Get("plan"))
	_, err := s.App.UpdateTenant(r.Context(), slug, app.UpdateTenantInput{Name: &name, Plan: &plan})
	if fields, ok := fieldProblems(err); ok {
		t, err := s.App.TenantBySlug(r.Context(), slug)
		if err != nil {
			return err
		}
		t.Name, t.Plan = name, plan
		return s.renderTenant(w, r, v, http.StatusUnprocessableEntity, t, fields)
	} else if err != nil {
		return err
	}
	redirect(w, r, "/operator/tenants/"+slug, "tenant-saved")
	return nil
}

func (s *Server) setTenantAPI(w http.ResponseWriter, r *http.Request, v *visit) error {
	slug := r.PathValue("slug")
	enabled := r.PostForm.Get("enabled") == "true"
	if _, err := s.App.SetAPIEnabled(r.Context(), slug, enabled); err != nil {
		return err
	}
	notice := "tenant-api-disabled"
	if enabled {
		notice = "tenant-api-enabled"
	}
	redirect(w, r, "/operator/tenants/"+slug, notice)
	return nil
}

func (s *Server) regenerateTenantAPIKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	t, err := s.App.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if _, err := s.App.RegenerateAPIKey(r.Context(), t.ID); err != nil {
		return err
	}
	redirect(w, r, "/operator/tenants/"+t.Slug, "tenant-api-key-regenerated")
	return nil
}
