package app

import (
	"context"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateServiceAccount makes a service account that signs in with HTTP Basic.
// Returns EINVALID listing every bad field, or ECONFLICT if the email is
// taken on this instance.
func (a *App) CreateServiceAccount(ctx context.Context, tenantID, email, password string) (*hookd.ServiceAccount, error) {
	email = hookd.NormalizeEmail(email)
	var fields []hookd.FieldError
	if fe := hookd.ValidateEmail("body.email", email); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := validatePassword("body.password", password); fe != nil {
		fields = append(fields, *fe)
	}
	if len(fields) > 0 {
		return nil, hookd.Invalid("The service account cannot be created.", fields...)
	}
	sa := &hookd.ServiceAccount{
		ID:           hookd.NewID(hookd.PrefixServiceAccount),
		TenantID:     tenantID,
		Email:        email,
		PasswordHash: secret.HashPassword(password, a.PasswordParams),
		CreatedAt:    a.now(),
	}
	if err := a.Store.CreateServiceAccount(ctx, sa, a.quota(hookd.QuotaServiceAccounts)...); err != nil {
		return nil, err
	}
	return sa, nil
}

// ListServiceAccounts returns a page of the tenant's service accounts.
func (a *App) ListServiceAccounts(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.ServiceAccount], error) {
	return a.Store.ListServiceAccounts(ctx, tenantID, p)
}

// ServiceAccount returns one of the tenant's accounts. Returns ENOTFOUND.
func (a *App) ServiceAccount(ctx context.Context, tenantID, id string) (*hookd.ServiceAccount, error) {
	return a.Store.ServiceAccount(ctx, tenantID, id)
}

// DeleteServiceAccount deletes an account; its credentials stop working at
// once. Returns ENOTFOUND.
func (a *App) DeleteServiceAccount(ctx context.Context, tenantID, id string) error {
	return a.Store.DeleteServiceAccount(ctx, tenantID, id)
}
