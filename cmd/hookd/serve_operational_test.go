package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd"
)

// TestServeOperatorWebhook: serve sends operational events to
// --operator-webhook-url, signed with --operator-webhook-secret, from its
// operational-events job (issue 14, item 6); bad settings are refused at
// start.
func TestServeOperatorWebhook(t *testing.T) {
	got := make(chan []byte, 10)
	var headers = make(chan http.Header, 10)
	op := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		headers <- r.Header.Clone()
		got <- b
	}))
	defer op.Close()
	secret := hookd.NewSigningSecret(hookd.SigningHMACSHA256)
	getenv := envOf(map[string]string{"HOOKD_OPERATOR_WEBHOOK_URL": op.URL, "HOOKD_OPERATOR_WEBHOOK_SECRET": secret})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--allow-private-destinations")
	key := "Token " + enabledTenant(t, s, "opsignals")
	r := s.do(http.MethodPost, "/api/v1/endpoints", key, map[string]any{"url": "https://crm.example/hooks", "name": "crm"})
	want(t, "create endpoint", r, http.StatusCreated)
	ep := decode[struct {
		ID string `json:"id"`
	}](t, r)
	want(t, "disable", s.do(http.MethodPost, "/api/v1/endpoints/"+ep.ID+"/disable", key, nil), http.StatusOK)

	// The job runs every 2 s, looked for every 2 s: the request comes
	// within seconds (real time: serve runs on the system clock).
	select {
	case body := <-got:
		h := <-headers
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Fatalf("operator request %s: %v", body, err)
		}
		var m struct {
			Type     string `json:"type"`
			TenantID string `json:"tenant_id"`
			Data     struct {
				Endpoint struct {
					ID string `json:"id"`
				} `json:"endpoint"`
				Cause string `json:"cause"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		if m.Type != hookd.EventEndpointDisabled || m.TenantID == "" || m.Data.Endpoint.ID != ep.ID || m.Data.Cause != hookd.DisabledCauseUser {
			t.Fatalf("operator got %s", body)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the operator's URL got nothing")
	}
	s.stop()

	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOOKD_OPERATOR_WEBHOOK_URL": op.URL}, "needs --operator-webhook-secret"},
		{map[string]string{"HOOKD_OPERATOR_WEBHOOK_URL": "ftp://x", "HOOKD_OPERATOR_WEBHOOK_SECRET": secret}, "absolute http or https URL"},
		{map[string]string{"HOOKD_OPERATOR_WEBHOOK_URL": op.URL, "HOOKD_OPERATOR_WEBHOOK_SECRET": "whsec_!!"}, "not a valid signing secret"},
		{map[string]string{"HOOKD_OPERATOR_WEBHOOK_SECRET": secret}, "without --operator-webhook-url"},
		{map[string]string{"HOOKD_FAILING_THRESHOLD": "1.5"}, "--failing-threshold"},
		{map[string]string{"HOOKD_FAILING_WINDOW": "10s"}, "--failing-window"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, envOf(tc.env), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve with %v: err %v, want %q", tc.env, err, tc.want)
		}
	}
}
