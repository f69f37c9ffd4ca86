package hookd

import "fmt"

// QuotaKind names a kind of item a tenant creates, whose number a Quota
// bounds.
type QuotaKind string

// The kinds of items a tenant could otherwise create without bound.
const (
	QuotaEndpoints       QuotaKind = "endpoints"
	QuotaEventTypes      QuotaKind = "event_types"
	QuotaDestinations    QuotaKind = "destinations"
	QuotaAccessTokens    QuotaKind = "access_tokens"
	QuotaOAuthClients    QuotaKind = "oauth_clients"
	QuotaServiceAccounts QuotaKind = "service_accounts"
)

// QuotaKinds lists every kind, in the order quotas are shown.
var QuotaKinds = []QuotaKind{QuotaEndpoints, QuotaEventTypes, QuotaDestinations,
	QuotaAccessTokens, QuotaOAuthClients, QuotaServiceAccounts}

// Noun returns what the kind counts, for messages: "endpoints".
func (k QuotaKind) Noun() string {
	switch k {
	case QuotaEventTypes:
		return "event types"
	case QuotaDestinations:
		return "provisioning destinations"
	case QuotaAccessTokens:
		return "access tokens"
	case QuotaOAuthClients:
		return "OAuth clients"
	case QuotaServiceAccounts:
		return "service accounts"
	}
	return string(k)
}

// Quota bounds how many items of Kind a tenant may have: PerPlan's limit
// for the tenant's plan if it has one, else Limit; 0 means no bound. Stores
// resolve the plan in the transaction that counts and inserts, so a plan
// changed meanwhile is never half applied.
type Quota struct {
	Kind    QuotaKind
	Limit   int
	PerPlan map[Plan]int
}

// For returns the limit for a tenant of plan p; 0 means no bound.
func (q Quota) For(p Plan) int {
	if n, ok := q.PerPlan[p]; ok {
		return n
	}
	return q.Limit
}

// QuotaExceeded returns the EQUOTA error of a tenant that has limit items
// of kind already.
func QuotaExceeded(kind QuotaKind, limit int) *Error {
	return &Error{
		Code: EQUOTA,
		Message: fmt.Sprintf("The tenant has reached its quota of %d %s; delete one first, or ask the operator for a larger quota.",
			limit, kind.Noun()),
		Fields: []FieldError{{Location: "quota." + string(kind), Message: fmt.Sprintf("at most %d", limit)}},
	}
}

// QuotaUsage is how many items of a kind a tenant has, and its limit (0 for
// none).
type QuotaUsage struct {
	Kind  QuotaKind
	Used  int
	Limit int
}
