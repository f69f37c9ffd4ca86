package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
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

// TestAdminBackupRestoreSQLite checks the SQLite backup procedure of
// docs/operations.md: a backup taken while serve runs and writes is a
// consistent database; restore refuses while serve runs and a file that is
// no hookd database, and otherwise puts the backup in place, keeping the
// database it replaces.
func TestAdminBackupRestoreSQLite(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	getenv := envOf(map[string]string{"HOOKD_DATA_DIR": dir})
	s := startServer(t, getenv, "--addr", "127.0.0.1:0")
	op := "Bearer " + s.operatorToken()
	want(t, "create tenant", s.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": "before"}), http.StatusCreated)

	// Writes go on during the backup.
	stop := make(chan struct{})
	written := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				written <- n
				return
			default:
			}
			if r := s.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": fmt.Sprintf("during-%d", n)}); r.status == http.StatusCreated {
				n++
			}
		}
	}()
	backup := filepath.Join(t.TempDir(), "hookd-backup.db")
	out, _, err := runCmd(t, getenv, "admin", "backup", backup)
	close(stop)
	if n := <-written; n == 0 {
		t.Log("no tenant was created during the backup (a slow machine); the backup was still online")
	}
	if err != nil || !strings.Contains(out, "backed up the database to "+backup) {
		t.Fatalf("admin backup: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, getenv, "admin", "backup", backup); err == nil {
		t.Error("admin backup over an existing file: no error")
	}
	want(t, "create tenant", s.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": "after"}), http.StatusCreated)

	if _, _, err := runCmd(t, getenv, "admin", "restore", backup); err == nil || !strings.Contains(err.Error(), "another hookd serve") {
		t.Fatalf("admin restore while serve runs: %v, want a refusal", err)
	}
	if f := tryStartServer(t, getenv, "--addr", "127.0.0.1:0"); f.result == nil || *f.result == nil ||
		!strings.Contains((*f.result).Error(), "another hookd serve") {
		if f.result == nil {
			f.stop()
		}
		t.Fatal("a second serve on the same SQLite data directory started")
	}
	s.stop()

	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, []byte("not a database at all, not even close"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, getenv, "admin", "restore", garbage); err == nil {
		t.Fatal("admin restore of a file that is no database: no error")
	}
	out, _, err = runCmd(t, getenv, "admin", "restore", backup)
	if err != nil || !strings.Contains(out, "the previous database is kept as ") {
		t.Fatalf("admin restore: %v\n%s", err, out)
	}
	kept, _ := printed(out, "the previous database is kept as")
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the replaced database was not kept: %v", err)
	}

	s = startServer(t, getenv, "--addr", "127.0.0.1:0")
	defer s.stop()
	list, _, err := runCmd(t, getenv, "tenants", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "before") || strings.Contains(list, "after") {
		t.Errorf("tenants after the restore:\n%s\nwant before and not after", list)
	}
	if r := s.do(http.MethodGet, "/api/v1/admin/tenants", op, nil); r.status != http.StatusOK {
		t.Errorf("the operator token of the backup: %s", r)
	}
}

// TestPostgresBackupRestore checks the PostgreSQL procedure of
// docs/operations.md: pg_dump --format=custom while hookd is connected,
// then pg_restore into an emptied database, gives back the data and a
// store that opens and migrates.
func TestPostgresBackupRestore(t *testing.T) {
	t.Parallel()
	url := sqlstoretest.PostgresURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (the PostgreSQL client tools; .ci/run installs them): %v", tool, err)
		}
	}
	getenv := envOf(map[string]string{"HOOKD_DATABASE_URL": url, "HOOKD_SECRET_KEY": randomHex(t) + randomHex(t) + randomHex(t)[:16]})
	if _, _, err := runCmd(t, getenv, "tenants", "create", "kept"); err != nil {
		t.Fatal(err)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	base := u.String()
	dump := filepath.Join(t.TempDir(), "hookd.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, base).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, getenv, "tenants", "create", "lost"); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pg_restore", "--clean", "--if-exists", "--dbname="+base, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	list, _, err := runCmd(t, getenv, "tenants", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list, "kept") || strings.Contains(list, "lost") {
		t.Errorf("tenants after the restore:\n%s\nwant kept and not lost", list)
	}
}

// TestOperatorTokenPrintedOnlyOnceListening checks that a first start that
// cannot listen (the port is taken) stores no operator token, so the next
// start, which listens, makes and prints one.
func TestOperatorTokenPrintedOnlyOnceListening(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := filepath.Join(t.TempDir(), "data")
	getenv := envOf(map[string]string{"HOOKD_DATA_DIR": dir})
	f := tryStartServer(t, getenv, "--addr", taken.Addr().String())
	if f.result == nil {
		f.stop()
		t.Fatal("serve started on a port that is taken")
	}
	if *f.result == nil || !strings.Contains((*f.result).Error(), "listen") {
		t.Fatalf("serve on a taken port: %v, want a listen error", *f.result)
	}
	if strings.Contains(f.stdout.String(), "operator token") {
		t.Fatalf("a start that could not listen printed the token:\n%s", f.stdout)
	}
	s := startServer(t, getenv, "--addr", "127.0.0.1:0")
	defer s.stop()
	if s.operatorToken() == "" {
		t.Fatalf("the first start that listened printed no operator token:\n%s", s.stdout)
	}
}
