package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// Provisioning destinations: each receives one HR system's webhooks for a
// tenant, at three URLs, and may require the sender to sign its calls.

// Defaults of signed destinations.
const (
	// DefaultSignatureHeader is the header of hmac-sha256 signatures when
	// the destination names none.
	DefaultSignatureHeader = "X-Hookd-Signature"
	// minSigningSecretLength bounds a signing secret given for hmac-sha256.
	minSigningSecretLength = 16
	maxSigningSecretLength = 512
)

// SignatureInput is how a destination checks its sender's signature.
type SignatureInput struct {
	// Scheme is none, standard-webhooks or hmac-sha256.
	Scheme string
	// Secret is the key shared with the sender: for standard-webhooks a
	// whsec_ secret (base64), for hmac-sha256 16 to 512 characters.
	// "" makes a new one.
	Secret string
	// Header names the header of hmac-sha256 (default
	// DefaultSignatureHeader); Encoding is hex (default) or base64.
	Header   string
	Encoding string
}

// CreateDestinationInput is a new provisioning destination.
type CreateDestinationInput struct {
	Name string
	// Type is generic or paylocity.
	Type string
	// Mapping, when not empty, reads bodies through JSON pointers instead
	// of the type's own body.
	Mapping   map[string]string
	Signature *SignatureInput
}

// UpdateDestinationInput changes a destination; nil fields stay as they
// are. An empty Mapping removes the mapping; a Signature replaces the
// scheme (and, if it has none, makes a new secret).
type UpdateDestinationInput struct {
	Name      *string
	Type      *string
	Mapping   *map[string]string
	Signature *SignatureInput
}

// CreateProvisioningDestination adds a destination to the tenant. Its
// signing secret, if it has a scheme, is in SigningSecret in plaintext.
// Returns EINVALID listing every invalid field, and EQUOTA if the tenant
// has as many destinations as its quota allows.
func (a *App) CreateProvisioningDestination(ctx context.Context, tenantID string, in CreateDestinationInput) (*hookd.ProvisioningDestination, error) {
	now := a.now()
	d := &hookd.ProvisioningDestination{
		ID: hookd.NewID(hookd.PrefixProvisioningDestination), TenantID: tenantID, Type: hookd.DestinationGeneric,
		Mapping: map[string]string{}, Signature: hookd.SignatureNone, CreatedAt: now, UpdatedAt: now,
	}
	up := UpdateDestinationInput{Name: &in.Name, Signature: in.Signature}
	if in.Type != "" {
		up.Type = &in.Type
	}
	if in.Mapping != nil {
		up.Mapping = &in.Mapping
	}
	if err := a.applyDestinationInput(d, up, "The provisioning destination cannot be created."); err != nil {
		return nil, err
	}
	if err := a.Store.CreateProvisioningDestination(ctx, d, a.quota(hookd.QuotaDestinations)...); err != nil {
		return nil, err
	}
	return d, a.openSigningSecret(d)
}

// ProvisioningDestination returns a destination of the tenant, its signing
// secret opened. Returns ENOTFOUND.
func (a *App) ProvisioningDestination(ctx context.Context, tenantID, id string) (*hookd.ProvisioningDestination, error) {
	d, err := a.Store.ProvisioningDestination(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return d, a.openSigningSecret(d)
}

// ListProvisioningDestinations returns a page of the tenant's destinations
// (secrets not opened). Sort fields: created_at, name; the query searches
// names.
func (a *App) ListProvisioningDestinations(ctx context.Context, tenantID string, p hookd.ListParams) (hookd.Page[*hookd.ProvisioningDestination], error) {
	return a.Store.ListProvisioningDestinations(ctx, tenantID, p)
}

// UpdateProvisioningDestination changes a destination of the tenant.
// Returns ENOTFOUND and EINVALID listing every invalid field.
func (a *App) UpdateProvisioningDestination(ctx context.Context, tenantID, id string, in UpdateDestinationInput) (*hookd.ProvisioningDestination, error) {
	d, err := a.ProvisioningDestination(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if err := a.applyDestinationInput(d, in, "The provisioning destination cannot be changed."); err != nil {
		return nil, err
	}
	d.UpdatedAt = a.now()
	if err := a.Store.UpdateProvisioningDestination(ctx, d); err != nil {
		return nil, err
	}
	return d, a.openSigningSecret(d)
}

// DeleteProvisioningDestination deletes a destination of the tenant: its
// URLs answer 404 from then on. Its calls stay in the inbound log. Returns
// ENOTFOUND.
func (a *App) DeleteProvisioningDestination(ctx context.Context, tenantID, id string) error {
	return a.Store.DeleteProvisioningDestination(ctx, tenantID, id)
}

// DestinationURL returns the URL of a destination's webhook for op: under
// PublicURL, or a path alone when the App has none.
func (a *App) DestinationURL(tenantSlug string, d *hookd.ProvisioningDestination, op hookd.ProvisioningOperation) string {
	return strings.TrimRight(a.PublicURL, "/") + "/hooks/" + tenantSlug + "/provisioning/" + d.ID + "/" + string(op)
}

// HelpdeskURL returns the URL of the tenant's helpdesk webhook of kind
// (servicenow or createticket).
func (a *App) HelpdeskURL(tenantSlug string, kind hookd.InboundKind) string {
	return strings.TrimRight(a.PublicURL, "/") + "/hooks/" + tenantSlug + "/helpdesk/" + string(kind)
}

// applyDestinationInput validates in and sets its non-nil fields on d,
// sealing a new or given signing secret. Returns EINVALID with message
// listing every invalid field.
func (a *App) applyDestinationInput(d *hookd.ProvisioningDestination, in UpdateDestinationInput, message string) error {
	var fields []hookd.FieldError
	bad := func(location, format string, args ...any) {
		fields = append(fields, hookd.FieldError{Location: location, Message: fmt.Sprintf(format, args...)})
	}
	if in.Name != nil {
		d.Name = strings.TrimSpace(*in.Name)
		fields = checkText(fields, "body.name", d.Name, hookd.MaxDestinationNameLength, true, false)
	}
	if in.Type != nil {
		d.Type = hookd.DestinationType(*in.Type)
		if !d.Type.Valid() {
			bad("body.type", "must be generic or paylocity")
		}
	}
	if in.Mapping != nil {
		m := *in.Mapping
		switch {
		case len(m) == 0:
			d.Mapping = map[string]string{}
		case len(m) > hookd.MaxDestinationMappings:
			bad("body.mapping", "must map at most %d pointers", hookd.MaxDestinationMappings)
		case a.Inbound == nil:
			return fmt.Errorf("app: no inbound parser to check a mapping with")
		default:
			if err := a.Inbound.ValidateMapping(m); err != nil {
				var e *hookd.Error
				if !errors.As(err, &e) || e.Code != hookd.EINVALID {
					return err
				}
				fields = append(fields, e.Fields...)
			}
			d.Mapping = m
		}
	}
	if in.Signature != nil {
		fields = append(fields, a.applySignature(d, *in.Signature)...)
	}
	if len(fields) > 0 {
		return hookd.Invalid(message, fields...)
	}
	return nil
}

// applySignature sets a signature scheme on d and seals its secret.
func (a *App) applySignature(d *hookd.ProvisioningDestination, in SignatureInput) []hookd.FieldError {
	var fields []hookd.FieldError
	bad := func(location, msg string) {
		fields = append(fields, hookd.FieldError{Location: location, Message: msg})
	}
	scheme := hookd.SignatureScheme(in.Scheme)
	if scheme == "" {
		scheme = hookd.SignatureNone
	}
	d.Signature, d.SignatureHeader, d.SignatureEncoding, d.SealedSigningSecret, d.SigningSecret = scheme, "", "", nil, ""
	switch scheme {
	case hookd.SignatureNone:
		if in.Secret != "" || in.Header != "" || in.Encoding != "" {
			bad("body.signature", "a secret, header or encoding needs a scheme")
		}
		return fields
	case hookd.SignatureStandardWebhooks:
		if in.Header != "" || in.Encoding != "" {
			bad("body.signature", "standard-webhooks uses the webhook-id, webhook-timestamp and webhook-signature headers; header and encoding are for hmac-sha256")
		}
		d.SigningSecret = in.Secret
		if d.SigningSecret == "" {
			d.SigningSecret = endpointSecretPrefix + base64.StdEncoding.EncodeToString(secret.RandomBytes(endpointSecretBytes))
		} else if _, err := standardwebhooks.NewWebhook(d.SigningSecret); err != nil || len(d.SigningSecret) > maxSigningSecretLength {
			bad("body.signature.secret", "must be a Standard Webhooks secret: whsec_ followed by base64")
		}
	case hookd.SignatureHMACSHA256:
		d.SignatureHeader = strings.TrimSpace(in.Header)
		if d.SignatureHeader == "" {
			d.SignatureHeader = DefaultSignatureHeader
		}
		if !hookd.IsHeaderName(d.SignatureHeader) || len(d.SignatureHeader) > hookd.MaxEndpointHeaderNameLength || isCredentialHeader(d.SignatureHeader) {
			bad("body.signature.header", "must be a header name of up to 100 token characters, not Authorization, Cookie or a name hookd redacts")
		}
		d.SignatureEncoding = in.Encoding
		if d.SignatureEncoding == "" {
			d.SignatureEncoding = "hex"
		}
		if d.SignatureEncoding != "hex" && d.SignatureEncoding != "base64" {
			bad("body.signature.encoding", "must be hex or base64")
		}
		d.SigningSecret = in.Secret
		if d.SigningSecret == "" {
			d.SigningSecret = secret.NewToken("", 40)
		} else if n := len(d.SigningSecret); n < minSigningSecretLength || n > maxSigningSecretLength || hookd.HasControl(d.SigningSecret) {
			bad("body.signature.secret", fmt.Sprintf("must be %d to %d characters without control characters", minSigningSecretLength, maxSigningSecretLength))
		}
	default:
		bad("body.signature.scheme", "must be none, standard-webhooks or hmac-sha256")
		d.Signature = hookd.SignatureNone
		return fields
	}
	if len(fields) == 0 {
		d.SealedSigningSecret = a.Box.Seal([]byte(d.SigningSecret), signingSecretAD(d))
	}
	return fields
}

// openSigningSecret fills in d.SigningSecret from its sealed form.
func (a *App) openSigningSecret(d *hookd.ProvisioningDestination) error {
	if d.SealedSigningSecret == nil {
		d.SigningSecret = ""
		return nil
	}
	pt, err := a.Box.Open(d.SealedSigningSecret, signingSecretAD(d))
	if err != nil {
		return fmt.Errorf("app: open signing secret of destination %s: %w", d.ID, err)
	}
	d.SigningSecret = string(pt)
	return nil
}

// signingSecretAD binds a destination's signing secret to it.
func signingSecretAD(d *hookd.ProvisioningDestination) []byte {
	return []byte("provisioning_signing_secret:" + d.TenantID + ":" + d.ID)
}

// isCredentialHeader reports whether a header of that name looks like it
// carries a credential: a destination's signature header may not, as the
// inbound log keeps it in clear for replays.
func isCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	if strings.Contains(n, "signature") || strings.HasPrefix(n, "webhook-") {
		return false
	}
	for _, part := range []string{"token", "secret", "password", "passwd", "api-key", "apikey", "auth", "session", "cookie"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}
