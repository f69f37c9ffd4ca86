package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestTourSecretsAtRest runs the README's tour against the real server on
// each backend, then stops it and checks that none of the secrets the tour
// handled is kept in plaintext: not in the database (every row, or the raw
// SQLite files) and not anywhere in the data directory. The API key, which
// must be shown again, is kept encrypted: after a restart with the same data
// directory (and so the same instance key file) it reads back the same.
func TestTourSecretsAtRest(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		tourSecretsAtRest(t, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		tourSecretsAtRest(t, sqlstoretest.PostgresURL(t))
	})
}

// tourSecretsAtRest is TestTourSecretsAtRest on the database databaseURL
// ("" for SQLite in the data directory).
func tourSecretsAtRest(t *testing.T, databaseURL string) {
	dir := t.TempDir()
	getenv := envOf(map[string]string{"HOOKD_DATABASE_URL": databaseURL})
	// No rate limit: the tour makes more than 5 calls a second with the API
	// key, and the limit has its own test.
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--api-rate-limit", "0"}
	s := startServer(t, getenv, args...)

	operatorToken := s.operatorToken()
	if operatorToken == "" {
		t.Fatalf("first start printed no operator token:\n%s", s.stdout)
	}
	op := "Bearer " + operatorToken
	adminPassword := "admin-" + randomHex(t)
	saPassword := "sa-" + randomHex(t)

	// 1. A tenant with its first console user.
	r := s.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{
		"slug": "acme", "name": "Acme Inc.", "plan": "enterprise",
		"admin_email": "admin@acme.example", "admin_password": adminPassword,
	})
	want(t, "create tenant", r, http.StatusCreated)
	tenant := decode[struct {
		ID         string `json:"id"`
		Slug       string `json:"slug"`
		APIEnabled bool   `json:"api_enabled"`
	}](t, r)
	if !strings.HasPrefix(tenant.ID, "ten_") || tenant.Slug != "acme" || tenant.APIEnabled {
		t.Errorf("created tenant %s, want ten_… acme with the API off", r.body)
	}

	// 2. Enable its API: that makes the key.
	r = s.do(http.MethodPut, "/api/v1/admin/tenants/acme/api", op, map[string]any{"enabled": true})
	want(t, "enable API", r, http.StatusOK)
	apiKey := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
	if !strings.HasPrefix(apiKey, "hkd_key_") {
		t.Fatalf("enable API: %s, want an hkd_key_… api_key", r.body)
	}
	keyAuth := "Token " + apiKey

	// 3. Call the API with the key.
	r = s.do(http.MethodGet, "/api/v1/tenant", keyAuth, nil)
	want(t, "GET /api/v1/tenant with the API key", r, http.StatusOK)
	if got := decode[struct {
		Slug string `json:"slug"`
	}](t, r).Slug; got != "acme" {
		t.Errorf("GET /api/v1/tenant: slug %q, want acme", got)
	}

	// 4. A named access token.
	r = s.do(http.MethodPost, "/api/v1/access-tokens", keyAuth, map[string]any{"name": "CI pipeline"})
	want(t, "create access token", r, http.StatusCreated)
	accessToken := decode[struct {
		Token string `json:"token"`
	}](t, r).Token
	if !strings.HasPrefix(accessToken, "hkd_at_") {
		t.Fatalf("create access token: %s, want an hkd_at_… token", r.body)
	}
	r = s.do(http.MethodGet, "/api/v1/access-tokens", "Bearer "+accessToken, nil)
	want(t, "list access tokens with the access token", r, http.StatusOK)
	if bytes.Contains(r.body, []byte(accessToken)) {
		t.Errorf("the token list shows the token: %s", r.body)
	}

	// 5. A service account that may read as well as call the webhooks, and
	// a call with its password.
	r = s.do(http.MethodPost, "/api/v1/service-accounts", keyAuth, map[string]any{"email": "hr-sync@acme.example", "password": saPassword, "scopes": []string{"read", "inbound"}})
	want(t, "create service account", r, http.StatusCreated)
	req, _ := http.NewRequest(http.MethodGet, s.base+"/api/v1/tenant", nil)
	req.SetBasicAuth("hr-sync@acme.example", saPassword)
	want(t, "GET /api/v1/tenant as the service account", s.send(req), http.StatusOK)

	// 6. An OAuth2 client, a token from the client-credentials grant, and a
	// call with that token.
	r = s.do(http.MethodPost, "/api/v1/oauth-clients", keyAuth, map[string]any{"name": "Reporting"})
	want(t, "create OAuth client", r, http.StatusCreated)
	client := decode[struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}](t, r)
	if client.ID == "" || !strings.HasPrefix(client.Secret, "hkd_cs_") {
		t.Fatalf("create OAuth client: %s", r.body)
	}
	req, _ = http.NewRequest(http.MethodPost, s.base+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client.ID), url.QueryEscape(client.Secret))
	r = s.send(req)
	want(t, "POST /oauth/token", r, http.StatusOK)
	oauthToken := decode[struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}](t, r).AccessToken
	if oauthToken == "" {
		t.Fatalf("POST /oauth/token: %s", r.body)
	}
	want(t, "GET /api/v1/tenant with the OAuth token", s.do(http.MethodGet, "/api/v1/tenant", "Bearer "+oauthToken, nil), http.StatusOK)

	// 6. Inbound webhooks: provisioning destinations whose senders sign
	// with secrets, and calls with the API key and the service account,
	// which the inbound log keeps with their credentials redacted.
	hmacSecret := "hr-secret-" + randomHex(t)
	r = s.do(http.MethodPost, "/api/v1/provisioning-destinations", keyAuth, map[string]any{
		"name": "HR", "signature": map[string]any{"scheme": "hmac-sha256", "secret": hmacSecret},
	})
	want(t, "create provisioning destination", r, http.StatusCreated)
	dest := decode[struct {
		ID   string            `json:"id"`
		URLs map[string]string `json:"urls"`
	}](t, r)
	if dest.URLs["adduser"] != s.base+"/hooks/acme/provisioning/"+dest.ID+"/adduser" {
		t.Errorf("adduser URL %q, want one under %s", dest.URLs["adduser"], s.base)
	}
	r = s.do(http.MethodPost, "/api/v1/provisioning-destinations", keyAuth, map[string]any{
		"name": "HR signed", "signature": map[string]any{"scheme": "standard-webhooks"},
	})
	want(t, "create signed provisioning destination", r, http.StatusCreated)
	swSecret := decode[struct {
		Secret string `json:"signing_secret"`
	}](t, r).Secret
	if !strings.HasPrefix(swSecret, "whsec_") {
		t.Fatalf("create signed destination: %s", r.body)
	}
	want(t, "ticket webhook with the API key", s.do(http.MethodPost, "/hooks/acme/helpdesk/createticket", keyAuth,
		map[string]any{"requester_email": "ada@acme.example", "title": "VPN"}), http.StatusCreated)
	req, _ = http.NewRequest(http.MethodPost, dest.URLs["adduser"], strings.NewReader(`{"employee_id":"1"}`))
	req.SetBasicAuth("hr-sync@acme.example", saPassword)
	want(t, "unsigned adduser as the service account", s.send(req), http.StatusUnauthorized)

	// The key can be shown again.
	r = s.do(http.MethodGet, "/api/v1/api/key", keyAuth, nil)
	want(t, "GET /api/v1/api/key", r, http.StatusOK)
	if got := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey; got != apiKey {
		t.Errorf("GET /api/v1/api/key: %q, want the key %q", got, apiKey)
	}

	secrets := map[string]string{
		"API key":                  apiKey,
		"access token":             accessToken,
		"OAuth client secret":      client.Secret,
		"OAuth access token":       oauthToken,
		"service-account password": saPassword,
		"tenant admin password":    adminPassword,
		"operator token":           operatorToken,
		"HMAC signing secret":      hmacSecret,
		"Standard Webhooks secret": strings.TrimPrefix(swSecret, "whsec_"),
	}
	// While it runs (on SQLite, the write-ahead log is there now)...
	scanDir(t, dir, secrets)
	s.stop()
	// ...and once it has stopped.
	scanDir(t, dir, secrets)
	if strings.Contains(s.stderr.String(), "hkd_") {
		t.Errorf("the log shows a credential:\n%s", s.stderr)
	}
	for name, sec := range secrets {
		if strings.Contains(s.stderr.String(), sec) {
			t.Errorf("the log shows the %s", name)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := sqlstore.Open(ctx, databaseURL, dir)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	dump := sqlstoretest.DumpAtRest(t, store)
	if len(dump) == 0 {
		t.Fatalf("nothing at rest")
	}
	for name, sec := range secrets {
		if bytes.Contains(dump, []byte(sec)) {
			t.Errorf("the %s is in the database in plaintext", name)
		}
	}
	// The key is there, encrypted.
	stored, err := store.TenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatalf("read tenant acme: %v", err)
	}
	if stored.APIKey == nil || len(stored.APIKey.Ciphertext) <= len(apiKey) {
		t.Fatalf("tenant acme has no API key ciphertext: %+v", stored.APIKey)
	}
	ct := stored.APIKey.Ciphertext
	if bytes.Contains(ct, []byte(apiKey)) {
		t.Errorf("the API key's ciphertext holds the key")
	}
	wantCT := ct
	if databaseURL != "" {
		wantCT = []byte(hex.EncodeToString(ct)) // bytea as text
	}
	if !bytes.Contains(dump, wantCT) {
		t.Errorf("the API key's ciphertext is not at rest")
	}
	scanDir(t, dir, secrets) // opening the store must not change that either
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart with the same data directory reuses the instance key file,
	// so the key reads back the same; the credentials still work.
	keyFile := filepath.Join(dir, "instance.key")
	before, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("read the instance key file: %v", err)
	}
	s = startServer(t, getenv, args...)
	if s.operatorToken() != "" {
		t.Errorf("the restart printed a new operator token")
	}
	after, err := os.ReadFile(keyFile)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the restart changed the instance key file (err %v)", err)
	}
	r = s.do(http.MethodGet, "/api/v1/api/key", keyAuth, nil)
	want(t, "GET /api/v1/api/key after a restart", r, http.StatusOK)
	if got := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey; got != apiKey {
		t.Errorf("GET /api/v1/api/key after a restart: %q, want %q", got, apiKey)
	}
	want(t, "operator call after a restart", s.do(http.MethodGet, "/api/v1/admin/tenants", op, nil), http.StatusOK)
	want(t, "access token after a restart", s.do(http.MethodGet, "/api/v1/tenant", "Bearer "+accessToken, nil), http.StatusOK)
}

// scanDir fails the test if any file under dir holds one of the secrets.
func scanDir(t *testing.T, dir string, secrets map[string]string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil // a -wal or -shm file removed as we walked
		} else if err != nil {
			return err
		}
		n++
		for name, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds the %s in plaintext", filepath.Base(path), name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan %s: %v", dir, err)
	}
	if n == 0 {
		t.Fatalf("no file in the data directory %s", dir)
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}
