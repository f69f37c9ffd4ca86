package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestServe starts the real server on each backend and checks the service
// surface: health, readiness, the console page, the offline API docs and
// the OpenAPI document; then that cancelling the context stops it
// gracefully.
func TestServe(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		// A getenv that sets nothing: SQLite in an empty data directory.
		s := startServer(t, envOf(nil), "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		if !strings.Contains(s.stdout.String(), "(sqlite database)") {
			t.Errorf("stdout does not name the sqlite backend:\n%s", s.stdout)
		}
		checkServiceSurface(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		getenv := envOf(map[string]string{"HOOKD_DATABASE_URL": sqlstoretest.PostgresURL(t)})
		s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		if !strings.Contains(s.stdout.String(), "(postgres database)") {
			t.Errorf("stdout does not name the postgres backend:\n%s", s.stdout)
		}
		checkServiceSurface(t, s)
	})
}

func checkServiceSurface(t *testing.T, s *server) {
	t.Helper()
	if !strings.HasPrefix(s.base, "http://127.0.0.1:") {
		t.Errorf("listening on %q, want 127.0.0.1:<port>", s.base)
	}
	if s.console != s.base+"/" {
		t.Errorf("console URL %q, want %q", s.console, s.base+"/")
	}
	if docs, _ := printed(s.stdout.String(), "API docs:"); docs != s.base+"/docs" {
		t.Errorf("API docs line %q, want %q", docs, s.base+"/docs")
	}
	if !strings.HasPrefix(s.operatorToken(), "hkd_op_") {
		t.Errorf("first start printed no operator token:\n%s", s.stdout)
	}

	want(t, "GET /healthz", s.get("/healthz"), http.StatusOK)
	ready := s.get("/readyz")
	want(t, "GET /readyz", ready, http.StatusOK)
	if got := decode[map[string]any](t, ready)["status"]; got != "ready" {
		t.Errorf("GET /readyz status %v, want ready", got)
	}
	home := s.get("/")
	want(t, "GET /", home, http.StatusOK)
	if ct := home.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET / Content-Type %q, want text/html", ct)
	}
	if !strings.Contains(strings.ToLower(string(home.body)), "<html") {
		t.Errorf("GET / is not HTML:\n%s", home.body)
	}

	for _, path := range []string{"/docs", "/docs/"} {
		checkOfflineDocs(t, s, path)
	}

	checkOpenAPI(t, s)
	yml := s.get("/openapi.yaml")
	want(t, "GET /openapi.yaml", yml, http.StatusOK)
	if !strings.Contains(string(yml.body), "openapi: 3.1") {
		t.Errorf("GET /openapi.yaml does not declare openapi 3.1:\n%.300s", yml.body)
	}

	// Cancelling the context shuts the server down: run returns nil at
	// once and the port no longer answers.
	start := time.Now()
	s.stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v, want under 5s", d)
	}
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}
}

var (
	scriptSrc    = regexp.MustCompile(`(?is)<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']`)
	linkHref     = regexp.MustCompile(`(?is)<link\b[^>]*\bhref\s*=\s*["']([^"']+)["']`)
	swaggerCfg   = regexp.MustCompile(`var cfg = (\{.*?\});`)
	validatorOff = regexp.MustCompile(`validatorUrl:\s*null`)
	absURL       = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9.-]+(?::\d+)?[^\s"'<>)]*`)
)

// checkOfflineDocs checks that the Swagger UI at path loads nothing from
// another host: every script and stylesheet it references comes from this
// server and answers 200, and neither the page nor its scripts' config
// point the browser elsewhere.
func checkOfflineDocs(t *testing.T, s *server, path string) {
	t.Helper()
	page := s.get(path)
	want(t, "GET "+path, page, http.StatusOK)
	if ct := page.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET %s Content-Type %q, want text/html", path, ct)
	}
	html := string(page.body)
	if !strings.Contains(strings.ToLower(html), "swagger") {
		t.Errorf("GET %s is not the Swagger UI:\n%s", path, html)
	}
	pageURL, err := url.Parse(s.base + path)
	if err != nil {
		t.Fatal(err)
	}

	var assets []string
	for _, m := range scriptSrc.FindAllStringSubmatch(html, -1) {
		assets = append(assets, m[1])
	}
	var scripts = len(assets)
	for _, m := range linkHref.FindAllStringSubmatch(html, -1) {
		assets = append(assets, m[1])
	}
	if scripts == 0 {
		t.Errorf("GET %s references no script; the Swagger UI needs its bundle:\n%s", path, html)
	}
	for _, a := range assets {
		ref, err := url.Parse(a)
		if err != nil {
			t.Errorf("GET %s: bad asset URL %q: %v", path, a, err)
			continue
		}
		u := pageURL.ResolveReference(ref)
		if u.Host != pageURL.Host || (u.Scheme != "http" && u.Scheme != "") {
			t.Errorf("GET %s references %q on another host", path, a)
			continue
		}
		r := s.get(u.RequestURI())
		if r.status != http.StatusOK || len(r.body) == 0 {
			t.Errorf("GET %s references %s, which answers %d (%d bytes), want 200", path, u.RequestURI(), r.status, len(r.body))
		}
	}

	// The page's config names the document on this server, and switches off
	// Swagger UI's online validator badge (its default is a URL on
	// validator.swagger.io).
	m := swaggerCfg.FindStringSubmatch(html)
	if m == nil {
		t.Errorf("GET %s has no Swagger UI config (var cfg = {...})", path)
	} else {
		var cfg struct {
			SwaggerJSONURL string `json:"swaggerJsonUrl"`
		}
		if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
			t.Errorf("GET %s: Swagger UI config %s: %v", path, m[1], err)
		}
		ref, err := url.Parse(cfg.SwaggerJSONURL)
		if err != nil || ref.Host != "" || cfg.SwaggerJSONURL == "" {
			t.Errorf("GET %s loads the document from %q, want a path on this server", path, cfg.SwaggerJSONURL)
		} else if r := s.get(pageURL.ResolveReference(ref).RequestURI()); r.status != http.StatusOK {
			t.Errorf("GET %s loads the document from %s, which answers %d", path, cfg.SwaggerJSONURL, r.status)
		}
	}
	if !validatorOff.MatchString(html) {
		t.Errorf("GET %s does not set validatorUrl: null; Swagger UI would call validator.swagger.io", path)
	}

	// Absolute URLs in the page itself (inline config, such as the
	// document's URL) must stay on this host too. URLs inside the bundled
	// scripts are Swagger UI's own code (licences, links in messages) and
	// are not fetched at load.
	for _, a := range absURL.FindAllString(html, -1) {
		u, err := url.Parse(a)
		if err != nil || u.Host != pageURL.Host {
			if isInertURL(a) {
				continue
			}
			t.Errorf("GET %s points at %q, off this host", path, a)
		}
	}
}

// isInertURL reports whether an absolute URL in HTML is an identifier that a
// browser never fetches (XML namespaces).
func isInertURL(u string) bool {
	return strings.HasPrefix(u, "http://www.w3.org/")
}

// checkOpenAPI validates /openapi.json against the official OpenAPI 3.1
// schema with libopenapi-validator.
func checkOpenAPI(t *testing.T, s *server) {
	t.Helper()
	r := s.get("/openapi.json")
	want(t, "GET /openapi.json", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Errorf("GET /openapi.json Content-Type %q, want JSON", ct)
	}
	doc, err := libopenapi.NewDocument(r.body)
	if err != nil {
		t.Fatalf("parse /openapi.json: %v", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.1") {
		t.Errorf("/openapi.json is OpenAPI %q, want 3.1", v)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build validator for /openapi.json: %v", errs)
	}
	ok, verrs := v.ValidateDocument()
	for _, e := range verrs {
		msg := e.Message + ": " + e.Reason
		for _, se := range e.SchemaValidationErrors {
			msg += fmt.Sprintf("\n    %s: %s", se.FieldPath, se.Reason)
		}
		t.Errorf("/openapi.json is not valid OpenAPI 3.1: %s", msg)
	}
	if !ok && len(verrs) == 0 {
		t.Errorf("/openapi.json is not valid OpenAPI 3.1 (no details)")
	}
	// Every fixed path of API.md built so far is documented.
	paths := decode[struct {
		Paths map[string]any `json:"paths"`
	}](t, r).Paths
	for _, p := range []string{
		"/readyz", "/api/v1/admin/tenants", "/api/v1/admin/tenants/{slug}/api",
		"/api/v1/admin/tenants/{slug}/api/regenerate", "/api/v1/api", "/api/v1/api/regenerate",
		"/api/v1/access-tokens", "/api/v1/access-tokens/{id}", "/api/v1/service-accounts",
		"/api/v1/oauth-clients", "/oauth/token",
	} {
		if _, ok := paths[p]; !ok {
			t.Errorf("/openapi.json does not document %s", p)
		}
	}
}

// TestServeOperatorToken checks the operator token's life: printed on the
// first start only, still valid after a restart, and replaced by
// HOOKD_ADMIN_TOKEN when that is set (and then nothing is printed).
func TestServeOperatorToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir}

	first := startServer(t, envOf(nil), args...)
	token := first.operatorToken()
	if !strings.HasPrefix(token, "hkd_op_") {
		t.Fatalf("first start printed no operator token:\n%s", first.stdout)
	}
	want(t, "operator call with the printed token", first.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+token, nil), http.StatusOK)
	first.stop()

	second := startServer(t, envOf(nil), args...)
	if strings.Contains(second.stdout.String(), "operator token") || strings.Contains(second.stdout.String(), token) {
		t.Errorf("second start printed an operator token:\n%s", second.stdout)
	}
	if strings.Contains(second.stderr.String(), token) {
		t.Errorf("second start logged the operator token:\n%s", second.stderr)
	}
	want(t, "operator call with the first token after a restart", second.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+token, nil), http.StatusOK)
	r := second.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer hkd_op_wrong", nil)
	want(t, "operator call with a wrong token", r, http.StatusUnauthorized)
	if r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	second.stop()

	const configured = "my-own-operator-token-0123456789"
	third := startServer(t, envOf(map[string]string{"HOOKD_ADMIN_TOKEN": configured}), args...)
	if strings.Contains(third.stdout.String(), "operator token") || strings.Contains(third.stdout.String(), configured) {
		t.Errorf("start with HOOKD_ADMIN_TOKEN printed a token:\n%s", third.stdout)
	}
	if strings.Contains(third.stderr.String(), configured) {
		t.Errorf("start with HOOKD_ADMIN_TOKEN logged it:\n%s", third.stderr)
	}
	want(t, "operator call with HOOKD_ADMIN_TOKEN", third.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+configured, nil), http.StatusOK)
	want(t, "operator call with the replaced generated token", third.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+token, nil), http.StatusUnauthorized)

	// On a fresh data directory too, HOOKD_ADMIN_TOKEN means nothing is
	// generated or printed.
	fresh := startServer(t, envOf(map[string]string{"HOOKD_ADMIN_TOKEN": configured}), "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	if strings.Contains(fresh.stdout.String(), "operator token") {
		t.Errorf("first start with HOOKD_ADMIN_TOKEN printed a token:\n%s", fresh.stdout)
	}
	want(t, "operator call with HOOKD_ADMIN_TOKEN on a fresh instance", fresh.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+configured, nil), http.StatusOK)
}

// TestServeFlagsOverrideEnv checks that serve reads its settings from the
// environment and that a flag wins over its variable.
func TestServeFlagsOverrideEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// The environment alone: HOOKD_ADDR and HOOKD_DATA_DIR are used.
	s := startServer(t, envOf(map[string]string{"HOOKD_ADDR": "127.0.0.1:0", "HOOKD_DATA_DIR": dir}))
	if !strings.HasPrefix(s.base, "http://127.0.0.1:") {
		t.Errorf("console URL %q, want one on 127.0.0.1", s.base)
	}
	s.stop()
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Fatalf("the server still answers after shutdown")
	}

	// An address in HOOKD_ADDR that cannot be listened on makes serve fail
	// (so the variable is read)...
	bad := envOf(map[string]string{"HOOKD_ADDR": "127.0.0.1:notaport", "HOOKD_DATA_DIR": dir})
	f := tryStartServer(t, bad)
	if f.result == nil || *f.result == nil || !strings.Contains((*f.result).Error(), "listen") {
		var got any = "still serving"
		if f.result != nil {
			got = *f.result
		}
		t.Errorf("serve with HOOKD_ADDR=127.0.0.1:notaport: got %v, want a listen error", got)
	}
	// ...and --addr overrides it.
	o := startServer(t, bad, "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(o.base, "http://127.0.0.1:") {
		t.Errorf("console URL %q, want one on 127.0.0.1", o.base)
	}
	// HOOKD_DATA_DIR still applied: the same instance, so no new token.
	if strings.Contains(o.stdout.String(), "operator token") {
		t.Errorf("serve did not use HOOKD_DATA_DIR (it printed a new operator token):\n%s", o.stdout)
	}
	o.stop()

	// --public-url over HOOKD_PUBLIC_URL.
	p := startServer(t, envOf(map[string]string{"HOOKD_DATA_DIR": dir, "HOOKD_PUBLIC_URL": "https://env.example"}), "--addr", "127.0.0.1:0")
	if got, _ := printed(p.stdout.String(), "console:"); got != "https://env.example/" {
		t.Errorf("console line %q with HOOKD_PUBLIC_URL, want https://env.example/", got)
	}
	p.stop()
	p = startServer(t, envOf(map[string]string{"HOOKD_DATA_DIR": dir, "HOOKD_PUBLIC_URL": "https://env.example"}),
		"--addr", "127.0.0.1:0", "--public-url", "https://flag.example/")
	if got, _ := printed(p.stdout.String(), "console:"); got != "https://flag.example/" {
		t.Errorf("console line %q with --public-url, want https://flag.example/", got)
	}
}

// TestServeRateLimitFromEnv checks that HOOKD_API_RATE_LIMIT is honoured
// and that --api-rate-limit overrides it.
func TestServeRateLimitFromEnv(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{"HOOKD_API_RATE_LIMIT": "2"})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	key := enabledTenant(t, s, "ratelimited")

	for i := 1; i <= 2; i++ {
		want(t, fmt.Sprintf("call %d within the limit of 2/s", i), s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil), http.StatusOK)
	}
	r := s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil)
	want(t, "3rd quick call with HOOKD_API_RATE_LIMIT=2", r, http.StatusTooManyRequests)
	if got := r.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30", got)
	}
	s.stop()

	// The flag wins: --api-rate-limit 0 means no limit.
	s = startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--api-rate-limit", "0")
	key = enabledTenant(t, s, "unlimited")
	for i := 1; i <= 8; i++ {
		want(t, fmt.Sprintf("call %d with --api-rate-limit 0", i), s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil), http.StatusOK)
	}
}

// enabledTenant creates a tenant (without a console user, to spare an
// argon2id hash), enables its API and returns the API key.
func enabledTenant(t *testing.T, s *server, slug string) string {
	t.Helper()
	op := "Bearer " + s.operatorToken()
	want(t, "create tenant", s.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": slug, "plan": "enterprise"}), http.StatusCreated)
	r := s.do(http.MethodPut, "/api/v1/admin/tenants/"+slug+"/api", op, map[string]any{"enabled": true})
	want(t, "enable API", r, http.StatusOK)
	key := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
	if key == "" {
		t.Fatalf("enable API answered no key: %s", r)
	}
	return key
}

// TestServeGracefulShutdown checks that a request in flight when the
// context ends still completes: the server stops accepting connections,
// waits for the request (whose handler is waiting for its body), answers it,
// and only then does run return nil.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServer(t, envOf(nil), "--addr", "127.0.0.1:0", "--data-dir", dir)
	host := strings.TrimPrefix(s.base, "http://")

	// With Expect: 100-continue the server says "100 Continue" when the
	// handler starts reading the body: from then on the request is in
	// flight, and the handler waits for the body we hold back.
	body := `{"slug":"inflight","name":"In flight"}`
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	head := "POST /api/v1/admin/tenants HTTP/1.1\r\nHost: " + host + "\r\n" +
		"Authorization: Bearer " + s.operatorToken() + "\r\n" +
		"Content-Type: application/json\r\n" +
		"Expect: 100-continue\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(conn)
	cont, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("read 100 Continue: %v", err)
	}
	if cont.StatusCode != http.StatusContinue {
		t.Fatalf("got %d before sending the body, want 100", cont.StatusCode)
	}

	s.cancel()
	// Shutdown has begun once the listener is closed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server still accepts connections 10s after its context ended")
		}
		time.Sleep(5 * time.Millisecond) // polling for the listener to close, not waiting on time
	}
	select {
	case err := <-s.done:
		s.result = &err
		t.Fatalf("run returned %v while a request was still in flight", err)
	default:
	}

	if _, err := conn.Write([]byte(body)); err != nil {
		t.Fatalf("send the body after shutdown began: %v", err)
	}
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("read the answer to the request in flight: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("request in flight at shutdown: status %d, want 201", resp.StatusCode)
	}

	select {
	case err := <-s.done:
		s.result = &err
		if err != nil {
			t.Errorf("run returned %v after a graceful shutdown, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not return after the request in flight completed")
	}

	// The tenant made during shutdown was stored.
	out, _, err := runCmd(t, envOf(map[string]string{"HOOKD_DATA_DIR": dir}), "tenants", "list")
	if err != nil {
		t.Fatalf("tenants list: %v", err)
	}
	if !strings.Contains(out, "inflight") {
		t.Errorf("the tenant created during shutdown is missing:\n%s", out)
	}
}

// TestServeSecretKeyFromEnv checks that HOOKD_SECRET_KEY replaces the
// instance key file: none is made, the API key reads back across restarts
// with the same key, and a malformed key stops serve without showing it.
func TestServeSecretKeyFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretKey := randomHex(t) + randomHex(t) + randomHex(t)[:16] // 64 hex digits: 32 bytes
	getenv := envOf(map[string]string{"HOOKD_SECRET_KEY": secretKey})
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir}

	s := startServer(t, getenv, args...)
	key := enabledTenant(t, s, "keyed")
	op := s.operatorToken()
	s.stop()
	if _, err := os.Stat(filepath.Join(dir, "instance.key")); !os.IsNotExist(err) {
		t.Errorf("an instance key file was made although HOOKD_SECRET_KEY is set (stat: %v)", err)
	}

	s = startServer(t, getenv, args...)
	r := s.do(http.MethodGet, "/api/v1/api/key", "Token "+key, nil)
	want(t, "GET /api/v1/api/key after a restart with the same HOOKD_SECRET_KEY", r, http.StatusOK)
	if got := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey; got != key {
		t.Errorf("GET /api/v1/api/key: %q, want %q", got, key)
	}
	want(t, "operator token after a restart", s.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+op, nil), http.StatusOK)
	s.stop()

	const bad = "not-a-key-0123456789"
	f := tryStartServer(t, envOf(map[string]string{"HOOKD_SECRET_KEY": bad}), args...)
	switch {
	case f.result == nil:
		t.Errorf("serve started with a malformed HOOKD_SECRET_KEY")
	case *f.result == nil || !strings.Contains((*f.result).Error(), "HOOKD_SECRET_KEY"):
		t.Errorf("serve with a malformed HOOKD_SECRET_KEY: %v, want an error naming it", *f.result)
	case strings.Contains((*f.result).Error(), bad):
		t.Errorf("the error shows the key: %v", *f.result)
	}
}

// TestServePlanRateLimitsFromEnv checks that HOOKD_PLAN_RATE_LIMITS parses
// and overrides the default limit for the plans it names, and that an
// unknown plan stops serve with a clear error.
func TestServePlanRateLimitsFromEnv(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{"HOOKD_PLAN_RATE_LIMITS": "enterprise=1,platinum=3"})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	key := enabledTenant(t, s, "planlimited")
	want(t, "first call within the enterprise limit of 1/s", s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil), http.StatusOK)
	want(t, "2nd quick call with enterprise=1", s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil), http.StatusTooManyRequests)
	s.stop()

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--plan-rate-limit", "gold=2"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), `unknown plan "gold"`) {
		t.Errorf("serve with --plan-rate-limit gold=2: err %v, want an unknown plan error", err)
	}
}

// TestServeTenantQuotasFromEnv checks that HOOKD_MAX_* and
// HOOKD_PLAN_QUOTAS bound what a tenant creates: beyond its plan's quota a
// create answers 403 urn:hookd:problem:quota-exceeded naming the quota, and
// GET /api/v1/quotas shows used and limit. A bad override stops serve.
func TestServeTenantQuotasFromEnv(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{"HOOKD_MAX_ACCESS_TOKENS": "5", "HOOKD_PLAN_QUOTAS": "enterprise.access_tokens=1"})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--api-rate-limit", "0")
	key := "Token " + enabledTenant(t, s, "quotaed")
	want(t, "first token", s.do(http.MethodPost, "/api/v1/access-tokens", key, map[string]any{"name": "one"}), http.StatusCreated)
	r := s.do(http.MethodPost, "/api/v1/access-tokens", key, map[string]any{"name": "two"})
	want(t, "second token beyond enterprise.access_tokens=1", r, http.StatusForbidden)
	p := decode[struct {
		Type   string `json:"type"`
		Errors []struct {
			Location string `json:"location"`
		} `json:"errors"`
	}](t, r)
	if p.Type != "urn:hookd:problem:quota-exceeded" || len(p.Errors) != 1 || p.Errors[0].Location != "quota.access_tokens" {
		t.Fatalf("problem %s, want quota-exceeded at quota.access_tokens", r.body)
	}
	q := decode[struct {
		Quotas []struct {
			Kind        string
			Used, Limit int
		} `json:"quotas"`
	}](t, s.do(http.MethodGet, "/api/v1/quotas", key, nil))
	found := false
	for _, u := range q.Quotas {
		switch u.Kind {
		case "access_tokens":
			found = true
			if u.Used != 1 || u.Limit != 1 {
				t.Errorf("access tokens: used %d of %d, want 1 of 1", u.Used, u.Limit)
			}
		case "endpoints":
			if u.Limit != 1000 {
				t.Errorf("endpoints limit %d, want the default 1000", u.Limit)
			}
		}
	}
	if !found || len(q.Quotas) != 6 {
		t.Errorf("quotas %+v, want six kinds", q.Quotas)
	}
	s.stop()

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--plan-quota", "gold.endpoints=2"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--plan-quota") {
		t.Errorf("serve with --plan-quota gold.endpoints=2: err %v, want a --plan-quota error", err)
	}
}
