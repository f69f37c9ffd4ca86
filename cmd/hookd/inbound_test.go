package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// delivered is one delivery a receiver got and verified.
type delivered struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
	err  error          // the signature check's result
}

// TestInboundDeliveredEndToEnd runs the real server on each backend and
// checks that inbound webhook calls reach a tenant's endpoint as signed
// deliveries: HR adduser → user.created, deleteuser → user.terminated,
// ServiceNow → ticket.created. The receiver is a real HTTP server that
// verifies each delivery with the Standard Webhooks library.
func TestInboundDeliveredEndToEnd(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		inboundDeliveredEndToEnd(t, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		inboundDeliveredEndToEnd(t, sqlstoretest.PostgresURL(t))
	})
}

func inboundDeliveredEndToEnd(t *testing.T, databaseURL string) {
	// The receiver learns the endpoint's secret once the endpoint exists.
	secrets := make(chan string, 1)
	got := make(chan delivered, 16)
	var (
		once sync.Once
		wh   *standardwebhooks.Webhook
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		once.Do(func() {
			var err error
			if wh, err = standardwebhooks.NewWebhook(<-secrets); err != nil {
				t.Errorf("receiver: %v", err)
			}
		})
		var d delivered
		if err := json.Unmarshal(body, &d); err != nil {
			t.Errorf("receiver: body %s: %v", body, err)
		}
		d.err = wh.Verify(body, r.Header)
		w.WriteHeader(http.StatusNoContent)
		got <- d
	}))
	defer rcv.Close()

	getenv := envOf(map[string]string{"HOOKD_DATABASE_URL": databaseURL})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--allow-private-destinations", "--api-rate-limit", "0", "--public-url", "https://hookd.example")
	key := enabledTenant(t, s, "acme")
	auth := "Token " + key

	r := s.do(http.MethodPost, "/api/v1/endpoints", auth, map[string]any{
		"name": "Directory sync", "url": rcv.URL + "/hook",
		"event_types": []string{"user.created", "user.terminated", "ticket.created"},
	})
	want(t, "create endpoint", r, http.StatusCreated)
	secrets <- decode[struct {
		Secret string `json:"secret"`
	}](t, r).Secret

	r = s.do(http.MethodPost, "/api/v1/service-accounts", auth, map[string]any{"email": "hr@acme.example", "password": "hr-password-1234"})
	want(t, "create service account", r, http.StatusCreated)
	r = s.do(http.MethodPost, "/api/v1/provisioning-destinations", auth, map[string]any{"name": "HR", "type": "generic"})
	want(t, "create provisioning destination", r, http.StatusCreated)
	urls := decode[struct {
		URLs map[string]string `json:"urls"`
	}](t, r).URLs
	hrPath := func(op string) string {
		if !strings.HasPrefix(urls[op], "https://hookd.example/hooks/acme/provisioning/") {
			t.Fatalf("%s URL %q is not under the public URL", op, urls[op])
		}
		return strings.TrimPrefix(urls[op], "https://hookd.example")
	}
	hr := func(op, body string) response {
		req, err := http.NewRequest(http.MethodPost, s.base+hrPath(op), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("hr@acme.example", "hr-password-1234")
		return s.send(req)
	}
	next := func(wantType string) delivered {
		t.Helper()
		select {
		case d := <-got:
			if d.err != nil {
				t.Fatalf("%s delivery does not verify: %v", d.Type, d.err)
			}
			if d.Type != wantType {
				t.Fatalf("delivery of %s, want %s: %+v", d.Type, wantType, d.Data)
			}
			return d
		case <-time.After(30 * time.Second):
			t.Fatalf("no %s delivery within 30s\nstderr:\n%s", wantType, s.stderr)
			return delivered{}
		}
	}

	want(t, "adduser", hr("adduser", `{"employee_id":"1111","first_name":"John","last_name":"Doe","email":"john.doe@example.com"}`), http.StatusCreated)
	d := next("user.created")
	if u, _ := d.Data["user"].(map[string]any); u["employee_id"] != "1111" || u["status"] != "active" {
		t.Fatalf("user.created data %v", d.Data)
	}

	want(t, "deleteuser", hr("deleteuser", `{"employee_id":"1111"}`), http.StatusOK)
	d = next("user.terminated")
	if u, _ := d.Data["user"].(map[string]any); u["employee_id"] != "1111" || u["status"] != "terminated" || d.Data["terminated_at"] == nil {
		t.Fatalf("user.terminated data %v", d.Data)
	}

	r = s.do(http.MethodPost, "/hooks/acme/helpdesk/servicenow", auth, map[string]any{
		"requester_email": "john.doe@example.com", "number": "INC010100", "short_description": "Test Ticket",
		"sys_id": "9d385017c611228701d22104cc95c371", "state": "open",
	})
	want(t, "servicenow", r, http.StatusCreated)
	d = next("ticket.created")
	tk, _ := d.Data["ticket"].(map[string]any)
	if tk["number"] != "INC010100" || !strings.HasPrefix(tk["link"].(string), "https://hookd.example/api/v1/tickets/tkt_") {
		t.Fatalf("ticket.created data %v", d.Data)
	}

	// Nothing else was sent (user.updated is not subscribed to).
	select {
	case extra := <-got:
		t.Fatalf("unexpected delivery of %s", extra.Type)
	default:
	}
}
