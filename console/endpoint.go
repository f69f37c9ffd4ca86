package console

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
)

func init() {
	notices["endpoint-created"] = "The endpoint was added. Its signing secret and verification key are below."
	notices["endpoint-saved"] = "The endpoint's settings were saved."
	notices["endpoint-enabled"] = "The endpoint is enabled; deliveries held while it was disabled are on their way."
	notices["endpoint-disabled"] = "The endpoint is disabled. Its events are held until you enable it again."
	notices["endpoint-deleted"] = "The endpoint was deleted."
	notices["secret-rotated"] = "A new signing secret was made."
	notices["verification-key-rotated"] = "A new verification key was made. The old one is no longer sent."
	notices["https-required"] = "Endpoints must now use https: http URLs are refused."
	notices["https-not-required"] = "Endpoints may use http or https URLs."
}

// endpointForm is the add and edit form of an endpoint as typed, so that a
// refused form comes back as it was.
type endpointForm struct {
	Name        string
	URL         string
	Description string
	EventTypes  []string
	VerifyTLS   bool
	Format      string
	Mode        string
	MaxEvents   string
	BatchWindow string
	RateLimit   string // requests per second, "" or 0 for none
	RateBurst   string // "" for the default, the rate limit
	Timeout     string
	KeyHeader   string
	// Headers are the custom headers, one "Name: value" per line.
	Headers string
	// Filter is the payload filter's JSON, "" for none.
	Filter string
	// Ordering is "fifo" when the events go in order, else "" or "none".
	Ordering string
	// Signing is the scheme of a new endpoint's secret (hmac-sha256 or
	// ed25519); an endpoint changes it by rotating its secret.
	Signing string
	// SavedMode is the mode of the endpoint edited, "" for a new one: an
	// endpoint changes only between ping and pull.
	SavedMode string
	// Errors are the problems of the last submission.
	Errors []hookd.FieldError
}

// newEndpointForm is the form of a new endpoint, with hookd's defaults.
func newEndpointForm() endpointForm {
	return endpointForm{
		VerifyTLS:   true,
		Format:      string(hookd.FormatJSON),
		Mode:        string(hookd.ModeFull),
		MaxEvents:   "1",
		BatchWindow: "0",
		RateLimit:   "0",
		Timeout:     strconv.Itoa(hookd.DefaultEndpointTimeout),
		KeyHeader:   hookd.DefaultVerificationKeyHeader,
		Signing:     string(hookd.SigningHMACSHA256),
	}
}

// endpointFormOf is the form of an existing endpoint.
func endpointFormOf(e *hookd.Endpoint) endpointForm {
	var headers strings.Builder
	for _, name := range slices.Sorted(maps.Keys(e.Headers)) {
		fmt.Fprintf(&headers, "%s: %s\n", name, e.Headers[name])
	}
	return endpointForm{
		Name:        e.Name,
		URL:         e.URL,
		Description: e.Description,
		EventTypes:  e.EventTypes,
		VerifyTLS:   e.VerifyTLS,
		Format:      string(e.Format),
		Mode:        string(e.Mode),
		MaxEvents:   strconv.Itoa(e.MaxEventsPerRequest),
		BatchWindow: strconv.FormatInt(e.BatchWindow.Milliseconds(), 10),
		RateLimit:   strconv.Itoa(e.RateLimit),
		RateBurst:   rateBurstField(e),
		Timeout:     strconv.Itoa(e.TimeoutSeconds),
		KeyHeader:   e.VerificationKeyHeader,
		Headers:     headers.String(),
		Filter:      e.Filter.String(),
		Ordering:    string(e.Ordering),
	}
}

// readEndpointForm reads the posted form.
func readEndpointForm(f url.Values) endpointForm {
	return endpointForm{
		Name:        f.Get("name"),
		URL:         f.Get("url"),
		Description: f.Get("description"),
		EventTypes:  f["event_types"],
		VerifyTLS:   f.Get("verify_tls") == "true",
		Format:      f.Get("format"),
		Mode:        f.Get("mode"),
		MaxEvents:   f.Get("max_events_per_request"),
		BatchWindow: f.Get("batch_window_ms"),
		RateLimit:   f.Get("rate_limit"),
		RateBurst:   f.Get("rate_limit_burst"),
		Timeout:     f.Get("timeout_seconds"),
		KeyHeader:   f.Get("verification_key_header"),
		Headers:     f.Get("headers"),
		Signing:     f.Get("signing"),
		Filter:      f.Get("filter"),
		Ordering:    f.Get("ordering"),
	}
}

// input turns the form into a change of every field, and lists what could
// not be read (numbers, header lines); the app checks the rest.
func (f endpointForm) input() (app.UpdateEndpointInput, []hookd.FieldError) {
	var problems []hookd.FieldError
	number := func(location, s string) *int {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			problems = append(problems, hookd.FieldError{Location: location, Message: "must be a whole number"})
			return nil
		}
		return &n
	}
	headers := map[string]string{}
	for i, line := range strings.Split(strings.ReplaceAll(f.Headers, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			problems = append(problems, hookd.FieldError{Location: "body.headers",
				Message: fmt.Sprintf("line %d must be a header name, a colon and its value, such as X-Team: billing", i+1)})
			continue
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	types := f.EventTypes
	if types == nil {
		types = []string{}
	}
	if hookd.EndpointMode(f.Mode) == hookd.ModePull {
		// A pull-only endpoint has no URL; the field is hidden while the
		// mode is chosen, and whatever it still holds is not kept.
		f.URL = ""
	}
	// An empty filter field removes the filter.
	filter := json.RawMessage(strings.TrimSpace(f.Filter))
	var batchWindow *int
	if strings.TrimSpace(f.BatchWindow) != "" {
		batchWindow = number("body.batch_window_ms", f.BatchWindow)
	}
	rateLimit, rateBurst := f.rateLimitInput(number)
	in := app.UpdateEndpointInput{
		BatchWindowMS:         batchWindow,
		RateLimit:             rateLimit,
		RateLimitBurst:        rateBurst,
		Name:                  &f.Name,
		URL:                   &f.URL,
		Description:           &f.Description,
		EventTypes:            &types,
		VerifyTLS:             &f.VerifyTLS,
		Format:                &f.Format,
		MaxEventsPerRequest:   number("body.max_events_per_request", f.MaxEvents),
		Mode:                  &f.Mode,
		Headers:               headers,
		VerificationKeyHeader: &f.KeyHeader,
		TimeoutSeconds:        number("body.timeout_seconds", f.Timeout),
		Filter:                &filter,
		Ordering:              &f.Ordering,
	}
	return in, problems
}

// Offers reports whether the form offers the mode: every mode for a new
// endpoint; for one saved, those that keep its events the same way (full
// alone, or ping and pull).
func (f endpointForm) Offers(mode string) bool {
	return f.SavedMode == "" || hookd.EndpointMode(f.SavedMode).Pulls() == hookd.EndpointMode(mode).Pulls()
}

// HasType reports whether the form subscribes to the event type.
func (f endpointForm) HasType(name string) bool { return slices.Contains(f.EventTypes, name) }

// fieldProblems returns the field problems of an EINVALID error, or nil.
func fieldProblems(err error) ([]hookd.FieldError, bool) {
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EINVALID {
		return nil, false
	}
	if len(e.Fields) == 0 {
		return []hookd.FieldError{{Location: "body", Message: e.Message}}, true
	}
	return e.Fields, true
}

// endpointsPage is the data of Configuration → Webhooks.
type endpointsPage struct {
	List       listView
	Endpoints  []*hookd.Endpoint
	EventTypes []*hookd.EventType
	// Add opens the side panel with Form.
	Add  bool
	Form endpointForm
	// Delete opens the delete confirmation of the endpoint with this ID.
	Delete string
	// PlanForbidden says why the tenant's plan has no webhooks.
	PlanForbidden string
	// RequireHTTPS is the tenant setting of the same name.
	RequireHTTPS bool
	// HTTPSConflict says why requiring https was refused, or is nil.
	HTTPSConflict *httpsConflict
}

// httpsConflict is a refusal to require https: the app's message and each
// endpoint in the way.
type httpsConflict struct {
	Message   string
	Endpoints []httpsBlocker
}

// httpsBlocker is an endpoint whose URL is not https.
type httpsBlocker struct {
	ID      string
	Message string
}

func (s *Server) endpoints(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	return s.renderEndpoints(w, r, v, http.StatusOK, endpointsPage{Add: q.Has("add"), Delete: q.Get("delete"), Form: newEndpointForm()})
}

func (s *Server) renderEndpoints(w http.ResponseWriter, r *http.Request, v *visit, status int, p endpointsPage) error {
	ctx := r.Context()
	lv, params := listParams(r, "/webhooks", hookd.MaxListLimit, "name", "url", "last_triggered_at", "created_at", "state")
	byState := strings.TrimPrefix(params.Sort, "-") == "state"
	if byState {
		params.Sort = "name"
	}
	page, err := s.App.ListEndpoints(ctx, v.Tenant().ID, params)
	if hookd.ErrorCode(err) == hookd.EPLANFORBIDDEN {
		p.PlanForbidden = hookd.ErrorMessage(err)
		return s.render(w, r, v, http.StatusForbidden, "endpoints", "Webhooks", p)
	} else if err != nil {
		return err
	}
	if byState {
		// State is not a column the store sorts by; a page holds up to
		// MaxListLimit endpoints, sorted here by state, then name.
		desc := strings.HasPrefix(lv.Sort, "-")
		slices.SortStableFunc(page.Items, func(a, b *hookd.Endpoint) int {
			c := cmp.Compare(endpointState(a), endpointState(b))
			if desc {
				c = -c
			}
			return c
		})
	}
	lv.Next = page.NextCursor
	p.List, p.Endpoints = lv, page.Items
	if p.EventTypes, err = s.eventTypes(ctx, v.Tenant().ID); err != nil {
		return err
	}
	settings, err := s.App.TenantSettings(ctx, v.Tenant().ID)
	if err != nil {
		return err
	}
	p.RequireHTTPS = settings.RequireHTTPSEndpoints
	return s.render(w, r, v, status, "endpoints", "Webhooks", p)
}

// setRequireHTTPS switches the tenant setting (checkbox
// require_https_endpoints). A refusal because endpoints still use http
// comes back as the Webhooks page, 409, naming them.
func (s *Server) setRequireHTTPS(w http.ResponseWriter, r *http.Request, v *visit) error {
	on := r.PostForm.Get("require_https_endpoints") == "true"
	_, err := s.App.UpdateTenantSettings(r.Context(), v.Tenant().ID, app.UpdateTenantSettingsInput{RequireHTTPSEndpoints: &on})
	if hookd.ErrorCode(err) == hookd.ECONFLICT {
		c := &httpsConflict{Message: hookd.ErrorMessage(err)}
		var e *hookd.Error
		if errors.As(err, &e) {
			for _, f := range e.Fields {
				if f.ID != "" {
					c.Endpoints = append(c.Endpoints, httpsBlocker{ID: f.ID, Message: f.Message})
				}
			}
		}
		return s.renderEndpoints(w, r, v, http.StatusConflict, endpointsPage{Form: newEndpointForm(), HTTPSConflict: c})
	} else if err != nil {
		return err
	}
	notice := "https-not-required"
	if on {
		notice = "https-required"
	}
	redirect(w, r, "/webhooks", notice)
	return nil
}

// endpointState is the state an endpoint's table shows and sorts by.
func endpointState(e *hookd.Endpoint) string {
	switch {
	case e.Enabled:
		return "active"
	case e.InactiveAt != nil:
		return "inactive"
	}
	return "disabled"
}

// eventTypes returns the tenant's whole catalog, by name.
func (s *Server) eventTypes(ctx context.Context, tenantID string) ([]*hookd.EventType, error) {
	var all []*hookd.EventType
	p := hookd.ListParams{Limit: hookd.MaxListLimit, Sort: "name"}
	for {
		page, err := s.App.ListEventTypes(ctx, tenantID, p)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		p.Cursor = page.NextCursor
	}
}

func (s *Server) createEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	form := readEndpointForm(r.PostForm)
	up, problems := form.input()
	in := app.CreateEndpointInput{
		Name: form.Name, URL: *up.URL, Description: form.Description, EventTypes: *up.EventTypes,
		VerifyTLS: up.VerifyTLS, Format: form.Format, MaxEventsPerRequest: up.MaxEventsPerRequest, Mode: form.Mode,
		Headers: up.Headers, VerificationKeyHeader: form.KeyHeader, TimeoutSeconds: up.TimeoutSeconds, Signing: form.Signing, BatchWindowMS: up.BatchWindowMS,
		RateLimit: up.RateLimit, RateLimitBurst: up.RateLimitBurst,
		Filter: *up.Filter, Ordering: form.Ordering,
	}
	if len(problems) > 0 {
		form.Errors = problems
		return s.renderEndpoints(w, r, v, http.StatusUnprocessableEntity, endpointsPage{Add: true, Form: form})
	}
	e, err := s.App.CreateEndpoint(r.Context(), v.Tenant().ID, in)
	if fields, ok := fieldProblems(err); ok {
		form.Errors = fields
		return s.renderEndpoints(w, r, v, http.StatusUnprocessableEntity, endpointsPage{Add: true, Form: form})
	} else if err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+e.ID, "endpoint-created")
	return nil
}

// endpointPage is the data of an endpoint's page.
type endpointPage struct {
	E          *hookd.Endpoint
	Secret     string
	EventTypes []*hookd.EventType
	Form       endpointForm
	// Signing is how the endpoint signs: for Ed25519, the public keys.
	Signing app.EndpointSigning
	// FilterTry is the "try a filter" form and its last result.
	FilterTry filterTry
	// PreviousUntil is when the previous signing secret stops signing,
	// after a rotation; nil when there is none.
	PreviousUntil *time.Time
	// Confirm opens a confirmation without script: rotate-secret,
	// rotate-key, disable, delete or recover.
	Confirm string
	// Recent are the endpoint's latest deliveries, newest first.
	Recent []*hookd.Delivery
	// RecoverSince is the default of "Recover failed since…": a day ago.
	RecoverSince string
	// Pull is the pull state of a ping or pull endpoint, nil for others.
	Pull *pullView
}

func (s *Server) endpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	e, err := s.App.Endpoint(r.Context(), v.Tenant().ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderEndpoint(w, r, v, http.StatusOK, e, endpointFormOf(e))
}

func (s *Server) renderEndpoint(w http.ResponseWriter, r *http.Request, v *visit, status int, e *hookd.Endpoint, form endpointForm) error {
	return s.renderEndpointWith(w, r, v, status, e, form, nil)
}

// renderEndpointWith is renderEndpoint with the "try a filter" form as
// posted (nil: filled from the endpoint).
func (s *Server) renderEndpointWith(w http.ResponseWriter, r *http.Request, v *visit, status int, e *hookd.Endpoint, form endpointForm, try *filterTry) error {
	ctx := r.Context()
	form.SavedMode = string(e.Mode)
	p := endpointPage{E: e, Form: form, Confirm: r.URL.Query().Get("confirm"),
		RecoverSince: s.now().UTC().Add(-24 * time.Hour).Format(recoverLayout)}
	var err error
	if p.Secret, err = s.App.EndpointSecret(ctx, v.Tenant().ID, e.ID); err != nil {
		return err
	}
	if p.Signing, err = s.App.SigningOf(e); err != nil {
		return err
	}
	now := s.now()
	for _, sec := range e.Secrets[1:] {
		if sec.ExpiresAt != nil && now.Before(*sec.ExpiresAt) {
			p.PreviousUntil = sec.ExpiresAt
		}
	}
	if p.EventTypes, err = s.eventTypes(ctx, v.Tenant().ID); err != nil {
		return err
	}
	if try != nil {
		p.FilterTry = *try
	} else {
		p.FilterTry = newFilterTry(e, p.EventTypes)
	}
	recent, err := s.App.ListDeliveries(ctx, v.Tenant().ID, hookd.DeliveryFilter{EndpointID: e.ID},
		hookd.ListParams{Limit: recentDeliveries, Sort: "-created_at"})
	if err != nil {
		return err
	}
	p.Recent = recent.Items
	if p.Pull, err = s.pullViewOf(r, v, e); err != nil {
		return err
	}
	return s.render(w, r, v, status, "endpoint", e.Name, p)
}

func (s *Server) updateEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID, id := r.Context(), v.Tenant().ID, r.PathValue("id")
	form := readEndpointForm(r.PostForm)
	in, problems := form.input()
	var err error
	if len(problems) == 0 {
		_, err = s.App.UpdateEndpoint(ctx, tenantID, id, in)
		problems, _ = fieldProblems(err)
	}
	if len(problems) > 0 {
		e, err := s.App.Endpoint(ctx, tenantID, id)
		if err != nil {
			return err
		}
		form.Errors = problems
		return s.renderEndpoint(w, r, v, http.StatusUnprocessableEntity, e, form)
	} else if err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+id, "endpoint-saved")
	return nil
}

// back is where a form that can be posted from several pages returns: its
// back field, if it is a local path, else the endpoint's page.
func back(r *http.Request, id string) string {
	if b := r.PostForm.Get("back"); b != "" {
		return localPath(b)
	}
	return "/webhooks/" + id
}

func (s *Server) enableEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, err := s.App.EnableEndpoint(r.Context(), v.Tenant().ID, id); err != nil {
		return err
	}
	redirect(w, r, back(r, id), "endpoint-enabled")
	return nil
}

func (s *Server) disableEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len(reason) > 500 || hookd.HasControl(reason) {
		return hookd.Invalid("The reason is not valid.", hookd.FieldError{Location: "form.reason", Message: "must be at most 500 characters on one line"})
	}
	if reason != "" {
		reason = "disabled by user: " + reason
	}
	if _, err := s.App.DisableEndpoint(r.Context(), v.Tenant().ID, id, reason); err != nil {
		return err
	}
	redirect(w, r, back(r, id), "endpoint-disabled")
	return nil
}

func (s *Server) deleteEndpoint(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.App.DeleteEndpoint(r.Context(), v.Tenant().ID, r.PathValue("id")); err != nil {
		return err
	}
	redirect(w, r, "/webhooks", "endpoint-deleted")
	return nil
}

func (s *Server) rotateEndpointSecret(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, _, err := s.App.RotateEndpointSecretTo(r.Context(), v.Tenant().ID, id, hookd.SigningScheme(r.PostForm.Get("signing"))); err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+id, "secret-rotated")
	return nil
}

// filterTry is the form that tries a payload filter on an example event.
type filterTry struct {
	Filter, Type, Data string
	// Tried is true once the form was posted without errors; Matches is
	// then the answer.
	Tried, Matches bool
	Errors         []hookd.FieldError
}

// newFilterTry fills the form with e's filter and the example of its
// first event type (of the catalog, for an endpoint of every type).
func newFilterTry(e *hookd.Endpoint, catalog []*hookd.EventType) filterTry {
	try := filterTry{Filter: e.Filter.String(), Data: "{}"}
	if try.Filter == "" {
		try.Filter = "{}"
	}
	for _, t := range catalog {
		if e.AllEventTypes || slices.Contains(e.EventTypes, t.Name) {
			try.Type, try.Data = t.Name, string(t.Example)
			break
		}
	}
	return try
}

// tryFilter shows whether a filter matches an example event, on the
// endpoint's page; it stores nothing.
func (s *Server) tryFilter(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx, tenantID := r.Context(), v.Tenant().ID
	e, err := s.App.Endpoint(ctx, tenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	try := filterTry{Filter: r.PostForm.Get("filter"), Type: r.PostForm.Get("type"), Data: r.PostForm.Get("data")}
	matches, err := s.App.TestFilter(ctx, tenantID, json.RawMessage(try.Filter), app.FilterExample{Type: try.Type, Data: json.RawMessage(try.Data)})
	status := http.StatusOK
	if fields, ok := fieldProblems(err); ok {
		try.Errors, status = fields, http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	} else {
		try.Tried, try.Matches = true, matches
	}
	return s.renderEndpointWith(w, r, v, status, e, endpointFormOf(e), &try)
}

func (s *Server) rotateVerificationKey(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if _, err := s.App.RotateVerificationKey(r.Context(), v.Tenant().ID, id); err != nil {
		return err
	}
	redirect(w, r, "/webhooks/"+id, "verification-key-rotated")
	return nil
}

// rateBurstField is the burst field of e: blank for the default, a burst
// equal to the rate limit, so that changing the limit moves it along.
func rateBurstField(e *hookd.Endpoint) string {
	if e.RateLimit == 0 || e.RateLimitBurst == e.RateLimit {
		return ""
	}
	return strconv.Itoa(e.RateLimitBurst)
}

// rateLimitInput reads the rate limit fields: a blank limit is none, a
// blank burst the limit.
func (f endpointForm) rateLimitInput(number func(location, s string) *int) (limit, burst *int) {
	limit = ptrTo(0)
	if strings.TrimSpace(f.RateLimit) != "" {
		limit = number("body.rate_limit", f.RateLimit)
	}
	switch {
	case strings.TrimSpace(f.RateBurst) != "":
		burst = number("body.rate_limit_burst", f.RateBurst)
	case limit != nil && *limit > 0:
		burst = ptrTo(*limit)
	}
	return limit, burst
}

func ptrTo[T any](v T) *T { return &v }
