package hookd

import (
	"context"
	"time"
)

// ListParams asks a store for one page of a list.
type ListParams struct {
	// Limit is the most items to return; stores treat 0 as DefaultListLimit.
	Limit int
	// Cursor is the opaque cursor of the previous page's NextCursor, or "".
	Cursor string
	// Sort names the field to sort by, with a leading "-" for descending.
	// "" sorts by creation, oldest first. Each list documents its fields.
	Sort string
	// Query, when set, keeps only items whose searchable text contains it,
	// ignoring case.
	Query string
}

// List limits.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// Page is one page of a list; NextCursor is "" on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Store is everything hookd keeps. One implementation serves SQLite and
// PostgreSQL; the conformance suite in storetest proves both behave alike.
type Store interface {
	TenantStore
	CredentialStore
	SettingStore
	EventTypeStore
	EndpointStore
	EventStore
	DeliveryStore
	DirectoryStore
	InboundStore
	QuotaStore
	ConsoleSessionStore
	PullStore
	ReplayStore
	OperationalStore
	// Ping returns an error unless the database answers and every migration
	// has been applied.
	Ping(ctx context.Context) error
	Close() error
}

// TenantStore keeps tenants, their API keys and their console users.
type TenantStore interface {
	// CreateTenant stores t and its first console user (if u is not nil) in
	// one transaction. Returns ECONFLICT if the slug, or the user's email
	// within the tenant, is taken.
	CreateTenant(ctx context.Context, t *Tenant, u *ConsoleUser) error
	// Tenant returns the tenant with the given ID. Returns ENOTFOUND if none.
	Tenant(ctx context.Context, id string) (*Tenant, error)
	// TenantBySlug returns the tenant with the given slug. Returns ENOTFOUND
	// if none.
	TenantBySlug(ctx context.Context, slug string) (*Tenant, error)
	// TenantByAPIKeyHash returns the tenant whose API key has the given
	// SHA-256 hash, whether or not its API is enabled. Returns ENOTFOUND if
	// no tenant has that key.
	TenantByAPIKeyHash(ctx context.Context, hash []byte) (*Tenant, error)
	// ListTenants returns a page of tenants. Sort fields: created_at, slug,
	// name. Query searches slug and name.
	ListTenants(ctx context.Context, p ListParams) (Page[*Tenant], error)
	// UpdateTenant saves t's name, plan, API switch and API key, but not
	// RequireHTTPSEndpoints (see SetRequireHTTPSEndpoints). Returns
	// ENOTFOUND if the tenant does not exist.
	UpdateTenant(ctx context.Context, t *Tenant) error
	// SetRequireHTTPSEndpoints sets the tenant's RequireHTTPSEndpoints to
	// on. Switching it on while the tenant has endpoints whose URL is not
	// https (see IsHTTPSURL) changes nothing and returns those endpoints,
	// oldest first; otherwise it returns none. The check and the change are
	// one step: no endpoint stored or changed at the same time by
	// CreateEndpoint or UpdateEndpoint slips between them. Returns ENOTFOUND
	// if the tenant does not exist.
	SetRequireHTTPSEndpoints(ctx context.Context, tenantID string, on bool) ([]*Endpoint, error)
	// ConsoleUserByEmail returns a console user of the tenant. Returns
	// ENOTFOUND if none.
	ConsoleUserByEmail(ctx context.Context, tenantID, email string) (*ConsoleUser, error)
	// ConsoleUser returns a console user of the tenant by ID. Returns
	// ENOTFOUND if none.
	ConsoleUser(ctx context.Context, tenantID, id string) (*ConsoleUser, error)
	// ConsoleUsersByEmail returns every console user with the given
	// (normalized) email, of any tenant, oldest first; none is not an error.
	ConsoleUsersByEmail(ctx context.Context, email string) ([]*ConsoleUser, error)
}

// CredentialStore keeps access tokens, service accounts and OAuth clients.
// Every method scoped to a tenant returns ENOTFOUND for another tenant's
// items, exactly as for items that do not exist.
type CredentialStore interface {
	// CreateAccessToken stores t.
	// A quota (see QuotaStore) bounds the tenant's named tokens.
	CreateAccessToken(ctx context.Context, t *AccessToken, quota ...Quota) error
	// AccessTokenByHash returns the token with the given hash, named or
	// issued to an OAuth client, expired or not. Returns ENOTFOUND if none.
	AccessTokenByHash(ctx context.Context, hash []byte) (*AccessToken, error)
	// AccessToken returns a named token of the tenant. Returns ENOTFOUND if
	// none.
	AccessToken(ctx context.Context, tenantID, id string) (*AccessToken, error)
	// ListAccessTokens returns a page of the tenant's named tokens (not those
	// issued to OAuth clients). Sort fields: created_at, name, last_used_at.
	// Query searches the name.
	ListAccessTokens(ctx context.Context, tenantID string, p ListParams) (Page[*AccessToken], error)
	// RenameAccessToken renames a named token. Returns ENOTFOUND if none.
	RenameAccessToken(ctx context.Context, tenantID, id, name string) error
	// DeleteAccessToken revokes a token by deleting it. Returns ENOTFOUND if
	// none.
	DeleteAccessToken(ctx context.Context, tenantID, id string) error
	// TouchAccessToken records that the token was used at t.
	TouchAccessToken(ctx context.Context, id string, t time.Time) error
	// DeleteExpiredAccessTokens deletes up to limit tokens that expired
	// before now and says how many it deleted.
	DeleteExpiredAccessTokens(ctx context.Context, now time.Time, limit int) (int, error)

	// CreateServiceAccount stores a. Returns ECONFLICT if its tenant has an
	// account with its email already, and ENOTFOUND if its tenant does not
	// exist.
	// A quota (see QuotaStore) bounds the tenant's accounts.
	CreateServiceAccount(ctx context.Context, a *ServiceAccount, quota ...Quota) error
	// ServiceAccountsByEmail returns up to limit accounts with the given
	// email, of tenantID or, when it is "", of any tenant, the oldest first
	// (by creation time, then ID). None is not an error.
	ServiceAccountsByEmail(ctx context.Context, tenantID, email string, limit int) ([]*ServiceAccount, error)
	// ServiceAccount returns a service account of the tenant. Returns
	// ENOTFOUND if none.
	ServiceAccount(ctx context.Context, tenantID, id string) (*ServiceAccount, error)
	// ListServiceAccounts returns a page of the tenant's accounts. Sort
	// fields: created_at, email. Query searches the email.
	ListServiceAccounts(ctx context.Context, tenantID string, p ListParams) (Page[*ServiceAccount], error)
	// DeleteServiceAccount deletes an account. Returns ENOTFOUND if none.
	DeleteServiceAccount(ctx context.Context, tenantID, id string) error
	// TouchServiceAccount records that the account was used at t.
	TouchServiceAccount(ctx context.Context, id string, t time.Time) error

	// CreateOAuthClient stores c.
	// A quota (see QuotaStore) bounds the tenant's clients.
	CreateOAuthClient(ctx context.Context, c *OAuthClient, quota ...Quota) error
	// OAuthClient returns a client by ID, of any tenant when tenantID is "".
	// Returns ENOTFOUND if none.
	OAuthClient(ctx context.Context, tenantID, id string) (*OAuthClient, error)
	// ListOAuthClients returns a page of the tenant's clients. Sort fields:
	// created_at, name. Query searches the name.
	ListOAuthClients(ctx context.Context, tenantID string, p ListParams) (Page[*OAuthClient], error)
	// DeleteOAuthClient deletes a client and every token issued to it.
	// Returns ENOTFOUND if none.
	DeleteOAuthClient(ctx context.Context, tenantID, id string) error
}

// QuotaStore counts what tenants created. The create methods of the other
// stores take optional quotas: given one, a create stores its item only
// while the tenant has fewer items of the quota's kind than the quota
// allows for the tenant's plan, counting and inserting in one transaction
// so that creates racing for the last place never both pass, and returns
// EQUOTA (see QuotaExceeded) otherwise.
type QuotaStore interface {
	// QuotaCounts returns how many items of each kind the tenant has
	// (named access tokens only, the tenant's own event types only).
	QuotaCounts(ctx context.Context, tenantID string) (map[QuotaKind]int, error)
}

// SettingStore keeps instance-wide values such as the operator token's hash.
type SettingStore interface {
	// Setting returns the value stored under key. Returns ENOTFOUND if none.
	Setting(ctx context.Context, key string) (string, error)
	// PutSettingIfAbsent stores value under key unless the key already has a
	// value, and returns the value the key holds afterwards.
	PutSettingIfAbsent(ctx context.Context, key, value string) (string, error)
	// PutSetting stores value under key, replacing any earlier value.
	PutSetting(ctx context.Context, key, value string) error
}

// EventTypeStore keeps the event catalog: the built-in types, which have
// TenantID "", and each tenant's own. A tenant sees the built-in types and
// its own, never another tenant's: every method scoped to a tenant returns
// ENOTFOUND for another tenant's types, exactly as for types that do not
// exist.
type EventTypeStore interface {
	// CreateEventType stores a tenant's type t. Returns ECONFLICT if the
	// tenant already has a type of that name or a built-in type has it, and
	// ENOTFOUND if the tenant does not exist.
	// A quota (see QuotaStore) bounds the tenant's own types.
	CreateEventType(ctx context.Context, t *EventType, quota ...Quota) error
	// PutBuiltinEventTypes stores the built-in types ts (their TenantID is
	// ""): it adds the missing ones and saves the description, schema,
	// example, version and deprecation of those that differ, setting their
	// UpdatedAt; unchanged ones keep theirs. It is safe to call from several
	// processes at once.
	PutBuiltinEventTypes(ctx context.Context, ts []*EventType) error
	// EventType returns the type of that name: the built-in one if there is
	// one, else the tenant's own. Returns ENOTFOUND if neither exists.
	EventType(ctx context.Context, tenantID, name string) (*EventType, error)
	// ListEventTypes returns a page of the built-in types and the tenant's
	// own. Sort fields: created_at, name, updated_at. Query searches the name
	// and the description.
	ListEventTypes(ctx context.Context, tenantID string, p ListParams) (Page[*EventType], error)
	// UpdateEventType saves t's description, schema, example, version,
	// deprecation and UpdatedAt. Returns ENOTFOUND if t.TenantID has no type
	// of that name; built-in types are changed only with TenantID "".
	UpdateEventType(ctx context.Context, t *EventType) error
}

// EndpointStore keeps the tenants' endpoints. Every method scoped to a
// tenant returns ENOTFOUND for another tenant's endpoints, exactly as for
// endpoints that do not exist. Secrets and the verification key are kept in
// their Sealed forms only; the plaintext fields are never stored: so are
// the custom headers (SealedHeaders), but for endpoints stored before they
// were sealed (see SealEndpointHeaders).
type EndpointStore interface {
	// CreateEndpoint stores e. Returns ENOTFOUND if its tenant does not
	// exist, and EINVALID (HTTPSRequired at body.url) if e's URL is not
	// https while its tenant requires https endpoints.
	// A quota (see QuotaStore) bounds the tenant's endpoints.
	CreateEndpoint(ctx context.Context, e *Endpoint, quota ...Quota) error
	// Endpoint returns an endpoint of the tenant. Returns ENOTFOUND if none.
	Endpoint(ctx context.Context, tenantID, id string) (*Endpoint, error)
	// ListEndpoints returns a page of the tenant's endpoints. Sort fields:
	// created_at, name, url, last_triggered_at (never triggered sorts as the
	// oldest). Query searches the name, URL and description.
	ListEndpoints(ctx context.Context, tenantID string, p ListParams) (Page[*Endpoint], error)
	// UpdateEndpoint saves everything of e but its ID, TenantID, CreatedAt
	// and LastTriggeredAt. Returns ENOTFOUND if e.TenantID has no endpoint
	// e.ID, and EINVALID (HTTPSRequired at body.url) if e's URL is not https
	// while its tenant requires https endpoints.
	UpdateEndpoint(ctx context.Context, e *Endpoint) error
	// DeleteEndpoint deletes an endpoint. Returns ENOTFOUND if none.
	DeleteEndpoint(ctx context.Context, tenantID, id string) error
	// SealEndpointHeaders seals the custom headers of up to limit endpoints,
	// of any tenant, still stored in clear (from before headers were
	// sealed): for each, in one transaction, it calls seal with the endpoint
	// (its Headers in clear) and stores what seal returns as its
	// SealedHeaders, removing the clear ones. It returns how many it sealed;
	// fewer than limit means none is left. An error from seal stops it and
	// stores nothing.
	SealEndpointHeaders(ctx context.Context, limit int, seal func(e *Endpoint) ([]byte, error)) (int, error)
}

// EventStore keeps published events and their deliveries. Every method
// scoped to a tenant returns ENOTFOUND for another tenant's items, exactly
// as for items that do not exist.
type EventStore interface {
	// SubscribedEndpoints returns every endpoint of the tenant, enabled or
	// not, that subscribes to eventType (by name or to all types), oldest
	// first.
	SubscribedEndpoints(ctx context.Context, tenantID, eventType string) ([]*Endpoint, error)
	// PublishEvent stores e and its deliveries in one transaction. If
	// e.IdempotencyKey is set and the tenant published an event with that
	// key less than IdempotencyWindow before e.CreatedAt, it stores nothing
	// and returns that event as existing; otherwise existing is nil. Of
	// several callers racing with one key, exactly one stores its event.
	// Returns ECONFLICT if an ID is taken, ENOTFOUND if the tenant or an
	// endpoint does not exist; on any error nothing is stored.
	// If e.FanOutAfter is set, the fan-out is unfinished and the event is
	// stored so, leased to the caller for FanOutLease from e.CreatedAt;
	// WriteFanOut stores the rest.
	PublishEvent(ctx context.Context, e *Event, deliveries []*Delivery) (existing *Event, err error)
	// WriteFanOut stores, in one transaction, the next chunk of the
	// unfinished fan-out of e (an event of e.TenantID, whose fan-out is
	// stored as having reached e.FanOutAfter): the deliveries, except any
	// to an endpoint that already has a delivery of e; and the fan-out's
	// progress, after (the ID of the chunk's last endpoint, or "" when the
	// chunk finishes it), leased to the caller until leaseUntil. Then it
	// sets e.FanOutAfter to after. Returns ECONFLICT, storing nothing, if
	// the stored progress is not e.FanOutAfter (another writer took the
	// fan-out over) or the event is gone.
	WriteFanOut(ctx context.Context, e *Event, deliveries []*Delivery, after string, leaseUntil time.Time) error
	// ClaimFanOuts returns up to limit events whose fan-out is unfinished
	// and whose writer's lease ended before now (oldest lease first), each
	// with its FanOutAfter, leased to the caller until leaseUntil. Callers
	// racing, in this process or another sharing the database, never get
	// the same event.
	ClaimFanOuts(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*Event, error)
	// Event returns an event of the tenant. Returns ENOTFOUND if none.
	Event(ctx context.Context, tenantID, id string) (*Event, error)
	// ListEvents returns a page of the tenant's events, of eventType only
	// unless it is "". Sort fields: created_at, type. Query searches the
	// type.
	ListEvents(ctx context.Context, tenantID, eventType string, p ListParams) (Page[*Event], error)
	// ListDeliveriesForEvent returns every delivery of an event of the
	// tenant, oldest first; none (not an error) for an unknown event.
	ListDeliveriesForEvent(ctx context.Context, tenantID, eventID string) ([]*Delivery, error)
}

// DeliveryStore is the queue of deliveries the workers take from and the
// history of deliveries and attempts tenants read. Methods scoped to a
// tenant return ENOTFOUND for another tenant's deliveries.
type DeliveryStore interface {
	// DueEndpoints returns the IDs of the enabled endpoints, not paused at
	// now (EndpointRateStore.PauseEndpoint), that have pending deliveries
	// due at now.
	DueEndpoints(ctx context.Context, now time.Time) ([]string, error)
	// ClaimEndpointDeliveries claims, for each of claims, up to its Limit
	// pending deliveries of its endpoint due at now (earliest RunAt first,
	// then by ID), if the endpoint is enabled and not paused at now: they
	// become running until leaseUntil. It returns them all, each
	// endpoint's in order. Callers racing, in this process or another
	// sharing the database, never get the same delivery.
	ClaimEndpointDeliveries(ctx context.Context, now, leaseUntil time.Time, claims []EndpointClaim) ([]*Delivery, error)
	// ClaimFIFODeliveries claims the next deliveries of a FIFO endpoint
	// (Endpoint.FIFO), in their order (Seq), if it is enabled and none of
	// its deliveries is running: the first waiting one (pending or
	// running) if it is pending and due at now, and up to limit-1 pending
	// ones due at now that follow it, stopping at the first that is not.
	// They become running until leaseUntil. fifo is false when the
	// endpoint is gone or not FIFO: ClaimEndpointDeliveries claims those
	// (and never a FIFO endpoint's deliveries). Callers racing, in this
	// process or another sharing the database, never claim past a running
	// delivery.
	ClaimFIFODeliveries(ctx context.Context, now, leaseUntil time.Time, endpointID string, limit int) (ds []*Delivery, fifo bool, err error)
	// FIFOEndpoints returns those of the given endpoint IDs that are FIFO
	// endpoints.
	FIFOEndpoints(ctx context.Context, ids []string) ([]string, error)
	// ReleaseExpiredLeases makes running deliveries whose lease ended
	// before expiredBefore pending and due at now, and returns how many.
	// Rows another caller is updating are left for a later call.
	ReleaseExpiredLeases(ctx context.Context, expiredBefore, now time.Time) (int, error)
	// ExtendLeases moves the lease of those of the given running
	// deliveries that are still running to until.
	ExtendLeases(ctx context.Context, ids []string, until time.Time) error
	// NextDeliveryDue returns the earliest RunAt after after of a pending
	// delivery of an enabled endpoint, or nil if there is none.
	NextDeliveryDue(ctx context.Context, after time.Time) (*time.Time, error)
	// EventsByID returns the events, of any tenant, with the given IDs;
	// unknown IDs are left out.
	EventsByID(ctx context.Context, ids []string) ([]*Event, error)
	// EndpointsByID returns the endpoints, of any tenant, with the given
	// IDs; unknown IDs are left out.
	EndpointsByID(ctx context.Context, ids []string) ([]*Endpoint, error)
	// RecordDeliveries stores, in one transaction, every result (its
	// attempt, and the delivery's State and RunAt, Attempts counted up and
	// its Last fields set, if it is still running; a delivery gone is
	// skipped) and every endpoint result (LastTriggeredAt moved forward;
	// if DisableReason is set, an enabled endpoint disabled with it at
	// TriggeredAt and its pending deliveries held).
	RecordDeliveries(ctx context.Context, results []DeliveryResult, endpoints []EndpointResult) error
	// Delivery returns a delivery of the tenant. Returns ENOTFOUND if none.
	Delivery(ctx context.Context, tenantID, id string) (*Delivery, error)
	// ListDeliveries returns a page of the tenant's deliveries matching f.
	// Sort fields: created_at, last_attempt_at, event_type, state. Query
	// searches the delivery, event and endpoint IDs and the event type.
	ListDeliveries(ctx context.Context, tenantID string, f DeliveryFilter, p ListParams) (Page[*Delivery], error)
	// ListAttempts returns every attempt of a delivery of the tenant,
	// oldest first; none for an unknown delivery.
	ListAttempts(ctx context.Context, tenantID, deliveryID string) ([]*Attempt, error)
	// ResendDelivery starts a new round of retries of a delivery of the
	// tenant (RoundStart = Attempts), due at now: pending, or held if its
	// endpoint is disabled. Returns ENOTFOUND if none, ECONFLICT while it
	// is running.
	ResendDelivery(ctx context.Context, tenantID, id string, now time.Time) (*Delivery, error)
	// RecoverDeliveries does what ResendDelivery does to every failed
	// delivery of the tenant's endpoint created at or after since, and
	// returns how many.
	RecoverDeliveries(ctx context.Context, tenantID, endpointID string, since, now time.Time) (int, error)
	// HoldDeliveries makes an endpoint's pending deliveries held.
	HoldDeliveries(ctx context.Context, endpointID string, now time.Time) (int, error)
	// ReleaseHeldDeliveries makes an endpoint's held deliveries pending,
	// due at now, each in a new round of retries.
	ReleaseHeldDeliveries(ctx context.Context, endpointID string, now time.Time) (int, error)
	// PruneHistory deletes up to limit events created before before none
	// of whose deliveries is pending, running or held, with their
	// deliveries and attempts, and returns how many events it deleted;
	// idempotency keys that old go too.
	PruneHistory(ctx context.Context, before time.Time, limit int) (int, error)
}

// ErrStale is the error (code ECONFLICT) of an optimistic update whose item
// was changed by someone else since it was read.
var ErrStale = &Error{Code: ECONFLICT, Message: "The item was changed by someone else meanwhile; read it again and retry."}

// DirectoryStore keeps each tenant's directory: organizations, users and
// tickets. Every change is written in one transaction with the Publication
// it is given (the event telling of the change and its deliveries; nil for
// none): the change and its event both happen or neither does. Such a
// method returns ENOTFOUND if a delivery's endpoint or the tenant does not
// exist and ECONFLICT if an ID is taken, and then stores nothing.
//
// Updates are optimistic: they save the item only if its stored Version is
// the one the item carries, then raise Version by one; a stale Version is
// ErrStale. Every method scoped to a tenant returns ENOTFOUND for another
// tenant's items, exactly as for items that do not exist.
type DirectoryStore interface {
	// CreateOrganization stores o, with Version 1. Returns ECONFLICT if
	// the tenant has an organization of that name.
	CreateOrganization(ctx context.Context, o *Organization, pub *Publication) error
	// Organization returns an organization of the tenant. Returns
	// ENOTFOUND if none.
	Organization(ctx context.Context, tenantID, id string) (*Organization, error)
	// ListOrganizations returns a page of the tenant's organizations. Sort
	// fields: created_at, name, updated_at. Query searches the name.
	ListOrganizations(ctx context.Context, tenantID string, p ListParams) (Page[*Organization], error)
	// UpdateOrganization saves o's name and UpdatedAt. Returns ECONFLICT
	// if the name is taken or o is stale.
	UpdateOrganization(ctx context.Context, o *Organization, pub *Publication) error

	// CreateUser stores u, with Version 1, and its memberships of
	// u.Organizations (by ID). Returns ECONFLICT if the tenant has a user
	// with that employee ID, ENOTFOUND if an organization is not the
	// tenant's.
	CreateUser(ctx context.Context, u *User, pub *Publication) error
	// User returns a user of the tenant. Returns ENOTFOUND if none.
	User(ctx context.Context, tenantID, id string) (*User, error)
	// UserByEmployeeID returns the tenant's user with that employee ID.
	// Returns ENOTFOUND if none.
	UserByEmployeeID(ctx context.Context, tenantID, employeeID string) (*User, error)
	// ListUsers returns a page of the tenant's users, of status only
	// unless it is "". Sort fields: created_at, employee_id, last_name,
	// email, updated_at. Query searches the employee ID, names and email.
	ListUsers(ctx context.Context, tenantID string, status UserStatus, p ListParams) (Page[*User], error)
	// UpdateUser saves everything of u but its ID, TenantID, EmployeeID and
	// CreatedAt, memberships included. Returns ErrStale if u is stale,
	// ENOTFOUND if an organization is not the tenant's.
	UpdateUser(ctx context.Context, u *User, pub *Publication) error

	// NextTicketNumber returns the tenant's next ticket number, from 1. A
	// number is never handed out twice, even if the ticket it was for is
	// never stored.
	NextTicketNumber(ctx context.Context, tenantID string) (int64, error)
	// CreateTicket stores t, with Version 1. Returns ECONFLICT if the
	// tenant has a ticket of the same Source and (non-empty) ExternalID.
	CreateTicket(ctx context.Context, t *Ticket, pub *Publication) error
	// Ticket returns a ticket of the tenant. Returns ENOTFOUND if none.
	Ticket(ctx context.Context, tenantID, id string) (*Ticket, error)
	// TicketByExternalID returns the tenant's ticket of that source and
	// external ID. Returns ENOTFOUND if none.
	TicketByExternalID(ctx context.Context, tenantID, source, externalID string) (*Ticket, error)
	// ListTickets returns a page of the tenant's tickets. Sort fields:
	// created_at, number, title, state, updated_at. Query searches the
	// number, title, description and requester's email.
	ListTickets(ctx context.Context, tenantID string, p ListParams) (Page[*Ticket], error)
	// UpdateTicket saves everything of t but its ID, TenantID, Source,
	// ExternalID and CreatedAt. Returns ErrStale if t is stale.
	UpdateTicket(ctx context.Context, t *Ticket, pub *Publication) error
}

// InboundStore keeps provisioning destinations and the inbound log. Every
// method scoped to a tenant returns ENOTFOUND for another tenant's items,
// exactly as for items that do not exist. Signing secrets are kept in their
// sealed form only.
type InboundStore interface {
	// CreateProvisioningDestination stores d. Returns ENOTFOUND if its
	// tenant does not exist.
	// A quota (see QuotaStore) bounds the tenant's destinations.
	CreateProvisioningDestination(ctx context.Context, d *ProvisioningDestination, quota ...Quota) error
	// ProvisioningDestination returns a destination of the tenant. Returns
	// ENOTFOUND if none.
	ProvisioningDestination(ctx context.Context, tenantID, id string) (*ProvisioningDestination, error)
	// ListProvisioningDestinations returns a page of the tenant's
	// destinations. Sort fields: created_at, name. Query searches the name.
	ListProvisioningDestinations(ctx context.Context, tenantID string, p ListParams) (Page[*ProvisioningDestination], error)
	// UpdateProvisioningDestination saves everything of d but its ID,
	// TenantID and CreatedAt. Returns ENOTFOUND if none.
	UpdateProvisioningDestination(ctx context.Context, d *ProvisioningDestination) error
	// DeleteProvisioningDestination deletes a destination; its calls stay
	// in the log. Returns ENOTFOUND if none.
	DeleteProvisioningDestination(ctx context.Context, tenantID, id string) error

	// CreateInboundCall stores c. Returns ENOTFOUND if its tenant does not
	// exist.
	CreateInboundCall(ctx context.Context, c *InboundCall) error
	// CreateInboundCallForSlug stores c in the log of the tenant with that
	// slug and sets c.TenantID. Returns ENOTFOUND if there is none, having
	// done the same work (one write statement) as when there is, so that
	// the time taken does not tell whether a tenant exists.
	CreateInboundCallForSlug(ctx context.Context, slug string, c *InboundCall) error
	// InboundCall returns a call of the tenant's log. Returns ENOTFOUND if
	// none.
	InboundCall(ctx context.Context, tenantID, id string) (*InboundCall, error)
	// ListInboundCalls returns a page of the tenant's log, only the failed
	// calls (not 2xx) if failedOnly. Sort fields: received_at, status.
	// Query searches the path, kind, source IP and problem.
	ListInboundCalls(ctx context.Context, tenantID string, failedOnly bool, p ListParams) (Page[*InboundCall], error)
	// PruneInboundCalls deletes up to limit calls, of any tenant, received
	// before before, oldest first, and returns how many it deleted.
	PruneInboundCalls(ctx context.Context, before time.Time, limit int) (int, error)
	// TrimInboundCalls deletes up to limit of the tenant's oldest calls
	// beyond what keep allows, and returns how many it deleted.
	TrimInboundCalls(ctx context.Context, tenantID string, keep InboundLogLimits, limit int) (int, error)
}

// ConsoleSessionStore keeps the web console's sessions, by the hash of their
// tokens only.
type ConsoleSessionStore interface {
	// CreateConsoleSession stores s. Returns ECONFLICT if its ID or hash is
	// taken, and ENOTFOUND if its tenant or user does not exist.
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	// ConsoleSessionByHash returns the session whose token has the given
	// hash, expired or not. Returns ENOTFOUND if none.
	ConsoleSessionByHash(ctx context.Context, hash []byte) (*ConsoleSession, error)
	// TouchConsoleSession records that the session was used at t and that it
	// now ends at expiresAt. It never moves LastSeenAt back, and a session
	// that is gone is not an error.
	TouchConsoleSession(ctx context.Context, id string, t, expiresAt time.Time) error
	// DeleteConsoleSession ends a session. Returns ENOTFOUND if none.
	DeleteConsoleSession(ctx context.Context, id string) error
	// DeleteExpiredConsoleSessions deletes up to limit sessions that ended
	// at or before now, soonest ended first, and says how many it deleted.
	// A limit of 0 or less deletes none.
	DeleteExpiredConsoleSessions(ctx context.Context, now time.Time, limit int) (int, error)
}

// OperationalStore keeps the outbox of operational events (see
// operational.go). RecordDeliveries writes a delivery.exhausted signal for
// each delivery it moves to failed (but those of operational events) and an
// endpoint.disabled signal for each endpoint it disables, in its
// transaction.
type OperationalStore interface {
	// SetEndpointEnabled enables or disables e (e.Enabled, with its
	// DisabledReason, DisabledAt, PullActiveSince, InactiveAt and
	// UpdatedAt) unless it already is, and stores signal, if not nil, in
	// the same transaction. It reports whether it changed the endpoint.
	// Returns ENOTFOUND if e.TenantID has no endpoint e.ID.
	SetEndpointEnabled(ctx context.Context, e *Endpoint, signal *OperationalSignal) (bool, error)
	// AddOperationalSignal stores a signal on its own.
	AddOperationalSignal(ctx context.Context, s *OperationalSignal) error
	// DueOperationalSignals returns up to limit signals whose NextAt is at
	// or before now, the earliest first.
	DueOperationalSignals(ctx context.Context, now time.Time, limit int) ([]*OperationalSignal, error)
	// SaveOperationalSignal deletes s when it is done (s.Done()) and saves
	// its progress otherwise. A signal gone is not an error.
	SaveOperationalSignal(ctx context.Context, s *OperationalSignal) error
	// CountAttempts returns, for each endpoint with attempts created in
	// (since, until], how many and how many were answered 2xx, by
	// endpoint ID.
	CountAttempts(ctx context.Context, since, until time.Time) ([]AttemptCounts, error)
	// FailingEndpoints returns the IDs of the endpoints marked failing.
	FailingEndpoints(ctx context.Context) ([]string, error)
	// MarkEndpointFailing marks the endpoint s is about failing since
	// s.CreatedAt, unless it is marked already (or gone), and stores s (an
	// endpoint.failing signal) in the same transaction. It reports whether
	// it marked it.
	MarkEndpointFailing(ctx context.Context, s *OperationalSignal) (bool, error)
	// ClearEndpointFailing unmarks the endpoints (they recovered).
	ClearEndpointFailing(ctx context.Context, endpointIDs []string) error
}
