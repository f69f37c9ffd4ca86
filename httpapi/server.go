// Package httpapi is hookd's JSON API over HTTP: the routes of API.md on huma,
// credential and rate-limit middleware, RFC 9457 problem errors, the OpenAPI
// 3.1 document generated from the handlers' own types, and the offline
// Swagger UI at /docs.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// MaxBodyBytes is the largest request body the API reads: 1 MiB. Larger
// bodies get 413.
const MaxBodyBytes = 1 << 20

// Server serves hookd's HTTP API.
type Server struct {
	App *app.App
	// Limiter limits requests per credential; nil limits nothing.
	Limiter *RateLimiter
	// Metrics are served at /metrics. New makes them.
	Metrics *Metrics
	Log     *slog.Logger
	// Ready runs the readiness checks (database reachable and migrated;
	// disk space for SQLite), which /readyz reports, answering 503 unless
	// all pass; the error, for logs, tells why checks failed. New sets it
	// from the store: its Checks method if it has one, else its Ping.
	Ready func(ctx context.Context) ([]hookd.Check, error)
	// Console, if set, serves everything the API does not: "/" and the web
	// console's pages.
	Console http.Handler

	build   sync.Once
	api     huma.API
	handler http.Handler
}

// New returns a Server over a with the given rate limiter.
func New(a *app.App, limiter *RateLimiter, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{App: a, Limiter: limiter, Log: log, Ready: storeChecks(a.Store), Metrics: NewMetrics()}
}

// storeChecks returns the readiness checks of store.
func storeChecks(store hookd.Store) func(ctx context.Context) ([]hookd.Check, error) {
	if c, ok := store.(interface {
		Checks(ctx context.Context) ([]hookd.Check, error)
	}); ok {
		return c.Checks
	}
	return func(ctx context.Context) ([]hookd.Check, error) {
		if err := store.Ping(ctx); err != nil {
			return []hookd.Check{{Name: "database", Message: "The database does not answer, or migrations are pending."}}, err
		}
		return []hookd.Check{{Name: "database", OK: true, Message: "The database answers and every migration is applied."}}, nil
	}
}

// Handler returns the HTTP handler of the whole surface, building it on first
// use. It is safe to call from concurrent requests.
func (s *Server) Handler() http.Handler {
	s.build.Do(func() {
		if s.Metrics == nil {
			s.Metrics = NewMetrics()
		}
		mux := http.NewServeMux()
		s.api = newAPI(mux)
		s.routes(mux)
		s.handler = s.withRequestID(s.Metrics.instrument(retryAfterUnavailable(s.middleware(mux))))
	})
	return s.handler
}

// OpenAPI returns the OpenAPI document of the API.
func (s *Server) OpenAPI() *huma.OpenAPI {
	s.Handler()
	return s.api.OpenAPI()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.Handler().ServeHTTP(w, r) }

func newAPI(mux *http.ServeMux) huma.API {
	hookHumaErrors()
	cfg := huma.DefaultConfig("hookd API", hookd.Version)
	cfg.DocsPath = "" // huma's docs page loads scripts from a CDN; /docs is served from the binary instead
	cfg.CreateHooks = nil
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	cfg.Info.Description = apiDescription
	cfg.Servers = []*huma.Server{{URL: "/"}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityAPIKey: {
			Type: "apiKey", In: "header", Name: "Authorization",
			Description: "The tenant's API key, sent as `Authorization: Token <api key>`. The key exists while the tenant's API is enabled. " +
				"The Token scheme (any case) also takes what the Bearer scheme takes, a named access token or an OAuth2 token: " +
				"`Authorization: Token <access token>` works wherever `Bearer <access token>` does.",
		},
		securityBearer: {
			Type: "http", Scheme: "bearer",
			Description: "A named access token of the tenant, or a token issued by `POST /oauth/token`, sent as `Authorization: Bearer <token>` or, the same, `Authorization: Token <token>`.",
		},
		securityBasic: {
			Type: "http", Scheme: "basic",
			Description: "A service account's email and password.",
		},
		securityOAuth: {
			Type:        "oauth2",
			Description: "OAuth2 client credentials (RFC 6749 §4.4): exchange a client ID and secret for a short-lived bearer token.",
			Flows:       &huma.OAuthFlows{ClientCredentials: &huma.OAuthFlow{TokenURL: "/oauth/token", Scopes: scopeDescriptions}},
		},
		securityOperator: {
			Type: "http", Scheme: "bearer",
			Description: "The instance operator token (`HOOKD_ADMIN_TOKEN`, or printed at first start), for `/api/v1/admin`.",
		},
	}
	cfg.Tags = []*huma.Tag{
		{Name: "Operator", Description: "Tenants and their API access; operator token only."},
		{Name: "API access", Description: "The tenant's API switch and API key."},
		{Name: "Access tokens", Description: "Named bearer tokens, shown once when made."},
		{Name: "Service accounts", Description: "Machine users that sign in with HTTP Basic."},
		{Name: "OAuth2", Description: "Client applications and the client-credentials grant."},
		{Name: "Service", Description: "Health and readiness."},
	}
	return humago.New(mux, cfg)
}

const apiDescription = `hookd is a self-hosted webhooks and integration platform.

**Credentials.** Send one of these in the ` + "`Authorization`" + ` header:
` + "`Token <api key>`" + ` (the tenant's API key), ` + "`Bearer <access token>`" + ` (a named access
token or an OAuth2 token; ` + "`Token <access token>`" + ` works the same), ` + "`Basic <email:password>`" + ` (a service account), or, for
` + "`/api/v1/admin`" + `, ` + "`Bearer <operator token>`" + `. Missing or wrong credentials get 401 with
` + "`WWW-Authenticate`" + `; a tenant whose API is disabled gets 403.

**Scopes.** Each operation needs one scope, shown in its security requirements:
` + "`read`" + ` (every GET except secrets), ` + "`webhooks`" + ` (event types, endpoints, settings,
publishing, resending), ` + "`directory`" + ` (users, organizations, tickets, provisioning
destinations, replays), ` + "`inbound`" + ` (calling /hooks/{tenant}/…) and ` + "`credentials`" + ` (the
API key, access tokens, OAuth clients, service accounts, secrets). The API key has
every scope; access tokens and OAuth clients have the ` + "`scopes`" + ` they were made with
(default: all but credentials); service accounts have ` + "`inbound`" + ` unless made with more.
A credential lacking the scope gets 403 ` + "`urn:hookd:problem:insufficient-scope`" + `. A
credential grants only scopes it has, and never a longer life than its own.

**Rate limit.** Each credential may make 5 requests per second (the operator may
change this per plan). The next request gets 429 with ` + "`Retry-After: 30`" + ` and the
credential stays limited for 30 seconds.

**Errors** are RFC 9457 ` + "`application/problem+json`" + ` documents whose ` + "`type`" + ` never changes
for a kind of error. Bodies over 1 MiB get 413; malformed JSON gets 400 naming the byte
offset; unknown fields get 400.

**Lists** take ` + "`limit`" + ` (default 50, max 500), an opaque ` + "`cursor`" + ` from the previous page's
` + "`next_cursor`" + `, ` + "`sort`" + ` (a field, or -field for descending) and ` + "`q`" + ` (search).`

// Security requirement names.
const (
	securityAPIKey   = "apiKey"
	securityBearer   = "accessToken"
	securityBasic    = "serviceAccount"
	securityOAuth    = "oauth2"
	securityOperator = "operatorToken"
)

var (
	operatorSecurity = []map[string][]string{{securityOperator: {}}}
)

// retryAfterUnavailable makes every 503 answer carry Retry-After (huma
// writes the headers of the error a handler returns, and a domain error
// has none), so clients of an outage know when to try again.
func retryAfterUnavailable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&unavailableWriter{ResponseWriter: w}, r)
	})
}

type unavailableWriter struct {
	http.ResponseWriter
}

func (w *unavailableWriter) WriteHeader(status int) {
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(hookd.RetryAfterUnavailable))
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines).
func (w *unavailableWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
