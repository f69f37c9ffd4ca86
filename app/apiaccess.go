package app

import (
	"context"
	"fmt"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Token formats. The prefixes make hookd's secrets easy to recognise for
// secret scanners and for people.
const (
	apiKeyPrefix       = "hkd_key_"
	accessTokenPrefix  = "hkd_at_"
	oauthTokenPrefix   = "hkd_oat_"
	clientSecretPrefix = "hkd_cs_"
	operatorPrefix     = "hkd_op_"
	tokenRandomLength  = 40
)

// APIAccess is the state of a tenant's REST API.
type APIAccess struct {
	Enabled bool
	// Key is the plaintext API key: set only by the calls that make or reveal
	// it, and only while the API is enabled.
	Key string
	// Hint is the key's start and end, safe to show; "" when there is no key.
	Hint string
}

// APIAccess returns whether the tenant's API is enabled and its key's hint.
// Returns ENOTFOUND if the tenant does not exist.
func (a *App) APIAccess(ctx context.Context, tenantID string) (APIAccess, error) {
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return APIAccess{}, err
	}
	return accessOf(t, ""), nil
}

func accessOf(t *hookd.Tenant, key string) APIAccess {
	acc := APIAccess{Enabled: t.APIEnabled, Key: key}
	if t.APIKey != nil {
		acc.Hint = t.APIKey.Hint
	}
	if !t.APIEnabled {
		acc.Key = ""
	}
	return acc
}

// SetAPIEnabled switches a tenant's REST API on or off. Switching it on for
// the first time creates the API key; switching it on again brings back the
// same key. While off, the key answers 403. The returned APIAccess carries the
// key while the API is enabled. Returns ENOTFOUND, or EPLANFORBIDDEN when
// enabling for a plan without the API.
func (a *App) SetAPIEnabled(ctx context.Context, slug string, enabled bool) (APIAccess, error) {
	t, err := a.Store.TenantBySlug(ctx, slug)
	if err != nil {
		return APIAccess{}, err
	}
	if enabled && !t.Plan.Allows(hookd.FeatureAPI) {
		return APIAccess{}, planError(t.Plan, hookd.FeatureAPI)
	}
	var key string
	if enabled && t.APIKey == nil {
		key = a.newAPIKey(t)
	}
	t.APIEnabled = enabled
	if err := a.Store.UpdateTenant(ctx, t); err != nil {
		return APIAccess{}, err
	}
	if enabled && key == "" {
		if key, err = a.openAPIKey(t); err != nil {
			return APIAccess{}, err
		}
	}
	return accessOf(t, key), nil
}

// RegenerateAPIKey replaces the tenant's API key; the old key stops working at
// once. Returns ENOTFOUND, or EAPIDISABLED while the API is off.
func (a *App) RegenerateAPIKey(ctx context.Context, tenantID string) (APIAccess, error) {
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return APIAccess{}, err
	}
	if !t.APIEnabled {
		return APIAccess{}, hookd.Errorf(hookd.EAPIDISABLED, "The API of tenant %q is disabled; enable it first.", t.Slug)
	}
	key := a.newAPIKey(t)
	if err := a.Store.UpdateTenant(ctx, t); err != nil {
		return APIAccess{}, err
	}
	return accessOf(t, key), nil
}

// RevealAPIKey returns the tenant's API key in plaintext. Returns ENOTFOUND
// if the tenant or its key does not exist, EAPIDISABLED while the API is off.
func (a *App) RevealAPIKey(ctx context.Context, tenantID string) (string, error) {
	t, err := a.Store.Tenant(ctx, tenantID)
	if err != nil {
		return "", err
	}
	if !t.APIEnabled {
		return "", hookd.Errorf(hookd.EAPIDISABLED, "The API of tenant %q is disabled.", t.Slug)
	}
	return a.openAPIKey(t)
}

// RevealAPIKeyTo returns the API key of p's tenant to p, a tenant
// credential. The key has every scope and never expires, so p must have
// every scope and never expire itself. Returns the errors of
// Principal.MayGrant and of RevealAPIKey.
func (a *App) RevealAPIKeyTo(ctx context.Context, p *hookd.Principal) (string, error) {
	if err := p.MayGrant(hookd.AllScopes(), nil); err != nil {
		return "", err
	}
	return a.RevealAPIKey(ctx, p.TenantID)
}

// RegenerateAPIKeyFor replaces the API key of p's tenant, a tenant
// credential, and returns the new one to p, under the rule of RevealAPIKeyTo.
// Returns the errors of Principal.MayGrant and of RegenerateAPIKey.
func (a *App) RegenerateAPIKeyFor(ctx context.Context, p *hookd.Principal) (APIAccess, error) {
	if err := p.MayGrant(hookd.AllScopes(), nil); err != nil {
		return APIAccess{}, err
	}
	return a.RegenerateAPIKey(ctx, p.TenantID)
}

// newAPIKey makes a new key for t, sets it on t (not yet saved) and returns
// the plaintext.
func (a *App) newAPIKey(t *hookd.Tenant) string {
	key := secret.NewToken(apiKeyPrefix, tokenRandomLength)
	t.APIKey = &hookd.APIKey{
		Ciphertext: a.Box.Seal([]byte(key), apiKeyAD(t.ID)),
		Hash:       secret.HashToken(key),
		Hint:       secret.Hint(key, len(apiKeyPrefix)+4),
		CreatedAt:  a.now(),
	}
	return key
}

func (a *App) openAPIKey(t *hookd.Tenant) (string, error) {
	if t.APIKey == nil {
		return "", hookd.Errorf(hookd.ENOTFOUND, "Tenant %q has no API key.", t.Slug)
	}
	pt, err := a.Box.Open(t.APIKey.Ciphertext, apiKeyAD(t.ID))
	if err != nil {
		return "", fmt.Errorf("app: open api key of tenant %s: %w", t.ID, err)
	}
	return string(pt), nil
}

// apiKeyAD binds an API key's ciphertext to its tenant.
func apiKeyAD(tenantID string) []byte { return []byte("api_key:" + tenantID) }

func planError(p hookd.Plan, f hookd.Feature) error {
	return hookd.Errorf(hookd.EPLANFORBIDDEN, "The %s plan does not include %s; upgrade the tenant's plan.", p, featureName(f))
}

func featureName(f hookd.Feature) string {
	switch f {
	case hookd.FeatureAPI:
		return "the REST API"
	case hookd.FeatureWebhooks:
		return "webhooks"
	}
	return string(f)
}
