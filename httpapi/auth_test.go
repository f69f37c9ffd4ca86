package httpapi_test

import (
	"context"
	"encoding/base64"
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
)

// TestMalformedAuthorizationIsExplained checks that a 401 for an
// Authorization header that cannot be a credential says what is wrong
// with it, rather than that there are no credentials.
func TestMalformedAuthorizationIsExplained(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.tenantWithAPI("acme")
		b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
		for _, c := range []struct {
			header string
			want   string
		}{
			{"", "no credentials"},
			{"   ", "no credentials"},
			{"Digest username=x", `scheme "Digest" is not supported`},
			{"Bearerhkd_at_abc", `scheme "Bearerhkd_at_abc" is not supported`},
			{"Token", "Token scheme but has no credential"},
			{"Bearer    ", "Bearer scheme but has no credential"},
			{"Basic", "Basic scheme but has no credential"},
			{"Basic not-base64!", "not valid base64"},
			{"Basic " + b64("hr-sync@acme.example"), "no colon"},
			{"Basic " + b64(":a-long-password"), "no email"},
			{"Basic " + b64("hr-sync@acme.example:"), "no password"},
			{"Basic " + b64("hr\x00sync@acme.example:a-long-password"), "control characters"},
		} {
			req := e.newRequest("GET", "/api/v1/tenant", "", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			r := e.send(req)
			p := wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized)
			if !strings.Contains(p.Detail, c.want) {
				t.Errorf("Authorization %q: detail %q does not say %q", c.header, p.Detail, c.want)
			}
			if c.header != "" && c.header != "   " && strings.Contains(p.Detail, "no credentials") {
				t.Errorf("Authorization %q: detail %q claims no credentials were sent", c.header, p.Detail)
			}
		}
		// A well-formed but wrong credential tells nothing more.
		r := e.do("GET", "/api/v1/tenant", basicAuth("hr-sync@acme.example", "a-long-password"), nil)
		if p := wantProblem(t, r, http.StatusUnauthorized, httpapi.TypeUnauthorized); p.Detail != "The credentials are missing or not valid." {
			t.Errorf("wrong credential: detail %q", p.Detail)
		}
	})
}

// TestParallelBasicRequestsDoNotExhaustMemory sends 32 anonymous Basic
// requests at once, each needing an argon2id check: no more than
// PasswordHashConcurrency checks may run at once (each takes the memory of
// the password parameters), and the requests that find no free slot are
// answered 503 with Retry-After quickly, not queued behind the others.
func TestParallelBasicRequestsDoNotExhaustMemory(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.tenantWithAPI("acme")
		e.app.PasswordParams.Memory, e.app.PasswordParams.Time = 8*1024, 4 // slow enough to overlap
		e.app.PasswordHashConcurrency = 2
		e.app.PasswordHashWait = 20 * time.Millisecond
		e.app.BasicAccountLimit, e.app.BasicAddressLimit = 1000, 1000 // this test is about the bound, not the throttle

		// Baseline: one request alone (after one that makes the dummy hash).
		wantStatus(t, e.do("GET", "/api/v1/tenant", basicAuth("nobody@acme.example", "wrong-password-guess"), nil), http.StatusUnauthorized)
		began := time.Now()
		wantStatus(t, e.do("GET", "/api/v1/tenant", basicAuth("nobody@acme.example", "wrong-password-guess"), nil), http.StatusUnauthorized)
		alone := time.Since(began)

		const n = 32
		type result struct {
			status     int
			retryAfter string
			took       time.Duration
		}
		results := make([]result, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := e.newRequest("GET", "/api/v1/tenant", basicAuth("nobody"+strconv.Itoa(i)+"@acme.example", "wrong-password-guess"), nil)
				<-start
				began := time.Now()
				res, err := e.ts.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				results[i] = result{res.StatusCode, res.Header.Get("Retry-After"), time.Since(began)}
			}()
		}
		close(start)
		wg.Wait()

		st := e.app.PasswordHashing()
		if st.Peak > 2 {
			t.Errorf("%d password checks ran at once, want at most 2", st.Peak)
		}
		busy, slowestBusy := 0, time.Duration(0)
		for _, r := range results {
			switch r.status {
			case http.StatusServiceUnavailable:
				busy++
				slowestBusy = max(slowestBusy, r.took)
				if r.retryAfter == "" {
					t.Errorf("503 without Retry-After")
				}
			case http.StatusUnauthorized:
			default:
				t.Errorf("status %d, want 401 or 503", r.status)
			}
		}
		if busy == 0 {
			t.Fatalf("no request was refused as busy")
		}
		// Queued behind each other, the last of 32 would wait for 15 rounds
		// of 2 checks; a refusal comes within the wait, about one check.
		if queued := alone * n / 2; slowestBusy > queued/2 {
			t.Errorf("slowest 503 took %v; one request alone %v, queueing all would take about %v", slowestBusy, alone, queued)
		}
		t.Logf("one alone %v; %d of %d refused busy, slowest refusal %v; peak %d checks at once", alone, busy, n, slowestBusy, st.Peak)
	})
}

// clientFrom returns an HTTP client whose requests come from the loopback
// address ip, so that tests can play several sources.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// TestWrongSecretDoesNotLockOutOAuthClient has an attacker who knows a
// client's ID send wrong secrets until refused: the attacker's address is
// throttled (429, Retry-After), while the real client, from elsewhere,
// keeps getting tokens with its whole budget.
func TestWrongSecretDoesNotLockOutOAuthClient(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		c := e.createOAuthClient(tokenAuth(key), "Reporting")
		e.tick = 0 // the limiter's budget must not refill while the attack runs
		token := func(client *http.Client, secret string) *http.Response {
			t.Helper()
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.ClientID}, "client_secret": {secret}}
			req, _ := http.NewRequestWithContext(context.Background(), "POST", e.url+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res
		}
		attacker := clientFrom("127.0.0.2")
		limit := e.app.BasicAddressLimit
		for i := range limit + 10 {
			res := token(attacker, "hkd_cs_guess"+strconv.Itoa(i))
			switch {
			case i < limit && res.StatusCode != http.StatusUnauthorized:
				t.Fatalf("attempt %d: status %d, want 401", i, res.StatusCode)
			case i >= limit && (res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == ""):
				t.Fatalf("attempt %d: status %d, Retry-After %q; want 429 with Retry-After", i, res.StatusCode, res.Header.Get("Retry-After"))
			}
		}
		// The real client has its whole budget (5 a second), at once.
		real := clientFrom("127.0.0.1")
		for i := range 5 {
			if res := token(real, c.ClientSecret); res.StatusCode != http.StatusOK {
				t.Fatalf("real client, request %d after the attack: status %d, want 200", i, res.StatusCode)
			}
		}
		// Its own budget is still its own: past it, 429.
		if res := token(real, c.ClientSecret); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("real client past its budget: status %d, want 429", res.StatusCode)
		}
		// The attacker stays blocked even with the right secret until the window ends.
		if res := token(attacker, c.ClientSecret); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("attacker's address with the right secret: status %d, want 429", res.StatusCode)
		}
		e.clock.Advance(e.app.BasicLockout)
		if res := token(attacker, c.ClientSecret); res.StatusCode != http.StatusOK {
			t.Errorf("after the lockout: status %d, want 200", res.StatusCode)
		}
	})
}

// TestFailedBasicAttemptsAreThrottledOverHTTP checks the answers of the
// Basic throttle on /api/v1 and /hooks: 429 with a Retry-After that counts
// down to the end of the window.
func TestFailedBasicAttemptsAreThrottledOverHTTP(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		key := e.tenantWithAPI("acme")
		const email, pw = "hr-sync@acme.example", "correct-horse-battery"
		e.createServiceAccount(tokenAuth(key), email, pw)
		e.app.BasicAccountLimit = 3
		e.app.PasswordCacheTTL = -1 // a remembered password would pass the throttle
		e.tick = 0
		for _, path := range []string{"/api/v1/tenant", "/hooks/acme/helpdesk/createticket"} {
			send := func(password string) *response {
				if strings.HasPrefix(path, "/hooks/") {
					return e.hook(path, basicAuth(email, password), refGenericTicket)
				}
				return e.do("GET", path, basicAuth(email, password), nil)
			}
			for range e.app.BasicAccountLimit {
				wantProblem(t, send("wrong-password-guess"), http.StatusUnauthorized, httpapi.TypeUnauthorized)
			}
			r := send(pw)
			wantProblem(t, r, http.StatusTooManyRequests, httpapi.TypeRateLimited)
			if got, want := r.Header.Get("Retry-After"), strconv.Itoa(int(e.app.BasicLockout/time.Second)); got != want {
				t.Errorf("%s: Retry-After %q, want %q", path, got, want)
			}
			e.clock.Advance(e.app.BasicLockout / 3)
			r = send(pw)
			wantProblem(t, r, http.StatusTooManyRequests, httpapi.TypeRateLimited)
			if got, want := r.Header.Get("Retry-After"), strconv.Itoa(int(e.app.BasicLockout*2/3/time.Second)); got != want {
				t.Errorf("%s: Retry-After %q later, want %q", path, got, want)
			}
			e.clock.Advance(e.app.BasicLockout)
			if r := send(pw); r.Status >= 300 {
				t.Errorf("%s after the lockout: %s", path, r)
			}
		}
	})
}
