package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestServePullAcrossInstances runs two instances on one PostgreSQL
// database: a list-payloads call waiting on one is answered when the
// other stores a payload (the instances' LISTEN/NOTIFY wake), long before
// its wait ends; and HOOKD_PULL_INACTIVE_AFTER and --pull-delete-after
// set the lifecycle shown in the endpoint's JSON.
func TestServePullAcrossInstances(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{
		"HOOKD_DATABASE_URL":        sqlstoretest.PostgresURL(t),
		"HOOKD_SECRET_KEY":          hex.EncodeToString(secret.RandomBytes(32)),
		"HOOKD_PULL_INACTIVE_AFTER": "36h",
	})
	args := []string{"--addr", "127.0.0.1:0", "--api-rate-limit", "0", "--pull-delete-after", "2h"}
	a := startServer(t, getenv, append(args, "--data-dir", t.TempDir())...)
	b := startServer(t, getenv, append(args, "--data-dir", t.TempDir())...)
	key := "Token " + enabledTenant(t, a, "acme")
	want(t, "create event type", a.do(http.MethodPost, "/api/v1/event-types", key, map[string]any{
		"name": "invoice.paid", "description": "Paid.", "schema": map[string]any{"type": "object"}, "example": map[string]any{},
	}), http.StatusCreated)
	r := a.do(http.MethodPost, "/api/v1/endpoints", key, map[string]any{"name": "Puller", "mode": "pull", "event_types": []string{"invoice.paid"}})
	want(t, "create pull endpoint", r, http.StatusCreated)
	ep := decode[struct {
		ID   string `json:"id"`
		Pull struct {
			InactiveBy time.Time `json:"inactive_by"`
			DeletedBy  time.Time `json:"deleted_by"`
		} `json:"pull"`
		CreatedAt time.Time `json:"created_at"`
	}](t, r)
	if !ep.Pull.InactiveBy.Equal(ep.CreatedAt.Add(36*time.Hour)) || !ep.Pull.DeletedBy.Equal(ep.CreatedAt.Add(38*time.Hour)) {
		t.Errorf("pull %+v for an endpoint created at %v; want inactive by +36 h (HOOKD_PULL_INACTIVE_AFTER), deleted by +38 h (--pull-delete-after 2h)", ep.Pull, ep.CreatedAt)
	}

	// A waits; B publishes.
	type answer struct {
		r  response
		at time.Time
	}
	done := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, a.base+"/api/v1/endpoints/"+ep.ID+"/payloads?wait=10", nil)
		req.Header.Set("Authorization", key)
		res, err := http.DefaultClient.Do(req)
		var out answer
		if err == nil {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(res.Body)
			res.Body.Close()
			out.r = response{status: res.StatusCode, header: res.Header, body: buf.Bytes()}
		}
		out.at = time.Now()
		done <- out
	}()
	time.Sleep(200 * time.Millisecond) // let the pull reach its wait; if not, it finds the payload at once
	published := time.Now()
	want(t, "publish on the other instance", b.do(http.MethodPost, "/api/v1/events", key, map[string]any{"type": "invoice.paid", "data": map[string]any{"n": 1}}), http.StatusAccepted)
	select {
	case got := <-done:
		latency := got.at.Sub(published)
		t.Logf("pull on instance A answered %v after the publish on instance B", latency)
		if got.r.status != http.StatusOK || !strings.Contains(string(got.r.body), `"transaction":1`) {
			t.Fatalf("waiting pull on A answered %s; want the payload published on B", got.r)
		}
		if latency > 5*time.Second {
			t.Errorf("the pull on A answered %v after the publish on B; want it woken long before its 10 s wait", latency)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the waiting pull on A did not answer")
	}

	// Bad periods stop serve.
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--pull-inactive-after", "0s"}, envOf(nil), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--pull-inactive-after") {
		t.Errorf("serve with --pull-inactive-after 0s: err %v, want a --pull-inactive-after error", err)
	}
}
