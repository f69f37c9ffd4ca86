package console

import "net/http"

// routes lists the whole console.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{name}", s.serveStatic)

	// Signing in and out.
	mux.Handle("GET /login", s.handle(anyone, s.loginForm))
	mux.Handle("POST /login", s.handle(anyone, s.login))
	mux.Handle("POST /logout", s.handle(anyone, s.logout))

	// Configuration → Webhooks.
	mux.Handle("GET /webhooks", s.handle(tenantOnly, s.endpoints))
	mux.Handle("POST /webhooks", s.handle(tenantOnly, s.createEndpoint))
	mux.Handle("GET /webhooks/documentation", s.handle(tenantOnly, s.webhookDocs))
	mux.Handle("POST /webhooks/settings", s.handle(tenantOnly, s.setRequireHTTPS))
	mux.Handle("GET /webhooks/{id}", s.handle(tenantOnly, s.endpoint))
	mux.Handle("POST /webhooks/{id}", s.handle(tenantOnly, s.updateEndpoint))
	mux.Handle("POST /webhooks/{id}/enable", s.handle(tenantOnly, s.enableEndpoint))
	mux.Handle("POST /webhooks/{id}/disable", s.handle(tenantOnly, s.disableEndpoint))
	mux.Handle("POST /webhooks/{id}/delete", s.handle(tenantOnly, s.deleteEndpoint))
	mux.Handle("POST /webhooks/{id}/secret/rotate", s.handle(tenantOnly, s.rotateEndpointSecret))
	mux.Handle("POST /webhooks/{id}/verification-key/rotate", s.handle(tenantOnly, s.rotateVerificationKey))
	mux.Handle("POST /webhooks/{id}/test", s.handle(tenantOnly, s.testEndpoint))
	mux.Handle("POST /webhooks/{id}/filter/try", s.handle(tenantOnly, s.tryFilter))
	mux.Handle("POST /webhooks/{id}/recover", s.handle(tenantOnly, s.recoverEndpoint))

	// History.
	mux.Handle("GET /history", s.handle(tenantOnly, s.history))
	mux.Handle("GET /replays", s.handle(tenantOnly, s.replays))
	mux.Handle("POST /replays", s.handle(tenantOnly, s.startReplay))
	mux.Handle("POST /replays/{id}/cancel", s.handle(tenantOnly, s.cancelReplay))
	mux.Handle("GET /history/{id}", s.handle(tenantOnly, s.delivery))
	mux.Handle("POST /history/{id}/resend", s.handle(tenantOnly, s.resendDelivery))

	// Inbound.
	mux.Handle("GET /inbound", s.handle(tenantOnly, s.inbound))
	mux.Handle("POST /inbound/destinations", s.handle(tenantOnly, s.createDestination))
	mux.Handle("POST /inbound/destinations/{id}/delete", s.handle(tenantOnly, s.deleteDestination))
	mux.Handle("POST /inbound/calls/{id}/replay", s.handle(tenantOnly, s.replayInboundCall))

	// Directory.
	mux.Handle("GET /directory", s.handle(tenantOnly, s.directory))

	// Configuration → API.
	mux.Handle("GET /api-access", s.handle(tenantOnly, s.apiAccess))
	mux.Handle("POST /api-access", s.handle(tenantOnly, s.setAPIAccess))
	mux.Handle("POST /api-access/regenerate", s.handle(tenantOnly, s.regenerateAPIKey))

	// Access tokens.
	mux.Handle("GET /access-tokens", s.handle(tenantOnly, s.accessTokens))
	mux.Handle("POST /access-tokens", s.handle(tenantOnly, s.createAccessToken))
	mux.Handle("POST /access-tokens/{id}/rename", s.handle(tenantOnly, s.renameAccessToken))
	mux.Handle("POST /access-tokens/{id}/revoke", s.handle(tenantOnly, s.revokeAccessToken))
	mux.Handle("POST /oauth-clients", s.handle(tenantOnly, s.createOAuthClient))
	mux.Handle("POST /oauth-clients/{id}/delete", s.handle(tenantOnly, s.deleteOAuthClient))

	// The operator's pages.
	mux.Handle("GET /operator/tenants", s.handle(operatorOnly, s.tenants))
	mux.Handle("POST /operator/tenants", s.handle(operatorOnly, s.createTenant))
	mux.Handle("GET /operator/tenants/{slug}", s.handle(operatorOnly, s.tenant))
	mux.Handle("POST /operator/tenants/{slug}", s.handle(operatorOnly, s.updateTenant))
	mux.Handle("POST /operator/tenants/{slug}/api", s.handle(operatorOnly, s.setTenantAPI))
	mux.Handle("POST /operator/tenants/{slug}/api/regenerate", s.handle(operatorOnly, s.regenerateTenantAPIKey))
	mux.Handle("GET /operator/health", s.handle(operatorOnly, s.health))

	mux.Handle("GET /{$}", s.handle(anyone, s.home))
	mux.Handle("/", s.handle(anyone, s.notFound))
}
