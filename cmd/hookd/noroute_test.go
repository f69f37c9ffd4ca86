package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestUnknownAPIPathsAnswerProblemJSON checks that under /api, /oauth and
// /hooks an unknown path answers a 404 problem and a known path with the
// wrong method a 405 problem with Allow, never a console page (which
// answered 404 "Not found" in HTML, or 403 "This form has expired" to any
// POST).
func TestUnknownAPIPathsAnswerProblemJSON(t *testing.T) {
	t.Parallel()
	s := startServer(t, envOf(nil), "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	auth := "Token " + enabledTenant(t, s, "acme")
	for _, tc := range []struct {
		method, path, auth string
		status             int
		allow              string
	}{
		{"GET", "/api/v1/nope", auth, http.StatusNotFound, ""},
		{"POST", "/api/v1/nope", auth, http.StatusNotFound, ""},
		{"GET", "/api/v2/events", auth, http.StatusNotFound, ""},
		{"GET", "/api", "", http.StatusNotFound, ""},
		{"DELETE", "/api/v1/events", auth, http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{"PUT", "/api/v1/tenant", auth, http.StatusMethodNotAllowed, "GET, HEAD"},
		{"POST", "/api/v1/endpoints/ep_1", auth, http.StatusMethodNotAllowed, "GET, HEAD, PATCH, DELETE"},
		{"POST", "/oauth/nope", "", http.StatusNotFound, ""},
		{"GET", "/oauth", "", http.StatusNotFound, ""},
		{"GET", "/oauth/token", "", http.StatusMethodNotAllowed, "POST"},
		{"POST", "/hooks/acme/unknown", auth, http.StatusNotFound, ""},
		{"POST", "/hooks/x/unknown", "", http.StatusNotFound, ""},
		{"GET", "/hooks/acme/helpdesk/servicenow", auth, http.StatusMethodNotAllowed, "POST"},
		{"DELETE", "/hooks/acme/provisioning/dst_1/adduser", "", http.StatusMethodNotAllowed, "POST"},
		{"GET", "/hooks", "", http.StatusNotFound, ""},
	} {
		r := s.do(tc.method, tc.path, tc.auth, nil)
		what := tc.method + " " + tc.path
		if r.status != tc.status {
			t.Errorf("%s: %s, want status %d", what, r, tc.status)
			continue
		}
		if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: Content-Type %q, want application/problem+json; body %.100s", what, ct, r.body)
			continue
		}
		var p struct {
			Type   string `json:"type"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.Status != tc.status || !strings.HasPrefix(p.Type, "urn:hookd:problem:") {
			t.Errorf("%s: problem %s (%v)", what, r.body, err)
		}
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s: Allow %q, want %q", what, got, tc.allow)
		}
	}
	// The console still has its own pages, and its own 404.
	if r := s.get("/nope"); r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /nope: %d %s, want the console's HTML 404", r.status, r.header.Get("Content-Type"))
	}
}

// TestServeMinFreeDisk checks HOOKD_MIN_FREE_DISK_MIB and the flag that
// overrides it: /readyz is 503 while the data directory has less free space
// than asked for.
func TestServeMinFreeDisk(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{"HOOKD_MIN_FREE_DISK_MIB": "1073741824"}) // 1 PiB
	s := startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	want(t, "readyz asking for 1 PiB free", s.get("/readyz"), http.StatusServiceUnavailable)
	s.stop()
	s = startServer(t, getenv, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--min-free-disk-mib", "1")
	want(t, "readyz asking for 1 MiB free", s.get("/readyz"), http.StatusOK)
}
