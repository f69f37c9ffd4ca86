package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/secret"
)

// Cookies and the form field of the CSRF token. Over HTTPS the cookie names
// take the __Host- prefix, which binds them to this host, path / and Secure.
const (
	sessionCookie = "hookd_session"
	// signInCookie holds a random value before sign-in, so that the sign-in
	// form, too, carries a CSRF token bound to something the browser keeps.
	signInCookie = "hookd_signin"
	csrfField    = "csrf_token"
	// csrfHeader may carry the CSRF token instead of the form field.
	csrfHeader = "X-CSRF-Token"
)

// visit is what the console knows about one request: who is signed in and
// the CSRF token of the forms it renders.
type visit struct {
	// ID is the signed-in identity, nil when signed out.
	ID *app.ConsoleIdentity
	// CSRF is the token every form carries, "" when the browser has no
	// cookie to bind it to (a post without cookies).
	CSRF string
	// token is the session token, "" when signed out.
	token string
}

// Tenant returns the signed-in tenant, or nil.
func (v *visit) Tenant() *hookd.Tenant {
	if v == nil || v.ID == nil {
		return nil
	}
	return v.ID.Tenant
}

// Operator reports whether the operator is signed in.
func (v *visit) Operator() bool { return v != nil && v.ID.IsOperator() }

// access says who may use a route.
type access int

const (
	anyone access = iota
	tenantOnly
	operatorOnly
)

// handlerFunc handles a console request; an error it returns becomes the
// answer through fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// handle wraps h: it finds who is signed in, sends those who may not use the
// route to sign in (or refuses them), parses and checks the CSRF token of
// every unsafe request, and answers h's error.
func (s *Server) handle(who access, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := s.visit(w, r)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		switch {
		case who != anyone && v.ID == nil:
			redirectToSignIn(w, r)
			return
		case who == tenantOnly && v.ID.IsOperator():
			s.fail(w, r, v, hookd.Errorf(hookd.EFORBIDDEN, "This page belongs to a tenant; the operator manages tenants instead."))
			return
		case who == operatorOnly && !v.ID.IsOperator():
			s.fail(w, r, v, hookd.Errorf(hookd.EFORBIDDEN, "This page is the operator's."))
			return
		}
		if !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
			if err := r.ParseForm(); err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					s.fail(w, r, v, hookd.Errorf(hookd.EINVALID, "The form is too large."))
					return
				}
				s.fail(w, r, v, hookd.Errorf(hookd.EINVALID, "The form could not be read."))
				return
			}
			if !v.validCSRF(r) {
				s.renderError(w, r, v, http.StatusForbidden, "This form has expired",
					"The form was not sent from a page of this console, or it is older than your session. Reload the page and try again.")
				return
			}
		}
		if err := h(w, r, v); err != nil {
			s.fail(w, r, v, err)
		}
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// visit reads the session cookie, or the sign-in cookie (made on a safe
// request when missing), and derives the CSRF token from it. A session that
// has ended loses its cookie.
func (s *Server) visit(w http.ResponseWriter, r *http.Request) (*visit, error) {
	v := &visit{}
	if c, err := r.Cookie(s.cookieName(r, sessionCookie)); err == nil && c.Value != "" {
		id, err := s.App.ConsoleSession(r.Context(), c.Value)
		switch {
		case err == nil:
			v.ID, v.token, v.CSRF = id, c.Value, csrfToken(c.Value)
			return v, nil
		case hookd.ErrorCode(err) == hookd.EUNAUTHORIZED:
			s.clearCookie(w, r, sessionCookie)
		default:
			return nil, err
		}
	}
	seed := ""
	if c, err := r.Cookie(s.cookieName(r, signInCookie)); err == nil && len(c.Value) >= 32 {
		seed = c.Value
	} else if safeMethod(r.Method) {
		seed = base64.RawURLEncoding.EncodeToString(secret.RandomBytes(32))
		http.SetCookie(w, s.cookie(r, signInCookie, seed, 0))
	}
	if seed != "" {
		v.CSRF = csrfToken(seed)
	}
	return v, nil
}

// csrfToken derives the CSRF token of forms from the cookie value seed,
// which only the browser and hookd know (the cookie is HttpOnly).
func csrfToken(seed string) string {
	m := hmac.New(sha256.New, []byte(seed))
	m.Write([]byte("hookd console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether the parsed request r carries v's CSRF token.
func (v *visit) validCSRF(r *http.Request) bool {
	got := r.PostForm.Get(csrfField)
	if got == "" {
		got = r.Header.Get(csrfHeader)
	}
	return v.CSRF != "" && got != "" && hmac.Equal([]byte(got), []byte(v.CSRF))
}

// cookieName returns the name of a cookie as set in answer to r.
func (s *Server) cookieName(r *http.Request, name string) string {
	if s.secure(r) {
		return "__Host-" + name
	}
	return name
}

// cookie returns a console cookie: host-only, path /, HttpOnly, SameSite=Lax
// and, under HTTPS, Secure. maxAge 0 makes it last the browser session.
func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     s.cookieName(r, name),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secure(r),
		SameSite: http.SameSiteLaxMode,
	}
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, s.cookie(r, name, "", -1))
}

// redirectToSignIn sends the browser to the sign-in page, which brings it
// back to the page it asked for (for a GET) once signed in.
func redirectToSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// consoleSections are the first segments of the console's pages (see
// routes.go); "/" is the home page.
var consoleSections = []string{"webhooks", "history", "inbound", "directory", "api-access", "access-tokens", "operator"}

// localPath returns next if it is a page of this console, else "/": the
// place to send a browser after sign-in or a form, from a value the
// browser (or whoever made the link) chose. It accepts only a path that
// parses, with no scheme, host or user, no control characters or
// backslashes even percent-encoded, that path.Clean leaves as it is, and
// whose first segment is a console section; the query is kept, re-encoded.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, unsafeInPath) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	p := u.Path
	if p == "/" || !strings.HasPrefix(p, "/") || strings.ContainsFunc(p, unsafeInPath) || path.Clean(p) != p {
		return "/"
	}
	section, _, _ := strings.Cut(p[1:], "/")
	if !slices.Contains(consoleSections, section) {
		return "/"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || strings.ContainsFunc(u.RawQuery, unsafeInPath) {
		q = nil
	}
	out := (&url.URL{Path: p, RawQuery: q.Encode()}).RequestURI()
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return "/"
	}
	return out
}

// unsafeInPath reports characters a redirect target must not hold, in
// clear or decoded: controls (browsers drop tabs and line breaks, making
// "/\t/evil.example" a link to another host), backslashes (read as "/"),
// and anything outside printable ASCII and UTF-8 text.
func unsafeInPath(r rune) bool {
	return r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError || unicode.IsControl(r)
}

// clientIP returns the address the request came from, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginPage is the data of the sign-in page.
type loginPage struct {
	Operator   bool // the operator's form
	Email      string
	Tenant     string
	ShowTenant bool
	Next       string
	Error      string
	SignedOut  bool
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	if v.ID != nil {
		http.Redirect(w, r, localPath(q.Get("next")), http.StatusSeeOther)
		return nil
	}
	p := loginPage{
		Operator:   q.Get("as") == "operator",
		Tenant:     q.Get("tenant"),
		ShowTenant: q.Get("tenant") != "",
		Next:       q.Get("next"),
		SignedOut:  q.Has("signed_out"),
	}
	return s.render(w, r, v, http.StatusOK, "login", "Sign in", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	p := loginPage{
		Operator: f.Get("as") == "operator",
		Email:    f.Get("email"),
		Tenant:   f.Get("tenant"),
		Next:     f.Get("next"),
	}
	p.ShowTenant = p.Tenant != ""
	var (
		id    *app.ConsoleIdentity
		token string
		err   error
	)
	if p.Operator {
		id, token, err = s.App.SignInOperator(r.Context(), f.Get("operator_token"), clientIP(r), r.UserAgent())
	} else {
		id, token, err = s.App.SignIn(r.Context(), app.SignInInput{
			Email:     p.Email,
			Password:  f.Get("password"),
			Tenant:    p.Tenant,
			IPAddress: clientIP(r),
			UserAgent: r.UserAgent(),
		})
	}
	if err != nil {
		status := 0
		switch hookd.ErrorCode(err) {
		case hookd.EUNAUTHORIZED:
			status = http.StatusUnauthorized
		case hookd.ERATELIMITED:
			status = http.StatusTooManyRequests
		case hookd.EUNAVAILABLE:
			status = http.StatusServiceUnavailable
		case hookd.EINVALID:
			status, p.ShowTenant = http.StatusUnprocessableEntity, true
		default:
			return err
		}
		p.Error = hookd.ErrorMessage(err)
		if wait, ok := app.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
		}
		return s.render(w, r, v, status, "login", "Sign in", p)
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, token, int(s.App.SessionMaxAge.Seconds())))
	s.clearCookie(w, r, signInCookie)
	who := "operator"
	if id.User != nil {
		who = id.User.ID
	}
	s.Log.InfoContext(r.Context(), "console sign-in", "who", who, "session", id.Session.ID)
	http.Redirect(w, r, localPath(p.Next), http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.token != "" {
		if err := s.App.SignOut(r.Context(), v.token); err != nil {
			return err
		}
	}
	s.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login?signed_out", http.StatusSeeOther)
	return nil
}
