package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain clears every HOOKD_ variable of the test process (but the
// HOOKD_TEST_ ones, such as the one that names the test database) so that
// the environment a test passes to run through getenv is the only one: kong
// also reads the process environment for flags with an env tag.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "HOOKD_") && !strings.HasPrefix(name, "HOOKD_TEST_") {
			os.Unsetenv(name)
		}
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// envOf returns a getenv that knows only the variables in vars.
func envOf(vars map[string]string) func(string) string {
	m := make(map[string]string, len(vars))
	for k, v := range vars {
		m[k] = v
	}
	return func(name string) string { return m[name] }
}

// runCmd runs hookd with args to completion and returns what it printed.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err = run(ctx, args, getenv, &out, &errOut)
	return out.String(), errOut.String(), err
}

// server is a hookd serve running in the test's process.
type server struct {
	t       *testing.T
	base    string // http://<the address it listens on>, no trailing slash
	console string // the console URL it printed
	stdout  *syncBuffer
	stderr  *syncBuffer
	cancel  context.CancelFunc
	done    chan error // receives run's result
	result  *error     // set once done has been drained
}

// startServer runs `hookd serve` with args and getenv until it answers
// /healthz, and stops it when the test ends.
func startServer(t *testing.T, getenv func(string) string, args ...string) *server {
	t.Helper()
	s := tryStartServer(t, getenv, args...)
	if s.result != nil {
		t.Fatalf("hookd serve %v ended before it served: %v\nstdout:\n%s\nstderr:\n%s", args, *s.result, s.stdout, s.stderr)
	}
	return s
}

// tryStartServer is startServer for a serve that may fail: if run returns
// before the server answers, s.result holds its error.
func tryStartServer(t *testing.T, getenv func(string) string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, append([]string{"serve"}, args...), getenv, s.stdout, s.stderr) }()
	t.Cleanup(func() {
		if s.result == nil {
			s.stop()
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for s.base == "" || s.console == "" {
		if time.Now().After(deadline) {
			t.Fatalf("hookd serve printed no console URL or listen address in 30s\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		}
		select {
		case err := <-s.done:
			s.result = &err
			return s
		case <-time.After(10 * time.Millisecond):
		}
		if addr, ok := printed(s.stderr.String(), "msg=listening addr="); ok {
			s.base = "http://" + addr
		}
		if u, ok := printed(s.stdout.String(), "console:"); ok {
			s.console = u
		}
	}
	// The server starts serving only after it has printed everything, so
	// once /healthz answers the whole banner is in stdout.
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("hookd serve did not answer /healthz in 30s: %v\nstderr:\n%s", err, s.stderr)
		}
		select {
		case err := <-s.done:
			s.result = &err
			return s
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// printed returns the rest of the first line of out that contains label.
func printed(out, label string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), label); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// operatorToken returns the operator token the server printed, or "".
func (s *server) operatorToken() string {
	tok, _ := printed(s.stdout.String(), "operator token (shown once, keep it safe):")
	return tok
}

// stop cancels the server's context and checks that run returns nil
// promptly.
func (s *server) stop() {
	s.t.Helper()
	if s.result != nil {
		return
	}
	s.cancel()
	select {
	case err := <-s.done:
		s.result = &err
		if err != nil {
			s.t.Errorf("hookd serve returned %v after its context ended, want nil\nstderr:\n%s", err, s.stderr)
		}
	case <-time.After(10 * time.Second):
		s.t.Fatalf("hookd serve did not return within 10s of its context ending\nstderr:\n%s", s.stderr)
	}
}

// response is an HTTP answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// decode unmarshals the body into a new V.
func decode[V any](t *testing.T, r response) V {
	t.Helper()
	var v V
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// do sends a request to the server. body, if not nil, is sent as JSON;
// authorization, if not "", is the Authorization header.
func (s *server) do(method, path, authorization string, body any) response {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return s.send(req)
}

func (s *server) send(req *http.Request) response {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// get is do for a GET without credentials.
func (s *server) get(path string) response {
	s.t.Helper()
	return s.do(http.MethodGet, path, "", nil)
}

// want fails the test unless r has the status.
func want(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: got %s, want status %d", what, r, status)
	}
}
