package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminResetToken checks that `hookd admin reset-token`, run against
// the data directory of a stopped server, prints a new operator token that
// the next server accepts while the old one is refused.
func TestAdminResetToken(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	getenv := envOf(map[string]string{"HOOKD_DATA_DIR": dir})
	s := startServer(t, getenv)
	old := s.operatorToken()
	if old == "" {
		t.Fatal("the first start printed no operator token")
	}
	s.stop()

	out, _, err := runCmd(t, getenv, "admin", "reset-token")
	if err != nil {
		t.Fatalf("admin reset-token: %v", err)
	}
	fresh, ok := printed(out, "new operator token (shown once, keep it safe):")
	if !ok || fresh == "" || fresh == old || !strings.HasPrefix(fresh, old[:strings.IndexByte(old, '_')+1]) {
		t.Fatalf("admin reset-token printed %q (old token %q)", out, old)
	}

	s = startServer(t, getenv)
	defer s.stop()
	if tok := s.operatorToken(); tok != "" {
		t.Errorf("the restarted server printed a token again: %q", tok)
	}
	if r := s.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+fresh, nil); r.status != http.StatusOK {
		t.Errorf("new token: %s", r)
	}
	if r := s.do(http.MethodGet, "/api/v1/admin/tenants", "Bearer "+old, nil); r.status != http.StatusUnauthorized {
		t.Errorf("old token after the reset: %s, want 401", r)
	}
}

// TestAdminResetTokenRefusesConfiguredToken checks that the command refuses
// when HOOKD_ADMIN_TOKEN is set: the servers would put that token back.
func TestAdminResetTokenRefusesConfiguredToken(t *testing.T) {
	t.Parallel()
	getenv := envOf(map[string]string{
		"HOOKD_DATA_DIR":    filepath.Join(t.TempDir(), "data"),
		"HOOKD_ADMIN_TOKEN": "hookd_op_configured",
	})
	_, _, err := runCmd(t, getenv, "admin", "reset-token")
	if err == nil || !strings.Contains(err.Error(), "HOOKD_ADMIN_TOKEN") {
		t.Fatalf("admin reset-token with HOOKD_ADMIN_TOKEN set: %v, want a refusal naming the variable", err)
	}
}

// TestServeRefusesAnotherInstanceKey checks that serve refuses to start on
// a database set up with another instance key, with a message that says
// so, instead of answering 500 for every secret; the right key starts.
func TestServeRefusesAnotherInstanceKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", dir}
	first := randomHex(t) + randomHex(t) + randomHex(t)[:16]
	s := startServer(t, envOf(map[string]string{"HOOKD_SECRET_KEY": first}), args...)
	enabledTenant(t, s, "keyed")
	s.stop()

	second := randomHex(t) + randomHex(t) + randomHex(t)[:16]
	f := tryStartServer(t, envOf(map[string]string{"HOOKD_SECRET_KEY": second}), args...)
	switch {
	case f.result == nil:
		f.stop()
		t.Fatal("serve started with another instance key")
	case *f.result == nil || !strings.Contains((*f.result).Error(), "instance key"):
		t.Fatalf("serve with another instance key: %v, want an error about the instance key", *f.result)
	case strings.Contains((*f.result).Error(), second) || strings.Contains((*f.result).Error(), first):
		t.Fatalf("the error shows a key: %v", *f.result)
	}
	s = startServer(t, envOf(map[string]string{"HOOKD_SECRET_KEY": first}), args...)
	s.stop()
}

// TestLogFormatJSON checks that --log-format json writes every log line as
// one JSON object with time, level and msg, and that text stays the
// default.
func TestLogFormatJSON(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	_, stderr, err := runCmd(t, envOf(nil), "tenants", "list", "--data-dir", dir, "--log-format", "json")
	if err != nil {
		t.Fatalf("tenants list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("no log lines (the first start logs the new instance key)")
	}
	for _, l := range lines {
		var rec struct {
			Time  string `json:"time"`
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Time == "" || rec.Level == "" || rec.Msg == "" {
			t.Errorf("log line is not a JSON record with time, level and msg: %q (%v)", l, err)
		}
	}
	_, stderr, err = runCmd(t, envOf(nil), "tenants", "list", "--data-dir", filepath.Join(t.TempDir(), "text"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "level=INFO msg=") {
		t.Errorf("default log format is not text: %q", stderr)
	}
}
