package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHealthcheck runs `hookd healthcheck` against a real hookd serve, then
// against a port nothing listens on and a server that answers 503.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	s := startServer(t, envOf(nil), "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	addr := strings.TrimPrefix(s.base, "http://")
	_, port, _ := net.SplitHostPort(addr)

	// By address, as the container's HEALTHCHECK does with HOOKD_ADDR
	// (an unspecified host is asked on loopback).
	for _, args := range [][]string{
		{"healthcheck", "--addr", addr},
		{"healthcheck", "--addr", ":" + port},
		{"healthcheck", "--addr", "0.0.0.0:" + port},
		{"healthcheck", "--url", s.base + "/readyz"},
	} {
		out, errOut, err := runCmd(t, envOf(nil), args...)
		if err != nil || !strings.Contains(out, "200 OK") {
			t.Errorf("%v: %v\nstdout: %s\nstderr: %s", args, err, out, errOut)
		}
	}
	if out, _, err := runCmd(t, envOf(map[string]string{"HOOKD_ADDR": addr}), "healthcheck"); err != nil {
		t.Errorf("healthcheck with HOOKD_ADDR: %v (%s)", err, out)
	}

	// Nothing listening: a prompt error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, _, err := runCmd(t, envOf(nil), "healthcheck", "--addr", closed, "--timeout", "10s"); err == nil {
		t.Error("healthcheck of a closed port: no error")
	}

	// Not 200: an error that says what came back.
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database down", http.StatusServiceUnavailable)
	}))
	defer sick.Close()
	_, _, err = runCmd(t, envOf(nil), "healthcheck", "--url", sick.URL+"/readyz")
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "database down") {
		t.Errorf("healthcheck of a 503: %v", err)
	}

	// A server that does not answer in time.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	start := time.Now()
	if _, _, err := runCmd(t, envOf(nil), "healthcheck", "--url", slow.URL, "--timeout", "200ms"); err == nil {
		t.Error("healthcheck of a server that never answers: no error")
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("healthcheck took %v with --timeout 200ms", d)
	}
}
