package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

type principalKey struct{}

// principalFrom returns the caller that the middleware authenticated.
func principalFrom(ctx context.Context) *hookd.Principal {
	p, _ := ctx.Value(principalKey{}).(*hookd.Principal)
	return p
}

// tenantID returns the authenticated tenant's ID. Handlers of tenant routes
// run only after the middleware has set it.
func tenantID(ctx context.Context) string {
	if p := principalFrom(ctx); p != nil {
		return p.TenantID
	}
	return ""
}

type sourceIPKey struct{}

// sourceIP returns the address the request came from, as the middleware
// put it in ctx.
func sourceIP(ctx context.Context) string {
	ip, _ := ctx.Value(sourceIPKey{}).(string)
	return ip
}

// middleware wraps the mux with what every request goes through: safety
// headers, and on /api/v1 the credential check and the rate limit.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), sourceIPKey{}, clientIP(r)))
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		path := r.URL.Path
		switch {
		case path == "/api/v1/admin" || strings.HasPrefix(path, "/api/v1/admin/"):
			h.Set("Cache-Control", "no-store")
			p, err := s.authenticateOperator(r)
			if err != nil {
				writeProblem(w, r, problemFromError(s.logOf(r), err))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		case path == "/api/v1" || strings.HasPrefix(path, "/api/v1/"):
			h.Set("Cache-Control", "no-store")
			p, err := s.authenticateTenant(r)
			if err != nil {
				writeProblem(w, r, authProblem(s.logOf(r), err))
				return
			}
			if ok, wait := s.Limiter.Allow(r.Context(), string(p.Kind)+":"+p.CredentialID, p.Tenant.Plan); !ok {
				writeRateLimited(w, r, wait)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		next.ServeHTTP(w, r)
		noteRoute(r)
	})
}

func writeRateLimited(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	p := newProblem(TypeRateLimited, http.StatusTooManyRequests,
		"This credential has made too many requests and is limited for "+strconv.Itoa(secs)+" seconds.")
	p.headers = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	writeProblem(w, r, p)
}

func (s *Server) authenticateTenant(r *http.Request) (*hookd.Principal, error) {
	return s.App.AuthenticateRequest(r.Context(), app.AuthRequest{
		Authorization: r.Header.Get("Authorization"),
		SourceIP:      clientIP(r),
	})
}

// authProblem is the problem of a failed authentication: the domain
// error's, with Retry-After when the refusal says when to try again.
func authProblem(log *slog.Logger, err error) *Problem {
	p := problemFromError(log, err)
	if wait, ok := app.RetryAfter(err); ok {
		secs := int((wait + time.Second - 1) / time.Second)
		p.headers = http.Header{"Retry-After": {strconv.Itoa(max(1, secs))}}
	}
	return p
}

func (s *Server) authenticateOperator(r *http.Request) (*hookd.Principal, error) {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, hookd.Errorf(hookd.EUNAUTHORIZED, "Operator endpoints need the operator token: Authorization: Bearer <token>.")
	}
	return s.App.AuthenticateOperator(r.Context(), strings.TrimSpace(cred))
}
