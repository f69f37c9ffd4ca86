package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/inbound"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// start is where every test's manual clock begins.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// operatorToken is the operator token of every test server.
const operatorToken = "op-token-0123456789abcdefghij"

// publicURL is the HOOKD_PUBLIC_URL of every test server.
const publicURL = "https://hookd.example"

// fastPasswords keeps argon2id cheap under -race.
var fastPasswords = secret.PasswordParams{Memory: 1024, Time: 1, Threads: 1}

// env is one hookd API served over real HTTP, with a store, a manual clock
// and a rate limiter of 5 requests per second.
type env struct {
	t       *testing.T
	store   *sqlstore.Store
	clock   *hookd.ManualClock
	app     *app.App
	limiter *httpapi.RateLimiter
	srv     *httpapi.Server
	ts      *httptest.Server
	url     string

	// tick is how far the clock moves before each request sent with do.
	// The default, 250 ms, keeps any one credential under 5 requests per
	// second; rate-limit tests set it to 0 and move the clock themselves.
	tick time.Duration

	mu  sync.Mutex
	log []*response // every response, in order
}

// newEnv returns an env over s.
func newEnv(t *testing.T, s *sqlstore.Store) *env {
	t.Helper()
	clock := hookd.NewManualClock(start)
	box, err := secret.NewBox(secret.RandomBytes(32))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(s, clock, box, nil)
	a.PasswordParams = fastPasswords
	a.PublicURL = publicURL
	a.Inbound = inbound.Parser{}
	if _, err := a.EnsureOperatorToken(context.Background(), operatorToken); err != nil {
		t.Fatalf("EnsureOperatorToken: %v", err)
	}
	lim := &httpapi.RateLimiter{Clock: clock, Default: 5}
	if s.SharesLimits() {
		lim.Shared = s // on PostgreSQL every rate-limit test runs on the shared windows
	}
	srv := httpapi.New(a, lim, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, store: s, clock: clock, app: a, limiter: lim, srv: srv, ts: ts, url: ts.URL, tick: 250 * time.Millisecond}
}

// eachEnv runs f in parallel subtests on SQLite and PostgreSQL, each with an
// env of its own.
func eachEnv(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	t.Parallel()
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		t.Parallel()
		f(t, newEnv(t, s))
	})
}

// response is an answer read in full.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

func (r *response) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.Method, r.Path, r.Status, r.Body)
}

// Authorization header values.
func tokenAuth(key string) string    { return "Token " + key }
func bearerAuth(token string) string { return "Bearer " + token }
func operatorAuth() string           { return bearerAuth(operatorToken) }
func basicAuth(email, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+pw))
}

// do sends a request with the given Authorization ("" for none) and body:
// nil for none, a string or []byte sent as is, anything else as JSON.
func (e *env) do(method, path, auth string, body any) *response {
	e.t.Helper()
	req := e.newRequest(method, path, auth, body)
	return e.send(req)
}

// newRequest builds a request to the test server.
func (e *env) newRequest(method, path, auth string, body any) *http.Request {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}

// send sends req after moving the clock by e.tick, and records the answer.
func (e *env) send(req *http.Request) *response {
	e.t.Helper()
	if e.tick > 0 {
		e.clock.Advance(e.tick)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	r := &response{Method: req.Method, Path: req.URL.RequestURI(), Status: res.StatusCode, Header: res.Header, Body: b}
	e.mu.Lock()
	e.log = append(e.log, r)
	e.mu.Unlock()
	return r
}

// responsesSince returns the responses recorded after the first n.
func (e *env) responsesSince(n int) []*response {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*response(nil), e.log[n:]...)
}

// responseCount returns how many responses have been recorded.
func (e *env) responseCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.log)
}

// wantStatus fails the test now unless r has the given status.
func wantStatus(t testing.TB, r *response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Method, r.Path, r.Status, want, r.Body)
	}
}

// decode decodes r's JSON body.
func decode[T any](t testing.TB, r *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%s %s: decode %T: %v; body: %s", r.Method, r.Path, v, err, r.Body)
	}
	return v
}

// problem is an RFC 9457 problem document as a client reads it.
type problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance"`
	Errors   []problemField `json:"errors"`
}

type problemField struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// hasLocation reports whether p lists an error at location.
func (p problem) hasLocation(location string) bool {
	for _, f := range p.Errors {
		if f.Location == location {
			return true
		}
	}
	return false
}

// checkProblem returns an error unless r is a problem document with the
// given status and, if typ is not "", type.
func checkProblem(r *response, status int, typ string) (problem, error) {
	var p problem
	if r.Status != status {
		return p, fmt.Errorf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		return p, fmt.Errorf("Content-Type %q, want application/problem+json; body: %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return p, fmt.Errorf("problem does not decode: %v; body: %s", err, r.Body)
	}
	if !strings.HasPrefix(p.Type, httpapi.ProblemTypeBase) {
		return p, fmt.Errorf("problem type %q does not start with %s", p.Type, httpapi.ProblemTypeBase)
	}
	if typ != "" && p.Type != typ {
		return p, fmt.Errorf("problem type %q, want %q; body: %s", p.Type, typ, r.Body)
	}
	if p.Title == "" {
		return p, fmt.Errorf("problem has no title: %s", r.Body)
	}
	if p.Status != r.Status {
		return p, fmt.Errorf("problem status %d, HTTP status %d", p.Status, r.Status)
	}
	return p, nil
}

// wantProblem fails the test now unless r is a problem document with the
// given status and type ("" for any hookd type).
func wantProblem(t testing.TB, r *response, status int, typ string) problem {
	t.Helper()
	p, err := checkProblem(r, status, typ)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	return p
}

// tenantBody is a tenant as the API shows it.
type tenantBody struct {
	ID         string `json:"id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	Plan       string `json:"plan"`
	APIEnabled bool   `json:"api_enabled"`
}

// apiKeyBody is the answer of the API switch and key calls.
type apiKeyBody struct {
	Enabled bool   `json:"enabled"`
	APIKey  string `json:"api_key"`
}

// createTenant creates a tenant on plan ("" for the default) as the operator.
func (e *env) createTenant(slug, plan string) tenantBody {
	e.t.Helper()
	body := map[string]string{"slug": slug, "name": "Tenant " + slug}
	if plan != "" {
		body["plan"] = plan
	}
	r := e.do("POST", "/api/v1/admin/tenants", operatorAuth(), body)
	wantStatus(e.t, r, http.StatusCreated)
	return decode[tenantBody](e.t, r)
}

// enableAPI switches a tenant's API on and returns its key.
func (e *env) enableAPI(slug string) string {
	e.t.Helper()
	r := e.do("PUT", "/api/v1/admin/tenants/"+slug+"/api", operatorAuth(), map[string]bool{"enabled": true})
	wantStatus(e.t, r, http.StatusOK)
	k := decode[apiKeyBody](e.t, r)
	if !k.Enabled || k.APIKey == "" {
		e.t.Fatalf("enable API of %s: got %+v, want enabled with a key", slug, k)
	}
	return k.APIKey
}

// tenantWithAPI creates an enterprise tenant with its API on and returns its
// API key.
func (e *env) tenantWithAPI(slug string) string {
	e.t.Helper()
	e.createTenant(slug, "enterprise")
	return e.enableAPI(slug)
}

// accessTokenBody is an access token as the API shows it.
type accessTokenBody struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Token      string     `json:"token"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// allScopes are every scope's names.
var allScopes = []string{"read", "webhooks", "directory", "inbound", "credentials"}

// createAccessToken makes a named access token with auth and returns it;
// it has every scope, as the tokens of tests about other things need.
func (e *env) createAccessToken(auth, name string) accessTokenBody {
	e.t.Helper()
	r := e.do("POST", "/api/v1/access-tokens", auth, map[string]any{"name": name, "scopes": allScopes})
	wantStatus(e.t, r, http.StatusCreated)
	tok := decode[accessTokenBody](e.t, r)
	if tok.Token == "" || tok.ID == "" {
		e.t.Fatalf("created token has no token or id: %s", r.Body)
	}
	return tok
}

// listBody is one page of a list.
type listBody[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// whoAmI returns the slug of the tenant auth belongs to, failing unless
// GET /api/v1/tenant answers 200.
func (e *env) whoAmI(auth string) string {
	e.t.Helper()
	r := e.do("GET", "/api/v1/tenant", auth, nil)
	wantStatus(e.t, r, http.StatusOK)
	return decode[tenantBody](e.t, r).Slug
}
