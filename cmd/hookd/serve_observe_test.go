package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServeObserve runs hookd serve with an OTLP endpoint and debug
// logs, publishes one event with an X-Request-Id to a real receiver, and
// checks the three outputs: /metrics counts the delivery and the queue,
// the attempt's log line carries the request ID, and the traces reach
// the collector (by the exit's flush at the latest).
func TestServeObserve(t *testing.T) {
	t.Parallel()
	traces := make(chan string, 100)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		traces <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type")
	}))
	defer collector.Close()
	got := make(chan http.Header, 10)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r.Header.Clone()
	}))
	defer receiver.Close()

	getenv := envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--allow-private-destinations",
		"--log-level", "debug")
	key := enabledTenant(t, s, "acme")
	want(t, "create endpoint", s.do(http.MethodPost, "/api/v1/endpoints", "Token "+key, map[string]any{
		"name": "receiver", "url": receiver.URL}), http.StatusCreated)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/events", strings.NewReader(
		`{"type":"user.created","data":{"user":{"id":"usr_1","employee_id":"E1","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","status":"active"}}}`))
	req.Header.Set("Authorization", "Token "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "order-4711")
	r := s.send(req)
	want(t, "publish", r, http.StatusAccepted)
	if id := r.header.Get("X-Request-Id"); id != "order-4711" {
		t.Errorf("publish answered X-Request-Id %q", id)
	}
	select {
	case h := <-got:
		if !strings.HasPrefix(h.Get("Traceparent"), "00-") {
			t.Errorf("the delivery carried traceparent %q, want one", h.Get("Traceparent"))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the receiver got nothing")
	}

	// The result is recorded just after the answer: wait for the counter.
	deadline := time.Now().Add(30 * time.Second)
	for {
		body := string(s.get("/metrics").body)
		if strings.Contains(body, `hookd_deliveries_total{endpoint_state="enabled",state="succeeded"} 1`) {
			for _, line := range []string{"hookd_delivery_queue_up 1", `hookd_delivery_queue{state="due"} 0`,
				`hookd_endpoints{state="enabled"} 1`, `hookd_publish_duration_seconds_count{outcome="published"} 1`} {
				if !strings.Contains(body, line+"\n") {
					t.Errorf("/metrics lacks %q", line)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never counted the delivery:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}

	s.stop()
	found := false
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		if strings.Contains(line, `msg="delivery attempt"`) && strings.Contains(line, "request_id=order-4711") {
			found = true
		}
	}
	if !found {
		t.Errorf("no delivery attempt log line carries the request ID:\n%s", s.stderr)
	}
	select {
	case p := <-traces:
		if p != "POST /v1/traces application/x-protobuf" {
			t.Errorf("the collector got %q, want POST /v1/traces application/x-protobuf", p)
		}
	default:
		t.Error("the collector got no traces by the end of hookd serve")
	}
}

// TestOTLPTracesURL checks which setting turns tracing on, and where to.
func TestOTLPTracesURL(t *testing.T) {
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"", nil, ""},
		{"http://flag:4318/v1/traces", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318"}, "http://flag:4318/v1/traces"},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318/"}, "http://env:4318/v1/traces"},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/x"}, "http://traces:4318/x"},
		{"", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318", "OTEL_SDK_DISABLED": "true"}, ""},
	} {
		if got := (ObserveFlags{OTLPEndpoint: tc.flag}).otlpTracesURL(envOf(tc.env)); got != tc.want {
			t.Errorf("flag %q, env %v: %q, want %q", tc.flag, tc.env, got, tc.want)
		}
	}
}
