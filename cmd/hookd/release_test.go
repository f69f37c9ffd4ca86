package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestReleaseTargets checks that every target scripts/release.sh builds
// resolves: for each GOOS/GOARCH, with CGO off, hookd and all its
// dependencies have the files they need (a platform-only file without its
// counterpart, or a dependency that needs cgo, shows here). A full
// cross-build of each target takes minutes (most of it the pure-Go
// SQLite), too long for every CI run; scripts/release.sh does that.
func TestReleaseTargets(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("../../scripts/release.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DEFAULT_TARGETS="([^"]+)"`).FindSubmatch(script)
	if m == nil {
		t.Fatal("scripts/release.sh sets no DEFAULT_TARGETS")
	}
	targets := strings.Fields(string(m[1]))
	want := map[string]bool{"linux/amd64": true, "linux/arm64": true, "darwin/amd64": true, "darwin/arm64": true}
	for _, target := range targets {
		delete(want, target)
	}
	if len(want) > 0 {
		t.Errorf("release targets %v miss %v", targets, want)
	}
	if out, err := exec.Command("bash", "-n", "../../scripts/release.sh").CombinedOutput(); err != nil {
		t.Errorf("bash -n scripts/release.sh: %v\n%s", err, out)
	}
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		cmd := exec.Command("go", "list", "-e", "-deps", "-f",
			`{{if .Error}}{{.ImportPath}}: {{.Error}}{{"\n"}}{{end}}{{range .DepsErrors}}{{.}}{{"\n"}}{{end}}{{if .CgoFiles}}{{.ImportPath}} needs cgo{{"\n"}}{{end}}`,
			".")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("%s: go list: %v\n%s", target, err, out)
		}
	}
}
