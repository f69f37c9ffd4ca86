package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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
	both := []*server{a, b}

	// Six calls take well under a second even on a loaded machine; on the
	// rare run where they do not, the check is made again with a new
	// credential. Were the limit counted per instance, each would have
	// seen three calls and the sixth would pass.
	for attempt := 1; ; attempt++ {
		slug := fmt.Sprintf("acme%d", attempt)
		want(t, "create tenant", a.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": slug, "plan": "enterprise"}), http.StatusCreated)
		r := b.do(http.MethodPut, "/api/v1/admin/tenants/"+slug+"/api", op, map[string]any{"enabled": true})
		want(t, "enable API", r, http.StatusOK)
		auth := "Token " + decode[struct {
			APIKey string `json:"api_key"`
		}](t, r).APIKey

		start := time.Now()
		var got []response
		for i := range 6 {
			got = append(got, both[i%2].do(http.MethodGet, "/api/v1/tenant", auth, nil))
		}
		if took := time.Since(start); took >= 900*time.Millisecond && attempt < 3 {
			t.Logf("attempt %d: six calls took %v, more than a window; again", attempt, took)
			continue
		}
		for i, r := range got[:5] {
			want(t, fmt.Sprintf("call %d", i+1), r, http.StatusOK)
		}
		want(t, "the sixth call in a second, on the other instance than the fifth", got[5], http.StatusTooManyRequests)
		if ra := got[5].header.Get("Retry-After"); ra != "30" {
			t.Errorf("Retry-After %q, want 30", ra)
		}
		// The penalty holds on both instances.
		for _, s := range both {
			r := s.do(http.MethodGet, "/api/v1/tenant", auth, nil)
			want(t, "a call during the penalty", r, http.StatusTooManyRequests)
			if r.header.Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After: %v", r.header)
			}
		}
		return
	}
}
