package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// endpointsTag is the OpenAPI tag of the endpoints' operations.
const endpointsTag = "Endpoints"

const endpointsTagDescription = "The URLs a tenant's events are delivered to. Each subscribes to event types of the " +
	"catalog (or all), has a Standard Webhooks signing secret (`whsec_…`, rotatable with a 24-hour overlap) and a " +
	"verification key sent in a header of the tenant's choosing and substituted into the URL wherever " +
	"`{VerificationKey}` appears. Needs a plan that includes webhooks."

// Endpoint is an endpoint as the API shows it. Its signing secret is not
// part of it: see the secret operations.
type Endpoint struct {
	ID                      string            `json:"id" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
	Name                    string            `json:"name" example:"Assessments service" doc:"A name for people."`
	URL                     string            `json:"url" example:"https://hooks.example.com/hookd?key={VerificationKey}" doc:"Where deliveries (for a ping endpoint, its notifications) are POSTed. {VerificationKey} is replaced by the verification key. Empty for a pull endpoint."`
	Description             string            `json:"description" example:"Receives completed assessments." doc:"What the endpoint is for."`
	EventTypes              []string          `json:"event_types" example:"[\"assessment.completed\",\"user.created\"]" doc:"The subscribed event types; empty when the endpoint receives every type."`
	AllEventTypes           bool              `json:"all_event_types" example:"false" doc:"Whether the endpoint receives events of every type."`
	Enabled                 bool              `json:"enabled" example:"true" doc:"Whether deliveries are sent. Events for a disabled endpoint are held and sent when it is enabled again."`
	DisabledReason          string            `json:"disabled_reason,omitempty" example:"disabled by user" doc:"Why the endpoint is disabled."`
	DisabledAt              *time.Time        `json:"disabled_at,omitempty" example:"2026-11-23T09:40:00Z" doc:"When the endpoint was disabled."`
	LastTriggeredAt         *time.Time        `json:"last_triggered_at" nullable:"true" example:"2026-11-23T09:40:00Z" doc:"When a delivery was last sent to the endpoint; null if never."`
	VerifyTLS               bool              `json:"verify_tls" example:"true" doc:"Whether TLS certificates are verified."`
	Format                  string            `json:"format" enum:"json,xml" example:"json" doc:"The body format of deliveries."`
	MaxEventsPerRequest     int               `json:"max_events_per_request" example:"1" doc:"1 sends one event per request; N > 1 sends up to N pending events in one request."`
	BatchWindowMS           int               `json:"batch_window_ms" example:"0" doc:"With max_events_per_request above 1: how long, in milliseconds, hookd may wait after an event is ready to fill the request with more (0 sends what is ready at once)."`
	RateLimit               int               `json:"rate_limit" example:"0" doc:"The most requests per second hookd sends the endpoint, across all instances (0: no limit). Deliveries over it wait; they are not failed and use no retry."`
	RateLimitBurst          int               `json:"rate_limit_burst" example:"0" doc:"How many requests may go at once within rate_limit (1 to rate_limit; 0 without a limit). Each of this many slots carries at most rate_limit/rate_limit_burst requests a second, counted from the end of its last request."`
	Mode                    string            `json:"mode" enum:"full,ping,pull" example:"full" doc:"full sends the events; ping keeps them as numbered payloads and sends a short signed notification that there are some to list; pull keeps them without notifying (no URL)."`
	Headers                 map[string]string `json:"headers" example:"{\"X-Team\":\"assessments\"}" doc:"Custom headers sent with every delivery."`
	VerificationKey         string            `json:"verification_key" example:"Q2h9xVt3m8ZkLr4sWp7cYb1nJd6fGa5e" doc:"Sent in the verification key header and substituted into the URL; show it masked."`
	VerificationKeyHeader   string            `json:"verification_key_header" example:"X-Hookd-Verification-Key" doc:"The header the verification key is sent in."`
	TimeoutSeconds          int               `json:"timeout_seconds" example:"15" doc:"How long a delivery request may take."`
	PreviousSecretExpiresAt *time.Time        `json:"previous_secret_expires_at,omitempty" example:"2026-11-24T09:40:00Z" doc:"After a rotation, when the previous secret stops signing."`
	Filter                  json.RawMessage   `json:"filter" example:"{\"data.amount\":{\"$gte\":100}}" doc:"A payload filter: only events it matches are delivered (others are not, and count as nothing). Keys name fields (type, data, or paths such as data.customer.tier); values are literals or objects of $eq $neq $gt $gte $lt $lte $in $nin $exists $startsWith $endsWith $not; $and, $or and $not combine filters. See docs/webhooks.md. null when every event of the subscribed types is delivered."`
	Ordering                string            `json:"ordering" enum:"none,fifo" example:"none" doc:"none sends deliveries as they come due, several at once; fifo (full mode only) sends them in the order their publications committed, one request at a time, a failing delivery blocking those behind it. See docs/webhooks.md, Ordered delivery."`
	Signing                 string            `json:"signing" enum:"hmac-sha256,ed25519" example:"hmac-sha256" doc:"How deliveries are signed: hmac-sha256 with a shared secret (v1 signatures; see the secret operation) or ed25519 with a key pair (v1a signatures; receivers verify with public_key)."`
	PublicKey               string            `json:"public_key,omitempty" example:"whpk_ZWQyNTUxOSBwdWJsaWMga2V5IGV4YW1wbGUgMDEyMzQ=" doc:"For ed25519 signing, the current public key (whpk_ and base64), all a receiver needs to verify."`
	PreviousPublicKey       string            `json:"previous_public_key,omitempty" example:"whpk_cHJldmlvdXMgZWQyNTUxOSBwdWJsaWMga2V5IDAxMjM=" doc:"After a rotation from an ed25519 key, its public key, which keeps signing until previous_secret_expires_at."`
	Pull                    *EndpointPull     `json:"pull" doc:"Where the payloads of a ping or pull endpoint stand and its inactivity dates; null for a full endpoint."`
	CreatedAt               time.Time         `json:"created_at" example:"2026-11-23T09:40:00Z"`
	UpdatedAt               time.Time         `json:"updated_at" example:"2026-11-23T09:40:00Z"`
}

// EndpointPull is the pull state of a ping or pull endpoint.
type EndpointPull struct {
	Transaction         int64      `json:"transaction" example:"42" doc:"The highest transaction number given to a payload so far; 0 for none."`
	NotifiedTransaction int64      `json:"notified_transaction" example:"40" doc:"The highest number a successful ping notification announced (always 0 for pull endpoints)."`
	PulledTransaction   int64      `json:"pulled_transaction" example:"38" doc:"The highest number a list-payloads call returned."`
	Pending             int64      `json:"pending" example:"4" doc:"How many payloads are numbered after pulled_transaction."`
	LastPulledAt        *time.Time `json:"last_pulled_at" nullable:"true" example:"2026-11-23T09:40:00Z" doc:"When the payloads were last listed; null if never."`
	InactiveSince       *time.Time `json:"inactive_since" nullable:"true" example:"2026-11-30T09:40:00Z" doc:"When the endpoint turned inactive because its payloads were not listed (its notifications stopped); null while active."`
	InactiveBy          *time.Time `json:"inactive_by" nullable:"true" example:"2026-11-30T09:40:00Z" doc:"When the endpoint turns inactive unless its payloads are listed before; null once inactive."`
	DeletedBy           *time.Time `json:"deleted_by" example:"2026-12-07T09:40:00Z" doc:"When the endpoint will be deleted with its payloads unless they are listed before."`
}

// nullablePullRefs makes every property that refers to EndpointPull
// (huma refuses nullable:"true" on a struct) accept null as well: a full
// endpoint's pull is null.
func nullablePullRefs(api huma.API) {
	const ref = "#/components/schemas/EndpointPull"
	for _, s := range api.OpenAPI().Components.Schemas.Map() {
		for name, p := range s.Properties {
			if p.Ref == ref {
				s.Properties[name] = &huma.Schema{Description: p.Description, OneOf: []*huma.Schema{{Ref: ref}, {Type: "null"}}}
			}
		}
	}
}

// endpointPullOf returns the pull state of e under l, or nil for a full
// endpoint.
func endpointPullOf(e *hookd.Endpoint, l hookd.PullLifecycle) *EndpointPull {
	if !e.Mode.Pulls() {
		return nil
	}
	c := e.Cursor()
	return &EndpointPull{
		Transaction: c.LastTransaction, NotifiedTransaction: c.Notified, PulledTransaction: c.Pulled, Pending: c.Pending,
		LastPulledAt: e.LastPulledAt, InactiveSince: e.InactiveAt, InactiveBy: e.InactiveBy(l), DeletedBy: e.DeletedBy(l),
	}
}

// endpointView returns the function that shows endpoints as a's API does.
func endpointView(a *app.App) func(e *hookd.Endpoint) Endpoint {
	return func(e *hookd.Endpoint) Endpoint {
		out := endpointOf(e)
		out.Pull = endpointPullOf(e, a.PullLifecycle)
		// The secrets open with the instance key hookd checked at start;
		// should one not, the signing fields stay empty rather than fail
		// the whole list.
		if signing, err := a.SigningOf(e); err == nil {
			out.Signing = string(signing.Scheme)
			keys := signing.PublicKeys
			if signing.Scheme == hookd.SigningEd25519 && len(keys) > 0 {
				out.PublicKey, keys = keys[0].Key, keys[1:]
			}
			if len(keys) > 0 {
				out.PreviousPublicKey = keys[0].Key
			}
		}
		return out
	}
}

func endpointOf(e *hookd.Endpoint) Endpoint {
	out := Endpoint{
		ID: e.ID, Name: e.Name, URL: e.URL, Description: e.Description, EventTypes: e.EventTypes,
		AllEventTypes: e.AllEventTypes, Enabled: e.Enabled, DisabledReason: e.DisabledReason, DisabledAt: e.DisabledAt,
		LastTriggeredAt: e.LastTriggeredAt, VerifyTLS: e.VerifyTLS, Format: string(e.Format),
		MaxEventsPerRequest: e.MaxEventsPerRequest, BatchWindowMS: int(e.BatchWindow.Milliseconds()),
		RateLimit: e.RateLimit, RateLimitBurst: e.RateLimitBurst, Mode: string(e.Mode), Headers: e.Headers,
		VerificationKey: e.VerificationKey, VerificationKeyHeader: e.VerificationKeyHeader,
		TimeoutSeconds: e.TimeoutSeconds, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
	}
	if out.EventTypes == nil {
		out.EventTypes = []string{}
	}
	if out.Headers == nil {
		out.Headers = map[string]string{}
	}
	if len(e.Secrets) > 1 {
		out.PreviousSecretExpiresAt = e.Secrets[1].ExpiresAt
	}
	out.Ordering = orderingOf(e.Ordering)
	if e.Filter != nil {
		out.Filter = e.Filter.JSON()
	} else {
		out.Filter = json.RawMessage("null")
	}
	return out
}

// CreatedEndpoint is a new endpoint with its signing secret.
type CreatedEndpoint struct {
	Endpoint
	Secret string `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"The shared signing secret (Standard Webhooks) of hmac-sha256 signing. Also available later from the secret operation. Absent for ed25519 signing, whose private key never leaves hookd: receivers verify with public_key."`
}

type endpointOutput struct{ Body Endpoint }

// addEndpointsTag describes the endpoints' tag in the OpenAPI document,
// once.
func addEndpointsTag(api huma.API) {
	oa := api.OpenAPI()
	if !slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == endpointsTag }) {
		oa.Tags = append(oa.Tags, &huma.Tag{Name: endpointsTag, Description: endpointsTagDescription})
	}
}

type createEndpointInput struct {
	Body struct {
		Name                  string            `json:"name" example:"Assessments service" doc:"A name for people, 1 to 100 characters."`
		URL                   string            `json:"url,omitempty" example:"https://hooks.example.com/hookd?key={VerificationKey}" doc:"An absolute http or https URL of at most 2048 characters, without user name or password. {VerificationKey} is replaced by the verification key. Needed for modes full and ping; leave out (or empty) for mode pull."`
		Description           string            `json:"description,omitempty" example:"Receives completed assessments." doc:"At most 2000 characters."`
		EventTypes            []string          `json:"event_types,omitempty" example:"[\"assessment.completed\"]" doc:"Event types of the catalog to subscribe to; leave out or empty for every type."`
		VerifyTLS             *bool             `json:"verify_tls,omitempty" example:"true" doc:"Verify TLS certificates. Default true."`
		Format                string            `json:"format,omitempty" enum:"json,xml" example:"json" doc:"The body format. Default json."`
		MaxEventsPerRequest   *int              `json:"max_events_per_request,omitempty" example:"1" doc:"1 to 100. Default 1 (one event per request)."`
		Mode                  string            `json:"mode,omitempty" enum:"full,ping,pull" example:"full" doc:"full (default) sends each event to the URL; ping keeps events as numbered payloads to list with GET /api/v1/endpoints/{id}/payloads and notifies the URL that there are some; pull keeps them without notifying and has no URL."`
		Headers               map[string]string `json:"headers,omitempty" example:"{\"X-Team\":\"assessments\"}" doc:"Up to 20 custom headers. Names must be tokens and not ones hookd or the connection sets (Host, Content-Type, User-Agent, webhook-*, Connection, Transfer-Encoding, …); values without line breaks."`
		VerificationKeyHeader string            `json:"verification_key_header,omitempty" example:"X-Hookd-Verification-Key" doc:"The header the verification key is sent in. Default X-Hookd-Verification-Key."`
		TimeoutSeconds        *int              `json:"timeout_seconds,omitempty" example:"15" doc:"1 to 60. Default 15."`
		Filter                json.RawMessage   `json:"filter,omitempty" example:"{\"data.amount\":{\"$gte\":100}}" doc:"A payload filter: only events it matches are delivered (others are not, and count as nothing). Keys name fields (type, data, or paths such as data.customer.tier); values are literals or objects of $eq $neq $gt $gte $lt $lte $in $nin $exists $startsWith $endsWith $not; $and, $or and $not combine filters. See docs/webhooks.md. Leave out for none."`
		Ordering              string            `json:"ordering,omitempty" example:"fifo" doc:"none (default) or fifo: the endpoint's events arrive in the order their publications committed, one request at a time; a failing delivery blocks those behind it until it succeeds or exhausts its retries. Full mode only. See docs/webhooks.md, Ordered delivery."`
		BatchWindowMS         *int              `json:"batch_window_ms,omitempty" example:"500" doc:"0 to 5000. Default 0. With max_events_per_request above 1, how long hookd may wait to fill a request: a steady trickle then arrives in full batches."`
		RateLimit             *int              `json:"rate_limit,omitempty" minimum:"0" maximum:"10000" example:"20" doc:"0 to 10000 requests per second. Default 0 (no limit). Holds across all hookd instances, measured at the receiver: at most this many requests arrive in any second. Deliveries over it wait; they are not failed and use no retry."`
		RateLimitBurst        *int              `json:"rate_limit_burst,omitempty" minimum:"1" maximum:"10000" example:"20" doc:"1 to rate_limit. Default rate_limit (up to rate_limit requests may go at once after a quiet second); 1 spaces requests evenly. Only with a rate_limit."`
		Signing               string            `json:"signing,omitempty" example:"hmac-sha256" doc:"hmac-sha256 (default): a shared whsec_ secret, v1 signatures. ed25519: a key pair, v1a signatures; receivers need only the public key (public_key)."`
	}
}

type createEndpointOutput struct{ Body CreatedEndpoint }

func registerCreateEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/endpoints", "create-endpoint", endpointsTag, "Create an endpoint",
		"Adds an enabled endpoint with a new signing secret (`whsec_…`, returned here and by the secret operation) and a new "+
			"verification key. 422 lists every invalid field at once, including event types that are not in the catalog. "+
			"Whether the URL's host is a safe destination is checked when delivering, not here.",
		http.StatusCreated))
	huma.Register(api, op, func(ctx context.Context, in *createEndpointInput) (*createEndpointOutput, error) {
		b := in.Body
		e, err := a.CreateEndpoint(ctx, tenantID(ctx), app.CreateEndpointInput{
			Name: b.Name, URL: b.URL, Description: b.Description, EventTypes: b.EventTypes, VerifyTLS: b.VerifyTLS,
			Format: b.Format, MaxEventsPerRequest: b.MaxEventsPerRequest, Mode: b.Mode, Headers: b.Headers,
			VerificationKeyHeader: b.VerificationKeyHeader, TimeoutSeconds: b.TimeoutSeconds, Signing: b.Signing, Filter: b.Filter, Ordering: b.Ordering,
			BatchWindowMS: b.BatchWindowMS, RateLimit: b.RateLimit, RateLimitBurst: b.RateLimitBurst,
		})
		if err != nil {
			return nil, err
		}
		out := CreatedEndpoint{Endpoint: endpointView(a)(e)}
		if out.Signing != string(hookd.SigningEd25519) {
			out.Secret = e.Secrets[0].Secret
		}
		return &createEndpointOutput{Body: out}, nil
	})
}

func registerListEndpoints(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/endpoints", "list-endpoints", endpointsTag, "List endpoints",
		"Lists the tenant's endpoints. Sort by `created_at` (default), `name`, `url` or `last_triggered_at` (never "+
			"triggered sorts first ascending); `q` searches names, URLs and descriptions.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[Endpoint], error) {
		p, err := a.ListEndpoints(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, endpointView(a)), nil
	})
}

type endpointIDInput struct {
	ID string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
}

func registerGetEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/endpoints/{id}", "get-endpoint", endpointsTag, "Get an endpoint",
		"Returns one of the tenant's endpoints, without its signing secret. 404 for another tenant's endpoints.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDInput) (*endpointOutput, error) {
		e, err := a.Endpoint(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &endpointOutput{Body: endpointView(a)(e)}, nil
	})
}

type updateEndpointInput struct {
	ID   string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
	Body struct {
		Name                  *string            `json:"name,omitempty" example:"Assessments service" doc:"A new name."`
		URL                   *string            `json:"url,omitempty" example:"https://hooks.example.com/v2/hookd" doc:"A new URL."`
		Description           *string            `json:"description,omitempty" example:"Receives assessments." doc:"A new description."`
		EventTypes            []string           `json:"event_types,omitempty" example:"[\"assessment.completed\",\"user.created\"]" doc:"New subscriptions; an empty list subscribes to every type."`
		VerifyTLS             *bool              `json:"verify_tls,omitempty" example:"true"`
		Format                *string            `json:"format,omitempty" enum:"json,xml" example:"xml"`
		MaxEventsPerRequest   *int               `json:"max_events_per_request,omitempty" example:"10"`
		Mode                  *string            `json:"mode,omitempty" enum:"full,ping,pull" example:"ping" doc:"Changes only between ping and pull, which keep the same payloads and numbers: to pull drops the URL and stops notifications (a waiting notification is held); to ping needs a url and announces what was not announced yet. Between full and ping or pull the mode cannot change (422): create a new endpoint."`
		Headers               *map[string]string `json:"headers,omitempty" example:"{\"X-Team\":\"assessments\"}" doc:"Replaces all custom headers; {} removes them."`
		VerificationKeyHeader *string            `json:"verification_key_header,omitempty" example:"X-Receiver-Key"`
		TimeoutSeconds        *int               `json:"timeout_seconds,omitempty" example:"30"`
		BatchWindowMS         *int               `json:"batch_window_ms,omitempty" example:"500" doc:"0 to 5000."`
		RateLimit             *int               `json:"rate_limit,omitempty" minimum:"0" maximum:"10000" example:"20" doc:"0 to 10000 requests per second; 0 removes the limit. Without rate_limit_burst, the burst stays if it fits, else becomes rate_limit."`
		RateLimitBurst        *int               `json:"rate_limit_burst,omitempty" minimum:"1" maximum:"10000" example:"5" doc:"1 to rate_limit."`
		Filter                json.RawMessage    `json:"filter,omitempty" example:"{\"type\":{\"$startsWith\":\"invoice.\"}}" doc:"A new payload filter; null removes it. A payload filter: only events it matches are delivered (others are not, and count as nothing). Keys name fields (type, data, or paths such as data.customer.tier); values are literals or objects of $eq $neq $gt $gte $lt $lte $in $nin $exists $startsWith $endsWith $not; $and, $or and $not combine filters. See docs/webhooks.md."`
		Ordering              *string            `json:"ordering,omitempty" example:"fifo" doc:"none or fifo (full mode only)."`
	}
}

func registerUpdateEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/endpoints/{id}", "update-endpoint", endpointsTag, "Change an endpoint",
		"Changes an endpoint; fields left out stay as they are. The same rules as for creating apply, and 422 lists "+
			"every invalid field. The secret and the enabled state have operations of their own.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateEndpointInput) (*endpointOutput, error) {
		b := in.Body
		up := app.UpdateEndpointInput{
			Name: b.Name, URL: b.URL, Description: b.Description, VerifyTLS: b.VerifyTLS, Format: b.Format,
			MaxEventsPerRequest: b.MaxEventsPerRequest, Mode: b.Mode,
			VerificationKeyHeader: b.VerificationKeyHeader, TimeoutSeconds: b.TimeoutSeconds, BatchWindowMS: b.BatchWindowMS,
			RateLimit: b.RateLimit, RateLimitBurst: b.RateLimitBurst,
		}
		up.Ordering = b.Ordering
		if b.Filter != nil {
			up.Filter = &b.Filter
		}
		if b.Headers != nil {
			up.Headers = *b.Headers
			if up.Headers == nil {
				up.Headers = map[string]string{}
			}
		}
		if b.EventTypes != nil {
			up.EventTypes = &b.EventTypes
		}
		e, err := a.UpdateEndpoint(ctx, tenantID(ctx), in.ID, up)
		if err != nil {
			return nil, err
		}
		return &endpointOutput{Body: endpointView(a)(e)}, nil
	})
}

func registerDeleteEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodDelete, "/api/v1/endpoints/{id}", "delete-endpoint", endpointsTag, "Delete an endpoint",
		"Deletes an endpoint: nothing more is delivered to it.", http.StatusNoContent, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDInput) (*struct{}, error) {
		return nil, a.DeleteEndpoint(ctx, tenantID(ctx), in.ID)
	})
}

// EndpointSecret is what receivers verify an endpoint's signatures with.
type EndpointSecret struct {
	Secret    string `json:"secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"The current shared signing secret (Standard Webhooks), for hmac-sha256 signing."`
	PublicKey string `json:"public_key,omitempty" example:"whpk_ZWQyNTUxOSBwdWJsaWMga2V5IGV4YW1wbGUgMDEyMzQ=" doc:"The current public key, for ed25519 signing."`
}

// endpointSecretOf puts what receivers verify with (a shared secret or a
// public key, app.EndpointSecret) in its field.
func endpointSecretOf(key string) EndpointSecret {
	if strings.HasPrefix(key, hookd.PublicKeyPrefix) {
		return EndpointSecret{PublicKey: key}
	}
	return EndpointSecret{Secret: key}
}

type endpointSecretOutput struct{ Body EndpointSecret }

func registerGetEndpointSecret(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/endpoints/{id}/secret", "get-endpoint-secret", endpointsTag, "Reveal the signing secret",
		"Returns the key receivers verify the `webhook-signature` header with, per the Standard Webhooks specification: "+
			"for hmac-sha256 signing the current shared secret in `secret` (`whsec_` and base64 of random bytes), for ed25519 "+
			"signing the current public key in `public_key` (`whpk_…`; the private key never leaves hookd).",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDInput) (*endpointSecretOutput, error) {
		s, err := a.EndpointSecret(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &endpointSecretOutput{Body: endpointSecretOf(s)}, nil
	})
}

// RotatedEndpointSecret is a new signing secret and when the previous one
// stops signing.
type RotatedEndpointSecret struct {
	Secret                  string    `json:"secret,omitempty" example:"whsec_Jq0xGzP9m1c3b7ZvR2yTnK8sWf4LdHuE" doc:"The new current shared signing secret (hmac-sha256 signing)."`
	PublicKey               string    `json:"public_key,omitempty" example:"whpk_ZWQyNTUxOSBwdWJsaWMga2V5IGV4YW1wbGUgMDEyMzQ=" doc:"The new current public key (ed25519 signing)."`
	PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at" example:"2026-11-24T09:40:00Z" doc:"Until then deliveries carry a signature by the previous secret too."`
}

type rotateEndpointSecretOutput struct{ Body RotatedEndpointSecret }

type rotateEndpointSecretInput struct {
	ID   string `path:"id" maxLength:"100" example:"ep_0193c0ffee0000000000000000000001" doc:"The endpoint's id."`
	Body *struct {
		Signing string `json:"signing,omitempty" example:"ed25519" doc:"The scheme of the new secret: hmac-sha256 or ed25519. Default: the endpoint's. Changing it keeps both signing during the overlap, v1 and v1a signatures side by side."`
	}
}

func registerRotateEndpointSecret(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/endpoints/{id}/secret/rotate", "rotate-endpoint-secret", endpointsTag, "Rotate the signing secret",
		"Gives the endpoint a new signing secret. For 24 hours the previous secret keeps signing beside it: each delivery "+
			"carries one signature per live secret in `webhook-signature`, so receivers can switch without missing one. "+
			"A secret that was already previous stops signing at once. The body is optional: `signing` moves the endpoint "+
			"to another scheme (from a shared secret to an Ed25519 key pair, or back) with the same overlap.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *rotateEndpointSecretInput) (*rotateEndpointSecretOutput, error) {
		var scheme hookd.SigningScheme
		if in.Body != nil {
			scheme = hookd.SigningScheme(in.Body.Signing)
		}
		s, expires, err := a.RotateEndpointSecretTo(ctx, tenantID(ctx), in.ID, scheme)
		if err != nil {
			return nil, err
		}
		key := endpointSecretOf(s)
		return &rotateEndpointSecretOutput{Body: RotatedEndpointSecret{Secret: key.Secret, PublicKey: key.PublicKey, PreviousSecretExpiresAt: expires}}, nil
	})
}

func registerEnableEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/endpoints/{id}/enable", "enable-endpoint", endpointsTag, "Enable an endpoint",
		"Enables the endpoint and clears why it was disabled; deliveries held while it was disabled are sent. Enabling an "+
			"enabled endpoint changes nothing.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDInput) (*endpointOutput, error) {
		e, err := a.EnableEndpoint(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &endpointOutput{Body: endpointView(a)(e)}, nil
	})
}

func registerDisableEndpoint(api huma.API, a *app.App) {
	addEndpointsTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/endpoints/{id}/disable", "disable-endpoint", endpointsTag, "Disable an endpoint",
		"Disables the endpoint with the reason `disabled by user`. Events for it are still recorded, as held deliveries, "+
			"and sent when it is enabled again. Disabling a disabled endpoint keeps its first reason and time.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *endpointIDInput) (*endpointOutput, error) {
		e, err := a.DisableEndpoint(ctx, tenantID(ctx), in.ID, "")
		if err != nil {
			return nil, err
		}
		return &endpointOutput{Body: endpointView(a)(e)}, nil
	})
}

// orderingOf is an endpoint's ordering as the API shows it: none for "".
func orderingOf(o hookd.EndpointOrdering) string {
	if o == "" {
		return string(hookd.OrderingNone)
	}
	return string(o)
}
