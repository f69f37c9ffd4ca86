package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/hookd/hookd"
)

// SettingInstanceKeyCheck holds a value sealed with the instance key the
// database was set up with, so that an instance started with another key
// is recognised before it answers 500 for every secret and cannot sign its
// deliveries.
const SettingInstanceKeyCheck = "instance_key_check"

// instanceKeyCheck is the plaintext sealed in SettingInstanceKeyCheck.
const instanceKeyCheck = "hookd instance key check"

// ErrWrongInstanceKey is returned by CheckInstanceKey when the instance key
// is not the one the database was set up with.
var ErrWrongInstanceKey = errors.New("the instance key (HOOKD_SECRET_KEY, or instance.key in the data directory) " +
	"is not the one this database was set up with: the secrets stored with the other key cannot be read and " +
	"deliveries could not be signed; start hookd with the original key")

// CheckInstanceKey makes sure the app's instance key is the one the
// database's secrets were sealed with. The first instance to start records
// a check value sealed with its key; every later start opens it. A database
// from before the check is judged by a tenant's sealed API key, if there is
// one, before the check value is recorded. Returns ErrWrongInstanceKey
// (wrapped) on a mismatch.
func (a *App) CheckInstanceKey(ctx context.Context) error {
	stored, err := a.Store.Setting(ctx, SettingInstanceKeyCheck)
	switch {
	case hookd.ErrorCode(err) == hookd.ENOTFOUND:
		if err := a.checkKeyAgainstTenants(ctx); err != nil {
			return err
		}
		sealed := base64.StdEncoding.EncodeToString(a.Box.Seal([]byte(instanceKeyCheck), []byte(SettingInstanceKeyCheck)))
		if stored, err = a.Store.PutSettingIfAbsent(ctx, SettingInstanceKeyCheck, sealed); err != nil {
			return fmt.Errorf("app: record the instance key check: %w", err)
		}
	case err != nil:
		return fmt.Errorf("app: read the instance key check: %w", err)
	}
	ct, err := base64.StdEncoding.DecodeString(stored)
	if err != nil {
		return fmt.Errorf("app: the stored instance key check is damaged: %w", err)
	}
	if pt, err := a.Box.Open(ct, []byte(SettingInstanceKeyCheck)); err != nil || string(pt) != instanceKeyCheck {
		return fmt.Errorf("app: %w", ErrWrongInstanceKey)
	}
	return nil
}

// checkKeyAgainstTenants opens the sealed API key of the first tenant that
// has one, for a database set up before the check value existed.
func (a *App) checkKeyAgainstTenants(ctx context.Context) error {
	page, err := a.Store.ListTenants(ctx, hookd.ListParams{Limit: 20})
	if err != nil {
		return fmt.Errorf("app: read tenants to check the instance key: %w", err)
	}
	for _, t := range page.Items {
		if t.APIKey != nil && len(t.APIKey.Ciphertext) > 0 {
			if _, err := a.Box.Open(t.APIKey.Ciphertext, apiKeyAD(t.ID)); err != nil {
				return fmt.Errorf("app: %w", ErrWrongInstanceKey)
			}
			return nil
		}
	}
	return nil
}
