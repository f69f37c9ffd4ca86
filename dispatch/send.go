package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// PingNotice is the body of a ping notification: it tells the receiver
// that payloads are waiting, up to which transaction number, and where;
// the receiver then lists them (GET /api/v1/endpoints/{id}/payloads with
// after= the last number it saw). It carries no event data. As JSON:
//
//	{"webhookId":"ep_…","locator":{"accountId":"ten_…","endpointId":"ep_…"},"transaction":42,"pending":3,"timestamp":"2026-01-02T03:04:05Z"}
//
// A ping is sent at least once, and may repeat (a retry, a resend, an
// answer lost on the way): Transaction lets the receiver see that it has
// listed everything announced already.
type PingNotice struct {
	// WebhookID is the endpoint's ID.
	WebhookID string      `json:"webhookId"`
	Locator   PingLocator `json:"locator"`
	// Transaction is the highest payload number the ping covers: the
	// endpoint's last transaction number when it was sent.
	Transaction int64 `json:"transaction"`
	// Pending is how many payloads were numbered after the last one
	// listed (hookd.PullCursor.Pending) when it was sent.
	Pending int64 `json:"pending"`
	// Timestamp is when the ping was sent, RFC 3339 in UTC.
	Timestamp string `json:"timestamp"`
}

// PingLocator names the payloads a ping announces: whose and which
// endpoint's.
type PingLocator struct {
	// AccountID is the tenant's ID.
	AccountID string `json:"accountId"`
	// EndpointID is the endpoint's ID, the {id} of the list-payloads call.
	EndpointID string `json:"endpointId"`
}

// NewPingNotice returns the notice of endpoint ep whose payloads stand at
// c, sent at now.
func NewPingNotice(ep *hookd.Endpoint, c hookd.PullCursor, now time.Time) PingNotice {
	return PingNotice{
		WebhookID:   ep.ID,
		Locator:     PingLocator{AccountID: ep.TenantID, EndpointID: ep.ID},
		Transaction: c.LastTransaction,
		Pending:     c.Pending,
		Timestamp:   now.UTC().Format(timestampFormat),
	}
}

// send makes one request carrying jobs (all of one endpoint) and returns
// each job's result, and a reason when the answer disables the endpoint.
//
// A ping endpoint's jobs are its ping deliveries (normally one; older rows
// or a resend may add more): they make one notice, rendered from the
// endpoint's cursor read now, and every one of them is recorded with the
// same outcome and the number announced (PingTransaction).
func (d *Dispatcher) send(ctx context.Context, jobs []*job) ([]result, string) {
	ep := jobs[0].endpoint
	now := d.Clock.Now()
	ping := ep.Mode == hookd.ModePing
	var (
		cursor  hookd.PullCursor
		req     *http.Request
		body    []byte
		err     error
		resp    *Response
		sendErr error
	)
	if ping {
		// One query per ping: the notice covers every payload numbered
		// so far, however many deliveries it settles.
		if cursor, err = d.Store.PullCursor(ctx, ep.ID); err != nil {
			err = fmt.Errorf("read the endpoint's payload cursor: %w", err)
		}
	}
	if err == nil {
		req, body, err = d.request(ctx, jobs, now, cursor)
	}
	obs := d.startAttempt(ctx, jobs, req)
	if err == nil {
		resp, sendErr = d.Client.Send(obs.ctx, req, SendOptions{
			Timeout:       time.Duration(ep.TimeoutSeconds) * time.Second,
			SkipTLSVerify: !ep.VerifyTLS,
		})
	} else {
		sendErr = fmt.Errorf("could not build the request: %w", err)
	}

	// The attempt is history: the verification key and the custom header
	// values, often the receiver's credentials, are kept masked.
	attempt := hookd.Attempt{
		EndpointID: ep.ID,
		TenantID:   ep.TenantID,
		URL:        strings.ReplaceAll(ep.URL, hookd.VerificationKeyPlaceholder, hookd.MaskSecret(ep.VerificationKey)),
		CreatedAt:  now,
	}
	if req != nil {
		attempt.RequestHeaders = maskedHeaders(req.Header, ep)
		attempt.RequestBody = storable(body)
	}
	if resp != nil {
		attempt.ResponseStatus = resp.StatusCode
		attempt.ResponseHeaders = resp.Header
		attempt.ResponseBody = storable(resp.Body)
		attempt.Duration = resp.Duration
	}
	if sendErr != nil {
		attempt.Error = maskKey(sendErr.Error(), ep)
	}

	// What the answer does, decided for each job by the retry policy.
	res := hookd.AttemptResult{Status: attempt.ResponseStatus}
	if sendErr != nil {
		res.Failure = maskKey(failure(sendErr), ep)
	}
	if resp != nil {
		res.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	var pingOutcome hookd.Outcome
	if ping {
		pingOutcome = d.pingOutcome(res, jobs, now)
	}
	var disable string
	results := make([]result, len(jobs))
	for i, j := range jobs {
		a := attempt
		a.ID = hookd.NewID(hookd.PrefixAttempt)
		a.DeliveryID = j.delivery.ID
		o := pingOutcome
		if !ping {
			res.DeliveryID = j.delivery.ID
			res.Attempt = j.delivery.Attempts + 1 - j.delivery.RoundStart
			o = d.Retry.Outcome(res, now)
		}
		results[i] = result{
			DeliveryResult: hookd.DeliveryResult{DeliveryID: j.delivery.ID, Attempt: &a, State: o.State, RunAt: o.RunAt,
				PingTransaction: cursor.LastTransaction},
			disable: o.DisableReason,
			ping:    ping,
		}
		if o.DisableReason != "" {
			disable = o.DisableReason
		}
	}
	d.endAttempt(obs, &attempt, results)
	return results, disable
}

// pingOutcome returns what the result of one ping request carrying jobs
// does to all of them: the outcome of the job furthest into its round of
// retries, so that the endpoint's notifications are disabled no later
// than that job's schedule says. Its reason for disabling says that
// payloads are still kept.
func (d *Dispatcher) pingOutcome(res hookd.AttemptResult, jobs []*job, now time.Time) hookd.Outcome {
	lead := jobs[0]
	for _, j := range jobs[1:] {
		if j.delivery.Attempts-j.delivery.RoundStart > lead.delivery.Attempts-lead.delivery.RoundStart {
			lead = j
		}
	}
	res.DeliveryID = lead.delivery.ID
	res.Attempt = lead.delivery.Attempts + 1 - lead.delivery.RoundStart
	o := d.Retry.Outcome(res, now)
	if o.DisableReason != "" && o.DisableReason != hookd.GoneReason {
		o.DisableReason = "ping notifications stopped: " + o.DisableReason +
			"; payloads are still kept to be listed, and enabling the endpoint resumes notifications"
	}
	return o
}

// failure describes in a few words why a request got no answer.
func failure(err error) string {
	switch {
	case errors.Is(err, ErrDestinationRefused):
		return "the destination address is not allowed"
	case errors.Is(err, ErrTimeout):
		return "no answer in time"
	default:
		return err.Error()
	}
}

// maskedHeaders returns a copy of the headers h of a request to ep with the
// values of ep's custom headers and of its verification key header masked.
func maskedHeaders(h http.Header, ep *hookd.Endpoint) http.Header {
	out := h.Clone()
	secret := func(name string) {
		if vs := out.Values(name); len(vs) > 0 {
			masked := make([]string, len(vs))
			for i, v := range vs {
				masked[i] = hookd.MaskSecret(v)
			}
			out[http.CanonicalHeaderKey(name)] = masked
		}
	}
	for name := range ep.Headers {
		secret(name)
	}
	if ep.VerificationKey != "" {
		secret(verificationKeyHeader(ep))
	}
	return out
}

// maskKey returns s with ep's verification key masked: a transport error
// names the URL, which may carry it.
func maskKey(s string, ep *hookd.Endpoint) string {
	if ep.VerificationKey == "" {
		return s
	}
	return strings.ReplaceAll(s, ep.VerificationKey, hookd.MaskSecret(ep.VerificationKey))
}

// verificationKeyHeader is the header ep's verification key is sent in.
func verificationKeyHeader(ep *hookd.Endpoint) string {
	if ep.VerificationKeyHeader == "" {
		return hookd.DefaultVerificationKeyHeader
	}
	return ep.VerificationKeyHeader
}

// request builds the signed request carrying jobs, and its body; cursor
// is where a ping endpoint's payloads stand.
func (d *Dispatcher) request(ctx context.Context, jobs []*job, now time.Time, cursor hookd.PullCursor) (*http.Request, []byte, error) {
	ep := jobs[0].endpoint
	body, contentType, msgID, err := renderJobs(jobs, now, cursor)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.TargetURL(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for name, value := range ep.Headers {
		req.Header.Set(name, value)
	}
	if ep.VerificationKey != "" {
		req.Header.Set(verificationKeyHeader(ep), ep.VerificationKey)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", d.UserAgent)
	if err := SetSignatureHeaders(req.Header, msgID, now, body, jobs[0].secrets); err != nil {
		return nil, nil, err
	}
	return req, body, nil
}

// renderJobs renders the body of a request carrying jobs and returns it with
// its content type and webhook-id: the event's ID for one event, so it is
// the same across retries; the first delivery's ID for a batch or a ping
// (a ping's body, the cursor at c, names no event).
func renderJobs(jobs []*job, now time.Time, c hookd.PullCursor) (body []byte, contentType, msgID string, err error) {
	ep := jobs[0].endpoint
	if ep.Mode == hookd.ModePing {
		body, contentType, err := RenderPing(NewPingNotice(ep, c, now), ep.Format == hookd.FormatXML)
		return body, contentType, jobs[0].delivery.ID, err
	}
	msgs := make([]Message, len(jobs))
	for i, j := range jobs {
		msgs[i] = Message{ID: j.event.ID, Type: j.event.Type, Timestamp: j.event.Timestamp, Data: j.event.Data}
	}
	batch := ep.MaxEventsPerRequest > 1
	msgID = jobs[0].event.ID
	if batch {
		msgID = jobs[0].delivery.ID
	}
	if ep.Format == hookd.FormatXML {
		body, err = RenderXML(msgs, batch)
		return body, ContentTypeXML, msgID, err
	}
	body, err = RenderJSON(msgs, batch)
	return body, ContentTypeJSON, msgID, err
}

// storable returns b as a string fit to store: at most hookd.MaxStoredBody
// bytes, valid UTF-8, no NUL.
func storable(b []byte) string {
	if len(b) > hookd.MaxStoredBody {
		b = b[:hookd.MaxStoredBody]
	}
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}
