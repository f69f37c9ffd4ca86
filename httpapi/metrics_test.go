package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestMetrics checks that /metrics counts requests by route pattern (not raw
// path, which would make a series per ID) and status, including requests
// refused before routing.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	clock := hookd.NewManualClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(sqlstoretest.SQLite(t), clock, box, nil)
	if _, err := a.CreateTenant(ctx, app.CreateTenantInput{Slug: "acme"}); err != nil {
		t.Fatal(err)
	}
	acc, err := a.SetAPIEnabled(ctx, "acme", true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(a, &httpapi.RateLimiter{Clock: clock}, nil))
	defer srv.Close()

	get := func(path, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	get("/healthz", "")
	get("/api/v1/access-tokens/tok_one", "Token "+acc.Key)
	get("/api/v1/access-tokens/tok_two", "Token "+acc.Key)
	get("/api/v1/tenant", "Token wrong")

	code, body := get("/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`hookd_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`hookd_http_requests_total{code="404",method="GET",route="GET /api/v1/access-tokens/{id}"} 2`,
		`hookd_http_requests_total{code="401",method="GET",route="rejected"} 1`,
		`hookd_http_request_duration_seconds_bucket{method="GET",route="GET /healthz",le="+Inf"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "tok_one") {
		t.Error("/metrics labels a series with a raw path")
	}
}
