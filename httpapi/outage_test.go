package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// outageEventType makes an event type any object is valid for.
func outageEventType(t *testing.T, e *env, auth string) {
	t.Helper()
	wantStatus(t, e.do("POST", "/api/v1/event-types", auth, map[string]any{
		"name": "blob.stored", "description": "A blob.", "schema": json.RawMessage(`{"type":"object"}`),
		"example": json.RawMessage(`{"blob":"x"}`),
	}), http.StatusCreated)
}

// wantUnavailable fails the test unless r is the 503 problem of an outage,
// with Retry-After and without the database's own words.
func wantUnavailable(t *testing.T, r *response) {
	t.Helper()
	wantProblem(t, r, http.StatusServiceUnavailable, httpapi.TypeUnavailable)
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s <= 0 {
		t.Errorf("%s %s: Retry-After %q, want a number of seconds", r.Method, r.Path, r.Header.Get("Retry-After"))
	}
	for _, leak := range []string{"sqlstore", "SQLITE", "sqlite", "dial", "127.0.0.1", "EOF"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("%s %s: the problem shows %q: %s", r.Method, r.Path, leak, r.Body)
		}
	}
}

// TestDiskFullAnswers503 fills the SQLite database (max_page_count makes
// its writes fail with SQLITE_FULL, as a full disk does): a publish answers
// 503 with Retry-After, not 500, and succeeds again once there is room.
func TestDiskFullAnswers503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstoretest.SQLite(t))
	auth := tokenAuth(e.tenantWithAPI("acme"))
	outageEventType(t, e, auth)
	publish := func() *response {
		return e.do("POST", "/api/v1/events", auth, map[string]any{
			"type": "blob.stored", "data": map[string]any{"blob": strings.Repeat("x", 256<<10)},
		})
	}
	wantStatus(t, publish(), http.StatusAccepted)

	ctx := context.Background()
	var pages int
	if err := e.store.DB().QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The write connection is the only one: the limit holds for every write.
	if _, err := e.store.DB().ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	wantUnavailable(t, publish())
	wantStatus(t, e.do("GET", "/api/v1/events", auth, nil), http.StatusOK) // reads go on

	if _, err := e.store.DB().ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, publish(), http.StatusAccepted)
}

// proxy forwards TCP connections to target until stopped, as a database
// server that can be switched off.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Go(p.serve)
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(u, c); u.Close() }()
		go func() { _, _ = io.Copy(c, u); c.Close() }()
	}
}

// stop closes the listener and every connection: the database is down.
func (p *proxy) stop() {
	p.ln.Close()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDatabaseDownAnswers503 stops PostgreSQL (the connection to it goes
// through a proxy that is switched off): API calls answer 503 with
// Retry-After, not 500, and /readyz reports the database down.
func TestDatabaseDownAnswers503(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(sqlstoretest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlstore.OpenPostgres(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, s)
	auth := tokenAuth(e.tenantWithAPI("acme"))
	outageEventType(t, e, auth)
	body := map[string]any{"type": "blob.stored", "data": map[string]any{"blob": "x"}}
	wantStatus(t, e.do("POST", "/api/v1/events", auth, body), http.StatusAccepted)
	wantStatus(t, e.do("GET", "/readyz", "", nil), http.StatusOK)

	p.stop()
	// Connections that were open break on first use; later ones are
	// refused. Both are the outage.
	for range 3 {
		wantUnavailable(t, e.do("POST", "/api/v1/events", auth, body))
	}
	wantUnavailable(t, e.do("GET", "/api/v1/events", auth, nil))
	r := e.do("GET", "/readyz", "", nil)
	wantProblem(t, r, http.StatusServiceUnavailable, "")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("/readyz: no Retry-After")
	}
	checks := readyChecks(t, r)
	if c, ok := checks["database"]; !ok || c.OK {
		t.Errorf("/readyz: database check %+v, want it failed; body: %s", c, r.Body)
	}
}

type readyCheckBody struct {
	Name         string `json:"name"`
	OK           bool   `json:"ok"`
	Message      string `json:"message"`
	FreeBytes    uint64 `json:"free_bytes"`
	MinFreeBytes uint64 `json:"min_free_bytes"`
}

func readyChecks(t *testing.T, r *response) map[string]readyCheckBody {
	t.Helper()
	body := decode[struct {
		Checks []readyCheckBody `json:"checks"`
	}](t, r)
	m := map[string]readyCheckBody{}
	for _, c := range body.Checks {
		m[c.Name] = c
	}
	return m
}

// TestReadyzReportsDatabaseAndDisk checks that /readyz reports the database
// and, on SQLite, the free space of the data directory: ready while there is
// more than the minimum, 503 once the minimum is above what is free.
func TestReadyzReportsDatabaseAndDisk(t *testing.T) {
	t.Parallel()
	s := sqlstoretest.SQLite(t)
	e := newEnv(t, s)
	r := e.do("GET", "/readyz", "", nil)
	wantStatus(t, r, http.StatusOK)
	checks := readyChecks(t, r)
	db, disk := checks["database"], checks["disk"]
	if !db.OK || !disk.OK {
		t.Fatalf("/readyz checks %+v, want database and disk ok", checks)
	}
	if disk.FreeBytes < disk.MinFreeBytes || disk.MinFreeBytes != sqlstore.DefaultMinFreeBytes {
		t.Errorf("disk check %+v", disk)
	}

	// Ask for more room than the disk has.
	s.MinFreeBytes = disk.FreeBytes + 1<<40
	r = e.do("GET", "/readyz", "", nil)
	wantProblem(t, r, http.StatusServiceUnavailable, "")
	checks = readyChecks(t, r)
	if c := checks["disk"]; c.OK || c.FreeBytes == 0 || c.MinFreeBytes != s.MinFreeBytes {
		t.Errorf("disk check %+v, want it failed with the figures", c)
	}
	if c := checks["database"]; !c.OK {
		t.Errorf("database check %+v, want ok", c)
	}
}
