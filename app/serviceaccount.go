package app

import (
	"context"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// CreateServiceAccount makes a service account of by's tenant that signs in
// with HTTP Basic, with the scopes named (nil: only hookd.ScopeInbound).
// An account never expires, so only a credential that never expires may
// make one. Returns EINVALID listing every bad field, ECONFLICT if the tenant
// has an account with that email already, and the errors of
// Principal.MayGrant. Other tenants' accounts do not matter: a service
// account's email is unique within its tenant only (see authenticateBasic for
// how HTTP Basic finds the account).
func (a *App) CreateServiceAccount(ctx context.Context, by *hookd.Principal, email, password string, scopes []string) (*hookd.ServiceAccount, error) {
	tenantID := by.TenantID
	email = hookd.NormalizeEmail(email)
	var fields []hookd.FieldError
	if fe := hookd.ValidateEmail("body.email", email); fe != nil {
		fields = append(fields, *fe)
	}
	if fe := validatePassword("body.password", password, email); fe != nil {
		fields = append(fields, *fe)
	}
	granted, err := a.grantedScopes(by, "body.scopes", scopes, hookd.DefaultServiceAccountScopes())
	var e *hookd.Error
	if errors.As(err, &e) {
		fields = append(fields, e.Fields...)
	}
	if len(fields) > 0 {
		return nil, hookd.Invalid("The service account cannot be created.", fields...)
	}
	if err := by.MayGrant(granted, nil); err != nil {
		return nil, err
	}
	sa := &hookd.ServiceAccount{
		ID:           hookd.NewID(hookd.PrefixServiceAccount),
		TenantID:     tenantID,
		Email:        email,
		PasswordHash: secret.HashPassword(password, a.PasswordParams),
		Scopes:       granted,
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
