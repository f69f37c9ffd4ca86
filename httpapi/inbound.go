package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// inboundTag is the OpenAPI tag of the inbound webhooks, their destinations
// and their log.
const inboundTag = "Inbound webhooks"

const inboundTagDescription = "Webhooks that helpdesk and HR systems call to fill the tenant's directory: " +
	"`POST /hooks/{tenant}/helpdesk/servicenow` and `…/helpdesk/createticket` make tickets; " +
	"`POST /hooks/{tenant}/provisioning/{destination_id}/adduser`, `…/modifyuser` and `…/deleteuser` add, change " +
	"and terminate users. They take the tenant's API key (`Token`), an access token (`Bearer`) or a service " +
	"account (`Basic`) of that tenant, and a provisioning destination may also require the sender to sign its " +
	"calls. They answer 201 (created), 200 (updated), 400 listing every missing or invalid field (malformed JSON " +
	"names the byte offset), 401, 404, 413 (over 1 MiB), 429 (too many calls, or too many calls without valid " +
	"credentials from one address or to one tenant; with Retry-After). Every call is kept in the tenant's inbound " +
	"log, and a failed one that was authenticated can be replayed once the configuration is fixed; a call without " +
	"valid credentials keeps only its body's size and hash, and answers the same whether or not the tenant exists."

// addInboundTag describes the inbound tag in the OpenAPI document, once.
func addInboundTag(api huma.API) {
	oa := api.OpenAPI()
	if !slices.ContainsFunc(oa.Tags, func(t *huma.Tag) bool { return t.Name == inboundTag }) {
		oa.Tags = append(oa.Tags, &huma.Tag{Name: inboundTag, Description: inboundTagDescription})
	}
}

// The webhooks themselves: plain handlers, as they take any JSON body as
// it comes (the parsers judge it), answer 400 for every problem of the body
// (hookd.InboundError), and verify signatures over the raw bytes.

// handleInbound serves one inbound webhook.
func (s *Server) handleInbound(kind hookd.InboundKind, op hookd.ProvisioningOperation) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		body, tooLarge, err := readLimited(r.Body, hookd.MaxInboundBodyBytes)
		if err != nil {
			writeProblem(w, r, newProblem(TypeBadRequest, http.StatusBadRequest, "The request body could not be read."))
			return
		}
		var wait time.Duration
		res, err := s.App.ReceiveInbound(r.Context(), app.InboundRequest{
			TenantSlug: r.PathValue("tenant"), Kind: kind, DestinationID: r.PathValue("destination_id"), Operation: op,
			Method: r.Method, Path: r.URL.Path, SourceIP: clientIP(r), Header: r.Header.Clone(), Body: body,
			BodyTooLarge: tooLarge,
			Allow: func(p *hookd.Principal) error {
				ok, d := s.Limiter.Allow(r.Context(), string(p.Kind)+":"+p.CredentialID, p.Tenant.Plan)
				if ok {
					return nil
				}
				wait = d
				return hookd.Errorf(hookd.ERATELIMITED, "This credential has made too many requests and is limited for %d seconds.", int((d+time.Second-1)/time.Second))
			},
		})
		if res.Call != nil {
			w.Header().Set("X-Hookd-Inbound-Call", res.Call.ID)
		}
		s.Metrics.inboundCall(kind, res.Status)
		if err != nil {
			switch {
			case res.Status == http.StatusServiceUnavailable && res.RetryAfter > 0:
				p := inboundProblem(s.logOf(r), err)
				p.headers = http.Header{"Retry-After": {strconv.Itoa(max(1, int((res.RetryAfter+time.Second-1)/time.Second)))}}
				writeProblem(w, r, p)
				return
			case res.Status != http.StatusTooManyRequests:
			case res.RetryAfter > 0:
				writeInboundRefused(w, r, res.RetryAfter, err)
				return
			case wait > 0:
				writeRateLimited(w, r, wait)
				return
			}
			writeProblem(w, r, inboundProblem(s.logOf(r), err))
			return
		}
		var out any
		switch {
		case res.Ticket != nil:
			out = ticketOf(s.App)(res.Ticket)
		case res.User != nil:
			out = userOf(res.User)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(res.Status)
		_ = json.NewEncoder(w).Encode(out)
	}
}

// writeInboundRefused answers a call refused for the failed calls before
// it with 429, Retry-After wait and the reason err gives.
func writeInboundRefused(w http.ResponseWriter, r *http.Request, wait time.Duration, err error) {
	p := newProblem(TypeRateLimited, http.StatusTooManyRequests, hookd.ErrorMessage(err))
	p.headers = http.Header{"Retry-After": {strconv.Itoa(int((wait + time.Second - 1) / time.Second))}}
	writeProblem(w, r, p)
}

// inboundProblem is the problem an inbound webhook answers for err: the
// API's, for the error as the inbound webhooks report it (every problem of
// the body is 400; see hookd.InboundError), so its status is the one
// ReceiveInbound's result and the inbound log carry.
func inboundProblem(log *slog.Logger, err error) *Problem {
	return problemFromError(log, hookd.InboundError(err))

}

// readLimited reads up to limit bytes of body and reports whether there was
// more (the start is returned then).
func readLimited(body io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(b)) > limit {
		return b[:limit], true, nil
	}
	return b, false, nil
}

// clientIP returns the address the request came from.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Body types of the webhooks, for the OpenAPI document only: the parsers
// of package inbound read the bodies.

// ServiceNowIncident is the body of the ServiceNow ticket webhook.
type ServiceNowIncident struct {
	RequesterEmail   string `json:"requester_email" example:"john.doe@example.com" doc:"Required."`
	Number           string `json:"number" example:"INC010100" doc:"Required. A string or a number."`
	ShortDescription string `json:"short_description" example:"Test Ticket" doc:"Required: the ticket's title."`
	ReportedByEmail  string `json:"reported_by_email,omitempty" example:"someone@example.com"`
	OpenedAt         string `json:"opened_at,omitempty" example:"2022-01-05T19:25:51.927013+00:00" doc:"RFC 3339, or ServiceNow's 2006-01-02 15:04:05 (UTC)."`
	Impact           string `json:"impact,omitempty" example:"low"`
	Urgency          string `json:"urgency,omitempty" example:"medium"`
	Description      string `json:"description,omitempty" example:"Description of the Incident"`
	Category         string `json:"category,omitempty" example:"network"`
	Priority         string `json:"priority,omitempty" example:"high"`
	SysID            string `json:"sys_id,omitempty" example:"9d385017c611228701d22104cc95c371" doc:"ServiceNow's key: a call with the sys_id of an existing ticket updates it (200)."`
	Subcategory      string `json:"subcategory,omitempty" example:"ldap"`
	State            string `json:"state,omitempty" example:"open"`
}

// GenericTicket is the body of the generic ticket webhook.
type GenericTicket struct {
	RequesterEmail string `json:"requester_email" example:"john.doe@example.com" doc:"Required."`
	Title          string `json:"title" example:"Test Ticket" doc:"Required."`
	Description    string `json:"description,omitempty" example:"Generated by the CreateTicket webhook"`
}

// GenericHRUser is the body of a generic provisioning destination's
// webhooks.
type GenericHRUser struct {
	EmployeeID  string `json:"employee_id" example:"1111" doc:"Required. A string or a number."`
	FirstName   string `json:"first_name,omitempty" example:"John" doc:"Required by adduser."`
	LastName    string `json:"last_name,omitempty" example:"Doe" doc:"Required by adduser."`
	Email       string `json:"email,omitempty" example:"john.doe@example.com" doc:"Required by adduser."`
	Mobile      string `json:"mobile,omitempty" example:"+1 555 0100"`
	DisplayName string `json:"display_name,omitempty" example:"John Doe"`
}

// registerInbound registers the webhooks on mux and describes them in the
// OpenAPI document.
func (s *Server) registerInbound(mux *http.ServeMux, api huma.API) {
	addInboundTag(api)
	reg := api.OpenAPI().Components.Schemas
	ticketRef := reg.Schema(reflect.TypeFor[Ticket](), true, "")
	userRef := reg.Schema(reflect.TypeFor[User](), true, "")
	extra := "Members not listed are kept, readable, in the ticket's first comment."
	helpdesk := []struct {
		kind    hookd.InboundKind
		summary string
		body    reflect.Type
		desc    string
	}{
		{hookd.InboundServiceNow, "Receive a ServiceNow incident", reflect.TypeFor[ServiceNowIncident](),
			"Creates a ticket from a ServiceNow incident (201 with the ticket: id, number, link), or, when a ticket " +
				"with the same `sys_id` exists, updates it (200). " + extra},
		{hookd.InboundCreateTicket, "Receive a generic ticket", reflect.TypeFor[GenericTicket](),
			"Creates a ticket (201 with the ticket: id, number, link; tickets without a number get hookd's own). " + extra},
	}
	for _, h := range helpdesk {
		path := "/hooks/{tenant}/helpdesk/" + string(h.kind)
		mux.Handle("POST "+path, s.handleInbound(h.kind, ""))
		api.OpenAPI().AddOperation(inboundOperation(reg, "receive-"+string(h.kind), path, h.summary, h.desc, h.body, ticketRef, false))
	}
	for _, op := range hookd.ProvisioningOperations {
		path := "/hooks/{tenant}/provisioning/{destination_id}/" + string(op)
		mux.Handle("POST "+path, s.handleInbound(hookd.InboundProvisioning, op))
		desc := map[hookd.ProvisioningOperation]string{
			hookd.AddUser:    "Adds the user of `employee_id` (201), or updates it if it exists, taking a terminated user back (200).",
			hookd.ModifyUser: "Changes the user of `employee_id` (200): only the fields given. 404 if no user has it.",
			hookd.DeleteUser: "Terminates the user of `employee_id` (200); the user is kept, with status terminated. 404 if no user has it.",
		}[op]
		desc += " The body is the destination's type's (generic, shown here, or Paylocity's new-hire, employee-change " +
			"and termination bodies), or whatever its mapping reads. A destination that requires a signature refuses " +
			"unsigned calls and stale Standard Webhooks timestamps with 401. 404 for an unknown destination."
		api.OpenAPI().AddOperation(inboundOperation(reg, string(op), path, map[hookd.ProvisioningOperation]string{
			hookd.AddUser: "Provision a user", hookd.ModifyUser: "Change a provisioned user", hookd.DeleteUser: "Terminate a provisioned user",
		}[op], desc, reflect.TypeFor[GenericHRUser](), userRef, true))
	}
}

// inboundOperation describes one inbound webhook for the OpenAPI document.
func inboundOperation(reg huma.Registry, id, path, summary, description string, body reflect.Type, result *huma.Schema, destination bool) *huma.Operation {
	problem := reg.Schema(reflect.TypeFor[Problem](), true, "")
	params := []*huma.Param{{Name: "tenant", In: "path", Required: true, Description: "The tenant's slug.", Schema: &huma.Schema{Type: "string"}}}
	if destination {
		params = append(params, &huma.Param{Name: "destination_id", In: "path", Required: true,
			Description: "The provisioning destination's id.", Schema: &huma.Schema{Type: "string"}})
	}
	op := &huma.Operation{
		OperationID: id, Method: http.MethodPost, Path: path, Tags: []string{inboundTag}, Summary: summary,
		Description: description, Parameters: params, Security: inboundSecurity,
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"application/json": {Schema: reg.Schema(body, true, "")},
		}},
		Responses: map[string]*huma.Response{
			"200": {Description: "Updated", Content: map[string]*huma.MediaType{"application/json": {Schema: result}},
				Headers: map[string]*huma.Param{"X-Hookd-Inbound-Call": {Description: "The call's id in the inbound log; sent to authenticated callers only.", Schema: &huma.Schema{Type: "string"}}}},
			"201": {Description: "Created", Content: map[string]*huma.MediaType{"application/json": {Schema: result}}},
		},
	}
	for _, code := range []int{400, 401, 403, 404, 413, 429, 500} {
		op.Responses[strconv.Itoa(code)] = &huma.Response{Description: http.StatusText(code),
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}}
	}
	return op
}

// inboundSecurity is the credentials the inbound webhooks take.
var inboundSecurity = []map[string][]string{{securityAPIKey: {}}, {securityBearer: {}}, {securityBasic: {}}}

// Provisioning destinations.

// DestinationSignature is how a destination checks its sender's signature.
type DestinationSignature struct {
	Scheme   string `json:"scheme" enum:"none,standard-webhooks,hmac-sha256" example:"hmac-sha256" doc:"none; standard-webhooks (webhook-id, webhook-timestamp, webhook-signature; timestamps more than 5 minutes off are refused); or hmac-sha256 of the body in a header."`
	Header   string `json:"header,omitempty" example:"X-Hookd-Signature" doc:"hmac-sha256: the header holding the signature, optionally prefixed sha256=."`
	Encoding string `json:"encoding,omitempty" enum:"hex,base64" example:"hex" doc:"hmac-sha256: how the signature is written."`
}

// DestinationURLs are a destination's three webhook URLs.
type DestinationURLs struct {
	AddUser    string `json:"adduser" example:"https://hookd.example.com/hooks/acme/provisioning/dst_0193c0ffee0000000000000000000001/adduser"`
	ModifyUser string `json:"modifyuser" example:"https://hookd.example.com/hooks/acme/provisioning/dst_0193c0ffee0000000000000000000001/modifyuser"`
	DeleteUser string `json:"deleteuser" example:"https://hookd.example.com/hooks/acme/provisioning/dst_0193c0ffee0000000000000000000001/deleteuser"`
}

// ProvisioningDestination is a destination as the API shows it.
type ProvisioningDestination struct {
	ID        string               `json:"id" example:"dst_0193c0ffee0000000000000000000001"`
	Name      string               `json:"name" example:"Paylocity"`
	Type      string               `json:"type" enum:"generic,paylocity" example:"paylocity"`
	Mapping   map[string]string    `json:"mapping" example:"{\"/worker/id\":\"employee_id\"}" doc:"JSON pointer → user field; empty when the type's own body is read."`
	Signature DestinationSignature `json:"signature"`
	URLs      DestinationURLs      `json:"urls" doc:"The three webhook URLs to configure in the HR system."`
	CreatedAt time.Time            `json:"created_at" example:"2026-11-23T09:40:00Z"`
	UpdatedAt time.Time            `json:"updated_at" example:"2026-11-23T09:40:00Z"`
}

func destinationOf(a *app.App, slug string) func(d *hookd.ProvisioningDestination) ProvisioningDestination {
	return func(d *hookd.ProvisioningDestination) ProvisioningDestination {
		m := d.Mapping
		if m == nil {
			m = map[string]string{}
		}
		return ProvisioningDestination{
			ID: d.ID, Name: d.Name, Type: string(d.Type), Mapping: m,
			Signature: DestinationSignature{Scheme: string(d.Signature), Header: d.SignatureHeader, Encoding: d.SignatureEncoding},
			URLs: DestinationURLs{
				AddUser:    a.DestinationURL(slug, d, hookd.AddUser),
				ModifyUser: a.DestinationURL(slug, d, hookd.ModifyUser),
				DeleteUser: a.DestinationURL(slug, d, hookd.DeleteUser),
			},
			CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		}
	}
}

// tenantSlug returns the authenticated tenant's slug.
func tenantSlug(ctx context.Context) string {
	if p := principalFrom(ctx); p != nil && p.Tenant != nil {
		return p.Tenant.Slug
	}
	return ""
}

// SignedDestination is a destination with its signing secret.
type SignedDestination struct {
	ProvisioningDestination
	SigningSecret string `json:"signing_secret,omitempty" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"The secret the sender signs with, when the destination requires a signature. Also available from the secret operation."`
}

type signatureBody struct {
	Scheme   string `json:"scheme" enum:"none,standard-webhooks,hmac-sha256" example:"standard-webhooks"`
	Secret   string `json:"secret,omitempty" maxLength:"512" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"The secret the sender signs with; leave out to have hookd make one. standard-webhooks: whsec_ and base64; hmac-sha256: 16 to 512 characters."`
	Header   string `json:"header,omitempty" maxLength:"100" example:"X-Hookd-Signature" doc:"hmac-sha256 only. Default X-Hookd-Signature."`
	Encoding string `json:"encoding,omitempty" enum:"hex,base64" example:"hex" doc:"hmac-sha256 only. Default hex."`
}

func (b *signatureBody) input() *app.SignatureInput {
	if b == nil {
		return nil
	}
	return &app.SignatureInput{Scheme: b.Scheme, Secret: b.Secret, Header: b.Header, Encoding: b.Encoding}
}

type createDestinationInput struct {
	Body struct {
		Name      string            `json:"name,omitempty" maxLength:"100" example:"Paylocity" doc:"Required."`
		Type      string            `json:"type,omitempty" enum:"generic,paylocity" example:"paylocity" doc:"The HR system's body. Default generic."`
		Mapping   map[string]string `json:"mapping,omitempty" example:"{\"/worker/id\":\"employee_id\",\"/worker/name/given\":\"first_name\"}" doc:"Read the body through JSON pointers (RFC 6901) instead: pointer → employee_id, first_name, last_name, display_name, email or mobile. employee_id must be mapped."`
		Signature *signatureBody    `json:"signature,omitempty" doc:"Require the sender to sign its calls. Default none."`
	}
}

type signedDestinationOutput struct{ Body SignedDestination }

func registerCreateDestination(api huma.API, a *app.App) {
	addInboundTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/provisioning-destinations", "create-provisioning-destination",
		inboundTag, "Create a provisioning destination",
		"Adds a provisioning destination: an HR system's way in. The answer holds its id, its three webhook URLs "+
			"(absolute, under hookd's public URL) and, if it requires a signature, the signing secret. 422 lists every "+
			"invalid field, the mapping's included.",
		http.StatusCreated))
	huma.Register(api, op, func(ctx context.Context, in *createDestinationInput) (*signedDestinationOutput, error) {
		b := in.Body
		d, err := a.CreateProvisioningDestination(ctx, tenantID(ctx), app.CreateDestinationInput{
			Name: b.Name, Type: b.Type, Mapping: b.Mapping, Signature: b.Signature.input(),
		})
		if err != nil {
			return nil, err
		}
		return &signedDestinationOutput{Body: SignedDestination{ProvisioningDestination: destinationOf(a, tenantSlug(ctx))(d), SigningSecret: d.SigningSecret}}, nil
	})
}

func registerListDestinations(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/provisioning-destinations", "list-provisioning-destinations", inboundTag,
		"List provisioning destinations", "Lists the tenant's destinations. Sort by `created_at` (default) or `name`; `q` searches names.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[ProvisioningDestination], error) {
		p, err := a.ListProvisioningDestinations(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, destinationOf(a, tenantSlug(ctx))), nil
	})
}

type destinationIDInput struct {
	ID string `path:"id" maxLength:"100" example:"dst_0193c0ffee0000000000000000000001" doc:"The destination's id."`
}

type destinationOutput struct{ Body ProvisioningDestination }

func registerGetDestination(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/provisioning-destinations/{id}", "get-provisioning-destination", inboundTag,
		"Get a provisioning destination", "Returns one of the tenant's destinations with its URLs, without its secret.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *destinationIDInput) (*destinationOutput, error) {
		d, err := a.ProvisioningDestination(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &destinationOutput{Body: destinationOf(a, tenantSlug(ctx))(d)}, nil
	})
}

// DestinationSecret is a destination's signing secret.
type DestinationSecret struct {
	SigningSecret string `json:"signing_secret" example:"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" doc:"Empty when the destination requires no signature."`
}

func registerGetDestinationSecret(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/provisioning-destinations/{id}/secret", "get-provisioning-destination-secret",
		inboundTag, "Reveal a destination's signing secret", "Returns the secret the HR system signs its calls with.",
		http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *destinationIDInput) (*struct{ Body DestinationSecret }, error) {
		d, err := a.ProvisioningDestination(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body DestinationSecret }{Body: DestinationSecret{SigningSecret: d.SigningSecret}}, nil
	})
}

type updateDestinationInput struct {
	ID   string `path:"id" maxLength:"100" example:"dst_0193c0ffee0000000000000000000001" doc:"The destination's id."`
	Body struct {
		Name      *string            `json:"name,omitempty" maxLength:"100" example:"Paylocity (production)"`
		Type      *string            `json:"type,omitempty" enum:"generic,paylocity" example:"generic"`
		Mapping   *map[string]string `json:"mapping,omitempty" example:"{\"/id\":\"employee_id\"}" doc:"Replaces the mapping; {} removes it."`
		Signature *signatureBody     `json:"signature,omitempty" doc:"Replaces the signature scheme; without a secret, a new one is made."`
	}
}

func registerUpdateDestination(api huma.API, a *app.App) {
	addInboundTag(api)
	op := withBodyErrors(tenantOperation(http.MethodPatch, "/api/v1/provisioning-destinations/{id}", "update-provisioning-destination",
		inboundTag, "Change a provisioning destination",
		"Changes a destination; fields left out stay as they are. Its URLs do not change. The answer holds the "+
			"signing secret when the signature was changed.",
		http.StatusOK, http.StatusNotFound))
	huma.Register(api, op, func(ctx context.Context, in *updateDestinationInput) (*signedDestinationOutput, error) {
		b := in.Body
		up := app.UpdateDestinationInput{Name: b.Name, Type: b.Type, Mapping: b.Mapping, Signature: b.Signature.input()}
		if up.Mapping != nil && *up.Mapping == nil {
			up.Mapping = &map[string]string{}
		}
		d, err := a.UpdateProvisioningDestination(ctx, tenantID(ctx), in.ID, up)
		if err != nil {
			return nil, err
		}
		out := SignedDestination{ProvisioningDestination: destinationOf(a, tenantSlug(ctx))(d)}
		if b.Signature != nil {
			out.SigningSecret = d.SigningSecret
		}
		return &signedDestinationOutput{Body: out}, nil
	})
}

func registerDeleteDestination(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodDelete, "/api/v1/provisioning-destinations/{id}", "delete-provisioning-destination",
		inboundTag, "Delete a provisioning destination",
		"Deletes a destination: its URLs answer 404 from then on. Its calls stay in the inbound log.",
		http.StatusNoContent, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *destinationIDInput) (*struct{}, error) {
		return nil, a.DeleteProvisioningDestination(ctx, tenantID(ctx), in.ID)
	})
}

// HelpdeskWebhooks are the tenant's ticket webhook URLs.
type HelpdeskWebhooks struct {
	ServiceNow   string `json:"servicenow" example:"https://hookd.example.com/hooks/acme/helpdesk/servicenow"`
	CreateTicket string `json:"createticket" example:"https://hookd.example.com/hooks/acme/helpdesk/createticket"`
}

func registerGetHelpdeskWebhooks(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/helpdesk-webhooks", "get-helpdesk-webhooks", inboundTag,
		"Get the helpdesk webhook URLs", "Returns the tenant's two ticket webhook URLs, to configure in the helpdesk system.",
		http.StatusOK)
	huma.Register(api, op, func(ctx context.Context, _ *struct{}) (*struct{ Body HelpdeskWebhooks }, error) {
		slug := tenantSlug(ctx)
		return &struct{ Body HelpdeskWebhooks }{Body: HelpdeskWebhooks{
			ServiceNow: a.HelpdeskURL(slug, hookd.InboundServiceNow), CreateTicket: a.HelpdeskURL(slug, hookd.InboundCreateTicket),
		}}, nil
	})
}

// The inbound log.

// InboundCallResult names what a call created or changed.
type InboundCallResult struct {
	Type string `json:"type" enum:"ticket,user" example:"user"`
	ID   string `json:"id" example:"dus_0193b7e4a1c27d5e9f3a1b2c3d4e5f62"`
}

// InboundCall is a call of the inbound log as the API shows it.
type InboundCall struct {
	ID            string              `json:"id" example:"inb_0193c0ffee0000000000000000000001"`
	ReceivedAt    time.Time           `json:"received_at" example:"2026-11-23T09:40:00Z"`
	Kind          string              `json:"kind" enum:"servicenow,createticket,provisioning" example:"provisioning"`
	DestinationID string              `json:"destination_id,omitempty" example:"dst_0193c0ffee0000000000000000000001"`
	Operation     string              `json:"operation,omitempty" enum:"adduser,modifyuser,deleteuser" example:"adduser"`
	Method        string              `json:"method" example:"POST"`
	Path          string              `json:"path" example:"/hooks/acme/provisioning/dst_0193c0ffee0000000000000000000001/adduser"`
	SourceIP      string              `json:"source_ip" example:"203.0.113.7" doc:"The address the call came from; empty for a replay."`
	Caller        string              `json:"caller" example:"service_account sva_0193c0ffee0000000000000000000001" doc:"The credential that was accepted; empty if none was."`
	Authenticated bool                `json:"authenticated" example:"true" doc:"Whether the call came with a credential of this tenant. A call that did not keeps no body (only its size and hash) and cannot be replayed."`
	Replayable    bool                `json:"replayable" example:"true" doc:"Whether the call can be replayed: it failed, was authenticated and its whole body was kept."`
	Headers       map[string][]string `json:"headers" doc:"The request's headers: harmless ones (Content-Type, User-Agent, X-Request-Id, Webhook-Signature…) in clear, every other value as [redacted], Authorization as its scheme only; at most 8 KiB."`
	Body          string              `json:"body" example:"{\"employee_id\":\"1111\"}" doc:"The request body, up to 64 KiB; empty for a call that was not authenticated."`
	BodyEncoding  string              `json:"body_encoding" enum:"utf-8,base64" example:"utf-8" doc:"base64 when the body is not UTF-8 text."`
	BodyTruncated bool                `json:"body_truncated" example:"false" doc:"Whether the body was larger than the log keeps (64 KiB, or 1 MiB for a call that was not authenticated); such a call cannot be replayed."`
	BodySize      int64               `json:"body_size" example:"58" doc:"The body's size in bytes (of its first 1 MiB when larger)."`
	BodySHA256    string              `json:"body_sha256" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" doc:"The SHA-256 of the body (of its first 1 MiB when larger), hex."`
	Status        int                 `json:"status" example:"400" doc:"The HTTP status answered."`
	Problem       string              `json:"problem,omitempty" example:"The body has 2 invalid fields." doc:"The problem's detail, for a failed call."`
	Errors        []ProblemField      `json:"errors" doc:"The problem's field errors."`
	Result        *InboundCallResult  `json:"result,omitempty" doc:"What the call created or changed; absent if nothing."`
	ReplayOf      string              `json:"replay_of,omitempty" example:"inb_0193c0ffee0000000000000000000002" doc:"For a replay, the call it replayed."`
}

func inboundCallOf(c *hookd.InboundCall) InboundCall {
	out := InboundCall{
		ID: c.ID, ReceivedAt: c.ReceivedAt, Kind: string(c.Kind), DestinationID: c.DestinationID, Operation: string(c.Operation),
		Method: c.Method, Path: c.Path, SourceIP: c.SourceIP, Caller: c.Caller, Headers: c.Headers, BodyTruncated: c.BodyTruncated,
		Authenticated: c.Authenticated, Replayable: c.Replayable(), BodySize: c.BodySize, BodySHA256: c.BodySHA256,
		Status: c.Status, Problem: c.Problem, Errors: make([]ProblemField, len(c.Errors)), ReplayOf: c.ReplayOf,
	}
	if out.Headers == nil {
		out.Headers = map[string][]string{}
	}
	if utf8.Valid(c.Body) {
		out.Body, out.BodyEncoding = string(c.Body), "utf-8"
	} else {
		out.Body, out.BodyEncoding = base64.StdEncoding.EncodeToString(c.Body), "base64"
	}
	for i, f := range c.Errors {
		out.Errors[i] = ProblemField{Location: f.Location, Message: f.Message}
	}
	if c.ResultID != "" {
		out.Result = &InboundCallResult{Type: c.ResultType, ID: c.ResultID}
	}
	return out
}

type listInboundCallsInput struct {
	ListInput
	Failed bool `query:"failed" doc:"Only calls not answered with 2xx."`
}

func registerListInboundCalls(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/inbound-calls", "list-inbound-calls", inboundTag, "List inbound calls",
		"Lists the tenant's inbound log: every call of its webhooks, newest last unless `sort=-received_at`. "+
			"`failed=true` keeps the failed ones; `q` searches paths, kinds, source addresses and problems.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *listInboundCallsInput) (*listOutput[InboundCall], error) {
		p, err := a.ListInboundCalls(ctx, tenantID(ctx), in.Failed, in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, inboundCallOf), nil
	})
}

type inboundCallIDInput struct {
	ID string `path:"id" maxLength:"100" example:"inb_0193c0ffee0000000000000000000001" doc:"The call's id."`
}

type inboundCallOutput struct{ Body InboundCall }

func registerGetInboundCall(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodGet, "/api/v1/inbound-calls/{id}", "get-inbound-call", inboundTag, "Get an inbound call",
		"Returns one call of the tenant's inbound log.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *inboundCallIDInput) (*inboundCallOutput, error) {
		c, err := a.InboundCall(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &inboundCallOutput{Body: inboundCallOf(c)}, nil
	})
}

func registerReplayInboundCall(api huma.API, a *app.App) {
	addInboundTag(api)
	op := tenantOperation(http.MethodPost, "/api/v1/inbound-calls/{id}/replay", "replay-inbound-call", inboundTag,
		"Replay a failed inbound call",
		"Runs a failed call again against the configuration as it is now (after fixing a destination's mapping or "+
			"secret, say), on this credential's authority: the original credentials are not checked again, a required "+
			"signature is (its timestamp judged against the original call's time). Answers 200 with the replay, "+
			"recorded as a call of its own whose `status` and `problem` say how it went. 409 for a call that was not "+
			"authenticated as this tenant (its body was never kept), that succeeded or whose body was cut.",
		http.StatusOK, http.StatusNotFound, http.StatusConflict)
	huma.Register(api, op, func(ctx context.Context, in *inboundCallIDInput) (*inboundCallOutput, error) {
		res, err := a.ReplayInboundCall(ctx, principalFrom(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &inboundCallOutput{Body: inboundCallOf(res.Call)}, nil
	})
}
