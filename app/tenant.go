package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateTenantInput is what the operator gives to create a tenant.
type CreateTenantInput struct {
	Slug string
	Name string
	// Plan is the tenant's plan; "" means the App's DefaultPlan.
	Plan hookd.Plan
	// AdminEmail and AdminPassword make the tenant's first console user;
	// both or neither.
	AdminEmail    string
	AdminPassword string
}

// CreateTenant makes a tenant and, if asked, its first console user. Returns
// EINVALID listing every invalid field and ECONFLICT if the slug is taken.
func (a *App) CreateTenant(ctx context.Context, in CreateTenantInput) (*hookd.Tenant, error) {
	var fields []hookd.FieldError
	in.Slug = strings.TrimSpace(in.Slug)
	if err := hookd.ValidateSlug(in.Slug); err != nil {
		fields = append(fields, err.(*hookd.Error).Fields...)
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = in.Slug
	}
	if len(in.Name) > 200 || hookd.HasControl(in.Name) {
		fields = append(fields, hookd.FieldError{Location: "body.name", Message: "must be at most 200 characters, without control characters"})
	}
	if in.Plan == "" {
		in.Plan = a.DefaultPlan
	}
	if !in.Plan.Valid() {
		fields = append(fields, hookd.FieldError{Location: "body.plan", Message: fmt.Sprintf("must be one of %v", hookd.Plans)})
	}
	var user *hookd.ConsoleUser
	if in.AdminEmail != "" || in.AdminPassword != "" {
		email := hookd.NormalizeEmail(in.AdminEmail)
		if fe := hookd.ValidateEmail("body.admin_email", email); fe != nil {
			fields = append(fields, *fe)
		}
		if fe := validatePassword("body.admin_password", in.AdminPassword, email); fe != nil {
			fields = append(fields, *fe)
		}
		user = &hookd.ConsoleUser{ID: hookd.NewID(hookd.PrefixConsoleUser), Email: email}
	}
	if len(fields) > 0 {
		return nil, hookd.Invalid("The tenant cannot be created.", fields...)
	}
	now := a.now()
	t := &hookd.Tenant{ID: hookd.NewID(hookd.PrefixTenant), Slug: in.Slug, Name: in.Name, Plan: in.Plan, CreatedAt: now}
	if user != nil {
		user.TenantID = t.ID
		user.CreatedAt = now
		user.PasswordHash = secret.HashPassword(in.AdminPassword, a.PasswordParams)
	}
	if err := a.Store.CreateTenant(ctx, t, user); err != nil {
		return nil, err
	}
	return t, nil
}

// ListTenants returns a page of tenants.
func (a *App) ListTenants(ctx context.Context, p hookd.ListParams) (hookd.Page[*hookd.Tenant], error) {
	return a.Store.ListTenants(ctx, p)
}

// TenantBySlug returns a tenant. Returns ENOTFOUND if none.
func (a *App) TenantBySlug(ctx context.Context, slug string) (*hookd.Tenant, error) {
	return a.Store.TenantBySlug(ctx, slug)
}

// UpdateTenantInput changes a tenant; nil fields stay as they are.
type UpdateTenantInput struct {
	Name *string
	Plan *hookd.Plan
	// RequireHTTPSEndpoints switches the tenant setting; see
	// UpdateTenantSettings.
	RequireHTTPSEndpoints *bool
}

// UpdateTenant changes a tenant's name, plan or settings. Moving to a plan
// without the API does not delete the API key; the key answers 403 until the
// plan allows the API again. Returns ENOTFOUND, EINVALID, or ECONFLICT (and
// changes nothing) when requiring https while the tenant has http endpoints.
func (a *App) UpdateTenant(ctx context.Context, slug string, in UpdateTenantInput) (*hookd.Tenant, error) {
	t, err := a.Store.TenantBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	var fields []hookd.FieldError
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || len(name) > 200 || hookd.HasControl(name) {
			fields = append(fields, hookd.FieldError{Location: "body.name", Message: "must be 1 to 200 characters, without control characters"})
		}
		t.Name = name
	}
	if in.Plan != nil {
		if !in.Plan.Valid() {
			fields = append(fields, hookd.FieldError{Location: "body.plan", Message: fmt.Sprintf("must be one of %v", hookd.Plans)})
		}
		t.Plan = *in.Plan
	}
	if len(fields) > 0 {
		return nil, hookd.Invalid("The tenant cannot be changed.", fields...)
	}
	if in.RequireHTTPSEndpoints != nil {
		if err := a.setRequireHTTPSEndpoints(ctx, t.ID, *in.RequireHTTPSEndpoints); err != nil {
			return nil, err
		}
		t.RequireHTTPSEndpoints = *in.RequireHTTPSEndpoints
	}
	if in.Name == nil && in.Plan == nil {
		return t, nil
	}
	if err := a.Store.UpdateTenant(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// TenantSettings are the settings a tenant changes for itself.
type TenantSettings struct {
	// RequireHTTPSEndpoints makes every endpoint of the tenant use https;
	// see hookd.Tenant.RequireHTTPSEndpoints.
	RequireHTTPSEndpoints bool
}

func settingsOf(t *hookd.Tenant) TenantSettings {
	return TenantSettings{RequireHTTPSEndpoints: t.RequireHTTPSEndpoints}
}

// TenantSettings returns the tenant's settings. Returns ENOTFOUND if the
// tenant does not exist.
func (a *App) TenantSettings(ctx context.Context, tenantID string) (TenantSettings, error) {
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return TenantSettings{}, err
	}
	return settingsOf(t), nil
}

// UpdateTenantSettingsInput changes a tenant's settings; nil fields stay as
// they are.
type UpdateTenantSettingsInput struct {
	RequireHTTPSEndpoints *bool
}

// UpdateTenantSettings changes the tenant's settings and returns them.
//
// Requiring https while the tenant has endpoints whose URL is not https is
// refused with ECONFLICT naming those endpoints (its Fields hold one entry
// per endpoint, at "endpoints.<id>"), and changes nothing: hookd never turns
// a working endpoint off or rewrites its URL behind the tenant's back. Once
// set, endpoints are refused URLs that are not https (EINVALID at body.url).
// Returns ENOTFOUND if the tenant does not exist.
func (a *App) UpdateTenantSettings(ctx context.Context, tenantID string, in UpdateTenantSettingsInput) (TenantSettings, error) {
	if in.RequireHTTPSEndpoints != nil {
		if err := a.setRequireHTTPSEndpoints(ctx, tenantID, *in.RequireHTTPSEndpoints); err != nil {
			return TenantSettings{}, err
		}
	}
	return a.TenantSettings(ctx, tenantID)
}

// maxBlockingEndpointsShown bounds how many endpoints a refusal to require
// https lists; the message says how many there are in all.
const maxBlockingEndpointsShown = 100

// setRequireHTTPSEndpoints switches the setting, or returns the ECONFLICT
// error naming the endpoints in the way.
func (a *App) setRequireHTTPSEndpoints(ctx context.Context, tenantID string, on bool) error {
	blocking, err := a.Store.SetRequireHTTPSEndpoints(ctx, tenantID, on)
	if err != nil || len(blocking) == 0 {
		return err
	}
	names := make([]string, 0, min(len(blocking), 5))
	fields := make([]hookd.FieldError, 0, min(len(blocking), maxBlockingEndpointsShown))
	for i, e := range blocking {
		if i < cap(names) {
			names = append(names, fmt.Sprintf("%q (%s)", e.Name, e.ID))
		}
		if i < maxBlockingEndpointsShown {
			fields = append(fields, hookd.FieldError{
				Location: "endpoints." + e.ID, ID: e.ID,
				Message: fmt.Sprintf("endpoint %q has the URL %s; change it to https or delete the endpoint", e.Name, e.URL),
			})
		}
	}
	list := strings.Join(names, ", ")
	if more := len(blocking) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	noun := "endpoint does"
	if len(blocking) > 1 {
		noun = "endpoints do"
	}
	return &hookd.Error{
		Code: hookd.ECONFLICT,
		Message: fmt.Sprintf("The tenant cannot require https for endpoints while %d %s not use https: %s. "+
			"Change their URLs to https or delete them, then try again.", len(blocking), noun, list),
		Fields: fields,
	}
}
