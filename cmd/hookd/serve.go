package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/console"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/schedule"
	"github.com/hookd/hookd/sqlstore"
)

// ServeCmd runs hookd.
type ServeCmd struct {
	StoreFlags
	RoleFlags
	Addr          string             `name:"addr" env:"HOOKD_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	PublicURL     string             `name:"public-url" env:"HOOKD_PUBLIC_URL" help:"Base of the URLs hookd shows (console links, inbound webhook URLs); defaults to http://<addr>."`
	APIRateLimit  int                `name:"api-rate-limit" env:"HOOKD_API_RATE_LIMIT" default:"5" help:"Requests per second per credential before 429 (0: no limit)."`
	PlanRateLimit map[hookd.Plan]int `name:"plan-rate-limit" env:"HOOKD_PLAN_RATE_LIMITS" mapsep:"," help:"Per-plan overrides of --api-rate-limit, such as enterprise=20,platinum=10."`
	DefaultPlan   string             `name:"default-plan" env:"HOOKD_DEFAULT_PLAN" default:"enterprise" enum:"free,platinum,enterprise" help:"Plan of new tenants that name none (${enum})."`
	OAuthTokenTTL time.Duration      `name:"oauth-token-ttl" env:"HOOKD_OAUTH_TOKEN_TTL" default:"1h" help:"Lifetime of tokens issued by POST /oauth/token."`
	ShutdownGrace time.Duration      `name:"shutdown-grace" env:"HOOKD_SHUTDOWN_GRACE" default:"15s" help:"How long a shutdown waits for requests in flight."`
	AllowPrivate  bool               `name:"allow-private-destinations" env:"HOOKD_ALLOW_PRIVATE_DESTINATIONS" help:"Let deliveries reach loopback, private and link-local addresses (tests, on-premises receivers)."`
	Retention     time.Duration      `name:"retention" env:"HOOKD_RETENTION" default:"720h" help:"How long delivered events, deliveries and attempts, and inbound calls, are kept."`
	InboundLimitFlags
	ObserveFlags
	OperationalFlags
	Concurrency       int           `name:"delivery-concurrency" env:"HOOKD_DELIVERY_CONCURRENCY" default:"256" help:"Most delivery requests in flight overall."`
	EndpointConc      int           `name:"endpoint-concurrency" env:"HOOKD_ENDPOINT_CONCURRENCY" default:"16" help:"Most delivery requests in flight to one endpoint."`
	HashConc          int           `name:"password-hash-concurrency" env:"HOOKD_PASSWORD_HASH_CONCURRENCY" default:"0" help:"Most argon2id password checks (console sign-ins, HTTP Basic) running at once, each taking 64 MiB; others wait up to 1 s, then get 503 (0: half the CPUs, at least 1)."`
	Quotas            QuotaFlags    `embed:""`
	FanOutChunk       int           `name:"fan-out-chunk" env:"HOOKD_FAN_OUT_CHUNK" default:"100" help:"Most deliveries of one event written in one transaction; a larger fan-out is written in several, so that one tenant never holds the database writer for long."`
	MinFreeDisk       uint64        `name:"min-free-disk-mib" env:"HOOKD_MIN_FREE_DISK_MIB" default:"64" help:"Free space (MiB) the SQLite data directory needs for /readyz to answer 200."`
	PullInactiveAfter time.Duration `name:"pull-inactive-after" env:"HOOKD_PULL_INACTIVE_AFTER" default:"168h" help:"How long a ping or pull endpoint whose payloads are not listed stays active; then its notifications stop (inactive)."`
	PullDeleteAfter   time.Duration `name:"pull-delete-after" env:"HOOKD_PULL_DELETE_AFTER" default:"168h" help:"How long a ping or pull endpoint stays inactive before it is deleted with its payloads (logged, and in GET /api/v1/admin/audit)."`
	DeliveryLease     time.Duration `name:"delivery-lease" env:"HOOKD_DELIVERY_LEASE" default:"15s" help:"How long a claim on a delivery lasts unless renewed (every third of it); deliveries claimed by a process that died are sent again after it, plus at most two lease sweeps (every 2 s): within 20 s by default (PostgreSQL; SQLite resumes them at start)."`
}

// Run serves until ctx ends, then shuts down gracefully.
func (c *ServeCmd) Run(env *Env) error {
	for p := range c.PlanRateLimit {
		if !p.Valid() {
			return fmt.Errorf("--plan-rate-limit: unknown plan %q (want one of %v)", p, hookd.Plans)
		}
	}
	if err := c.checkRole(); err != nil {
		return err
	}
	log := c.logger(env.Stderr)
	if c.DatabaseURL == "" {
		unlock, err := lockDataDir(c.DataDir)
		if err != nil {
			return err
		}
		defer unlock()
	}
	a, store, err := c.newApp(env, c.DefaultPlan)
	if err != nil {
		return err
	}
	defer store.Close()
	store.MinFreeBytes = c.MinFreeDisk << 20
	a.OAuthTokenTTL = c.OAuthTokenTTL
	a.InboundLimits = c.inboundLimits()
	if err := c.wireOperator(a, c.AllowPrivate); err != nil {
		return err
	}
	if c.HashConc < 0 {
		return fmt.Errorf("--password-hash-concurrency: %d is negative", c.HashConc)
	}
	a.PasswordHashConcurrency = c.HashConc
	a.FanOutChunk = c.FanOutChunk
	if c.PullInactiveAfter <= 0 || c.PullDeleteAfter <= 0 {
		return fmt.Errorf("--pull-inactive-after and --pull-delete-after must be positive, not %s and %s", c.PullInactiveAfter, c.PullDeleteAfter)
	}
	a.PullLifecycle = hookd.PullLifecycle{InactiveAfter: c.PullInactiveAfter, DeleteAfter: c.PullDeleteAfter}
	if a.Quotas, err = c.Quotas.quotas(); err != nil {
		return err
	}

	limiter := &httpapi.RateLimiter{Clock: hookd.SystemClock{}, Default: c.APIRateLimit, PerPlan: c.PlanRateLimit}
	if store.SharesLimits() { // PostgreSQL: the limits hold across instances
		a.ShareLimits(store)
		limiter.Shared, limiter.Log = store, log
	}
	api := httpapi.New(a, limiter, log)
	web := console.New(a, log)
	web.PublicURL = c.PublicURL
	web.Backend = store.Backend()
	api.Console = web
	obs, flushTraces, err := c.observe(env, api, store, log)
	if err != nil {
		return err
	}
	defer flushTraces()
	a.Observer = obs

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// Only now that the server can serve is the operator token made: a
	// first start that fails (the port is taken) must not store a token
	// it never printed.
	opToken, err := a.EnsureOperatorToken(env.Ctx, env.Getenv("HOOKD_ADMIN_TOKEN"))
	if err != nil {
		ln.Close()
		return fmt.Errorf("operator token: %w", err)
	}
	// The address actually bound (the port may have been 0), which the
	// banner does not show when a public URL is set.
	log.Info("listening", "addr", ln.Addr().String())
	base := c.PublicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	base = strings.TrimRight(base, "/")
	a.PublicURL = base
	srv := &http.Server{
		Handler:           c.roleHandler(api),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}

	fmt.Fprintf(env.Stdout, "hookd %s is running (%s database)\n", hookd.Version, store.Backend())
	if c.servesAPI() {
		fmt.Fprintf(env.Stdout, "  console:  %s/\n", base)
		fmt.Fprintf(env.Stdout, "  API docs: %s/docs\n", base)
	}
	c.printRole(env.Stdout)
	if opToken != "" {
		fmt.Fprintf(env.Stdout, "  operator token (shown once, keep it safe): %s\n", opToken)
	}

	dispatcher := &dispatch.Dispatcher{
		Store:                store,
		Keys:                 a,
		Client:               &dispatch.Client{AllowPrivate: c.AllowPrivate},
		Clock:                hookd.SystemClock{},
		Log:                  log,
		Concurrency:          c.Concurrency,
		EndpointConcurrency:  c.EndpointConc,
		Lease:                c.DeliveryLease,
		ReleaseLeasesOnStart: store.Backend() == sqlstore.BackendSQLite,
		Observer:             obs,
	}
	wakes := c.wireDeliveries(a, store, dispatcher)
	defer wakes.Close()
	pruner := &dispatch.Pruner{Store: obs.Metrics.PruneHistory(store), Inbound: obs.Metrics.PruneInbound(store), Clock: hookd.SystemClock{}, Log: log, Retention: c.Retention}

	ctx, cancel := context.WithCancel(env.Ctx)
	defer cancel()
	var workers sync.WaitGroup
	scheduler := &schedule.Scheduler{Store: store, Clock: hookd.SystemClock{}, Log: log, Holder: instanceName(),
		Jobs: backgroundJobs(a, pruner, dispatcher, log)}
	c.runBackground(ctx, &workers, a, store, wakes, dispatcher, scheduler, log)
	workersDone := make(chan struct{})
	go func() {
		workers.Wait()
		close(workersDone)
	}()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case err := <-serveErr:
		cancel()
		<-workersDone
		return fmt.Errorf("serve: %w", err)
	case <-env.Ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, stop := context.WithTimeout(context.Background(), c.ShutdownGrace)
	defer stop()
	err = srv.Shutdown(shutdownCtx)
	cancel()
	<-workersDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// InboundLimitFlags bound what inbound calls without valid credentials,
// and the inbound log, may cost (docs/inbound.md).
type InboundLimitFlags struct {
	InboundSourceFailures int   `name:"inbound-source-failures" env:"HOOKD_INBOUND_SOURCE_FAILURES" default:"20" help:"Inbound calls failing authentication one address (IPv6: its /64) may make per minute before 429 (0: no limit)."`
	InboundTenantFailures int   `name:"inbound-tenant-failures" env:"HOOKD_INBOUND_TENANT_FAILURES" default:"60" help:"Inbound calls failing authentication one tenant's webhooks take per minute, from all addresses, before 429 (0: no limit)."`
	InboundLogMaxCalls    int   `name:"inbound-log-max-calls" env:"HOOKD_INBOUND_LOG_MAX_CALLS" default:"10000" help:"Most calls a tenant's inbound log keeps, the newest (0: no limit)."`
	InboundLogMaxMiB      int64 `name:"inbound-log-max-mib" env:"HOOKD_INBOUND_LOG_MAX_MIB" default:"64" help:"Most MiB (bodies, headers, paths, problems) a tenant's inbound log keeps, the newest calls (0: no limit)."`
}

// inboundLimits returns the app's limits for the flags: 0 lifts a limit.
func (f InboundLimitFlags) inboundLimits() app.InboundLimits {
	orOff := func(v int64) int64 {
		if v <= 0 {
			return -1
		}
		return v
	}
	return app.InboundLimits{
		SourceFailures: int(orOff(int64(f.InboundSourceFailures))),
		TenantFailures: int(orOff(int64(f.InboundTenantFailures))),
		LogMaxCalls:    int(orOff(int64(f.InboundLogMaxCalls))),
		LogMaxBytes:    orOff(f.InboundLogMaxMiB << 20),
	}
}

// QuotaFlags are the per-tenant quotas: instance defaults, and per-plan
// overrides in the style of --plan-rate-limit.
type QuotaFlags struct {
	MaxEndpoints       int            `name:"max-endpoints" env:"HOOKD_MAX_ENDPOINTS" default:"1000" help:"Most endpoints a tenant may have (0: no limit)."`
	MaxEventTypes      int            `name:"max-event-types" env:"HOOKD_MAX_EVENT_TYPES" default:"1000" help:"Most event types of its own a tenant may have (0: no limit)."`
	MaxDestinations    int            `name:"max-destinations" env:"HOOKD_MAX_DESTINATIONS" default:"100" help:"Most provisioning destinations a tenant may have (0: no limit)."`
	MaxAccessTokens    int            `name:"max-access-tokens" env:"HOOKD_MAX_ACCESS_TOKENS" default:"100" help:"Most named access tokens a tenant may have (0: no limit)."`
	MaxOAuthClients    int            `name:"max-oauth-clients" env:"HOOKD_MAX_OAUTH_CLIENTS" default:"100" help:"Most OAuth clients a tenant may have (0: no limit)."`
	MaxServiceAccounts int            `name:"max-service-accounts" env:"HOOKD_MAX_SERVICE_ACCOUNTS" default:"100" help:"Most service accounts a tenant may have (0: no limit)."`
	PlanQuotas         map[string]int `name:"plan-quota" env:"HOOKD_PLAN_QUOTAS" mapsep:"," help:"Per-plan overrides of the --max-* quotas, as plan.kind=n, such as free.endpoints=10,enterprise.endpoints=5000 (kinds: endpoints, event_types, destinations, access_tokens, oauth_clients, service_accounts; 0: no limit)."`
}

// quotas returns the app's quotas, or an error naming a bad override.
func (f QuotaFlags) quotas() (app.Quotas, error) {
	q := app.Quotas{Limits: map[hookd.QuotaKind]int{
		hookd.QuotaEndpoints:       f.MaxEndpoints,
		hookd.QuotaEventTypes:      f.MaxEventTypes,
		hookd.QuotaDestinations:    f.MaxDestinations,
		hookd.QuotaAccessTokens:    f.MaxAccessTokens,
		hookd.QuotaOAuthClients:    f.MaxOAuthClients,
		hookd.QuotaServiceAccounts: f.MaxServiceAccounts,
	}}
	for k, n := range q.Limits {
		if n < 0 {
			return app.Quotas{}, fmt.Errorf("--max-%s: must not be negative", strings.ReplaceAll(string(k), "_", "-"))
		}
	}
	for key, n := range f.PlanQuotas {
		plan, kind, ok := strings.Cut(key, ".")
		if !ok || !hookd.Plan(plan).Valid() || !slices.Contains(hookd.QuotaKinds, hookd.QuotaKind(kind)) || n < 0 {
			return app.Quotas{}, fmt.Errorf("--plan-quota: %s=%d is not plan.kind=n (plans %v, kinds %v, n not negative)",
				key, n, hookd.Plans, hookd.QuotaKinds)
		}
		if q.PerPlan == nil {
			q.PerPlan = map[hookd.Plan]map[hookd.QuotaKind]int{}
		}
		if q.PerPlan[hookd.Plan(plan)] == nil {
			q.PerPlan[hookd.Plan(plan)] = map[hookd.QuotaKind]int{}
		}
		q.PerPlan[hookd.Plan(plan)][hookd.QuotaKind(kind)] = n
	}
	return q, nil
}
