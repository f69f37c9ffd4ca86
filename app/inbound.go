package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
)

// Inbound webhooks: helpdesk and HR systems call /hooks/{tenant}/…; each
// call is authenticated, checked, parsed, applied to the directory and
// recorded in the tenant's inbound log, whatever its outcome.

// InboundRequest is one call of an inbound webhook as the HTTP adapter read
// it.
type InboundRequest struct {
	TenantSlug string
	Kind       hookd.InboundKind
	// DestinationID and Operation are set for provisioning calls.
	DestinationID string
	Operation     hookd.ProvisioningOperation
	Method        string
	Path          string
	SourceIP      string
	Header        http.Header
	// Body is the request body; when BodyTooLarge it is the start of a body
	// longer than hookd.MaxInboundBodyBytes, which is refused (413).
	Body         []byte
	BodyTooLarge bool
	// Allow, if set, is asked once the caller is authenticated whether it
	// may make another call; an error (ERATELIMITED) refuses the call.
	Allow func(p *hookd.Principal) error
}

// InboundResult is what an inbound call did.
type InboundResult struct {
	// Call is the call as the inbound log keeps it; nil when the tenant of
	// the URL does not exist, as such calls are not recorded.
	Call *hookd.InboundCall
	// Status is the HTTP status to answer (also in Call).
	Status int
	// Ticket or User is what the call created or changed, on success.
	Ticket *hookd.Ticket
	User   *hookd.User
}

// ReceiveInbound handles one inbound webhook call: it checks the credential
// (the tenant's API key, an access token or a service account, which must
// belong to the tenant of the URL), the destination and its signature
// scheme, parses the body and applies it to the directory; then it records
// the call. It always returns a result with the status to answer, and the
// error that status tells of: EUNAUTHORIZED for missing or wrong
// credentials, another tenant's credentials and missing, wrong or stale
// signatures; EINVALID (400) listing every problem of the body; ENOTFOUND
// for an unknown destination, or an unknown employee ID for modifyuser and
// deleteuser.
func (a *App) ReceiveInbound(ctx context.Context, req InboundRequest) (*InboundResult, error) {
	now := a.now()
	call := &hookd.InboundCall{
		ID: hookd.NewID(hookd.PrefixInboundCall), ReceivedAt: now, Kind: req.Kind, DestinationID: req.DestinationID,
		Operation: req.Operation, Method: req.Method, Path: req.Path, SourceIP: req.SourceIP,
		Headers: redactHeaders(req.Header),
	}
	call.Body, call.BodyTruncated = logBody(req.Body, req.BodyTooLarge)

	tenant, tenantErr := a.Store.TenantBySlug(ctx, req.TenantSlug)
	if tenantErr != nil && hookd.ErrorCode(tenantErr) != hookd.ENOTFOUND {
		return &InboundResult{Status: hookd.InboundStatus(tenantErr, false)}, tenantErr
	}
	if tenant != nil {
		call.TenantID = tenant.ID
	}
	res, err := a.receive(ctx, req, tenant, call, now)
	return a.finishCall(ctx, call, res, err)
}

// receive does the work of ReceiveInbound for tenant (nil if unknown).
func (a *App) receive(ctx context.Context, req InboundRequest, tenant *hookd.Tenant, call *hookd.InboundCall, now time.Time) (*InboundResult, error) {
	scheme, cred, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	p, err := a.Authenticate(ctx, scheme, cred)
	if err != nil {
		return nil, err
	}
	call.Caller = callerOf(p)
	if tenant == nil || p.TenantID != tenant.ID {
		return nil, hookd.Errorf(hookd.EUNAUTHORIZED, "The credentials are not valid for this tenant.")
	}
	if !p.Has(hookd.ScopeInbound) {
		return nil, hookd.InsufficientScope("call inbound webhooks", hookd.ScopeInbound)
	}
	if req.Allow != nil {
		if err := req.Allow(p); err != nil {
			return nil, err
		}
	}
	if req.BodyTooLarge {
		return nil, errBodyTooLarge
	}
	return a.apply(ctx, tenant.ID, req.Kind, req.DestinationID, req.Operation, req.Header, req.Body, now)
}

// errBodyTooLarge is the error of a body over hookd.MaxInboundBodyBytes,
// answered with 413.
var errBodyTooLarge = hookd.Invalid(fmt.Sprintf("The body is larger than %d bytes.", hookd.MaxInboundBodyBytes),
	hookd.FieldError{Location: "body", Message: fmt.Sprintf("must be at most %d bytes", hookd.MaxInboundBodyBytes)})

// apply checks the destination and signature of an authenticated call,
// parses its body and applies it to the tenant's directory. signedAt is
// the time a Standard Webhooks timestamp is judged against.
func (a *App) apply(ctx context.Context, tenantID string, kind hookd.InboundKind, destinationID string,
	op hookd.ProvisioningOperation, header http.Header, body []byte, signedAt time.Time,
) (*InboundResult, error) {
	if a.Inbound == nil {
		return nil, errors.New("app: no inbound parser configured")
	}
	switch kind {
	case hookd.InboundServiceNow, hookd.InboundCreateTicket:
		in, err := a.Inbound.ParseTicket(kind, body)
		if err != nil {
			return nil, err
		}
		t, created, err := a.ReceiveTicket(ctx, tenantID, in)
		if err != nil {
			return nil, err
		}
		return &InboundResult{Status: hookd.InboundStatus(nil, created), Ticket: t}, nil
	case hookd.InboundProvisioning:
		if !op.Valid() {
			return nil, hookd.Errorf(hookd.ENOTFOUND, "There is no provisioning operation %q; use adduser, modifyuser or deleteuser.", string(op))
		}
		d, err := a.Store.ProvisioningDestination(ctx, tenantID, destinationID)
		if hookd.ErrorCode(err) == hookd.ENOTFOUND {
			return nil, hookd.Errorf(hookd.ENOTFOUND, "The tenant has no provisioning destination %q.", destinationID)
		} else if err != nil {
			return nil, err
		}
		if err := a.openSigningSecret(d); err != nil {
			return nil, err
		}
		if err := verifySignature(d, header, body, signedAt); err != nil {
			return nil, err
		}
		in, err := a.Inbound.ParseUser(d, op, body)
		if err != nil {
			return nil, err
		}
		u, created, err := a.ProvisionUser(ctx, tenantID, op, in)
		if err != nil {
			return nil, err
		}
		return &InboundResult{Status: hookd.InboundStatus(nil, created), User: u}, nil
	}
	return nil, hookd.Errorf(hookd.ENOTFOUND, "There is no inbound webhook %q.", string(kind))
}

// finishCall completes and records call with the outcome of res and err,
// and returns the result to answer with.
func (a *App) finishCall(ctx context.Context, call *hookd.InboundCall, res *InboundResult, err error) (*InboundResult, error) {
	if res == nil {
		res = &InboundResult{}
	}
	res.Status = hookd.InboundStatus(err, res.Status == http.StatusCreated)
	if errors.Is(err, errBodyTooLarge) {
		res.Status = http.StatusRequestEntityTooLarge
	}
	call.Status = res.Status
	switch {
	case err != nil:
		call.Problem = hookd.ErrorMessage(err)
		var e *hookd.Error
		if errors.As(err, &e) {
			call.Errors = e.Fields
		}
		if hookd.ErrorCode(err) == hookd.EINTERNAL {
			a.Log.ErrorContext(ctx, "inbound call failed", "call", call.ID, "path", call.Path, "err", err)
		}
	case res.Ticket != nil:
		call.ResultType, call.ResultID = "ticket", res.Ticket.ID
	case res.User != nil:
		call.ResultType, call.ResultID = "user", res.User.ID
	}
	if call.TenantID == "" {
		return res, err
	}
	if cerr := a.Store.CreateInboundCall(ctx, call); cerr != nil {
		// The call's outcome stands; only its record is lost.
		a.Log.WarnContext(ctx, "cannot record inbound call", "call", call.ID, "path", call.Path, "err", cerr)
	} else {
		res.Call = call
	}
	return res, err
}

// logBody returns what the inbound log keeps of a body and whether it was
// cut.
func logBody(body []byte, tooLarge bool) ([]byte, bool) {
	if len(body) > hookd.MaxInboundLoggedBodyBytes {
		return append([]byte(nil), body[:hookd.MaxInboundLoggedBodyBytes]...), true
	}
	return append([]byte{}, body...), tooLarge
}

// callerOf names p's credential for the inbound log.
func callerOf(p *hookd.Principal) string {
	switch p.Kind {
	case hookd.CredentialAPIKey:
		return string(p.Kind)
	default:
		return string(p.Kind) + " " + p.CredentialID
	}
}

// verifySignature checks the signature d requires of a call; now is the
// time a Standard Webhooks timestamp must be within
// hookd.SignatureTolerance of. Returns EUNAUTHORIZED saying what is wrong.
func verifySignature(d *hookd.ProvisioningDestination, header http.Header, body []byte, now time.Time) error {
	fail := func(format string, args ...any) error {
		return hookd.Errorf(hookd.EUNAUTHORIZED, format, args...)
	}
	switch d.Signature {
	case hookd.SignatureNone, "":
		return nil
	case hookd.SignatureStandardWebhooks:
		id, ts, sig := header.Get(standardwebhooks.HeaderWebhookID), header.Get(standardwebhooks.HeaderWebhookTimestamp), header.Get(standardwebhooks.HeaderWebhookSignature)
		if id == "" || ts == "" || sig == "" {
			return fail("The call is not signed: this destination requires a Standard Webhooks signature (webhook-id, webhook-timestamp and webhook-signature headers).")
		}
		secs, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return fail("The webhook-timestamp header is not a Unix time in seconds.")
		}
		if at := time.Unix(secs, 0); at.Before(now.Add(-hookd.SignatureTolerance)) || at.After(now.Add(hookd.SignatureTolerance)) {
			return fail("The signature is stale: its timestamp %s is more than %s from the time of the call.", at.UTC().Format(time.RFC3339), hookd.SignatureTolerance)
		}
		wh, err := standardwebhooks.NewWebhook(d.SigningSecret)
		if err != nil {
			return fmt.Errorf("app: signing secret of destination %s: %w", d.ID, err)
		}
		if err := wh.VerifyIgnoringTimestamp(body, header); err != nil {
			return fail("The webhook-signature does not match the body under this destination's secret.")
		}
		return nil
	case hookd.SignatureHMACSHA256:
		got := strings.TrimSpace(header.Get(d.SignatureHeader))
		if got == "" {
			return fail("The call is not signed: this destination requires the HMAC-SHA256 of the body in the %s header.", d.SignatureHeader)
		}
		got = strings.TrimPrefix(got, "sha256=")
		var sig []byte
		var err error
		if d.SignatureEncoding == "base64" {
			sig, err = base64.StdEncoding.DecodeString(got)
			if err != nil {
				sig, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(got, "="))
			}
		} else {
			sig, err = hex.DecodeString(got)
		}
		if err != nil {
			return fail("The %s header is not %s.", d.SignatureHeader, d.SignatureEncoding)
		}
		mac := hmac.New(sha256.New, []byte(d.SigningSecret))
		mac.Write(body)
		if !hmac.Equal(sig, mac.Sum(nil)) {
			return fail("The %s header does not match the body under this destination's secret.", d.SignatureHeader)
		}
		return nil
	}
	return fmt.Errorf("app: destination %s has unknown signature scheme %q", d.ID, d.Signature)
}

// InboundCall returns a call of the tenant's inbound log. Returns
// ENOTFOUND.
func (a *App) InboundCall(ctx context.Context, tenantID, id string) (*hookd.InboundCall, error) {
	return a.Store.InboundCall(ctx, tenantID, id)
}

// ListInboundCalls returns a page of the tenant's inbound log, only failed
// calls if failedOnly. Sort field: received_at; the query searches paths,
// kinds, source addresses and problems.
func (a *App) ListInboundCalls(ctx context.Context, tenantID string, failedOnly bool, p hookd.ListParams) (hookd.Page[*hookd.InboundCall], error) {
	return a.Store.ListInboundCalls(ctx, tenantID, failedOnly, p)
}

// ReplayInboundCall runs a failed call of the tenant's inbound log again,
// against the configuration as it is now, on behalf of p (who must be of
// the tenant): the caller's credentials are not checked again, but the
// destination's signature is, with the timestamp judged against the time of
// the original call. The replay is recorded as a call of its own, with
// ReplayOf set, and returned with its outcome: the replay itself succeeds
// whatever that outcome is. Returns ENOTFOUND for an unknown call, and
// ECONFLICT for a call that succeeded or whose body the log cut.
func (a *App) ReplayInboundCall(ctx context.Context, p *hookd.Principal, id string) (*InboundResult, error) {
	orig, err := a.Store.InboundCall(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !orig.Failed():
		return nil, hookd.Errorf(hookd.ECONFLICT, "The call succeeded (status %d); only failed calls can be replayed.", orig.Status)
	case orig.BodyTruncated:
		return nil, hookd.Errorf(hookd.ECONFLICT, "The call's body was larger than the inbound log keeps (%d bytes), so it cannot be replayed.", hookd.MaxInboundLoggedBodyBytes)
	}
	call := &hookd.InboundCall{
		ID: hookd.NewID(hookd.PrefixInboundCall), TenantID: p.TenantID, ReceivedAt: a.now(), Kind: orig.Kind,
		DestinationID: orig.DestinationID, Operation: orig.Operation, Method: orig.Method, Path: orig.Path,
		Caller: "replay by " + callerOf(p), Headers: orig.Headers, Body: orig.Body, ReplayOf: orig.ID,
	}
	res, err := a.apply(ctx, p.TenantID, orig.Kind, orig.DestinationID, orig.Operation, orig.Headers, orig.Body, orig.ReceivedAt)
	res, err = a.finishCall(ctx, call, res, err)
	if hookd.ErrorCode(err) == hookd.EINTERNAL {
		return nil, err
	}
	if res.Call == nil {
		return nil, errors.New("app: the replay could not be recorded")
	}
	return res, nil
}
