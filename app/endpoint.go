package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Endpoint secrets and keys.
const (
	// endpointSecretPrefix starts a signing secret, per Standard Webhooks.
	endpointSecretPrefix = "whsec_"
	// endpointSecretBytes is the number of random bytes of a signing
	// secret (Standard Webhooks allows 24 to 64).
	endpointSecretBytes = 32
	// verificationKeyLength is the length of a verification key; its
	// alphabet is safe in URLs and headers.
	verificationKeyLength = 32
)

// CreateEndpointInput is a tenant's new endpoint. Zero and nil options take
// their defaults.
type CreateEndpointInput struct {
	Name        string
	URL         string
	Description string
	// EventTypes names the subscribed types of the catalog; empty
	// subscribes to every type.
	EventTypes            []string
	VerifyTLS             *bool  // default true
	Format                string // json (default) or xml
	MaxEventsPerRequest   *int   // 1 to 100, default 1
	Mode                  string // full (default), ping or pull (then URL must be "")
	Headers               map[string]string
	VerificationKeyHeader string // default hookd.DefaultVerificationKeyHeader
	TimeoutSeconds        *int   // 1 to 60, default 15
	BatchWindowMS         *int   // 0 to 5000, default 0
	RateLimit             *int   // requests per second, 0 to 10,000; default 0 (none)
	RateLimitBurst        *int   // 1 to RateLimit; default RateLimit
	// Filter is a payload filter (hookd.Filter); empty for none.
	Filter json.RawMessage
	// Ordering is "" or none (default), or fifo (full mode only).
	Ordering string
	// Signing is hmac-sha256 (default: a shared whsec_ secret) or ed25519
	// (a key pair whose public half receivers verify with).
	Signing string
}

// CreateEndpoint adds an endpoint to the tenant, enabled, with a new signing
// secret and verification key (returned in plaintext in the endpoint).
// Returns EINVALID listing every invalid field (event types must be in the
// tenant's catalog; the URL must be https if the tenant requires it),
// EQUOTA if the tenant has as many endpoints as its quota allows, and
// EPLANFORBIDDEN unless the tenant's plan includes webhooks.
func (a *App) CreateEndpoint(ctx context.Context, tenantID string, in CreateEndpointInput) (*hookd.Endpoint, error) {
	t, err := a.webhooksTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	e := &hookd.Endpoint{
		ID:                    hookd.NewID(hookd.PrefixEndpoint),
		TenantID:              tenantID,
		Enabled:               true,
		VerifyTLS:             true,
		Format:                hookd.FormatJSON,
		MaxEventsPerRequest:   1,
		Mode:                  hookd.ModeFull,
		Ordering:              hookd.OrderingNone,
		VerificationKeyHeader: hookd.DefaultVerificationKeyHeader,
		TimeoutSeconds:        hookd.DefaultEndpointTimeout,
		CreatedAt:             now,
		UpdatedAt:             now,
	}
	types := in.EventTypes
	if types == nil {
		types = []string{}
	}
	up := UpdateEndpointInput{
		Name: &in.Name, URL: &in.URL, Description: &in.Description, EventTypes: &types, VerifyTLS: in.VerifyTLS,
		MaxEventsPerRequest: in.MaxEventsPerRequest, Headers: in.Headers, TimeoutSeconds: in.TimeoutSeconds,
		BatchWindowMS: in.BatchWindowMS,
		RateLimit:     in.RateLimit, RateLimitBurst: in.RateLimitBurst,
	}
	if len(in.Filter) > 0 {
		up.Filter = &in.Filter
	}
	if in.Ordering != "" {
		up.Ordering = &in.Ordering
	}
	if in.Format != "" {
		up.Format = &in.Format
	}
	if in.Mode != "" {
		up.Mode = &in.Mode
	}
	if in.VerificationKeyHeader != "" {
		up.VerificationKeyHeader = &in.VerificationKeyHeader
	}
	scheme := hookd.SigningScheme(in.Signing)
	if in.Signing == "" {
		scheme = hookd.SigningHMACSHA256
	}
	if !scheme.Valid() {
		err := a.applyEndpointInput(ctx, e, up, t.RequireHTTPSEndpoints, true, "The endpoint cannot be created.")
		fields := []hookd.FieldError{signingFieldError("body.signing")}
		var herr *hookd.Error
		switch {
		case errors.As(err, &herr) && herr.Code == hookd.EINVALID:
			fields = append(herr.Fields, fields...)
		case err != nil:
			return nil, err
		}
		return nil, hookd.Invalid("The endpoint cannot be created.", fields...)
	}
	if err := a.applyEndpointInput(ctx, e, up, t.RequireHTTPSEndpoints, true, "The endpoint cannot be created."); err != nil {
		return nil, err
	}
	e.VerificationKey = secret.NewToken("", verificationKeyLength)
	e.SealedVerificationKey = a.Box.Seal([]byte(e.VerificationKey), verificationKeyAD(e))
	e.Secrets = []hookd.EndpointSecret{a.newEndpointSecret(e, scheme)}
	if err := a.sealHeaders(e); err != nil {
		return nil, err
	}
	if err := a.Store.CreateEndpoint(ctx, e, a.quota(hookd.QuotaEndpoints)...); err != nil {
		return nil, err
	}
	return e, nil
}

// Endpoint returns an endpoint of the tenant, its verification key and
// custom headers opened (but not its secrets: see EndpointSecret). Returns ENOTFOUND, or
// EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) Endpoint(ctx context.Context, tenantID, id string) (*hookd.Endpoint, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	return a.endpoint(ctx, tenantID, id)
}

func (a *App) endpoint(ctx context.Context, tenantID, id string) (*hookd.Endpoint, error) {
	e, err := a.Store.Endpoint(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if err := a.OpenEndpoint(e); err != nil {
		return nil, err
	}
	return e, nil
}

// saveEndpoint seals e's headers and stores e, which was read opened.
func (a *App) saveEndpoint(ctx context.Context, e *hookd.Endpoint) error {
	if err := a.sealHeaders(e); err != nil {
		return err
	}
	return a.Store.UpdateEndpoint(ctx, e)
}

// ListEndpoints returns a page of the tenant's endpoints, their verification
// keys and custom headers opened. Sort fields: created_at, name, url, last_triggered_at; the
// query searches names, URLs and descriptions. Returns EPLANFORBIDDEN unless
// the plan includes webhooks.
func (a *App) ListEndpoints(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.Endpoint], error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return hookd.Page[*hookd.Endpoint]{}, err
	}
	page, err := a.Store.ListEndpoints(ctx, tenantID, p)
	if err != nil {
		return page, err
	}
	for _, e := range page.Items {
		if err := a.OpenEndpoint(e); err != nil {
			return hookd.Page[*hookd.Endpoint]{}, err
		}
	}
	return page, nil
}

// UpdateEndpointInput changes an endpoint; nil fields stay as they are. An
// empty EventTypes subscribes to every type; an empty Headers removes them
// all.
type UpdateEndpointInput struct {
	Name                  *string
	URL                   *string
	Description           *string
	EventTypes            *[]string
	VerifyTLS             *bool
	Format                *string
	MaxEventsPerRequest   *int
	Mode                  *string
	Headers               map[string]string
	VerificationKeyHeader *string
	TimeoutSeconds        *int
	// BatchWindowMS is how long, in milliseconds (0 to 5000), hookd may
	// wait to fill a request of several events (hookd.Endpoint.BatchWindow).
	BatchWindowMS *int
	// RateLimit is the most requests per second (0 to 10,000; 0 for no
	// limit) and RateLimitBurst how many may go at once (1 to RateLimit);
	// see hookd.Endpoint.RateLimit. A RateLimit without a burst keeps the
	// burst if it fits, else sets it to RateLimit.
	RateLimit      *int
	RateLimitBurst *int
	// Filter, when not nil, replaces the payload filter (hookd.Filter):
	// a JSON object, or empty or null to remove it.
	Filter *json.RawMessage
	// Ordering, when not nil, is the new ordering: "" or none, or fifo
	// (full mode only; hookd.OrderingFIFO).
	Ordering *string
}

// UpdateEndpoint changes an endpoint of the tenant. Returns ENOTFOUND,
// EINVALID listing every invalid field (a new URL must be https if the tenant
// requires it), and EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) UpdateEndpoint(ctx context.Context, tenantID, id string, in UpdateEndpointInput) (*hookd.Endpoint, error) {
	t, err := a.webhooksTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	e, err := a.endpoint(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	before := e.Mode
	if err := a.applyEndpointInput(ctx, e, in, t.RequireHTTPSEndpoints, false, "The endpoint cannot be changed."); err != nil {
		return nil, err
	}
	now := a.now()
	e.UpdatedAt = now
	if err := a.saveEndpoint(ctx, e); err != nil {
		return nil, err
	}
	if err := a.modeChanged(ctx, e, before, now); err != nil {
		return nil, err
	}
	return e, nil
}

// modeChanged follows a change of e's mode from before, between ping and
// pull: a ping waiting when notifications stop (ping to pull) is held; when
// they start (pull to ping) a held ping is released and the payloads not
// yet announced are announced.
func (a *App) modeChanged(ctx context.Context, e *hookd.Endpoint, before hookd.EndpointMode, now time.Time) error {
	switch {
	case before == hookd.ModePing && e.Mode == hookd.ModePull:
		if _, err := a.Store.HoldDeliveries(ctx, e.ID, now); err != nil {
			return err
		}
	case before == hookd.ModePull && e.Mode == hookd.ModePing && e.Enabled:
		n, err := a.Store.ReleaseHeldDeliveries(ctx, e.ID, now)
		if err != nil {
			return err
		}
		queued, err := a.Store.RequestPing(ctx, e.ID, now)
		if err != nil {
			return err
		}
		if n > 0 || queued {
			a.deliveriesStored(e.ID)
		}
	}
	return nil
}

// DeleteEndpoint deletes an endpoint of the tenant. Returns ENOTFOUND, or
// EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) DeleteEndpoint(ctx context.Context, tenantID, id string) error {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return err
	}
	return a.Store.DeleteEndpoint(ctx, tenantID, id)
}

// signingFieldError is the problem of an unknown signing scheme.
func signingFieldError(at string) hookd.FieldError {
	return hookd.FieldError{Location: at, Message: fmt.Sprintf("must be one of %s, %s", hookd.SigningHMACSHA256, hookd.SigningEd25519)}
}

// EndpointSecret returns the key receivers of an endpoint of the tenant
// verify its signatures with: its current shared secret (whsec_…) in
// plaintext, or for an Ed25519 endpoint the current public key (whpk_…);
// the private key never leaves hookd. Returns ENOTFOUND, or
// EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) EndpointSecret(ctx context.Context, tenantID, id string) (string, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return "", err
	}
	e, err := a.Store.Endpoint(ctx, tenantID, id)
	if err != nil {
		return "", err
	}
	s, err := a.openEndpointSecret(e, e.Secrets[0])
	if err != nil {
		return "", err
	}
	return verifyingKey(s)
}

// verifyingKey returns what receivers verify a secret's signatures with:
// the secret itself, or an Ed25519 key's public half.
func verifyingKey(s string) (string, error) {
	if hookd.SecretScheme(s) != hookd.SigningEd25519 {
		return s, nil
	}
	pub, err := hookd.PublicKeyOf(s)
	if err != nil {
		return "", fmt.Errorf("app: endpoint secret: %w", err)
	}
	return pub, nil
}

// EndpointSigning is how an endpoint signs, as its owner may see it.
type EndpointSigning struct {
	Scheme hookd.SigningScheme
	// PublicKeys are the whpk_ keys of its live Ed25519 secrets, the
	// current one first; empty for a shared secret.
	PublicKeys []hookd.EndpointPublicKey
}

// SigningOf returns how e signs its deliveries at the App's now. It opens
// its secrets (not kept in e).
func (a *App) SigningOf(e *hookd.Endpoint) (EndpointSigning, error) {
	opened := &hookd.Endpoint{Secrets: slices.Clone(e.Secrets)}
	for i, s := range opened.Secrets {
		pt, err := a.openEndpointSecret(e, s)
		if err != nil {
			return EndpointSigning{}, err
		}
		opened.Secrets[i].Secret = pt
	}
	return EndpointSigning{Scheme: opened.Signing(), PublicKeys: opened.PublicKeys(a.now())}, nil
}

// RotateEndpointSecret gives an endpoint of the tenant a new signing secret
// of the scheme it has, and returns what receivers verify with (as
// EndpointSecret does) and the time the previous one stops signing:
// hookd.SecretRotationOverlap from now. Until then deliveries carry a
// signature by each. A secret that was already previous is dropped. Returns
// ENOTFOUND, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) RotateEndpointSecret(ctx context.Context, tenantID, id string) (string, time.Time, error) {
	return a.RotateEndpointSecretTo(ctx, tenantID, id, "")
}

// RotateEndpointSecretTo is RotateEndpointSecret to a secret of scheme
// ("" keeps the endpoint's): moving from a shared secret to a key pair, or
// back, keeps both signing during the overlap. Returns EINVALID at
// body.signing for an unknown scheme.
func (a *App) RotateEndpointSecretTo(ctx context.Context, tenantID, id string, scheme hookd.SigningScheme) (string, time.Time, error) {
	if scheme != "" && !scheme.Valid() {
		return "", time.Time{}, hookd.Invalid("The secret cannot be rotated.", signingFieldError("body.signing"))
	}
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return "", time.Time{}, err
	}
	e, err := a.endpoint(ctx, tenantID, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if scheme == "" {
		pt, err := a.openEndpointSecret(e, e.Secrets[0])
		if err != nil {
			return "", time.Time{}, err
		}
		scheme = hookd.SecretScheme(pt)
	}
	now := a.now()
	expires := now.Add(hookd.SecretRotationOverlap)
	previous := e.Secrets[0]
	previous.ExpiresAt = &expires
	current := a.newEndpointSecret(e, scheme)
	e.Secrets = []hookd.EndpointSecret{current, previous}
	e.UpdatedAt = now
	if err := a.saveEndpoint(ctx, e); err != nil {
		return "", time.Time{}, err
	}
	key, err := verifyingKey(current.Secret)
	return key, expires, err
}

// RotateVerificationKey gives an endpoint of the tenant a new verification
// key and returns the endpoint with it opened. The old key stops at once:
// deliveries from now on carry the new one, in its header and in the URL.
// Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) RotateVerificationKey(ctx context.Context, tenantID, id string) (*hookd.Endpoint, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	e, err := a.endpoint(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	e.VerificationKey = secret.NewToken("", verificationKeyLength)
	e.SealedVerificationKey = a.Box.Seal([]byte(e.VerificationKey), verificationKeyAD(e))
	e.UpdatedAt = a.now()
	if err := a.saveEndpoint(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// LiveEndpointSecrets returns the plaintext secrets that sign deliveries to
// e at the App's now: the current one first, then the previous one during
// the overlap after a rotation.
func (a *App) LiveEndpointSecrets(e *hookd.Endpoint) ([]string, error) {
	live := e.LiveSecrets(a.now())
	out := make([]string, 0, len(live))
	for _, s := range live {
		pt, err := a.openEndpointSecret(e, s)
		if err != nil {
			return nil, err
		}
		out = append(out, pt)
	}
	return out, nil
}

// EnableEndpoint enables an endpoint of the tenant and clears why it was
// disabled; the deliveries held while it was disabled become due at once,
// each in a new round of retries. Enabling an enabled endpoint changes
// nothing. Returns ENOTFOUND,
// or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) EnableEndpoint(ctx context.Context, tenantID, id string) (*hookd.Endpoint, error) {
	return a.setEndpointEnabled(ctx, tenantID, id, true, "")
}

// DisableEndpoint disables an endpoint of the tenant with the reason given
// (hookd.DisabledByUser when ""); its pending deliveries are held until it
// is enabled again. Disabling a disabled endpoint keeps its
// first reason and time. Returns ENOTFOUND, or EPLANFORBIDDEN unless the plan
// includes webhooks.
func (a *App) DisableEndpoint(ctx context.Context, tenantID, id, reason string) (*hookd.Endpoint, error) {
	if reason == "" {
		reason = hookd.DisabledByUser
	}
	return a.setEndpointEnabled(ctx, tenantID, id, false, reason)
}

func (a *App) setEndpointEnabled(ctx context.Context, tenantID, id string, enabled bool, reason string) (*hookd.Endpoint, error) {
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	e, err := a.endpoint(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if e.Enabled == enabled {
		return e, nil
	}
	now := a.now()
	e.Enabled = enabled
	e.DisabledReason, e.DisabledAt = "", nil
	if !enabled {
		e.DisabledReason, e.DisabledAt = reason, &now
	} else if e.Mode.Pulls() {
		// Enabling restarts the inactivity timer (and ends the inactive
		// state, if that was why the endpoint was disabled).
		e.InactiveAt, e.PullActiveSince = nil, &now
	}
	e.UpdatedAt = now
	// The change and its operational event (endpoint.enabled or
	// endpoint.disabled) are stored together; of two racing, one changes.
	changed, err := a.Store.SetEndpointEnabled(ctx, e, enabledSignal(e, now))
	if err != nil {
		return nil, err
	}
	if !changed {
		return a.endpoint(ctx, tenantID, id)
	}
	if enabled {
		n, err := a.Store.ReleaseHeldDeliveries(ctx, e.ID, now)
		if err != nil {
			return nil, err
		}
		if e.Mode == hookd.ModePing {
			// Payloads stored while notifications were off, or after the
			// ping that failed last, are announced now.
			queued, err := a.Store.RequestPing(ctx, e.ID, now)
			if err != nil {
				return nil, err
			}
			if queued {
				n++
			}
		}
		if n > 0 {
			a.deliveriesStored(e.ID)
		}
	} else if _, err := a.Store.HoldDeliveries(ctx, e.ID, now); err != nil {
		return nil, err
	}
	return e, nil
}

// enabledSignal returns the operational signal of e just enabled or
// disabled by hand at now.
func enabledSignal(e *hookd.Endpoint, now time.Time) *hookd.OperationalSignal {
	ep := hookd.OperationalEndpoint{ID: e.ID, Name: e.Name, URL: e.URL}
	var sig *hookd.OperationalSignal
	var err error
	if e.Enabled {
		sig, err = hookd.NewOperationalSignal(e.TenantID, hookd.EventEndpointEnabled, e.ID,
			hookd.EndpointEnabledData{Endpoint: ep, EnabledAt: now.UTC().Truncate(time.Microsecond)}, now)
	} else {
		sig, err = hookd.NewOperationalSignal(e.TenantID, hookd.EventEndpointDisabled, e.ID, hookd.EndpointDisabledData{
			Endpoint: ep, Reason: e.DisabledReason, Cause: hookd.DisabledCauseUser, DisabledAt: now.UTC().Truncate(time.Microsecond),
		}, now)
	}
	if err != nil {
		panic("app: cannot encode an operational event: " + err.Error()) // plain structs: a bug
	}
	return sig
}

// applyEndpointInput validates in and sets its non-nil fields on e; a URL
// must be https if requireHTTPS. Returns EINVALID with message listing every
// invalid field.
//
// The mode decides the URL: full and ping endpoints need one, a pull
// endpoint has none (a URL given with mode pull is refused; changing a
// ping endpoint to pull drops its URL). Unless creating, the mode changes
// only between ping and pull, which keep the same payloads and
// transaction numbers: full against ping or pull is refused.
func (a *App) applyEndpointInput(ctx context.Context, e *hookd.Endpoint, in UpdateEndpointInput, requireHTTPS, creating bool, message string) error {
	var fields []hookd.FieldError
	bad := func(location, format string, args ...any) {
		fields = append(fields, hookd.FieldError{Location: location, Message: fmt.Sprintf(format, args...)})
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || len(name) > hookd.MaxEndpointNameLength {
			bad("body.name", "must be 1 to %d characters", hookd.MaxEndpointNameLength)
		}
		e.Name = name
	}
	mode := e.Mode
	if in.Mode != nil {
		switch m := hookd.EndpointMode(*in.Mode); {
		case m != hookd.ModeFull && m != hookd.ModePing && m != hookd.ModePull:
			bad("body.mode", "must be full, ping or pull")
		case !creating && m.Pulls() != e.Mode.Pulls():
			bad("body.mode", "cannot change from %s to %s: a full endpoint is sent its events, a ping or pull endpoint keeps them "+
				"as numbered payloads to be listed; create a new endpoint for the other way and delete this one once it is drained", e.Mode, m)
		default:
			mode = m
		}
	}
	switch u := strings.TrimSpace(e.URL); {
	case in.URL != nil && mode == hookd.ModePull:
		if strings.TrimSpace(*in.URL) != "" {
			bad("body.url", "must be empty for mode pull: nothing is sent to a pull endpoint; choose mode ping to be notified at a URL")
		}
	case in.URL != nil:
		u = strings.TrimSpace(*in.URL)
		if fe := validateEndpointURL("body.url", u); fe != nil {
			fields = append(fields, *fe)
		} else if requireHTTPS && !hookd.IsHTTPSURL(u) {
			fields = append(fields, hookd.HTTPSRequired("body.url"))
		}
		e.URL = u
	case mode != hookd.ModePull && u == "":
		bad("body.url", "is needed for mode %s; only a pull endpoint has none", mode)
	}
	if mode == hookd.ModePull {
		// A pull endpoint has no URL; one in ping mode before drops it.
		e.URL = ""
	}
	e.Mode = mode
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		if len(d) > hookd.MaxEndpointDescriptionLength {
			bad("body.description", "must be at most %d characters", hookd.MaxEndpointDescriptionLength)
		}
		e.Description = d
	}
	if in.EventTypes != nil {
		types, fs, err := a.checkEndpointEventTypes(ctx, e.TenantID, *in.EventTypes)
		if err != nil {
			return err
		}
		fields = append(fields, fs...)
		e.EventTypes, e.AllEventTypes = types, len(types) == 0
	}
	if in.VerifyTLS != nil {
		e.VerifyTLS = *in.VerifyTLS
	}
	if in.Format != nil {
		switch f := hookd.EndpointFormat(*in.Format); f {
		case hookd.FormatJSON, hookd.FormatXML:
			e.Format = f
		default:
			bad("body.format", "must be json or xml")
		}
	}
	if in.MaxEventsPerRequest != nil {
		if n := *in.MaxEventsPerRequest; n < 1 || n > hookd.MaxEventsPerRequestLimit {
			bad("body.max_events_per_request", "must be 1 to %d", hookd.MaxEventsPerRequestLimit)
		} else {
			e.MaxEventsPerRequest = n
		}
	}
	if in.BatchWindowMS != nil {
		if n := *in.BatchWindowMS; n < 0 || n > int(hookd.MaxBatchWindow/time.Millisecond) {
			bad("body.batch_window_ms", "must be 0 to %d", hookd.MaxBatchWindow/time.Millisecond)
		} else {
			e.BatchWindow = time.Duration(n) * time.Millisecond
		}
	}
	applyRateLimit(e, in, bad)
	if in.TimeoutSeconds != nil {
		if n := *in.TimeoutSeconds; n < hookd.MinEndpointTimeout || n > hookd.MaxEndpointTimeout {
			bad("body.timeout_seconds", "must be %d to %d", hookd.MinEndpointTimeout, hookd.MaxEndpointTimeout)
		} else {
			e.TimeoutSeconds = n
		}
	}
	if in.VerificationKeyHeader != nil {
		h := strings.TrimSpace(*in.VerificationKeyHeader)
		if fe := hookd.ValidateEndpointHeader("body.verification_key_header", h, ""); fe != nil {
			fields = append(fields, *fe)
		}
		e.VerificationKeyHeader = h
	}
	if in.Headers != nil {
		if len(in.Headers) > hookd.MaxEndpointHeaders {
			bad("body.headers", "must hold at most %d headers", hookd.MaxEndpointHeaders)
		}
		seen := map[string]bool{}
		for _, name := range slices.Sorted(maps.Keys(in.Headers)) {
			location := "body.headers." + name
			if fe := hookd.ValidateEndpointHeader(location, name, in.Headers[name]); fe != nil {
				fields = append(fields, *fe)
				continue
			}
			canon := http.CanonicalHeaderKey(name)
			if seen[canon] {
				bad(location, "is given twice, in different cases")
			}
			seen[canon] = true
		}
		e.Headers = maps.Clone(in.Headers)
	}
	for name := range e.Headers {
		if strings.EqualFold(name, e.VerificationKeyHeader) {
			bad("body.headers."+name, "is the verification key's header; choose another name for one of them")
		}
	}
	if in.Filter != nil {
		f, fs := hookd.ParseFilter(*in.Filter, "body.filter")
		fields = append(fields, fs...)
		e.Filter = f
	}
	if in.Ordering != nil {
		if o, ok := hookd.ParseOrdering(*in.Ordering); !ok {
			bad("body.ordering", "must be none or fifo")
		} else {
			e.Ordering = o
		}
	}
	if e.Ordering == hookd.OrderingFIFO && e.Mode != hookd.ModeFull {
		bad("body.ordering", "fifo is for full mode endpoints only: a %s endpoint's receiver lists its payloads in order itself", e.Mode)
	}
	if len(fields) > 0 {
		return hookd.Invalid(message, fields...)
	}
	return nil
}

// checkEndpointEventTypes returns types without duplicates, in the order
// given, and a problem for each name that is not in the tenant's catalog.
func (a *App) checkEndpointEventTypes(ctx context.Context, tenantID string, types []string) ([]string, []hookd.FieldError, error) {
	var fields []hookd.FieldError
	if len(types) > hookd.MaxEndpointEventTypes {
		return nil, []hookd.FieldError{{Location: "body.event_types",
			Message: fmt.Sprintf("must name at most %d event types; leave it empty to subscribe to all", hookd.MaxEndpointEventTypes)}}, nil
	}
	out := []string{}
	for i, name := range types {
		location := fmt.Sprintf("body.event_types[%d]", i)
		if slices.Contains(out, name) {
			continue
		}
		if fe := hookd.ValidateEventTypeName(location, name); fe != nil {
			fields = append(fields, *fe)
			continue
		}
		_, err := a.Store.EventType(ctx, tenantID, name)
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			fields = append(fields, hookd.FieldError{Location: location, Message: fmt.Sprintf("%q is not an event type of the catalog", name)})
			continue
		} else if err != nil {
			return nil, nil, err
		}
		out = append(out, name)
	}
	return out, fields, nil
}

// validateEndpointURL returns a problem at location unless u, with its
// verification key placeholders filled in, is an absolute http or https URL
// of at most hookd.MaxEndpointURLLength characters with a host and no user
// information. Whether the host is a safe destination is checked when
// connecting, not here.
func validateEndpointURL(location, u string) *hookd.FieldError {
	fail := func(msg string) *hookd.FieldError { return &hookd.FieldError{Location: location, Message: msg} }
	if u == "" || len(u) > hookd.MaxEndpointURLLength {
		return fail(fmt.Sprintf("must be an http or https URL of at most %d characters", hookd.MaxEndpointURLLength))
	}
	parsed, err := url.Parse(strings.ReplaceAll(u, hookd.VerificationKeyPlaceholder, "key"))
	switch {
	case err != nil:
		return fail("is not a valid URL")
	case parsed.Scheme != "http" && parsed.Scheme != "https":
		return fail("must be an absolute http or https URL")
	case parsed.Host == "" || parsed.Hostname() == "":
		return fail("must have a host")
	case parsed.User != nil:
		return fail("must not hold a user name or password; use custom headers for credentials")
	case parsed.Fragment != "":
		return fail("must not have a fragment (#…)")
	}
	return nil
}

// newEndpointSecret returns a new signing secret of scheme for e, sealed.
func (a *App) newEndpointSecret(e *hookd.Endpoint, scheme hookd.SigningScheme) hookd.EndpointSecret {
	s := hookd.NewSigningSecret(scheme)
	return hookd.EndpointSecret{Secret: s, Sealed: a.Box.Seal([]byte(s), endpointSecretAD(e))}
}

func (a *App) openEndpointSecret(e *hookd.Endpoint, s hookd.EndpointSecret) (string, error) {
	pt, err := a.Box.Open(s.Sealed, endpointSecretAD(e))
	if err != nil {
		return "", fmt.Errorf("app: open secret of endpoint %s: %w", e.ID, err)
	}
	return string(pt), nil
}

// OpenEndpoint sets e.VerificationKey and e.Headers from their sealed
// forms (an endpoint whose headers were never sealed keeps its clear ones),
// and names the configured inactivity period in the reason of an inactive
// endpoint (InactiveReason).
func (a *App) OpenEndpoint(e *hookd.Endpoint) error {
	e.DisabledReason = a.inactiveReason(e)
	if len(e.SealedVerificationKey) > 0 {
		if err := a.openVerificationKey(e); err != nil {
			return err
		}
	}
	if e.SealedHeaders == nil {
		return nil
	}
	pt, err := a.Box.Open(e.SealedHeaders, headersAD(e))
	if err != nil {
		return fmt.Errorf("app: open headers of endpoint %s: %w", e.ID, err)
	}
	headers := map[string]string{}
	if err := json.Unmarshal(pt, &headers); err != nil {
		return fmt.Errorf("app: open headers of endpoint %s: %w", e.ID, err)
	}
	e.Headers = headers
	return nil
}

// sealHeaders sets e.SealedHeaders from e.Headers: nil when there are none.
func (a *App) sealHeaders(e *hookd.Endpoint) error {
	sealed, err := a.sealedHeaders(e)
	if err != nil {
		return err
	}
	e.SealedHeaders = sealed
	return nil
}

// sealedHeaders returns e.Headers sealed, or nil if there are none.
func (a *App) sealedHeaders(e *hookd.Endpoint) ([]byte, error) {
	if len(e.Headers) == 0 {
		return nil, nil
	}
	pt, err := json.Marshal(e.Headers)
	if err != nil {
		return nil, fmt.Errorf("app: seal headers of endpoint %s: %w", e.ID, err)
	}
	return a.Box.Seal(pt, headersAD(e)), nil
}

// SealEndpointHeaders seals the custom headers of every endpoint still
// stored in clear, from before hookd sealed them (migration 00014), and
// returns how many endpoints it sealed. hookd calls it when it starts;
// running it again, or on several instances at once, is harmless.
func (a *App) SealEndpointHeaders(ctx context.Context) (int, error) {
	const batch = 100
	total := 0
	for {
		n, err := a.Store.SealEndpointHeaders(ctx, batch, a.sealedHeaders)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

func (a *App) openVerificationKey(e *hookd.Endpoint) error {
	pt, err := a.Box.Open(e.SealedVerificationKey, verificationKeyAD(e))
	if err != nil {
		return fmt.Errorf("app: open verification key of endpoint %s: %w", e.ID, err)
	}
	e.VerificationKey = string(pt)
	return nil
}

// endpointSecretAD binds an endpoint's signing secrets to their endpoint.
func endpointSecretAD(e *hookd.Endpoint) []byte {
	return []byte("endpoint_secret:" + e.TenantID + ":" + e.ID)
}

// headersAD binds an endpoint's sealed custom headers to their endpoint.
func headersAD(e *hookd.Endpoint) []byte {
	return []byte("endpoint_headers:" + e.TenantID + ":" + e.ID)
}

// verificationKeyAD binds an endpoint's verification key to its endpoint.
func verificationKeyAD(e *hookd.Endpoint) []byte {
	return []byte("endpoint_verification_key:" + e.TenantID + ":" + e.ID)
}

// applyRateLimit sets e's rate limit and burst from in, or reports what
// is wrong with them through bad.
func applyRateLimit(e *hookd.Endpoint, in UpdateEndpointInput, bad func(location, format string, args ...any)) {
	if in.RateLimit == nil && in.RateLimitBurst == nil {
		return
	}
	limit := e.RateLimit
	if in.RateLimit != nil {
		if n := *in.RateLimit; n < 0 || n > hookd.MaxRateLimit {
			bad("body.rate_limit", "must be 0 (no limit) to %d requests per second", hookd.MaxRateLimit)
			return
		}
		limit = *in.RateLimit
	}
	burst := e.RateLimitBurst
	switch {
	case in.RateLimitBurst != nil && limit == 0:
		if *in.RateLimitBurst != 0 {
			bad("body.rate_limit_burst", "needs a rate_limit: an endpoint without one has no burst")
			return
		}
		burst = 0
	case in.RateLimitBurst != nil:
		if n := *in.RateLimitBurst; n < 1 || n > limit {
			bad("body.rate_limit_burst", "must be 1 to the rate_limit, %d", limit)
			return
		}
		burst = *in.RateLimitBurst
	case limit == 0:
		burst = 0
	case burst < 1 || burst > limit:
		burst = limit
	}
	e.RateLimit, e.RateLimitBurst = limit, burst
}
