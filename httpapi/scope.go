package httpapi

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hookd/hookd"
)

// scopeMetadata is the key of an operation's hookd.Scope in its Metadata,
// and scopeExtension its name in the OpenAPI document.
const (
	scopeMetadata  = "hookd.scope"
	scopeExtension = "x-hookd-scope"
)

// scopeDescriptions describe the scopes in the OpenAPI document (the
// OAuth2 scheme's scopes).
var scopeDescriptions = map[string]string{
	string(hookd.ScopeRead):        "Read anything of the tenant except secrets.",
	string(hookd.ScopeWebhooks):    "Change event types, endpoints and settings; publish events; resend deliveries.",
	string(hookd.ScopeDirectory):   "Change users, organizations, tickets and provisioning destinations; replay inbound calls.",
	string(hookd.ScopeInbound):     "Call the inbound webhooks /hooks/{tenant}/….",
	string(hookd.ScopeCredentials): "Reveal or regenerate the API key; manage access tokens, OAuth clients and service accounts; reveal or rotate endpoint and destination secrets.",
}

// withScope makes op need scope: in its metadata, which requireScope
// enforces, and in its security requirements and description, which the
// OpenAPI document shows.
func withScope(op huma.Operation, scope hookd.Scope) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[scopeMetadata] = scope
	if op.Extensions == nil {
		op.Extensions = map[string]any{}
	}
	op.Extensions[scopeExtension] = string(scope)
	op.Security = nil
	for _, scheme := range []string{securityAPIKey, securityBearer, securityBasic, securityOAuth} {
		op.Security = append(op.Security, map[string][]string{scheme: {string(scope)}})
	}
	op.Description += "\n\nNeeds the `" + string(scope) + "` scope."
	return op
}

// requireScope is the one place that checks a tenant credential's scopes:
// a tenant caller may run an operation only if its credential has the
// scope the operation declares. An operation that declares none is refused
// to tenant callers, so a route added without a scope fails closed.
func requireScope(ctx huma.Context, next func(huma.Context)) {
	p := principalFrom(ctx.Context())
	if p == nil || p.IsOperator() {
		next(ctx)
		return
	}
	scope, _ := ctx.Operation().Metadata[scopeMetadata].(hookd.Scope)
	if scope != "" && p.Has(scope) {
		next(ctx)
		return
	}
	var prob *Problem
	if scope == "" {
		prob = newProblem(TypeForbidden, http.StatusForbidden, "This operation is not open to tenant credentials.")
	} else {
		prob = problemFromError(nil, hookd.InsufficientScope("do this", scope))
		// RFC 6750 §3.1.
		prob.headers = http.Header{"Www-Authenticate": {`Bearer realm="hookd", error="insufficient_scope", scope="` + string(scope) + `"`}}
	}
	r, w := humago.Unwrap(ctx)
	writeProblem(w, r, prob)
}

// scopeNames returns the scopes' names for an answer, never null.
func scopeNames(ss hookd.Scopes) []string {
	if ss == nil {
		return []string{}
	}
	return ss.Strings()
}
