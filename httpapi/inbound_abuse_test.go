package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// Attacks on the inbound webhooks by callers without a valid credential
// (issue 11, findings 1, 2, 5 and 13).

// inboundLogEntry is a call of the inbound log with the fields these tests
// look at.
type inboundLogEntry struct {
	inboundCallBody
	Authenticated bool   `json:"authenticated"`
	Replayable    bool   `json:"replayable"`
	BodySize      int64  `json:"body_size"`
	BodySHA256    string `json:"body_sha256"`
}

// inboundLog returns the tenant's whole inbound log, oldest first.
func (e *env) inboundLog(auth string) []inboundLogEntry {
	e.t.Helper()
	r := e.do("GET", "/api/v1/inbound-calls?limit=100", auth, nil)
	wantStatus(e.t, r, http.StatusOK)
	return decode[listBody[inboundLogEntry]](e.t, r).Data
}

// TestUnauthenticatedInboundCallIsNotReplayable sends calls that fail
// authentication (none, a wrong key, another tenant's key) with bodies that
// would provision a user: the log keeps their size and hash but not their
// body, replay refuses them, and nobody is provisioned.
func TestUnauthenticatedInboundCallIsNotReplayable(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		auth := tokenAuth(key)
		authB := tokenAuth(e.tenantWithAPI("beta"))
		d := e.createDestination(auth, map[string]any{"name": "HR"})
		add := hrPath("acme", d.ID, "adduser")

		bodies := map[string]string{}
		for i, bad := range []string{"", "Token " + key + "x", authB} {
			body := strings.Replace(fixedHR, "1111", "evil-"+strconv.Itoa(i), 1)
			r := e.hook(add, bad, body)
			wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
			if id := r.Header.Get("X-Hookd-Inbound-Call"); id != "" {
				t.Errorf("a call that failed authentication names its log entry %s", id)
			}
			bodies["evil-"+strconv.Itoa(i)] = body
		}
		// An authenticated call that fails keeps its body and can be
		// replayed.
		r := e.hook(add, auth, `{"employee_id":"7"}`)
		wantStatus(t, r, http.StatusBadRequest)
		goodID := r.Header.Get("X-Hookd-Inbound-Call")

		log := e.inboundLog(auth)
		if len(log) != 4 {
			t.Fatalf("log has %d calls, want 4", len(log))
		}
		for _, c := range log[:3] {
			var body string
			for marker, b := range bodies {
				if c.BodySize == int64(len(b)) && strings.Contains(b, marker) {
					sum := sha256.Sum256([]byte(b))
					if c.BodySHA256 == hex.EncodeToString(sum[:]) {
						body = b
					}
				}
			}
			if body == "" || c.Body != "" || c.Authenticated || c.Replayable || c.Caller != "" || c.Status != 401 || c.Path != add || c.SourceIP == "" {
				t.Errorf("unauthenticated call logged as %+v", c)
			}
			rr := e.do("POST", "/api/v1/inbound-calls/"+c.ID+"/replay", auth, nil)
			p := wantProblem(t, rr, http.StatusConflict, httpapi.TypeConflict)
			if !strings.Contains(p.Detail, "not authenticated") {
				t.Errorf("replay refused with %q; want the reason", p.Detail)
			}
		}
		if g := log[3]; g.ID != goodID || g.Body != `{"employee_id":"7"}` || !g.Authenticated || !g.Replayable {
			t.Errorf("authenticated failed call logged as %+v", g)
		}
		r = e.do("GET", "/api/v1/users", auth, nil)
		if l := decode[listBody[dirUser]](t, r); len(l.Data) != 0 {
			t.Fatalf("users were provisioned: %s", r.Body)
		}
		// The bodies are nowhere at rest.
		dump := sqlstoretest.DumpAtRest(t, e.store)
		for marker := range bodies {
			if bytes.Contains(dump, []byte(marker)) {
				t.Errorf("the body with %s is stored", marker)
			}
		}
	})
}

// TestUnknownTenantSlugLooksLikeWrongCredential compares the answers for
// a tenant that exists and one that does not, with a wrong credential and
// with another tenant's: same status, headers and body, and no quicker.
func TestUnknownTenantSlugLooksLikeWrongCredential(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.app.InboundLimits.SourceFailures = -1
		e.tenantWithAPI("acme")
		authB := tokenAuth(e.tenantWithAPI("beta"))
		for _, auth := range []string{"", "Token wrong", authB, basicAuth("nobody@example.com", "wrong-password-1")} {
			known := e.hook("/hooks/acme/helpdesk/createticket", auth, refGenericTicket)
			unknown := e.hook("/hooks/acmf/helpdesk/createticket", auth, refGenericTicket)
			if known.Status != http.StatusUnauthorized || unknown.Status != known.Status {
				t.Fatalf("auth %q: status %d for a tenant, %d for none", auth, known.Status, unknown.Status)
			}
			kh, uh := known.Header.Clone(), unknown.Header.Clone()
			kh.Del("Date")
			uh.Del("Date")
			// Each answer has a request ID of its own, of the same form.
			if k, u := kh.Get("X-Request-Id"), uh.Get("X-Request-Id"); len(k) != len(u) || k == u {
				t.Errorf("auth %q: request IDs %q for a tenant, %q for none", auth, k, u)
			}
			kh.Del("X-Request-Id")
			uh.Del("X-Request-Id")
			if !equalHeaders(kh, uh) {
				t.Errorf("auth %q: headers %v for a tenant, %v for none", auth, kh, uh)
			}
			if kb := bytes.ReplaceAll(known.Body, []byte("/acme/"), []byte("/acmf/")); !bytes.Equal(kb, unknown.Body) {
				t.Errorf("auth %q: body %s for a tenant, %s for none", auth, known.Body, unknown.Body)
			}
		}
		// Timing: the unknown slug does the same work (the log write runs
		// for both); its median must not be far below the known one's.
		// (Before, PostgreSQL answered an unknown slug 3.4 times quicker:
		// no row, no WAL flush.) SQLite still writes pages for a known
		// slug only, a few hundred µs.
		const rounds = 25
		var tk, tu []time.Duration
		for range rounds {
			for _, slug := range []string{"acme", "acmf"} {
				start := time.Now()
				e.hook("/hooks/"+slug+"/helpdesk/createticket", "Token wrong", refGenericTicket)
				if slug == "acme" {
					tk = append(tk, time.Since(start))
				} else {
					tu = append(tu, time.Since(start))
				}
			}
		}
		slices.Sort(tk)
		slices.Sort(tu)
		mk, mu := tk[rounds/2], tu[rounds/2]
		t.Logf("median 401: %v for a tenant, %v for none", mk, mu)
		if mu*5/2 < mk {
			t.Errorf("an unknown slug answers in %v, a known one in %v: existence shows in the timing", mu, mk)
		}
	})
}

// equalHeaders reports whether a and b hold the same headers.
func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestAnonymousInboundFloodIsLimited floods one tenant's webhook without
// credentials from one address: past the per-address budget the calls get
// 429 with Retry-After before any credential is checked, and are not
// logged; the budget refills with time.
func TestAnonymousInboundFloodIsLimited(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auth := tokenAuth(e.tenantWithAPI("acme"))
		e.app.InboundLimits.SourceFailures = 6 // per minute: one every 10 s
		e.app.InboundLimits.TenantFailures = -1
		e.tick = 0
		path := "/hooks/acme/helpdesk/createticket"
		for i := range 6 {
			if r := e.hook(path, "Token wrong-"+strconv.Itoa(i), refGenericTicket); r.Status != http.StatusUnauthorized {
				t.Fatalf("failed call %d: %s", i, r)
			}
		}
		for _, slug := range []string{"acme", "nobody"} {
			r := e.hook("/hooks/"+slug+"/helpdesk/createticket", "", refGenericTicket)
			p := wantProblem(t, r, http.StatusTooManyRequests, httpapi.TypeRateLimited)
			if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra < 1 || ra > 10 {
				t.Errorf("Retry-After %q, want 1..10", r.Header.Get("Retry-After"))
			}
			if !strings.Contains(p.Detail, "address") {
				t.Errorf("429 detail %q does not say why", p.Detail)
			}
		}
		// Refused before the credential is looked at: even a valid one.
		wantProblem(t, e.hook(path, auth, refGenericTicket), http.StatusTooManyRequests, httpapi.TypeRateLimited)
		e.clock.Advance(10 * time.Second)
		wantStatus(t, e.hook(path, "", refGenericTicket), http.StatusUnauthorized)
		wantStatus(t, e.hook(path, "", refGenericTicket), http.StatusTooManyRequests)
		e.clock.Advance(10 * time.Second)
		wantStatus(t, e.hook(path, auth, refGenericTicket), http.StatusCreated)

		log := e.inboundLog(auth)
		failed := 0
		for _, c := range log {
			if c.Status == http.StatusTooManyRequests {
				t.Errorf("a refused call was logged: %+v", c)
			}
			if c.Status == http.StatusUnauthorized {
				failed++
			}
		}
		if failed != 7 || len(log) != 8 {
			t.Errorf("log has %d calls, %d of them 401; want 8 and 7", len(log), failed)
		}
	})
}

// TestAnonymousInboundFloodCostsBoundedDisk sends many anonymous calls
// with 64 KiB bodies (from one address whose own limit is lifted, as if from
// many) and measures how much the database grows: the tenant's failure
// budget and the missing bodies keep it small.
func TestAnonymousInboundFloodCostsBoundedDisk(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.tenantWithAPI("acme")
		e.app.InboundLimits.SourceFailures = -1
		e.tick = 100 * time.Millisecond
		body := make([]byte, 64<<10)
		before := dbSize(t, e.store)
		const n = 300
		codes := map[int]int{}
		for range n {
			rand.Read(body)
			req := e.newRequest("POST", "/hooks/acme/helpdesk/createticket", "", body)
			codes[e.send(req).Status]++
		}
		grown := dbSize(t, e.store) - before
		t.Logf("%d anonymous calls of 64 KiB (%v): the database grew by %d bytes", n, codes, grown)
		if codes[http.StatusTooManyRequests] == 0 {
			t.Errorf("no call was limited: %v", codes)
		}
		if limit := int64(n) * 1024; grown > limit {
			t.Errorf("the database grew by %d bytes, more than %d", grown, limit)
		}
	})
}

// dbSize returns the bytes the store's database takes.
func dbSize(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	var size int64
	q := "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace" +
		" WHERE n.nspname = current_schema() AND c.relkind = 'r'"
	if s.Backend() == sqlstore.BackendSQLite {
		q = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	}
	if err := s.DB().QueryRowContext(t.Context(), q).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return size
}

// TestInboundLogCapPerTenant keeps only the newest calls of a tenant's
// log, by count and by bytes.
func TestInboundLogCapPerTenant(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auth := tokenAuth(e.tenantWithAPI("acme"))
		authB := tokenAuth(e.tenantWithAPI("beta"))
		e.app.InboundLimits.LogMaxCalls = 5
		var ids []string
		for i := range 12 {
			r := e.hook("/hooks/acme/helpdesk/createticket", auth, `{"title":"no requester `+strconv.Itoa(i)+`"}`)
			wantStatus(t, r, http.StatusBadRequest)
			ids = append(ids, r.Header.Get("X-Hookd-Inbound-Call"))
		}
		wantStatus(t, e.hook("/hooks/beta/helpdesk/createticket", authB, `{}`), http.StatusBadRequest)
		var got []string
		for _, c := range e.inboundLog(auth) {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, ids[7:]) {
			t.Fatalf("log keeps %v, want the newest 5 %v", got, ids[7:])
		}
		if n := len(e.inboundLog(authB)); n != 1 {
			t.Fatalf("beta's log has %d calls, want 1", n)
		}

		// By bytes: 20 KiB bodies, 50 KiB kept: the newest two.
		e.app.InboundLimits.LogMaxCalls, e.app.InboundLimits.LogMaxBytes = -1, 50<<10
		big := `{"title":"` + strings.Repeat("x", 20<<10) + `"}`
		ids = nil
		for range 4 {
			r := e.hook("/hooks/acme/helpdesk/createticket", auth, big)
			wantStatus(t, r, http.StatusBadRequest)
			ids = append(ids, r.Header.Get("X-Hookd-Inbound-Call"))
		}
		got = nil
		for _, c := range e.inboundLog(auth) {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, ids[2:]) {
			t.Fatalf("log keeps %v, want the newest 2 %v", got, ids[2:])
		}
	})
}

// TestInboundHeadersRedactedByAllowList logs a call with credentials in
// headers the old deny-list did not know: only harmless headers stay in
// clear, and a flood of headers is cut.
func TestInboundHeadersRedactedByAllowList(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auth := tokenAuth(e.tenantWithAPI("acme"))
		extra := []string{
			"X-Access-Key", "ak-secret-1", "X-Jwt", "eyJ-secret-2", "X-Credential", "cred-secret-3",
			"X-Custom", "custom-secret-4", "User-Agent", "HR-Connector/2.1", "X-Request-Id", "req-77",
			"Accept", "application/json", "Webhook-Id", "msg_1",
		}
		r := e.hook("/hooks/acme/helpdesk/createticket", auth, `{}`, extra...)
		wantStatus(t, r, http.StatusBadRequest)
		id := r.Header.Get("X-Hookd-Inbound-Call")
		r = e.do("GET", "/api/v1/inbound-calls/"+id, auth, nil)
		c := decode[inboundCallBody](t, r)
		for _, secret := range []string{"ak-secret-1", "eyJ-secret-2", "cred-secret-3", "custom-secret-4"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("%s is in the log: %s", secret, r.Body)
			}
		}
		for name, want := range map[string]string{
			"X-Access-Key": "[redacted]", "X-Jwt": "[redacted]", "X-Credential": "[redacted]", "X-Custom": "[redacted]",
			"Authorization": "Token [redacted]", "User-Agent": "HR-Connector/2.1", "X-Request-Id": "req-77",
			"Accept": "application/json", "Content-Type": "application/json", "Webhook-Id": "msg_1",
		} {
			if got := c.Headers[name]; len(got) != 1 || got[0] != want {
				t.Errorf("%s logged as %v, want %q", name, got, want)
			}
		}

		// Thousands of headers: the log keeps a bounded part.
		req := e.newRequest("POST", "/hooks/acme/helpdesk/createticket", auth, `{}`)
		for i := range 2000 {
			req.Header.Set("X-Junk-"+strconv.Itoa(i), strings.Repeat("j", 200))
		}
		r = e.send(req)
		wantStatus(t, r, http.StatusBadRequest)
		r = e.do("GET", "/api/v1/inbound-calls/"+r.Header.Get("X-Hookd-Inbound-Call"), auth, nil)
		c = decode[inboundCallBody](t, r)
		if n := len(r.Body); n > 16<<10 {
			t.Errorf("the call with 2000 headers reads back as %d bytes", n)
		}
		if got := c.Headers["Content-Type"]; len(got) != 1 || got[0] != "application/json" {
			t.Errorf("Content-Type is lost among junk headers: %v", got)
		}
	})
}
