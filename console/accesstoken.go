package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["token-renamed"] = "The token was renamed."
	notices["token-revoked"] = "The token was revoked: it no longer works."
	notices["client-deleted"] = "The application was deleted: its secret and tokens no longer work."
}

// accessTokensPage is the data of the access tokens page.
type accessTokensPage struct {
	List   listView
	Tokens []*hookd.AccessToken
	// Create opens the create dialog; Name, Scopes and Error refill it.
	Create bool
	Name   string
	Scopes []scopeChoice
	Error  string
	// Created is the token just made, shown once with Token, its plaintext.
	Created *hookd.AccessToken
	Token   string
	// Rename and Revoke open the dialog of the token with that ID;
	// RenameError says why a rename was refused.
	Rename, Revoke string
	RenameError    string

	// Clients are the tenant's OAuth2 applications (the first 100 by
	// name). CreateClient opens their create dialog; ClientName,
	// ClientScopes and ClientError refill it. CreatedClient is the one just
	// made, shown once with ClientSecret. DeleteClient opens the delete
	// dialog of the client with that ID.
	Clients       []*hookd.OAuthClient
	CreateClient  bool
	ClientName    string
	ClientScopes  []scopeChoice
	ClientError   string
	CreatedClient *hookd.OAuthClient
	ClientSecret  string
	DeleteClient  string
}

// scopeChoice is a scope's checkbox in a create form.
type scopeChoice struct {
	Scope       hookd.Scope
	Description string
	Checked     bool
}

// scopeDescriptions say what each scope allows, in the order of the form.
var scopeDescriptions = []struct {
	Scope       hookd.Scope
	Description string
}{
	{hookd.ScopeRead, "read everything except secrets"},
	{hookd.ScopeWebhooks, "change event types, endpoints and settings; publish events; resend deliveries"},
	{hookd.ScopeDirectory, "change users, organizations, tickets and provisioning destinations; replay inbound calls"},
	{hookd.ScopeInbound, "call the inbound webhooks"},
	{hookd.ScopeCredentials, "reveal the API key; manage tokens, clients and service accounts; reveal secrets"},
}

// scopeChoices returns the checkboxes with checked ticked.
func scopeChoices(checked hookd.Scopes) []scopeChoice {
	out := make([]scopeChoice, len(scopeDescriptions))
	for i, d := range scopeDescriptions {
		out[i] = scopeChoice{Scope: d.Scope, Description: d.Description, Checked: checked.Has(d.Scope)}
	}
	return out
}

// tenantAdmin is the signed-in tenant user as a principal: console users
// administer their tenant, so they have every scope.
func tenantAdmin(v *visit) *hookd.Principal {
	t := v.Tenant()
	return &hookd.Principal{Kind: hookd.CredentialConsoleUser, TenantID: t.ID, Tenant: t, CredentialID: v.ID.User.ID, Scopes: hookd.AllScopes()}
}

func (s *Server) accessTokens(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	return s.renderAccessTokens(w, r, v, http.StatusOK, accessTokensPage{
		Scopes:       scopeChoices(hookd.DefaultTokenScopes()),
		ClientScopes: scopeChoices(hookd.DefaultTokenScopes()),
		CreateClient: q.Has("create-client"),
		DeleteClient: q.Get("delete-client"),
		Create:       q.Has("create"),
		Rename:       q.Get("rename"),
		Revoke:       q.Get("revoke"),
	})
}

// renderAccessTokens renders the page p with the list of tokens.
func (s *Server) renderAccessTokens(w http.ResponseWriter, r *http.Request, v *visit, status int, p accessTokensPage) error {
	lv, params := listParams(r, "/access-tokens", 100, "-created_at", "name", "last_used_at")
	page, err := s.App.ListAccessTokens(r.Context(), v.Tenant().ID, params)
	if err != nil {
		return err
	}
	lv.Next = page.NextCursor
	p.List, p.Tokens = lv, page.Items
	clients, err := s.App.ListOAuthClients(r.Context(), v.Tenant().ID, hookd.ListParams{Limit: 100, Sort: "name"})
	if err != nil {
		return err
	}
	p.Clients = clients.Items
	if p.Scopes == nil {
		p.Scopes = scopeChoices(hookd.DefaultTokenScopes())
	}
	if p.ClientScopes == nil {
		p.ClientScopes = scopeChoices(hookd.DefaultTokenScopes())
	}
	return s.render(w, r, v, status, "accesstokens", "Access tokens", p)
}

// createAccessToken makes a token and answers with the page showing it,
// the only time it is shown; nothing keeps it for a redirect.
func (s *Server) createAccessToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, scopes := r.PostForm.Get("name"), ticked(r)
	t, token, err := s.App.CreateAccessToken(r.Context(), tenantAdmin(v), app.NewAccessToken{Name: name, Scopes: scopes})
	if err != nil {
		if msg, ok := invalid(err); ok {
			return s.renderAccessTokens(w, r, v, http.StatusUnprocessableEntity, accessTokensPage{Create: true, Name: name,
				Scopes: scopeChoices(hookd.ParseScopes(strings.Join(scopes, " "))), Error: msg})
		}
		return err
	}
	return s.renderAccessTokens(w, r, v, http.StatusCreated, accessTokensPage{Created: t, Token: token})
}

// ticked returns the scopes ticked in a form: none is an empty list,
// which the app refuses, rather than nil, which would mean the default.
func ticked(r *http.Request) []string {
	if scopes := r.PostForm["scope"]; scopes != nil {
		return scopes
	}
	return []string{}
}

// createOAuthClient registers an application and answers with the page
// showing its secret, the only time it is shown.
func (s *Server) createOAuthClient(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, scopes := r.PostForm.Get("name"), ticked(r)
	c, sec, err := s.App.CreateOAuthClient(r.Context(), tenantAdmin(v), name, scopes)
	if err != nil {
		if msg, ok := invalid(err); ok {
			return s.renderAccessTokens(w, r, v, http.StatusUnprocessableEntity, accessTokensPage{CreateClient: true, ClientName: name,
				ClientScopes: scopeChoices(hookd.ParseScopes(strings.Join(scopes, " "))), ClientError: msg})
		}
		return err
	}
	return s.renderAccessTokens(w, r, v, http.StatusCreated, accessTokensPage{CreatedClient: c, ClientSecret: sec})
}

func (s *Server) deleteOAuthClient(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.App.DeleteOAuthClient(r.Context(), v.Tenant().ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/access-tokens", "client-deleted")
	return nil
}

func (s *Server) renameAccessToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, err := s.App.RenameAccessToken(r.Context(), v.Tenant().ID, id, r.PostForm.Get("name")); err != nil {
		if msg, ok := invalid(err); ok {
			return s.renderAccessTokens(w, r, v, http.StatusUnprocessableEntity, accessTokensPage{Rename: id, RenameError: msg})
		}
		return err
	}
	redirect(w, r, "/access-tokens", "token-renamed")
	return nil
}

func (s *Server) revokeAccessToken(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.App.RevokeAccessToken(r.Context(), v.Tenant().ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/access-tokens", "token-revoked")
	return nil
}

// invalid returns what is wrong with an EINVALID error's input, for a form:
// its field messages, or its message.
func invalid(err error) (string, bool) {
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EINVALID {
		return "", false
	}
	if len(e.Fields) == 1 {
		return "The " + fieldName(e.Fields[0].Location) + " " + e.Fields[0].Message + ".", true
	}
	return e.Message, true
}
