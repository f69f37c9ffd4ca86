package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

// OAuthClient is a registered client application: never its secret.
type OAuthClient struct {
	ClientID  string    `json:"client_id" example:"oac_0193b7e4a1c27d5e9f3a1b2c3d4e5f63"`
	Name      string    `json:"name" example:"Reporting service"`
	CreatedAt time.Time `json:"created_at" example:"2026-11-23T09:40:00Z"`
	Scopes    []string  `json:"scopes" enum:"read,webhooks,directory,inbound,credentials" example:"read,webhooks" doc:"The most the client's tokens may do; a token request's scope parameter narrows it."`
}

func oauthClientOf(c *hookd.OAuthClient) OAuthClient {
	return OAuthClient{ClientID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt, Scopes: scopeNames(c.Scopes)}
}

type createOAuthClientInput struct {
	Body struct {
		Name   string   `json:"name" minLength:"1" maxLength:"200" example:"Reporting service"`
		Scopes []string `json:"scopes,omitempty" enum:"read,webhooks,directory,inbound,credentials" example:"read" doc:"The most the client's tokens may do. Default: every scope but credentials, as far as your own credential has them. You can grant only scopes your credential has."`
	}
}

// CreatedOAuthClient is the answer to registering a client: the only time the
// secret appears.
type CreatedOAuthClient struct {
	OAuthClient
	ClientSecret string `json:"client_secret" example:"hkd_cs_Yb4Nc6Hd0Sf3Gj9Ua2Wi3kP9Qw7Ve2Lm5Zx8Rt1" doc:"Shown only in this answer; hookd keeps only its hash."`
}

func registerCreateOAuthClient(api huma.API, a *app.App) {
	op := withBodyErrors(tenantOperation(http.MethodPost, "/api/v1/oauth-clients", "create-oauth-client", "OAuth2", "Register an OAuth2 client",
		"Registers a client application for the client-credentials grant, with the most its tokens may do. The answer holds the client secret, shown this once. "+
			"A client never expires, so a credential that expires (an OAuth token) cannot register one (403), and no credential can grant a scope it lacks (403 `insufficient-scope`).",
		http.StatusCreated))
	huma.Register(api, op, func(ctx context.Context, in *createOAuthClientInput) (*struct{ Body CreatedOAuthClient }, error) {
		c, sec, err := a.CreateOAuthClient(ctx, principalFrom(ctx), in.Body.Name, in.Body.Scopes)
		if err != nil {
			return nil, err
		}
		return &struct{ Body CreatedOAuthClient }{Body: CreatedOAuthClient{OAuthClient: oauthClientOf(c), ClientSecret: sec}}, nil
	})
}

func registerListOAuthClients(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/oauth-clients", "list-oauth-clients", "OAuth2", "List OAuth2 clients",
		"Lists the tenant's client applications. Sort by `created_at` (default) or `name`; `q` searches names.",
		http.StatusOK, http.StatusUnprocessableEntity)
	huma.Register(api, op, func(ctx context.Context, in *ListInput) (*listOutput[OAuthClient], error) {
		p, err := a.ListOAuthClients(ctx, tenantID(ctx), in.params())
		if err != nil {
			return nil, err
		}
		return pageOf(p, oauthClientOf), nil
	})
}

func registerGetOAuthClient(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodGet, "/api/v1/oauth-clients/{id}", "get-oauth-client", "OAuth2", "Get an OAuth2 client",
		"Returns one client application.", http.StatusOK, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*struct{ Body OAuthClient }, error) {
		c, err := a.OAuthClient(ctx, tenantID(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &struct{ Body OAuthClient }{Body: oauthClientOf(c)}, nil
	})
}

func registerDeleteOAuthClient(api huma.API, a *app.App) {
	op := tenantOperation(http.MethodDelete, "/api/v1/oauth-clients/{id}", "delete-oauth-client", "OAuth2", "Delete an OAuth2 client",
		"Deletes a client and every token issued to it; they stop working at once.", http.StatusNoContent, http.StatusNotFound)
	huma.Register(api, op, func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, a.DeleteOAuthClient(ctx, tenantID(ctx), in.ID)
	})
}

// oauthError is an RFC 6749 §5.2 error answer of the token endpoint.
type oauthError struct {
	Code        string `json:"error" enum:"invalid_request,invalid_client,unsupported_grant_type,access_denied,invalid_scope" example:"invalid_client"`
	Description string `json:"error_description,omitempty" example:"Client authentication failed."`
	status      int
	headers     http.Header
}

func (e *oauthError) Error() string             { return e.Code + ": " + e.Description }
func (e *oauthError) GetStatus() int            { return e.status }
func (e *oauthError) GetHeaders() http.Header   { return e.headers }
func (e *oauthError) ContentType(string) string { return "application/json" }

type tokenInput struct {
	Authorization string `header:"Authorization" doc:"Basic base64(client_id:client_secret) (client_secret_basic); or send both in the form (client_secret_post)."`
	// RawBody is the form: grant_type, client_id, client_secret, scope (its
	// schema is set in registerOAuthToken, since huma describes a raw body
	// as a binary string).
	RawBody []byte `contentType:"application/x-www-form-urlencoded"`
}

type tokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Pragma       string `header:"Pragma"`
	Body         struct {
		AccessToken string `json:"access_token" example:"hkd_oat_Qw7Ve2Lm5Zx8Rt1Yb4Nc6Hd0Sf3Gj9Ua2Wi3kP9"`
		TokenType   string `json:"token_type" example:"Bearer"`
		ExpiresIn   int    `json:"expires_in" example:"3600" doc:"Seconds until the token expires."`
		Scope       string `json:"scope" example:"read webhooks" doc:"The token's scopes, separated by spaces (RFC 6749 §3.3)."`
	}
}

func registerOAuthToken(api huma.API, a *app.App, limiter *RateLimiter) {
	op := operation(http.MethodPost, "/oauth/token", "oauth-token", "OAuth2", "Get a token (client credentials)",
		"The OAuth2 token endpoint for the client-credentials grant (RFC 6749 §4.4). Send `grant_type=client_credentials`, form-encoded, and authenticate the client with HTTP Basic or with `client_id` and `client_secret` in the form. The answer's `access_token` is a bearer token for `/api/v1`, valid for `expires_in` seconds. Errors follow RFC 6749 §5.2 (`{\"error\": …}`), not problem documents.",
		http.StatusOK)
	form := &huma.MediaType{
		Schema: &huma.Schema{
			Type:     "object",
			Required: []string{"grant_type"},
			Properties: map[string]*huma.Schema{
				"grant_type":    {Type: "string", Enum: []any{"client_credentials"}, Description: "Always client_credentials."},
				"client_id":     {Type: "string", Description: "The client's ID, when not sent with HTTP Basic (client_secret_post)."},
				"client_secret": {Type: "string", Description: "The client's secret, when not sent with HTTP Basic (client_secret_post)."},
				"scope":         {Type: "string", Description: "Optional: the scopes wanted, separated by spaces (RFC 6749 §3.3); each must be one of the client's. Default: all of the client's scopes."},
			},
		},
		Example: map[string]any{"grant_type": "client_credentials"},
	}
	op.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"application/x-www-form-urlencoded": form}}
	errSchema := api.OpenAPI().Components.Schemas.Schema(reflectType[oauthError](), true, "OAuthError")
	op.Responses = map[string]*huma.Response{
		"400": {Description: "Bad request (RFC 6749 §5.2), or `invalid_scope`: a scope that does not exist or that the client lacks", Content: map[string]*huma.MediaType{"application/json": {Schema: errSchema}}},
		"401": {Description: "Client authentication failed", Content: map[string]*huma.MediaType{"application/json": {Schema: errSchema}}},
		"403": {Description: "The tenant's API is disabled or not in its plan", Content: map[string]*huma.MediaType{"application/json": {Schema: errSchema}}},
		"429": {Description: "Too many requests for this client, or too many failed client authentications from this address", Content: map[string]*huma.MediaType{"application/json": {Schema: errSchema}}},
	}
	huma.Register(api, op, func(ctx context.Context, in *tokenInput) (*tokenOutput, error) {
		form, err := url.ParseQuery(string(in.RawBody))
		if err != nil {
			return nil, &oauthError{Code: "invalid_request", Description: "The body must be application/x-www-form-urlencoded.", status: http.StatusBadRequest}
		}
		if gt := form.Get("grant_type"); gt != "client_credentials" {
			if gt == "" {
				return nil, &oauthError{Code: "invalid_request", Description: "grant_type is missing.", status: http.StatusBadRequest}
			}
			return nil, &oauthError{Code: "unsupported_grant_type", Description: "Only grant_type=client_credentials is supported.", status: http.StatusBadRequest}
		}
		id, sec, ok := clientCredentials(in.Authorization, form)
		if !ok {
			return nil, errInvalidClient()
		}
		// The client is authenticated before its budget is counted, so that
		// requests with a wrong secret never use it up; those are limited
		// per source address instead.
		_, err = a.AuthenticateOAuthClient(ctx, id, sec, sourceIP(ctx))
		if err == nil && limiter != nil {
			if ok, wait := limiter.Allow(ctx, "oauth_client:"+id, ""); !ok {
				return nil, oauthRateLimited("Too many requests for this client.", wait)
			}
		}
		var tok app.IssuedToken
		if err == nil {
			tok, err = a.IssueOAuthToken(ctx, id, sec, form.Get("scope"))
		}
		switch hookd.ErrorCode(err) {
		case "":
		case hookd.EINVALID, hookd.EINSUFFICIENTSCOPE:
			return nil, &oauthError{Code: "invalid_scope", Description: hookd.ErrorMessage(err), status: http.StatusBadRequest}
		case hookd.EUNAUTHORIZED:
			return nil, errInvalidClient()
		case hookd.ERATELIMITED:
			wait, _ := app.RetryAfter(err)
			return nil, oauthRateLimited(hookd.ErrorMessage(err), wait)
		case hookd.EAPIDISABLED, hookd.EPLANFORBIDDEN:
			return nil, &oauthError{Code: "access_denied", Description: hookd.ErrorMessage(err), status: http.StatusForbidden}
		default:
			return nil, err
		}
		out := &tokenOutput{CacheControl: "no-store", Pragma: "no-cache"}
		out.Body.AccessToken, out.Body.TokenType, out.Body.ExpiresIn = tok.Token, "Bearer", int(tok.ExpiresIn/time.Second)
		out.Body.Scope = tok.Scopes.String()
		return out, nil
	})
	// huma describes a raw body as a binary string: describe the form's fields.
	op.RequestBody.Content["application/x-www-form-urlencoded"] = form
}

func errInvalidClient() error {
	return &oauthError{Code: "invalid_client", Description: "Client authentication failed.", status: http.StatusUnauthorized,
		headers: http.Header{"Www-Authenticate": {`Basic realm="hookd"`}}}
}

func oauthRateLimited(description string, wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &oauthError{Code: "access_denied", Description: description, status: http.StatusTooManyRequests,
		headers: http.Header{"Retry-After": {itoa(secs)}}}
}

// clientCredentials reads the client's ID and secret from HTTP Basic (RFC
// 6749 §2.3.1: each part form-urlencoded) or from the form.
func clientCredentials(authorization string, form url.Values) (id, secret string, ok bool) {
	if scheme, cred, found := strings.Cut(authorization, " "); found && strings.EqualFold(scheme, "Basic") {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return "", "", false
		}
		u, p, found := strings.Cut(string(raw), ":")
		if !found {
			return "", "", false
		}
		if id, err = url.QueryUnescape(u); err != nil {
			return "", "", false
		}
		if secret, err = url.QueryUnescape(p); err != nil {
			return "", "", false
		}
		return id, secret, id != "" && secret != ""
	}
	id, secret = form.Get("client_id"), form.Get("client_secret")
	return id, secret, id != "" && secret != ""
}
