package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, err := runCmd(t, envOf(nil), "version")
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	if got, want := out, "hookd "+hookd.Version+"\n"; got != want {
		t.Errorf("version printed %q, want %q", got, want)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"tenants", "frobnicate"}, {"serve", "--no-such-flag"}} {
		_, _, err := runCmd(t, envOf(nil), args...)
		if err == nil {
			t.Errorf("hookd %v: no error", args)
		}
	}
	// No command at all is an error too, not a server on the default port.
	if _, _, err := runCmd(t, envOf(nil)); err == nil {
		t.Errorf("hookd with no command: no error")
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "new") // not made yet
		out, _, err := runCmd(t, envOf(nil), "migrate", "--data-dir", dir)
		if err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if !strings.Contains(out, "sqlite database is up to date") {
			t.Errorf("migrate printed %q", out)
		}
		if _, err := os.Stat(filepath.Join(dir, "hookd.db")); err != nil {
			t.Errorf("migrate made no database: %v", err)
		}
		// Again: nothing to do, still fine.
		if _, _, err := runCmd(t, envOf(map[string]string{"HOOKD_DATA_DIR": dir}), "migrate"); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		getenv := envOf(map[string]string{"HOOKD_DATABASE_URL": sqlstoretest.PostgresURL(t)})
		out, _, err := runCmd(t, getenv, "migrate", "--data-dir", t.TempDir())
		if err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if !strings.Contains(out, "postgres database is up to date") {
			t.Errorf("migrate printed %q", out)
		}
	})
}

func TestTenants(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testTenants(t, envOf(map[string]string{"HOOKD_DATA_DIR": t.TempDir()}))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testTenants(t, envOf(map[string]string{"HOOKD_DATA_DIR": t.TempDir(), "HOOKD_DATABASE_URL": sqlstoretest.PostgresURL(t)}))
	})
}

func testTenants(t *testing.T, getenv func(string) string) {
	out, _, err := runCmd(t, getenv, "tenants", "create", "acme", "--name", "Acme", "--plan", "platinum")
	if err != nil {
		t.Fatalf("tenants create: %v", err)
	}
	if !strings.Contains(out, "created tenant acme") || !strings.Contains(out, "plan platinum") {
		t.Errorf("tenants create printed %q", out)
	}
	// The default plan comes from HOOKD_DEFAULT_PLAN; the slug is the name.
	env := func(name string) string {
		if name == "HOOKD_DEFAULT_PLAN" {
			return "free"
		}
		return getenv(name)
	}
	if _, _, err := runCmd(t, env, "tenants", "create", "beta"); err != nil {
		t.Fatalf("tenants create beta: %v", err)
	}

	out, _, err = runCmd(t, getenv, "tenants", "list")
	if err != nil {
		t.Fatalf("tenants list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "SLUG") {
		t.Fatalf("tenants list printed:\n%s\nwant a header and two tenants", out)
	}
	if f := strings.Fields(lines[1]); len(f) < 4 || f[0] != "acme" || f[1] != "Acme" || f[2] != "platinum" || f[3] != "disabled" {
		t.Errorf("tenants list line %q, want acme Acme platinum disabled …", lines[1])
	}
	if f := strings.Fields(lines[2]); len(f) < 3 || f[0] != "beta" || f[1] != "beta" || f[2] != "free" {
		t.Errorf("tenants list line %q, want beta beta free …", lines[2])
	}
	out, _, err = runCmd(t, getenv, "tenants", "list", "--q", "bet")
	if err != nil {
		t.Fatalf("tenants list --q: %v", err)
	}
	if strings.Contains(out, "acme") || !strings.Contains(out, "beta") {
		t.Errorf("tenants list --q bet printed:\n%s", out)
	}

	// A taken slug.
	_, _, err = runCmd(t, getenv, "tenants", "create", "acme")
	if err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("tenants create of a taken slug: %v, want an error about the slug", err)
	}
	// An invalid slug: a clear error naming the rule.
	_, _, err = runCmd(t, getenv, "tenants", "create", "Not A Slug!")
	if err == nil || !strings.Contains(err.Error(), "slug") || !strings.Contains(err.Error(), "lowercase") {
		t.Errorf("tenants create with an invalid slug: %v, want an error about the slug", err)
	}
	// An unknown plan.
	_, _, err = runCmd(t, getenv, "tenants", "create", "gamma", "--plan", "gold")
	if err == nil || !strings.Contains(err.Error(), "plan") {
		t.Errorf("tenants create --plan gold: %v, want an error about the plan", err)
	}
	// --admin-email needs the password from the environment.
	_, _, err = runCmd(t, getenv, "tenants", "create", "x", "--admin-email", "a@b.co")
	if err == nil || !strings.Contains(err.Error(), "HOOKD_TENANT_ADMIN_PASSWORD") {
		t.Errorf("tenants create --admin-email without HOOKD_TENANT_ADMIN_PASSWORD: %v, want an error naming it", err)
	}
	out, _, err = runCmd(t, getenv, "tenants", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"gamma", "x "} {
		if strings.Contains(out, "\n"+slug) {
			t.Errorf("a failed tenants create left tenant %q:\n%s", slug, out)
		}
	}
}

// TestTenantsFlagsOverrideEnv checks that --data-dir wins over
// HOOKD_DATA_DIR for the data commands.
func TestTenantsFlagsOverrideEnv(t *testing.T) {
	t.Parallel()
	envDir, flagDir := t.TempDir(), t.TempDir()
	getenv := envOf(map[string]string{"HOOKD_DATA_DIR": envDir})
	if _, _, err := runCmd(t, getenv, "tenants", "create", "flagged", "--data-dir", flagDir); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, getenv, "tenants", "list")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "flagged") {
		t.Errorf("the tenant went to HOOKD_DATA_DIR, not --data-dir")
	}
	out, _, err = runCmd(t, getenv, "tenants", "list", "--data-dir", flagDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "flagged") {
		t.Errorf("tenants list --data-dir does not show the tenant:\n%s", out)
	}
}

// TestHelp checks that --help prints help and does nothing else: before,
// `hookd serve --help` went on to start the server and `hookd tenants create
// x --help` to create the tenant.
func TestHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// An address that cannot be listened on: a serve that runs fails.
	getenv := envOf(map[string]string{"HOOKD_DATA_DIR": dir, "HOOKD_ADDR": "127.0.0.1:notaport"})
	for _, args := range [][]string{
		{"--help"}, {"serve", "--help"}, {"tenants", "create", "x", "--help"}, {"tenants", "--help"}, {"migrate", "-h"},
	} {
		out, _, err := runCmd(t, getenv, args...)
		if err != nil {
			t.Errorf("hookd %v: %v, want help and no error", args, err)
		}
		if !strings.Contains(out, "Usage: hookd") {
			t.Errorf("hookd %v printed no usage:\n%s", args, out)
		}
	}
	out, _, err := runCmd(t, getenv, "serve", "--help")
	if err == nil && (!strings.Contains(out, "HOOKD_ADDR") || !strings.Contains(out, "--api-rate-limit")) {
		t.Errorf("serve --help does not show its flags and variables:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "hookd.db")); err == nil {
		t.Errorf("a --help command opened the database")
	}
}
