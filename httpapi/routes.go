package httpapi

import (
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/hookd/hookd"
)

// routes lists hookd's whole HTTP surface.
func (s *Server) routes(mux *http.ServeMux) {
	api := s.api
	api.UseMiddleware(requireScope)

	// Service.
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.Handle("GET /metrics", s.Metrics.Handler())
	registerReadyz(api, s)
	mux.Handle("/docs", s.docsHandler())
	mux.Handle("/docs/", s.docsHandler())

	// Operator.
	registerCreateTenant(api, s.App)
	registerListTenants(api, s.App)
	registerGetTenant(api, s.App)
	registerUpdateTenant(api, s.App)
	registerSetTenantAPI(api, s.App)
	registerRegenerateTenantAPIKey(api, s.App)
	registerListAuditEntries(api, s.App)

	// API access.
	registerGetTenantSelf(api, s.App)
	registerGetQuotas(api, s.App)
	registerGetAPIAccess(api, s.App)
	registerRevealAPIKey(api, s.App)
	registerRegenerateAPIKey(api, s.App)

	// Tenant settings.
	registerGetSettings(api, s.App)
	registerUpdateSettings(api, s.App)

	// Access tokens.
	registerCreateAccessToken(api, s.App)
	registerListAccessTokens(api, s.App)
	registerGetAccessToken(api, s.App)
	registerRenameAccessToken(api, s.App)
	registerRevokeAccessToken(api, s.App)

	// Service accounts.
	registerCreateServiceAccount(api, s.App)
	registerListServiceAccounts(api, s.App)
	registerGetServiceAccount(api, s.App)
	registerDeleteServiceAccount(api, s.App)

	// OAuth2.
	registerCreateOAuthClient(api, s.App)
	registerListOAuthClients(api, s.App)
	registerGetOAuthClient(api, s.App)
	registerDeleteOAuthClient(api, s.App)
	registerOAuthToken(api, s.App, s.Limiter)

	// Event catalog.
	registerListEventTypes(api, s.App)
	registerCreateEventType(api, s.App)
	registerGetEventType(api, s.App)
	registerUpdateEventType(api, s.App)

	// Endpoints.
	registerCreateEndpoint(api, s.App)
	registerListEndpoints(api, s.App)
	registerGetEndpoint(api, s.App)
	registerUpdateEndpoint(api, s.App)
	registerDeleteEndpoint(api, s.App)
	registerGetEndpointSecret(api, s.App)
	registerRotateEndpointSecret(api, s.App)
	registerEnableEndpoint(api, s.App)
	registerDisableEndpoint(api, s.App)
	registerListPayloads(api, s.App)
	registerTestFilter(api, s.App)

	// Events.
	registerPublishEvent(api, s.App)
	registerListEvents(api, s.App)
	registerGetEvent(api, s.App)

	// Deliveries.
	registerListDeliveries(api, s.App)
	registerGetDelivery(api, s.App)
	registerResendDelivery(api, s.App)
	registerRecoverEndpoint(api, s.App)
	registerTestEndpoint(api, s.App)
	registerStartReplay(api, s.App)
	registerListReplays(api, s.App)
	registerGetReplay(api, s.App)
	registerCancelReplay(api, s.App)

	// Directory.
	registerCreateOrganization(api, s.App)
	registerListOrganizations(api, s.App)
	registerGetOrganization(api, s.App)
	registerUpdateOrganization(api, s.App)
	registerCreateUser(api, s.App)
	registerListUsers(api, s.App)
	registerGetUser(api, s.App)
	registerUpdateUser(api, s.App)
	registerCreateTicket(api, s.App)
	registerListTickets(api, s.App)
	registerGetTicket(api, s.App)
	registerUpdateTicket(api, s.App)

	// Inbound webhooks, their destinations and their log.
	s.registerInbound(mux, api)
	registerGetHelpdeskWebhooks(api, s.App)
	registerCreateDestination(api, s.App)
	registerListDestinations(api, s.App)
	registerGetDestination(api, s.App)
	registerGetDestinationSecret(api, s.App)
	registerUpdateDestination(api, s.App)
	registerDeleteDestination(api, s.App)
	registerListInboundCalls(api, s.App)
	registerGetInboundCall(api, s.App)
	registerReplayInboundCall(api, s.App)

	nullablePullRefs(api)

	// Any other path of the API, OAuth2 and the inbound webhooks: a
	// problem, never a console page.
	for _, prefix := range []string{"/api", "/oauth", "/hooks"} {
		mux.Handle(prefix, noRoute(mux))
		mux.Handle(prefix+"/", noRoute(mux))
	}

	// Everything else is the console's.
	console := s.Console
	if console == nil {
		console = http.HandlerFunc(placeholderConsole)
	}
	mux.Handle("/", console)
}

// routeMethods are the methods noRoute tries for the Allow header.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// noRoute answers a request no route of mux takes under a prefix of the API:
// 405 with Allow when the path has routes for other methods, else 404; both
// as problems.
func noRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, fallback := mux.Handler(r)
		var allow []string
		for _, m := range routeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != fallback {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			writeProblem(w, r, newProblem(TypeNotFound, http.StatusNotFound, "There is nothing at "+r.URL.Path+"; see /openapi.json for every path."))
			return
		}
		list := strings.Join(allow, ", ")
		w.Header().Set("Allow", list)
		writeProblem(w, r, newProblem(TypeMethod, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; use "+list+"."))
	})
}

func (s *Server) docsHandler() http.Handler {
	return v5emb.NewWithConfig(swgui.Config{
		Title:       "hookd API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
		ShowTopBar:  false,
		HideCurl:    false,
		JsonEditor:  true,
	})("hookd API", "/openapi.json", "/docs/")
}

// operation describes one API operation with what every one of them needs.
func operation(method, path, id, tag, summary, description string, status int, errors ...int) huma.Operation {
	return huma.Operation{
		OperationID:   id,
		Method:        method,
		Path:          path,
		Tags:          []string{tag},
		Summary:       summary,
		Description:   description,
		DefaultStatus: status,
		Errors:        errors,
		MaxBodyBytes:  MaxBodyBytes,
	}
}

// tenantOperation is an operation under /api/v1 that takes a tenant
// credential with the scope operationScopes gives it; it panics for an
// operation missing there.
func tenantOperation(method, path, id, tag, summary, description string, status int, errors ...int) huma.Operation {
	op := operation(method, path, id, tag, summary, description, status,
		append([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}, errors...)...)
	scope, ok := operationScopes[id]
	if !ok {
		panic("httpapi: operation " + id + " declares no scope in operationScopes")
	}
	return withScope(op, scope)
}

// operationScopes is the scope each tenant operation needs (docs/api.md
// shows the same table). read: every GET except secrets; webhooks: changes
// to the outbound side; directory: changes to the directory and its inbound
// configuration; credentials: anything that makes, reveals or rotates a
// secret. The inbound webhooks /hooks/{tenant}/… need inbound (checked by
// app.ReceiveInbound, as they are not huma operations).
var operationScopes = map[string]hookd.Scope{
	"get-own-tenant": hookd.ScopeRead, "get-api-access": hookd.ScopeRead, "get-settings": hookd.ScopeRead, "get-quotas": hookd.ScopeRead,
	"list-access-tokens": hookd.ScopeRead, "get-access-token": hookd.ScopeRead,
	"list-service-accounts": hookd.ScopeRead, "get-service-account": hookd.ScopeRead,
	"list-oauth-clients": hookd.ScopeRead, "get-oauth-client": hookd.ScopeRead,
	"list-event-types": hookd.ScopeRead, "get-event-type": hookd.ScopeRead,
	"list-endpoints": hookd.ScopeRead, "get-endpoint": hookd.ScopeRead, "list-payloads": hookd.ScopeRead,
	"list-events": hookd.ScopeRead, "get-event": hookd.ScopeRead,
	"list-deliveries": hookd.ScopeRead, "get-delivery": hookd.ScopeRead,
	"list-organizations": hookd.ScopeRead, "get-organization": hookd.ScopeRead,
	"list-users": hookd.ScopeRead, "get-user": hookd.ScopeRead,
	"list-tickets": hookd.ScopeRead, "get-ticket": hookd.ScopeRead,
	"get-helpdesk-webhooks":          hookd.ScopeRead,
	"list-provisioning-destinations": hookd.ScopeRead, "get-provisioning-destination": hookd.ScopeRead,
	"list-inbound-calls": hookd.ScopeRead, "get-inbound-call": hookd.ScopeRead,
	"test-filter": hookd.ScopeRead, "list-replays": hookd.ScopeRead, "get-replay": hookd.ScopeRead,

	"update-settings":   hookd.ScopeWebhooks,
	"create-event-type": hookd.ScopeWebhooks, "update-event-type": hookd.ScopeWebhooks,
	"create-endpoint": hookd.ScopeWebhooks, "update-endpoint": hookd.ScopeWebhooks, "delete-endpoint": hookd.ScopeWebhooks,
	"enable-endpoint": hookd.ScopeWebhooks, "disable-endpoint": hookd.ScopeWebhooks,
	"recover-endpoint": hookd.ScopeWebhooks, "test-endpoint": hookd.ScopeWebhooks,
	"publish-event": hookd.ScopeWebhooks, "resend-delivery": hookd.ScopeWebhooks,
	"start-replay": hookd.ScopeWebhooks, "cancel-replay": hookd.ScopeWebhooks,

	"create-organization": hookd.ScopeDirectory, "update-organization": hookd.ScopeDirectory,
	"create-user": hookd.ScopeDirectory, "update-user": hookd.ScopeDirectory,
	"create-ticket": hookd.ScopeDirectory, "update-ticket": hookd.ScopeDirectory,
	"create-provisioning-destination": hookd.ScopeDirectory, "update-provisioning-destination": hookd.ScopeDirectory,
	"delete-provisioning-destination": hookd.ScopeDirectory,
	"replay-inbound-call":             hookd.ScopeDirectory,

	"reveal-api-key": hookd.ScopeCredentials, "regenerate-api-key": hookd.ScopeCredentials,
	"create-access-token": hookd.ScopeCredentials, "rename-access-token": hookd.ScopeCredentials,
	"revoke-access-token": hookd.ScopeCredentials,
	"create-oauth-client": hookd.ScopeCredentials, "delete-oauth-client": hookd.ScopeCredentials,
	"create-service-account": hookd.ScopeCredentials, "delete-service-account": hookd.ScopeCredentials,
	"get-endpoint-secret": hookd.ScopeCredentials, "rotate-endpoint-secret": hookd.ScopeCredentials,
	"get-provisioning-destination-secret": hookd.ScopeCredentials,
}

// operatorOperation is an operation under /api/v1/admin.
func operatorOperation(method, path, id, summary, description string, status int, errors ...int) huma.Operation {
	op := operation(method, path, id, "Operator", summary, description, status,
		append([]int{http.StatusUnauthorized}, errors...)...)
	op.Security = operatorSecurity
	return op
}

// withBodyErrors adds the errors of operations that take a JSON body.
func withBodyErrors(op huma.Operation) huma.Operation {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
	return op
}

const placeholderPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookd</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}code{background:#f3f4f6;padding:.1em .3em;border-radius:4px}</style>
</head><body>
<h1>hookd</h1>
<p>Webhooks and integrations for your tenants. The web console is coming; until then everything is in the API.</p>
<ul>
<li><a href="/docs">API documentation</a> (interactive)</li>
<li><a href="/openapi.json">OpenAPI document</a> (<a href="/openapi.yaml">YAML</a>)</li>
<li><a href="/healthz">Health</a>, <a href="/readyz">readiness</a> and <a href="/metrics">metrics</a></li>
</ul>
</body></html>
`

func placeholderConsole(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		writeProblem(w, r, newProblem(TypeNotFound, http.StatusNotFound, "There is nothing at this path."))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, r, newProblem(TypeMethod, http.StatusMethodNotAllowed, "Only GET is allowed here."))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
	_, _ = w.Write([]byte(placeholderPage))
}
