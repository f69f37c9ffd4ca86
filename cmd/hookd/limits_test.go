package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestServeRateLimitAcrossInstances runs two hookd serve on one PostgreSQL
// and alternates one credential's calls between them, as fast as they
// answer: the calls past five in a second are refused with 429 and
// Retry-After, and the penalty then holds on both.
func TestServeRateLimitAcrossInstances(t *testing.T) {
	t.Parallel()
	dsn := sqlstoretest.PostgresURL(t)
	getenv := envOf(map[string]string{
		"HOOKD_DATABASE_URL": dsn,
		"HOOKD_SECRET_KEY":   strings.Repeat("ab", 32), // the instances share their key
		"HOOKD_ADMIN_TOKEN":  "hkd_op_test-operator-token-0123456789",
	})
	a := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	b := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	op := "Bearer hkd_op_test-operator-token-0123456789"
	want(t, "create tenant", a.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": "acme", "plan": "enterprise"}), http.StatusCreated)
	r := b.do(http.MethodPut, "/api/v1/admin/tenants/acme/api", op, map[string]any{"enabled": true})
	want(t, "enable API", r, http.StatusOK)
	key := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey

	// Five calls take well under a second even on a loaded machine; were
	// the limit counted per instance, each would allow five and the
	// twelve calls below would all pass.
	both := []*server{a, b}
	allowed := 0
	var refused *response
	for i := range 12 {
		r := both[i%2].do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil)
		if r.status == http.StatusOK {
			allowed++
			continue
		}
		want(t, fmt.Sprintf("call %d", i+1), r, http.StatusTooManyRequests)
		refused = &r
		break
	}
	if refused == nil {
		t.Fatalf("12 calls alternating between two instances: all allowed")
	}
	if allowed < 5 {
		t.Errorf("refused after %d calls, want at least 5", allowed)
	}
	if got := refused.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30", got)
	}
	for _, s := range both {
		r := s.do(http.MethodGet, "/api/v1/tenant", "Token "+key, nil)
		want(t, "a call during the penalty", r, http.StatusTooManyRequests)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After: %v", r.header)
		}
	}
}
