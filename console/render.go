package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one template set per page: the layout, the partials and the
// page's own content.
type pages struct {
	byName map[string]*template.Template
}

func mustParsePages(funcs template.FuncMap) *pages {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t := template.Must(base.Clone())
		p.byName[name] = template.Must(t.ParseFS(templateFS, file))
	}
	return p
}

// pageData is what every page template gets: the visit, the page's name
// and title, a notice to show once, and the page's own data.
type pageData struct {
	V      *visit
	Page   string
	Title  string
	Notice string
	Data   any
}

// CSRF is the visit's CSRF token, for the forms of the page.
func (p pageData) CSRF() string { return p.V.CSRF }

// render writes the page name with data, answering status. It renders into
// memory first, so a template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) error {
	t := s.pages.byName[name]
	if t == nil {
		return fmt.Errorf("console: no page %q", name)
	}
	var b bytes.Buffer
	pd := pageData{V: v, Page: name, Title: title, Notice: noticeOf(r), Data: data}
	if err := t.ExecuteTemplate(&b, "layout", pd); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
	return nil
}

// notices are the one-line confirmations a page shows after a redirect,
// named by its notice query parameter.
var notices = map[string]string{}

// noticeOf returns the notice the request's query names, with {count}
// replaced by its count parameter (a number).
func noticeOf(r *http.Request) string {
	q := r.URL.Query()
	text := notices[q.Get("notice")]
	if strings.Contains(text, "{count}") {
		n, err := strconv.Atoi(q.Get("count"))
		if err != nil || n < 0 {
			return ""
		}
		text = strings.ReplaceAll(text, "{count}", strconv.Itoa(n))
	}
	return text
}

// redirect answers a form post with a redirect to target (a path of the
// console), adding a notice to show there when notice is not "".
func redirect(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		if _, ok := notices[notice]; !ok {
			panic("console: unknown notice " + notice)
		}
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "notice=" + notice
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
	Fields  []hookd.FieldError
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, v *visit, status int, heading, message string, fields ...hookd.FieldError) {
	if v == nil {
		v = &visit{}
	}
	if err := s.render(w, r, v, status, "error", heading, errorPage{Status: status, Heading: heading, Message: message, Fields: fields}); err != nil {
		s.Log.ErrorContext(r.Context(), "console: cannot render the error page", "err", err)
		http.Error(w, message, status)
	}
}

// fail answers err with the status hookd.HTTPStatus gives its code: a
// session that has ended goes to sign in again; a hookd error shows its safe
// message and field problems; anything else is logged and shown as our
// fault, without details. An outage (EUNAVAILABLE) asks to try again later.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var e *hookd.Error
	if !errors.As(err, &e) {
		e = &hookd.Error{Code: hookd.EINTERNAL}
	}
	status := hookd.HTTPStatus(e.Code)
	heading, ok := errorHeadings[e.Code]
	switch {
	case e.Code == hookd.EUNAUTHORIZED:
		s.clearCookie(w, r, sessionCookie)
		redirectToSignIn(w, r)
	case e.Code == hookd.EUNAVAILABLE:
		s.Log.ErrorContext(r.Context(), "console request failed: service unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(hookd.RetryAfterUnavailable))
		s.renderError(w, r, v, status, heading,
			"hookd cannot reach its database, or its disk is full. Try again in a moment.")
	case ok && status < http.StatusInternalServerError:
		s.renderError(w, r, v, status, heading, e.Message, e.Fields...)
	default:
		s.Log.ErrorContext(r.Context(), "console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s.renderError(w, r, v, http.StatusInternalServerError, "Something went wrong",
			"hookd could not do this because of a fault on its side; it has been logged. Try again in a moment.")
	}
}

// errorHeadings is the heading of the error page for each error code.
var errorHeadings = map[string]string{
	hookd.EMALFORMED:         "Something is not right",
	hookd.EINVALID:           "Something is not right",
	hookd.ENOTFOUND:          "Not found",
	hookd.ECONFLICT:          "Already there",
	hookd.EFORBIDDEN:         "Not allowed",
	hookd.EAPIDISABLED:       "Not allowed",
	hookd.EPLANFORBIDDEN:     "Not allowed",
	hookd.ETOOLARGE:          "Too large",
	hookd.ERATELIMITED:       "Too many attempts",
	hookd.EUNAVAILABLE:       "Temporarily unavailable",
	hookd.EINSUFFICIENTSCOPE: "Not allowed",
	hookd.EQUOTA:             "Quota reached",
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *visit) error {
	return hookd.Errorf(hookd.ENOTFOUND, "There is no page at %s.", r.URL.Path)
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, nil, http.StatusForbidden, "Refused",
		"This form was sent from another site. Open the console directly and try again.")
}

// assetVersions holds a short content hash of each static file, for
// cache-busting URLs.
var assetVersions = func() map[string]string {
	m := map[string]string{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return m
}()

// asset returns the URL of a static file, versioned by its content.
func asset(name string) string {
	v, ok := assetVersions[name]
	if !ok {
		panic("console: no static file " + name)
	}
	return "/static/" + name + "?v=" + v
}

// serveStatic serves the embedded static files; a URL with the file's
// current version may be cached for a year.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	version, ok := assetVersions[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		h.Set("Content-Type", ct)
	}
	if r.URL.Query().Get("v") == version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+version+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// funcs are the template functions.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": asset,
		"when":  when,
		"iso":   iso,
		"json":  prettyJSON,
		"sortColumn": func(l listView, field, label string) sortColumn {
			return sortColumn{List: l, Field: field, Label: label}
		},
		"sortLinks": func(l listView, fieldsAndLabels ...string) []sortColumn {
			var cols []sortColumn
			for i := 0; i+1 < len(fieldsAndLabels); i += 2 {
				cols = append(cols, sortColumn{List: l, Field: fieldsAndLabels[i], Label: fieldsAndLabels[i+1]})
			}
			return cols
		},
		"secret": func(id, label, mask, plain string) secretView {
			return secretView{ID: id, Label: label, Mask: mask, Plain: plain}
		},
		"copyable": func(id, label, plain string) secretView {
			return secretView{ID: id, Label: label, Plain: plain}
		},
		"fieldError": fieldError,
		"add":        func(a, b int) int { return a + b },
		"duration":   duration,
		"bytes":      humanBytes,
		"headers":    headerLines,
		"body":       prettyBody,
		"statusText": http.StatusText,
		"ms":         func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
		"fieldLabel": fieldLabel,
		"endpointFields": func(f endpointForm, types []*hookd.EventType, prefix string) endpointFieldsView {
			return endpointFieldsView{Form: f, Types: types, Prefix: prefix}
		},
	}
}

// secretView is a secret shown masked, revealed on hover or focus, with a
// Copy button.
type secretView struct {
	ID, Label, Mask, Plain string
}

// sortColumn is a column header of a sortable table.
type sortColumn struct {
	List         listView
	Field, Label string
}

// when shows a time (or *time.Time; nil is "never") in UTC to the minute.
func when(t any) string {
	switch t := t.(type) {
	case time.Time:
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t == nil {
			return "never"
		}
		return when(*t)
	}
	return ""
}

// duration shows a whole number of hours, minutes or seconds for people:
// "5 s", "1 min", "10 h"; anything else as Go writes it.
func duration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// headerLine is one header as sent or received.
type headerLine struct{ Name, Value string }

// headerLines lists headers by name, each value on its own line.
func headerLines(h map[string][]string) []headerLine {
	var out []headerLine
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			out = append(out, headerLine{name, v})
		}
	}
	return out
}

// prettyBody indents a body that is JSON, and leaves any other as it is.
func prettyBody(body string) string {
	if json.Valid([]byte(body)) {
		return prettyJSON(json.RawMessage(body))
	}
	return body
}

// humanBytes shows a size in MiB with one decimal.
func humanBytes(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// iso shows a time as RFC 3339, for datetime attributes.
func iso(t any) string {
	switch t := t.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339)
	case *time.Time:
		if t != nil {
			return iso(*t)
		}
	}
	return ""
}

// prettyJSON indents a JSON text for reading.
func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// fieldError returns the messages of the problems of the form field name
// (or of its parts, such as headers.X-Team or event_types[1]).
func fieldError(fields []hookd.FieldError, name string) string {
	var msgs []string
	for _, f := range fields {
		n := fieldName(f.Location)
		if n == name || strings.HasPrefix(n, name+".") || strings.HasPrefix(n, name+"[") {
			msgs = append(msgs, f.Message)
		}
	}
	return strings.Join(msgs, "; ")
}

// fieldLabels name the fields of the console's forms for people.
var fieldLabels = map[string]string{
	"url":                     "URL",
	"name":                    "Name",
	"description":             "Description",
	"event_types":             "Event types",
	"format":                  "Format",
	"mode":                    "Mode",
	"max_events_per_request":  "Max events per request",
	"timeout_seconds":         "Timeout",
	"batch_window_ms":         "Batching window",
	"rate_limit":              "Rate limit",
	"rate_limit_burst":        "Burst",
	"ordering":                "Ordering",
	"verification_key_header": "Verification key header",
	"headers":                 "Custom headers",
	"filter":                  "Filter",
	"event":                   "Example event",
	"status":                  "Exact status",
	"status_class":            "Last answer",
	"state":                   "Result",
	"since":                   "Published from",
	"until":                   "Published before",
	"endpoint_id":             "Endpoint",
	"slug":                    "Slug",
	"plan":                    "Plan",
	"admin_email":             "Admin email",
	"admin_password":          "Admin password",
	"reason":                  "Reason",
}

// fieldLabel names the field of an error location for people.
func fieldLabel(location string) string {
	n := fieldName(location)
	if name, rest, ok := strings.Cut(n, "."); ok && name == "headers" {
		return "Custom header " + rest
	} else if ok && (name == "filter" || name == "event") {
		return fieldLabels[name] + " at " + rest
	}
	if i := strings.IndexByte(n, '['); i > 0 {
		n = n[:i]
	}
	if l, ok := fieldLabels[n]; ok {
		return l
	}
	return n
}

// endpointFieldsView is what the endpoint form's fields need.
type endpointFieldsView struct {
	Form   endpointForm
	Types  []*hookd.EventType
	Prefix string // makes the fields' IDs unique on the page
}

// fieldName turns an error location such as body.url or form.tenant into
// the name of the form field.
func fieldName(location string) string {
	for _, p := range []string{"body.", "form.", "query."} {
		if strings.HasPrefix(location, p) {
			return location[len(p):]
		}
	}
	return location
}
