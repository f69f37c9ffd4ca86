// Package console is hookd's web console: server-rendered pages
// (html/template, embedded templates/ and static/) over the same app
// functions as the JSON API. Tenant admins sign in with their email and
// password to configure webhooks, the API and access tokens; the operator
// signs in with the operator token to manage tenants.
//
// Every page works without JavaScript; the small script in static/ adds
// copying to the clipboard, confirmation dialogs and the side panel. Every
// form carries a CSRF token bound to the browser's session cookie (or,
// before sign-in, to a sign-in cookie), and cross-origin posts are refused.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/app"
)

// MaxFormBytes is the largest form body the console reads.
const MaxFormBytes = 1 << 20

// Server serves the web console.
type Server struct {
	App *app.App
	Log *slog.Logger
	// PublicURL is the base URL users reach hookd at, such as
	// https://hooks.example.com. When it is https, cookies are Secure (as
	// they always are on a TLS connection), and its origin is trusted for
	// form posts behind a proxy that changes the Host header.
	PublicURL string
	// Ready reports whether the instance can take traffic (the store
	// answers, migrations applied); the operator's health page shows it.
	// Nil reports ready.
	Ready func(ctx context.Context) error
	// Backend names the database ("sqlite", "postgres") on the health page.
	Backend string
	// Started is when the instance started, for the health page. New sets
	// it to the app's now.
	Started time.Time

	build   sync.Once
	handler http.Handler
	pages   *pages
}

// New returns a Server over a.
func New(a *app.App, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{App: a, Log: log, Ready: a.Store.Ping, Started: a.Clock.Now()}
}

// Handler returns the console's HTTP handler, building it on first use. It
// is safe to call from concurrent requests.
func (s *Server) Handler() http.Handler {
	s.build.Do(func() {
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		s.pages = mustParsePages(s.funcs())
		mux := http.NewServeMux()
		s.routes(mux)
		cop := http.NewCrossOriginProtection()
		if origin := publicOrigin(s.PublicURL); origin != "" {
			if err := cop.AddTrustedOrigin(origin); err != nil {
				s.Log.Warn("console: the public URL is not a valid origin", "url", s.PublicURL, "err", err)
			}
		}
		cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
		s.handler = securityHeaders(cop.Handler(mux))
	})
	return s.handler
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }

// secure reports whether cookies set in answer to r must be Secure.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.PublicURL), "https://")
}

// publicOrigin returns the scheme://host[:port] of u, or "".
func publicOrigin(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || rest == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return strings.ToLower(scheme) + "://" + host
}

// contentSecurityPolicy lets pages load only the console's own scripts,
// styles and images, and be framed by no one.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every console answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// now is the app's clock.
func (s *Server) now() time.Time { return s.App.Clock.Now() }
