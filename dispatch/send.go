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

// PingNotice is the body of a ping-mode delivery: it says that events are
// waiting and where, and the receiver lists them through the API.
type PingNotice struct {
	// WebhookID is the endpoint's ID.
	WebhookID string      `json:"webhookId"`
	Locator   PingLocator `json:"locator"`
}

// PingLocator tells a ping receiver where its events are.
type PingLocator struct {
	// AccountID is the tenant's ID.
	AccountID string `json:"accountId"`
	// EventIDs are the events this ping announces, oldest first; list them
	// with GET /api/v1/events/{id}, or all of the endpoint's deliveries
	// with GET /api/v1/deliveries?endpoint_id=.
	EventIDs  []string `json:"eventIds"`
	Timestamp string   `json:"timestamp"`
}

// send makes one request carrying jobs (all of one endpoint) and returns
// each job's result, and a reason when the answer disables the endpoint.
func (d *Dispatcher) send(ctx context.Context, jobs []*job) ([]result, string) {
	ep := jobs[0].endpoint
	now := d.Clock.Now()
	req, body, err := d.request(ctx, jobs, now)
	var (
		resp    *Response
		sendErr error
	)
	if err == nil {
		resp, sendErr = d.Client.Send(ctx, req, SendOptions{
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
	var disable string
	results := make([]result, len(jobs))
	for i, j := range jobs {
		a := attempt
		a.ID = hookd.NewID(hookd.PrefixAttempt)
		a.DeliveryID = j.delivery.ID
		res.DeliveryID = j.delivery.ID
		res.Attempt = j.delivery.Attempts + 1 - j.delivery.RoundStart
		o := d.Retry.Outcome(res, now)
		results[i] = result{
			DeliveryResult: hookd.DeliveryResult{DeliveryID: j.delivery.ID, Attempt: &a, State: o.State, RunAt: o.RunAt},
			disable:        o.DisableReason,
		}
		if o.DisableReason != "" {
			disable = o.DisableReason
		}
	}
	return results, disable
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

// request builds the signed request carrying jobs, and its body.
func (d *Dispatcher) request(ctx context.Context, jobs []*job, now time.Time) (*http.Request, []byte, error) {
	ep := jobs[0].endpoint
	body, contentType, msgID, err := renderJobs(jobs, now)
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
// the same across retries; the first delivery's ID for a batch or a ping.
func renderJobs(jobs []*job, now time.Time) (body []byte, contentType, msgID string, err error) {
	ep := jobs[0].endpoint
	if ep.Mode == hookd.ModePing {
		notice := PingNotice{WebhookID: ep.ID, Locator: PingLocator{
			AccountID: ep.TenantID,
			Timestamp: now.UTC().Format(time.RFC3339Nano),
		}}
		for _, j := range jobs {
			notice.Locator.EventIDs = append(notice.Locator.EventIDs, j.event.ID)
		}
		body, contentType, err := RenderPing(notice, ep.Format == hookd.FormatXML)
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
