package console

import "net/http"

// routes lists the whole console.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{name}", s.serveStatic)

	// Signing in and out.
	mux.Handle("GET /login", s.handle(anyone, s.loginForm))
	mux.Handle("POST /login", s.handle(anyone, s.login))
	mux.Handle("POST /logout", s.handle(anyone, s.logout))

	// Configuration → API.
	mux.Handle("GET /api-access", s.handle(tenantOnly, s.apiAccess))
	mux.Handle("POST /api-access", s.handle(tenantOnly, s.setAPIAccess))
	mux.Handle("POST /api-access/regenerate", s.handle(tenantOnly, s.regenerateAPIKey))

	mux.Handle("GET /{$}", s.handle(anyone, s.home))
	mux.Handle("/", s.handle(anyone, s.notFound))
}
