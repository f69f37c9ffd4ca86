package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// routes lists hookd's whole HTTP surface.
func (s *Server) routes(mux *http.ServeMux) {
	api := s.api

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

	// Everything else is the console's.
	console := s.Console
	if console == nil {
		console = http.HandlerFunc(placeholderConsole)
	}
	mux.Handle("/", console)
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
// credential.
func tenantOperation(method, path, id, tag, summary, description string, status int, errors ...int) huma.Operation {
	op := operation(method, path, id, tag, summary, description, status,
		append([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}, errors...)...)
	op.Security = tenantSecurity
	return op
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
