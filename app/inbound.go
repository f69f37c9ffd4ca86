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
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// Call is the call as the inbound log keeps it; nil when the call was
	// not authenticated as the tenant of its URL (such calls are logged,
	// without their body, if the tenant exists, but not named to the
	// caller, so that answers do not tell whether it does) or when it was
	// refused for its rate.
	Call *hookd.InboundCall
	// Status is the HTTP status to answer (also in Call).
	Status int
	// RetryAfter is how long a call refused with 429 should wait.
	RetryAfter time.Duration
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
// deleteuser; ERATELIMITED (429, with RetryAfter) past the limits of
// InboundLimits or of req.Allow.
//
// A call that is not authenticated as the tenant of its URL is answered the
// same way whether or not that tenant exists, and logged (if it does)
// without its body: only the body's size and SHA-256 are kept, and the call
// cannot be replayed.
func (a *App) ReceiveInbound(ctx context.Context, req InboundRequest) (*InboundResult, error) {
	now := a.now()
	lim := a.InboundLimits.withDefaults()
	source := sourceKey(req.SourceIP)
	if wait := a.inboundSources.wait(source, lim.SourceFailures, now); wait > 0 {
		return refused(wait, "Too many calls from this address failed authentication; it is limited for %d seconds.")
	}
	sum := sha256.Sum256(req.Body)
	call := &hookd.InboundCall{
		ID: hookd.NewID(hookd.PrefixInboundCall), ReceivedAt: now, Kind: req.Kind,
		DestinationID: cut(req.DestinationID, 100), Operation: req.Operation, Method: cut(req.Method, 16),
		Path: cut(req.Path, hookd.MaxInboundLoggedPathBytes), SourceIP: cut(req.SourceIP, 64),
		BodySize: int64(len(req.Body)), BodySHA256: hex.EncodeToString(sum[:]), BodyTruncated: req.BodyTooLarge,
	}
	auth := AuthRequest{Authorization: req.Header.Get("Authorization"), SourceIP: req.SourceIP, ForTenant: true}
	switch tenant, terr := a.Store.TenantBySlug(ctx, req.TenantSlug); {
	case terr == nil:
		auth.TenantID = tenant.ID
	case hookd.ErrorCode(terr) != hookd.ENOTFOUND:
		return &InboundResult{Status: hookd.InboundStatus(terr, false)}, terr
	}
	p, err := a.AuthenticateRequest(ctx, auth)
	if err == nil && p.Tenant.Slug != req.TenantSlug {
		err = hookd.Errorf(hookd.EUNAUTHORIZED, "The credentials are not valid for this tenant.")
	}
	if err == nil && !p.Has(hookd.ScopeInbound) {
		// Not allowed to call webhooks: such a call is never replayable
		// (a replay would apply it with the replaying admin's power).
		err = hookd.InsufficientScope("call inbound webhooks", hookd.ScopeInbound)
	}
	if err != nil {
		return a.failInbound(ctx, req, call, source, lim, err, now)
	}
	call.TenantID, call.Caller, call.Authenticated = p.TenantID, callerOf(p), true
	call.Body, call.BodyTruncated = logBody(req.Body, req.BodyTooLarge)
	if req.Allow != nil {
		if err := req.Allow(p); err != nil {
			// Refused for its rate: nothing was done, the sender will try
			// again, and keeping it would let a flood fill the log.
			return &InboundResult{Status: hookd.InboundStatus(err, false)}, err
		}
	}
	var signatureHeader string
	res, err := func() (*InboundResult, error) {
		if req.BodyTooLarge {
			return nil, errBodyTooLarge
		}
		return a.apply(ctx, p.TenantID, req.Kind, req.DestinationID, req.Operation, req.Header, req.Body, now, &signatureHeader)
	}()
	call.Headers = logHeaders(req.Header, signatureHeader)
	return a.finishCall(ctx, call, res, err)
}

// refused returns the result and error of a call refused with 429 for
// wait, whose message (with a %d for the seconds) says why.
func refused(wait time.Duration, format string) (*InboundResult, error) {
	secs := int((wait + time.Second - 1) / time.Second)
	return &InboundResult{Status: http.StatusTooManyRequests, RetryAfter: time.Duration(secs) * time.Second},
		hookd.Errorf(hookd.ERATELIMITED, format, secs)
}

// failInbound answers a call that was not authenticated as the tenant of
// its URL with err, counts it against the address's and the slug's
// failure budgets, and logs it without its body if both had room and the
// tenant exists. It does the same work whether or not the tenant exists.
func (a *App) failInbound(ctx context.Context, req InboundRequest, call *hookd.InboundCall, source string,
	lim InboundLimits, err error, now time.Time,
) (*InboundResult, error) {
	switch hookd.ErrorCode(err) {
	case hookd.EINTERNAL:
		a.Log.ErrorContext(ctx, "inbound call failed", "path", call.Path, "err", err)
		return &InboundResult{Status: http.StatusInternalServerError}, err
	case hookd.ERATELIMITED, hookd.EUNAVAILABLE:
		// Refused by a limit of authentication itself (failed HTTP Basic
		// attempts, busy password hashing): not logged.
		res := &InboundResult{Status: hookd.InboundStatus(err, false)}
		res.RetryAfter, _ = RetryAfter(err)
		return res, err
	}
	okSource, waitSource := a.inboundSources.take(source, lim.SourceFailures, lim.TrackedKeys, now)
	okSlug, waitSlug := a.inboundSlugs.take(slugKey(req.TenantSlug), lim.TenantFailures, lim.TrackedKeys, now)
	switch {
	case !okSource:
		return refused(waitSource, "Too many calls from this address failed authentication; it is limited for %d seconds.")
	case !okSlug:
		return refused(waitSlug, "Too many calls to this tenant's webhooks failed authentication; calls without valid credentials are refused for %d seconds.")
	}
	res := &InboundResult{Status: hookd.InboundStatus(err, false)}
	call.Status, call.Problem, call.Errors = res.Status, hookd.ErrorMessage(err), []hookd.FieldError{}
	call.Headers = logHeaders(req.Header, "")
	switch cerr := a.Store.CreateInboundCallForSlug(ctx, req.TenantSlug, call); {
	case cerr == nil:
		a.trimInboundLog(ctx, call, lim)
	case hookd.ErrorCode(cerr) != hookd.ENOTFOUND:
		a.Log.WarnContext(ctx, "cannot record inbound call", "call", call.ID, "path", call.Path, "err", cerr)
	}
	return res, err
}

// errBodyTooLarge is the error of a body over hookd.MaxInboundBodyBytes,
// answered with 413.
var errBodyTooLarge = &hookd.Error{Code: hookd.ETOOLARGE, Message: fmt.Sprintf("The body is larger than %d bytes.", hookd.MaxInboundBodyBytes),
	Fields: []hookd.FieldError{{Location: "body", Message: fmt.Sprintf("must be at most %d bytes", hookd.MaxInboundBodyBytes)}}}

// apply checks the destination and signature of an authenticated call,
// parses its body and applies it to the tenant's directory. signedAt is
// the time a Standard Webhooks timestamp is judged against. It sets
// *signatureHeader to the header an HMAC destination's signature comes in.
func (a *App) apply(ctx context.Context, tenantID string, kind hookd.InboundKind, destinationID string,
	op hookd.ProvisioningOperation, header http.Header, body []byte, signedAt time.Time, signatureHeader *string,
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
		if d.Signature == hookd.SignatureHMACSHA256 {
			*signatureHeader = d.SignatureHeader
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

// finishCall completes and records call, authenticated as its tenant, with
// the outcome of res and err, and returns the result to answer with.
func (a *App) finishCall(ctx context.Context, call *hookd.InboundCall, res *InboundResult, err error) (*InboundResult, error) {
	if res == nil {
		res = &InboundResult{}
	}
	res.Status = hookd.InboundStatus(err, res.Status == http.StatusCreated)
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
	if cerr := a.Store.CreateInboundCall(ctx, call); cerr != nil {
		// The call's outcome stands; only its record is lost.
		a.Log.WarnContext(ctx, "cannot record inbound call", "call", call.ID, "path", call.Path, "err", cerr)
	} else {
		res.Call = call
		a.trimInboundLog(ctx, call, a.InboundLimits.withDefaults())
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

// cut returns s cut to at most n bytes.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// clearInboundHeaders are the headers the inbound log keeps in clear:
// harmless ones, and those a replay needs to check a Standard Webhooks
// signature again (a signature is no credential). Every other header's
// value is masked.
var clearInboundHeaders = map[string]bool{
	"Accept": true, "Accept-Charset": true, "Accept-Encoding": true, "Accept-Language": true,
	"Cache-Control": true, "Content-Encoding": true, "Content-Length": true, "Content-Type": true,
	"Date": true, "Forwarded": true, "Traceparent": true, "Tracestate": true, "User-Agent": true, "Via": true,
	"X-Correlation-Id": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true,
	"X-Real-Ip": true, "X-Request-Id": true,
	"Webhook-Id": true, "Webhook-Timestamp": true, "Webhook-Signature": true,
}

// redacted is what a masked header value reads as in the log.
const redacted = "[redacted]"

// logHeaders returns what the inbound log keeps of h: the headers of
// clearInboundHeaders, and signatureHeader (an HMAC destination's, if not
// ""), in clear; Authorization and Proxy-Authorization as their scheme
// only; every other value masked. Clear headers come first, and past
// hookd.MaxInboundLoggedHeaderBytes (names and values) the rest are left
// out.
func logHeaders(h http.Header, signatureHeader string) http.Header {
	signatureHeader = http.CanonicalHeaderKey(signatureHeader)
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	clear := func(name string) bool {
		return clearInboundHeaders[http.CanonicalHeaderKey(name)] || (signatureHeader != "" && http.CanonicalHeaderKey(name) == signatureHeader)
	}
	slices.SortFunc(names, func(x, y string) int {
		if cx, cy := clear(x), clear(y); cx != cy {
			if cx {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	out := make(http.Header, len(names))
	budget := hookd.MaxInboundLoggedHeaderBytes
	for _, name := range names {
		lower := strings.ToLower(name)
		for _, v := range h[name] {
			switch {
			case clear(name):
			case lower == "authorization" || lower == "proxy-authorization":
				scheme, _, ok := strings.Cut(strings.TrimSpace(v), " ")
				if !ok || len(scheme) > 20 {
					scheme = ""
				}
				v = strings.TrimPrefix(scheme+" "+redacted, " ")
			default:
				v = redacted
			}
			if budget -= len(name) + len(v); budget < 0 {
				return out
			}
			out[name] = append(out[name], v)
		}
	}
	return out
}

// inboundTrims counts, per tenant, the calls and bytes logged since its
// log was last trimmed to InboundLimits, so that the trim runs once per
// hundredth of the limits rather than on every call.
type inboundTrims struct {
	mu    sync.Mutex
	since map[string]*trimDebt
}

type trimDebt struct {
	calls int
	bytes int64
}

// trimInboundLog counts call against its tenant's log limits and, once a
// hundredth of either has been logged since the last trim (or on the
// first call since start), deletes the tenant's oldest calls beyond them.
func (a *App) trimInboundLog(ctx context.Context, call *hookd.InboundCall, lim InboundLimits) {
	size := int64(len(call.Body) + len(call.Path) + len(call.Problem))
	for name, vs := range call.Headers {
		for _, v := range vs {
			size += int64(len(name) + len(v))
		}
	}
	t := &a.inboundTrims
	t.mu.Lock()
	if t.since == nil {
		t.since = map[string]*trimDebt{}
	}
	d := t.since[call.TenantID]
	due := d == nil
	if d == nil {
		d = &trimDebt{}
		t.since[call.TenantID] = d
	}
	d.calls++
	d.bytes += size
	if (lim.LogMaxCalls > 0 && d.calls*100 >= lim.LogMaxCalls) || (lim.LogMaxBytes > 0 && d.bytes*100 >= lim.LogMaxBytes) {
		due = true
	}
	if due {
		*d = trimDebt{}
	}
	t.mu.Unlock()
	if !due {
		return
	}
	keep := hookd.InboundLogLimits{MaxCalls: max(lim.LogMaxCalls, 0), MaxBytes: max(lim.LogMaxBytes, 0)}
	if keep.MaxCalls == 0 && keep.MaxBytes == 0 {
		return
	}
	const batch = 500
	for {
		n, err := a.Store.TrimInboundCalls(ctx, call.TenantID, keep, batch)
		if err != nil {
			a.Log.WarnContext(ctx, "cannot trim the inbound log", "tenant", call.TenantID, "err", err)
			return
		}
		if n < batch {
			return
		}
	}
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

// ReplayInboundCall runs a failed call of the tenant's inbound log, which
// was authenticated as the tenant, again,
// against the configuration as it is now, on behalf of p (who must be of
// the tenant): the caller's credentials are not checked again, but the
// destination's signature is, with the timestamp judged against the time of
// the original call. The replay is recorded as a call of its own, with
// ReplayOf set, and returned with its outcome: the replay itself succeeds
// whatever that outcome is. Returns ENOTFOUND for an unknown call, and
// ECONFLICT for a call that was not authenticated as the tenant (its body
// was never kept: replaying it would act on an anonymous request with p's
// authority), that succeeded or whose body the log cut.
func (a *App) ReplayInboundCall(ctx context.Context, p *hookd.Principal, id string) (*InboundResult, error) {
	orig, err := a.Store.InboundCall(ctx, p.TenantID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !orig.Authenticated:
		return nil, hookd.Errorf(hookd.ECONFLICT, "The call was not authenticated as this tenant (status %d), so its body was not kept and it cannot be replayed.", orig.Status)
	case !orig.Failed():
		return nil, hookd.Errorf(hookd.ECONFLICT, "The call succeeded (status %d); only failed calls can be replayed.", orig.Status)
	case orig.BodyTruncated:
		return nil, hookd.Errorf(hookd.ECONFLICT, "The call's body was larger than the inbound log keeps (%d bytes), so it cannot be replayed.", hookd.MaxInboundLoggedBodyBytes)
	}
	call := &hookd.InboundCall{
		ID: hookd.NewID(hookd.PrefixInboundCall), TenantID: p.TenantID, ReceivedAt: a.now(), Kind: orig.Kind,
		DestinationID: orig.DestinationID, Operation: orig.Operation, Method: orig.Method, Path: orig.Path,
		Caller: "replay by " + callerOf(p), Authenticated: true, Headers: orig.Headers, Body: orig.Body,
		BodySize: orig.BodySize, BodySHA256: orig.BodySHA256, ReplayOf: orig.ID,
	}
	var signatureHeader string
	res, err := a.apply(ctx, p.TenantID, orig.Kind, orig.DestinationID, orig.Operation, orig.Headers, orig.Body, orig.ReceivedAt, &signatureHeader)
	res, err = a.finishCall(ctx, call, res, err)
	if hookd.ErrorCode(err) == hookd.EINTERNAL {
		return nil, err
	}
	if res.Call == nil {
		return nil, errors.New("app: the replay could not be recorded")
	}
	return res, nil
}
