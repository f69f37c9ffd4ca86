// Package app holds hookd's use cases: the business rules that the HTTP API,
// the console, the inbound hooks and the CLI share. Each rule lives here once;
// adapters translate requests into calls of these methods and the store only
// stores.
package app

import (
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/secret"
)

// App runs hookd's use cases over a store.
type App struct {
	Store hookd.Store
	Clock hookd.Clock
	// Box encrypts the secrets that must be shown again (API keys).
	Box *secret.Box
	Log *slog.Logger

	// DefaultPlan is the plan of new tenants that name none. Defaults to
	// enterprise.
	DefaultPlan hookd.Plan
	// PasswordParams are the argon2id costs for new passwords. Defaults to
	// secret.DefaultPasswordParams.
	PasswordParams secret.PasswordParams
	// OAuthTokenTTL is the lifetime of tokens issued by the OAuth2
	// client-credentials grant. Defaults to one hour.
	OAuthTokenTTL time.Duration
	// PasswordCacheTTL is how long a verified service-account password is
	// remembered (as a hash) so that each API call does not pay for argon2id.
	// Defaults to five minutes; negative disables the cache.
	PasswordCacheTTL time.Duration
	// DeliveriesStored, when set, is called after new deliveries that are
	// due now have been durably stored, with the IDs of their endpoints,
	// so that delivery workers start on them at once instead of waiting
	// for a poll. It must not block.
	DeliveriesStored func(endpointIDs ...string)
	// Workers, when set, are this process's delivery workers: Publish
	// offers them the deliveries it stores, and those they take are stored
	// already claimed and sent at once, sparing a claim from the store.
	Workers Workers
	// Observer, when set, is told of every event published through
	// Publish, for metrics and traces.
	Observer hookd.PublishObserver
	// Quotas bound what each tenant may create. Defaults to
	// DefaultQuotas().
	Quotas Quotas
	// FanOutChunk is the most deliveries of one event written in one
	// transaction; a larger fan-out is written in several. Defaults to
	// DefaultFanOutChunk (100).
	FanOutChunk int
	// PublicURL is the base of the URLs hookd shows (HOOKD_PUBLIC_URL),
	// such as https://hookd.example.com, without a trailing slash. When it
	// is "", those URLs are left out.
	PublicURL string
	// Inbound parses the bodies of the inbound webhooks (package inbound
	// provides it); without one they answer 500.
	Inbound hookd.InboundParser
	// ValidationTimeout bounds how long validating one document against
	// an event type's schema may take; it also stops when the request's
	// context ends. Defaults to DefaultValidationTimeout (2 s).
	ValidationTimeout time.Duration
	// InboundLimits bound what failed inbound calls and the inbound log
	// cost; its zero value takes the defaults.
	InboundLimits InboundLimits
	// Operator, when set, receives every operational event of every
	// tenant (the operator's webhook URL); see RunOperationalSignals.
	Operator OperatorNotifier
	// Failing says when an endpoint is failing (endpoint.failing); its
	// zero value takes the defaults. See RunEndpointHealth.
	Failing hookd.FailingPolicy
	// PullLifecycle is the inactivity lifecycle of ping and pull
	// endpoints; its zero value takes the defaults (7 days each).
	PullLifecycle hookd.PullLifecycle

	// SessionIdleTimeout ends a console session unused this long. Defaults
	// to DefaultSessionIdleTimeout (12 hours).
	SessionIdleTimeout time.Duration
	// SessionMaxAge ends a console session this long after sign-in,
	// however busy. Defaults to DefaultSessionMaxAge (7 days).
	SessionMaxAge time.Duration
	// LoginLockout is the window in which failed console sign-ins count,
	// and how long an email or address that reached its limit is refused
	// (from its first failure). Defaults to DefaultLoginLockout (15 minutes).
	LoginLockout time.Duration
	// LoginAccountLimit is how many failed sign-ins an email may have within
	// LoginLockout. Defaults to DefaultLoginAccountLimit (5).
	LoginAccountLimit int
	// LoginAddressLimit is how many failed sign-ins (console users and
	// operator together) one IP address may have within LoginLockout.
	// Defaults to DefaultLoginAddressLimit (50). The counts are kept in
	// memory by each process, or shared by every instance (ShareLimits).
	LoginAddressLimit int

	inboundSources, inboundSlugs failureBudget // failed inbound calls per address and per slug
	inboundTrims                 inboundTrims
	// PasswordHashConcurrency bounds how many argon2id password checks
	// (console sign-ins, HTTP Basic) run at once, each taking the memory of
	// PasswordParams. Defaults to DefaultPasswordHashConcurrency (half the
	// CPUs, at least one). Read on first use.
	PasswordHashConcurrency int
	// PasswordHashWait is how long a password check waits for a free slot
	// before EUNAVAILABLE. Defaults to DefaultPasswordHashWait (1 s).
	PasswordHashWait time.Duration
	// BasicLockout is the window in which failed HTTP Basic attempts count,
	// and how long an account or address that reached its limit is refused
	// (from its first failure). Defaults to DefaultLoginLockout (15 minutes).
	BasicLockout time.Duration
	// BasicAccountLimit is how many failed HTTP Basic attempts one service
	// account email may have within BasicLockout. Defaults to
	// DefaultBasicAccountLimit (10).
	BasicAccountLimit int
	// BasicAddressLimit is how many failed HTTP Basic attempts one address
	// (IPv6: one /64) may have within BasicLockout. Defaults to
	// DefaultBasicAddressLimit (30). The counts are kept in memory by each
	// process, or shared by every instance (ShareLimits).
	BasicAddressLimit int

	dummyOnce sync.Once
	dummyHash string
	verified  sync.Map // key: hex SHA-256 of account ID, stored hash and password → time.Time verified

	builtinsMu    sync.Mutex
	builtinsDone  atomic.Bool // the built-in event types are in the store
	schemas       sync.Map    // key: tenant ID + "\x00" + event type name → *compiledSchema
	logins        throttle    // failed console sign-ins by account and by address
	basicFailures throttle    // failed HTTP Basic attempts by account and by address

	hashOnce    sync.Once
	hashSlots   chan struct{} // one token per running password check
	hashRunning atomic.Int64
	hashPeak    atomic.Int64
	hashChecks  atomic.Int64

	payloadWaiters waiters // list-payloads calls waiting, by endpoint ID
}

// New returns an App with its defaults set.
func New(store hookd.Store, clock hookd.Clock, box *secret.Box, log *slog.Logger) *App {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &App{
		Store:            store,
		Clock:            clock,
		Box:              box,
		Log:              log,
		DefaultPlan:      hookd.PlanEnterprise,
		PasswordParams:   secret.DefaultPasswordParams,
		OAuthTokenTTL:    time.Hour,
		Quotas:           DefaultQuotas(),
		PasswordCacheTTL: 5 * time.Minute,

		SessionIdleTimeout: DefaultSessionIdleTimeout,
		SessionMaxAge:      DefaultSessionMaxAge,
		LoginLockout:       DefaultLoginLockout,
		LoginAccountLimit:  DefaultLoginAccountLimit,
		LoginAddressLimit:  DefaultLoginAddressLimit,

		PasswordHashWait:  DefaultPasswordHashWait,
		BasicLockout:      DefaultLoginLockout,
		BasicAccountLimit: DefaultBasicAccountLimit,
		BasicAddressLimit: DefaultBasicAddressLimit,
	}
}

// Workers take deliveries straight from publishers (dispatch.Dispatcher).
type Workers interface {
	// Reserve says, for each endpoint, whether the workers take a delivery
	// to it, to be stored running and leased until leaseUntil.
	Reserve(endpointIDs []string) (leaseUntil time.Time, take []bool)
	// Take gives the workers the reserved deliveries once stored, with
	// their event and endpoints.
	Take(e *hookd.Event, ds []*hookd.Delivery, endpoints []*hookd.Endpoint)
	// Cancel gives back n reserved places whose deliveries were not stored.
	Cancel(n int)
}

// deliveriesStored tells the workers, if anyone listens, that due
// deliveries of the given endpoints were stored.
func (a *App) deliveriesStored(endpointIDs ...string) {
	if a.DeliveriesStored != nil && len(endpointIDs) > 0 {
		a.DeliveriesStored(endpointIDs...)
	}
}

// deliveriesDue tells the workers about the pending deliveries among ds,
// and waiting pulls about the payloads among them.
func (a *App) deliveriesDue(ds []*hookd.Delivery) {
	a.payloadsDue(ds)
	var ids []string
	for _, d := range ds {
		if d.State == hookd.DeliveryPending && d.Stored() && !slices.Contains(ids, d.EndpointID) {
			ids = append(ids, d.EndpointID)
		}
	}
	a.deliveriesStored(ids...)
}

func (a *App) now() time.Time { return a.Clock.Now().UTC().Truncate(time.Microsecond) }
