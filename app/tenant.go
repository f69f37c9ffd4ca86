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

// MinPasswordLength is the shortest password hookd accepts.
const MinPasswordLength = 12

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
		if fe := validatePassword("body.admin_password", in.AdminPassword); fe != nil {
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

func validatePassword(location, password string) *hookd.FieldError {
	if len([]rune(password)) < MinPasswordLength {
		return &hookd.FieldError{Location: location, Message: fmt.Sprintf("must be at least %d characters", MinPasswordLength)}
	}
	if len(password) > 1024 {
		return &hookd.FieldError{Location: location, Message: "must be at most 1024 bytes"}
	}
	return nil
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
}

// UpdateTenant changes a tenant's name or plan. Moving to a plan without the
// API does not delete the API key; the key answers 403 until the plan allows
// the API again. Returns ENOTFOUND or EINVALID.
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
	if err := a.Store.UpdateTenant(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}
