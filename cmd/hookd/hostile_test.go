//go:build !race

// The hostile-load test is left out of `go test -race`: it measures latency,
// memory and disk of a separate hookd process under a minute of attack, and
// under the race detector the load generator in this process would run
// several times slower and measure the detector rather than hookd. .ci/run
// runs it on its own, without -race, and fails unless it passed.

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The hostile-load test's scenario and limits (issue 11's acceptance).
const (
	// hostileDuration is how long the attack lasts, unless
	// HOOKD_TEST_HOSTILE_DURATION (a Go duration) says otherwise for a
	// local run. (TestMain clears every other HOOKD_ variable.)
	hostileDuration = 60 * time.Second
	// hostileBaseline is how long the healthy tenant publishes alone
	// first, to measure this machine's baseline latency.
	hostileBaseline = 10 * time.Second
	// hostileRate is the healthy tenant's publishes per second, paced
	// (open loop: each publish starts on time whatever the others take).
	hostileRate = 20

	hostileFloodWorkers   = 16       // anonymous inbound calls in flight
	hostileFloodBody      = 64 << 10 // bytes of each of their bodies
	hostileBasicWorkers   = 32       // anonymous HTTP Basic requests in flight
	hostileAttackWorkers  = 4        // the attacking tenant's publishes in flight
	hostileMaxSchemaDepth = 32       // the deepest fan-out tried; shallower ones until one is accepted
	hostileFanoutItems    = 64       // items each fan-out publish validates
	hostileNumberBytes    = 60 << 10 // bytes of 1e-999999 literals in each number publish

	// The acceptance limits.
	hostileP99Limit      = 100 * time.Millisecond
	hostileP99Factor     = 3 // see TestHostileLoad on why a ratio to the baseline too
	hostileRSSLimitKiB   = 512 << 10
	hostileDBGrowthLimit = 5_000_000 // bytes: 5 MB

	// hostileSettle bounds the wait, after the attack, for every accepted
	// healthy event to reach the receiver.
	hostileSettle = 60 * time.Second
	// The attack stops early once it has failed by far, to spare the
	// machine the test runs on (the figures then say so).
	hostileRSSGuardKiB = 4 << 20 // 4 GiB
	hostileDBGuard     = 1 << 30 // 1 GiB of growth
)

// TestHostileLoad runs `hookd serve` (built without the race detector) as a
// separate process on SQLite and attacks it over real HTTP while a healthy
// tenant publishes 20 events/s:
//
//   - anonymous floods of /hooks/{healthy tenant}/… and /hooks/{no such
//     tenant}/… with 64 KiB bodies, 16 calls in flight;
//   - 32 anonymous HTTP Basic requests in flight to /api/v1 with random
//     emails and passwords (each costs an argon2id unless hookd bounds it);
//   - a tenant publishing continuously against the deepest allOf fan-out
//     schema hookd accepts, with data costly to validate: 64 items through
//     the fan-out, or 60 KiB of number literals like 1e-999999 checked as
//     integers. Refusals (400, 422, 429) are expected and counted.
//
// Each attacking worker connects from a loopback address of its own
// (127.0.0.2 and up), the healthy tenant from 127.0.0.1: a distributed
// attack, which limits per source address alone do not stop.
//
// It asserts that every healthy publish is accepted (2xx) and reaches the
// tenant's endpoint (counted at the receiver by webhook-id), that hookd's
// resident memory stays under 512 MiB (VmRSS sampled every 100 ms, and
// VmHWM at the end), and that the attack grows the database (file, -wal and
// -shm) by less than 5 MB.
//
// Database: the healthy tenant's own events are legitimate growth, and
// they are not small: each stores the event, its delivery and the attempt
// with its request and response, about 3.9 kB, so 1,200 events (60 s at
// 20/s, measured alone) grow the database by 4.6 MB. The test measures the
// bytes per healthy event in the baseline and counts only the growth beyond
// that as the attack's. It counts the pages in use (page_count −
// freelist_count, read through SQLite, which includes what is still in the
// write-ahead log): the files' sizes also move with how far the
// checkpointer lags on a busy machine (the log is reused, not grown, once
// checkpoints catch up), so they are logged but not asserted.
//
// Latency: the acceptance target is a healthy publish p99 under 100 ms. A
// test must also pass on a busy machine (a CI runner, or this one shared
// with other work), where even an unattacked hookd can exceed 100 ms. So
// the test first measures the healthy tenant alone for 10 s, in the same
// process and conditions, and asserts p99 under attack ≤ max(100 ms, 3 ×
// baseline p99): on a quiet machine that is the 100 ms target itself; on a
// busy one the attack may still not make the healthy tenant more than three
// times slower than the machine allows. The absolute figures are logged
// either way ("hostile:" lines) for docs/performance.md.
func TestHostileLoad(t *testing.T) {
	duration := hostileDuration
	if v := os.Getenv("HOOKD_TEST_HOSTILE_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("HOOKD_TEST_HOSTILE_DURATION=%q: want a positive Go duration such as 15s", v)
		}
		duration = d
	}
	baseline := min(hostileBaseline, duration)
	bin := buildHookd(t)

	rc := &hostileReceiver{seen: map[string]int{}}
	receiver := httptest.NewServer(rc)
	t.Cleanup(receiver.Close)

	dataDir := t.TempDir()
	adminToken := "hostile-" + randomHex(t) + randomHex(t)
	p := startHookd(t, bin, map[string]string{
		"HOOKD_ADDR":                       "127.0.0.1:0",
		"HOOKD_DATA_DIR":                   dataDir,
		"HOOKD_ADMIN_TOKEN":                adminToken,
		"HOOKD_ALLOW_PRIVATE_DESTINATIONS": "true",
		// Above the healthy tenant's 20/s (the default, 5/s, is below
		// it); every other setting is hookd's default.
		"HOOKD_API_RATE_LIMIT": "50",
	})
	pid := p.cmd.Process.Pid
	api := p.api(t)
	op := "Bearer " + adminToken

	// The healthy tenant and its endpoint; the attacking tenant and its
	// fan-out event type.
	healthyKey := hostileTenant(t, api, op, "healthy")
	want(t, "create the healthy endpoint", api.do(http.MethodPost, "/api/v1/endpoints", "Token "+healthyKey,
		map[string]any{"name": "healthy receiver", "url": receiver.URL + "/healthy"}), http.StatusCreated)
	attackKey := hostileTenant(t, api, op, "attacker")
	depth, refused := hostileEventType(t, api, "Token "+attackKey)
	if refused != "" {
		t.Logf("hostile: schema: fan-out depth %d accepted; deeper refused (%s)", depth, refused)
	} else {
		t.Logf("hostile: schema: fan-out depth %d accepted (the deepest tried)", depth)
	}

	healthy := &hostilePublisher{
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		url:    p.base + "/api/v1/events", key: healthyKey,
	}
	t.Cleanup(healthy.client.CloseIdleConnections)
	ctx := t.Context()

	// Warm up (connections, caches), then the baseline: the healthy
	// tenant alone.
	warmup := healthy.run(ctx, hostileRate, time.Second)
	db := openReadOnly(t, filepath.Join(dataDir, "hookd.db"))
	rssStart := procStatusKiB(t, pid)["VmRSS"]
	usedStart := dbUsed(t, db)
	base := healthy.run(ctx, hostileRate, baseline)
	dbBefore, dbBeforeFiles := dbFiles(t, dataDir)
	usedBefore := dbUsed(t, db)
	rssBefore := procStatusKiB(t, pid)["VmRSS"]
	b50, b99, _ := base.latencies()
	perEvent := float64(usedBefore-usedStart) / float64(max(1, base.accepted()))
	t.Logf("hostile: baseline, the healthy tenant alone for %v: %d publishes %s, p50 %s, p99 %s; hookd RSS %s; database pages in use grew %s (%.1f kB per event)",
		baseline, len(base), base.statuses(), ms(b50), ms(b99), mib(rssStart), mb(usedBefore-usedStart), perEvent/1e3)

	// The attack, while the healthy tenant publishes.
	attackCtx, stopAttack := context.WithCancel(ctx)
	defer stopAttack()
	floods := newStatusCounter(attackCtx)
	basics := newStatusCounter(attackCtx)
	fanouts := newStatusCounter(attackCtx)
	numbers := newStatusCounter(attackCtx)
	var attackers sync.WaitGroup
	// The healthy tenant calls from 127.0.0.1; each attacking worker from
	// a loopback address of its own (127.0.0.2 and up), as a distributed
	// attack would: hookd sees as many sources.
	sources := 1
	attacker := func(timeout time.Duration) *http.Client {
		sources++
		c := hostileClient(fmt.Sprintf("127.0.0.%d", sources), timeout)
		t.Cleanup(c.CloseIdleConnections)
		return c
	}
	floodBody := bytes.Repeat([]byte("A"), hostileFloodBody)
	copy(floodBody, `{"short_description":"`)
	copy(floodBody[len(floodBody)-2:], `"}`)
	floodTargets := []string{
		p.base + "/hooks/healthy/helpdesk/servicenow",
		p.base + "/hooks/healthy/helpdesk/createticket",
		p.base + "/hooks/healthy/provisioning/dst_00000000000000000000000000/adduser",
		p.base + "/hooks/no-such-tenant-" + randomHex(t) + "/helpdesk/servicenow",
	}
	for i := range hostileFloodWorkers {
		flood := attacker(10 * time.Second)
		attackers.Go(func() {
			for n := i; attackCtx.Err() == nil; n++ {
				// Every other call without credentials, the rest with a
				// made-up API key.
				auth := ""
				if n%2 == 1 {
					auth = fmt.Sprintf("Token hk_%016x%016x", rand.Uint64(), rand.Uint64())
				}
				floods.add(hostileSend(attackCtx, flood, http.MethodPost, floodTargets[n%len(floodTargets)], auth, floodBody))
			}
		})
	}
	for range hostileBasicWorkers {
		basic := attacker(10 * time.Second)
		attackers.Go(func() {
			for attackCtx.Err() == nil {
				email := fmt.Sprintf("u%x@%x.example", rand.Uint64(), rand.Uint32())
				auth := basicAuth(email, fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()))
				basics.add(hostileSend(attackCtx, basic, http.MethodGet, p.base+"/api/v1/events", auth, nil))
			}
		})
	}
	fanoutBody := hostileFanoutBody()
	numberBody := hostileNumberBody()
	for i := range hostileAttackWorkers {
		attack := attacker(5 * time.Second)
		attackers.Go(func() {
			for n := i; attackCtx.Err() == nil; n++ {
				if n%2 == 0 {
					fanouts.add(hostileSend(attackCtx, attack, http.MethodPost, p.base+"/api/v1/events", "Token "+attackKey, fanoutBody))
				} else {
					numbers.add(hostileSend(attackCtx, attack, http.MethodPost, p.base+"/api/v1/events", "Token "+attackKey, numberBody))
				}
			}
		})
	}

	// Sample hookd's memory and the database's size while it lasts.
	var rssPeakKiB, dbPeak atomic.Int64
	var guard atomic.Value // why the attack stopped early, if it did
	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if kib := procStatusKiB(t, pid)["VmRSS"]; kib > rssPeakKiB.Load() {
				rssPeakKiB.Store(kib)
				if kib > hostileRSSGuardKiB {
					guard.CompareAndSwap(nil, fmt.Sprintf("hookd's RSS reached %s", mib(kib)))
					stopAttack()
				}
			}
			if i%10 == 0 {
				if n := dbBytes(t, dataDir); n > dbPeak.Load() {
					dbPeak.Store(n)
					if n-dbBefore > hostileDBGuard {
						guard.CompareAndSwap(nil, fmt.Sprintf("the database grew by %s", mb(n-dbBefore)))
						stopAttack()
					}
				}
			}
			select {
			case <-attackCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()

	attackStart := time.Now()
	underAttack := healthy.run(ctx, hostileRate, duration)
	stopAttack()
	attackers.Wait()
	<-samplerDone
	for _, c := range []*statusCounter{floods, basics, fanouts, numbers} {
		c.finish()
	}
	attackTook := time.Since(attackStart)
	rssEnd := procStatusKiB(t, pid)["VmRSS"]

	// Every accepted healthy event reaches the receiver.
	all := append(append(slices.Clone(warmup), base...), underAttack...)
	var accepted []string
	for _, r := range all {
		if r.id != "" {
			accepted = append(accepted, r.id)
		}
	}
	settleStart := time.Now()
	missing := rc.missing(accepted)
	for len(missing) > 0 && time.Since(settleStart) < hostileSettle {
		time.Sleep(100 * time.Millisecond) // polling a real process's deliveries
		missing = rc.missing(accepted)
	}
	settled := time.Since(settleStart)
	dbAfter, dbAfterFiles := dbFiles(t, dataDir)
	usedAfter := dbUsed(t, db)
	hwm := procStatusKiB(t, pid)["VmHWM"]
	rssPeak := max(rssPeakKiB.Load(), hwm)

	// The figures.
	a50, a99, amax := underAttack.latencies()
	okAttack := underAttack.accepted()
	t.Logf("hostile: attack for %v (%v): anonymous inbound floods %s",
		duration, attackTook.Round(time.Millisecond), floods)
	t.Logf("hostile: anonymous HTTP Basic: %s", basics)
	t.Logf("hostile: attacking tenant, %d fan-out items each: %s", hostileFanoutItems, fanouts)
	t.Logf("hostile: attacking tenant, %d KiB of 1e-999999 each: %s", hostileNumberBytes>>10, numbers)
	t.Logf("hostile: healthy publishes under attack: %d of %d accepted (%s); p50 %s, p99 %s, max %s (baseline p99 %s; limit %s)",
		okAttack, len(underAttack), underAttack.statuses(), ms(a50), ms(a99), ms(amax), ms(b99), ms(max(hostileP99Limit, hostileP99Factor*b99)))
	t.Logf("hostile: healthy deliveries: %d of %d accepted events received (%d requests), %v after the attack",
		len(accepted)-len(missing), len(accepted), rc.requests(), settled.Round(time.Millisecond))
	t.Logf("hostile: hookd RSS: %s before the attack, peak %s (VmHWM %s), %s at its end; limit %s",
		mib(rssBefore), mib(rssPeak), mib(hwm), mib(rssEnd), mib(hostileRSSLimitKiB))
	// What the healthy tenant's own events take, at the baseline's bytes
	// per event, is not the attack's doing.
	healthyGrowth := int64(perEvent * float64(okAttack))
	attackGrowth := usedAfter - usedBefore - healthyGrowth
	t.Logf("hostile: database on disk: %s before the attack (%s), peak %s, %s after (%s): grew %s",
		mb(dbBefore), dbBeforeFiles, mb(max(dbPeak.Load(), dbAfter)), mb(dbAfter), dbAfterFiles, mb(dbAfter-dbBefore))
	t.Logf("hostile: database pages in use grew %s: %s for the healthy tenant's %d events (%.1f kB each, as in the baseline), %s the attack's; limit %s for the attack",
		mb(usedAfter-usedBefore), mb(healthyGrowth), okAttack, perEvent/1e3, mb(attackGrowth), mb(hostileDBGrowthLimit))
	if why := guard.Load(); why != nil {
		t.Errorf("the attack was stopped early because %s", why)
	}

	// The attack reached hookd: each kind got answers, or timed out
	// waiting for them.
	for name, c := range map[string]*statusCounter{"inbound flood": floods, "anonymous Basic": basics, "fan-out publish": fanouts, "number publish": numbers} {
		if c.reached() == 0 {
			t.Errorf("the %s attack never reached hookd (%s): it did not test anything", name, c)
		}
	}
	// The healthy tenant was served.
	for _, phase := range []struct {
		name string
		rs   hostileResults
	}{{"warm-up", warmup}, {"baseline", base}, {"under attack", underAttack}} {
		if bad := phase.rs.failures(); len(bad) > 0 {
			t.Errorf("%d of %d healthy publishes (%s) were not accepted, such as:\n  %s",
				len(bad), len(phase.rs), phase.name, strings.Join(bad[:min(len(bad), 5)], "\n  "))
		}
	}
	if limit := max(hostileP99Limit, hostileP99Factor*b99); a99 > limit {
		t.Errorf("healthy publish p99 under attack %s, over %s (max of %s and %d × the baseline p99 %s)",
			ms(a99), ms(limit), ms(hostileP99Limit), hostileP99Factor, ms(b99))
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d accepted healthy events did not reach the endpoint within %v after the attack, such as %q",
			len(missing), len(accepted), hostileSettle, missing[:min(len(missing), 3)])
	}
	if rssPeak >= hostileRSSLimitKiB {
		t.Errorf("hookd's peak RSS %s, want under %s", mib(rssPeak), mib(hostileRSSLimitKiB))
	}
	if attackGrowth >= hostileDBGrowthLimit {
		t.Errorf("the database's pages in use grew by %s during the attack, %s of it beyond the healthy tenant's events; want that under %s",
			mb(usedAfter-usedBefore), mb(attackGrowth), mb(hostileDBGrowthLimit))
	}
	if t.Failed() {
		logHookdWarnings(t, p)
	}
}

// hostileTenant creates an enterprise tenant with its API enabled and
// returns its API key.
func hostileTenant(t *testing.T, api *server, op, slug string) string {
	t.Helper()
	want(t, "create tenant "+slug, api.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": slug, "plan": "enterprise"}), http.StatusCreated)
	r := api.do(http.MethodPut, "/api/v1/admin/tenants/"+slug+"/api", op, map[string]any{"enabled": true})
	want(t, "enable the API of "+slug, r, http.StatusOK)
	return decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
}

// hostileSchema is an event type's schema whose "xs" items go through an
// allOf fan-out depth levels deep: each level refers twice to the next, so
// one item is checked against 2^depth leaves unless hookd bounds it. Its
// "ns" items must be integers.
func hostileSchema(depth int) map[string]any {
	defs := map[string]any{}
	for i := range depth {
		next := map[string]any{"$ref": fmt.Sprintf("#/$defs/d%d", i+1)}
		defs[fmt.Sprintf("d%d", i)] = map[string]any{"allOf": []any{next, next}}
	}
	defs[fmt.Sprintf("d%d", depth)] = map[string]any{"type": "number", "minimum": 0}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"xs": map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/d0"}},
			"ns": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}},
		},
		"$defs": defs,
	}
}

// hostileEventType creates the attacker's event type attack.fanout with the
// deepest fan-out hookd accepts, trying depths from hostileMaxSchemaDepth
// down, and returns that depth and what the refusals said.
func hostileEventType(t *testing.T, api *server, auth string) (depth int, refused string) {
	t.Helper()
	var refusals []string
	for depth := hostileMaxSchemaDepth; depth >= 1; depth-- {
		r := api.do(http.MethodPost, "/api/v1/event-types", auth, map[string]any{
			"name":        "attack.fanout",
			"description": fmt.Sprintf("An allOf fan-out %d levels deep.", depth),
			"schema":      hostileSchema(depth),
			"example":     map[string]any{"xs": []int{}, "ns": []int{}},
		})
		switch r.status {
		case http.StatusCreated:
			if len(refusals) > 2 {
				refusals = append(refusals[:1], "…", refusals[len(refusals)-1])
			}
			return depth, strings.Join(refusals, "; ")
		case http.StatusUnprocessableEntity, http.StatusBadRequest:
			var pb struct {
				Errors []struct {
					Message string `json:"message"`
				} `json:"errors"`
				Detail string `json:"detail"`
			}
			_ = json.Unmarshal(r.body, &pb)
			why := pb.Detail
			if len(pb.Errors) > 0 {
				why = pb.Errors[0].Message
			}
			refusals = append(refusals, fmt.Sprintf("depth %d: %d %s", depth, r.status, why))
		default:
			t.Fatalf("create a fan-out event type %d deep: %s", depth, r)
		}
	}
	t.Fatalf("hookd refused every fan-out schema, even one level deep: %s", strings.Join(refusals, "; "))
	return 0, ""
}

// hostileFanoutBody publishes hostileFanoutItems items through the fan-out.
func hostileFanoutBody() []byte {
	xs := make([]int, hostileFanoutItems)
	for i := range xs {
		xs[i] = i
	}
	b, _ := json.Marshal(map[string]any{"type": "attack.fanout", "data": map[string]any{"xs": xs}})
	return b
}

// hostileNumberBody publishes about hostileNumberBytes bytes of 1e-999999
// literals, each to be checked as an integer.
func hostileNumberBody() []byte {
	n := hostileNumberBytes / len("1e-999999,")
	ns := strings.TrimSuffix(strings.Repeat("1e-999999,", n), ",")
	return []byte(`{"type":"attack.fanout","data":{"ns":[` + ns + `]}}`)
}

func basicAuth(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	r.SetBasicAuth(user, password)
	return r.Header.Get("Authorization")
}

// hostileClient returns a client whose connections come from the loopback
// address src.
func hostileClient(src string, timeout time.Duration) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: timeout}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}
}

// hostileSend sends one request and returns its status, or the error that
// got no answer.
func hostileSend(ctx context.Context, c *http.Client, method, url, auth string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// statusCounter counts an attack's answers by status, and the requests
// that got none by kind of error.
type statusCounter struct {
	ctx        context.Context // the attack's
	start, end time.Time       // of the attack; end is zero until it ends
	mu         sync.Mutex
	n          map[string]int
}

func newStatusCounter(ctx context.Context) *statusCounter {
	return &statusCounter{ctx: ctx, start: time.Now(), n: map[string]int{}}
}

// add counts one request's outcome; one cut short because the attack
// ended does not count.
func (c *statusCounter) add(status int, err error) {
	key := strconv.Itoa(status)
	if err != nil {
		if c.ctx.Err() != nil {
			return
		}
		key = errorKind(err)
	}
	c.mu.Lock()
	c.n[key]++
	c.mu.Unlock()
}

// reached returns how many requests got an HTTP answer or timed out
// waiting for one: either way they reached hookd.
func (c *statusCounter) reached() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n["timeout"]
	for k, v := range c.n {
		if _, err := strconv.Atoi(k); err == nil {
			n += v
		}
	}
	return n
}

// finish notes that the attack has ended.
func (c *statusCounter) finish() {
	c.mu.Lock()
	c.end = time.Now()
	c.mu.Unlock()
}

func (c *statusCounter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.end
	if end.IsZero() {
		end = time.Now()
	}
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c.n)) {
		total += c.n[k]
		parts = append(parts, fmt.Sprintf("%s ×%d", k, c.n[k]))
	}
	return fmt.Sprintf("%d requests (%.0f/s): %s", total, float64(total)/end.Sub(c.start).Seconds(), strings.Join(parts, ", "))
}

// errorKind names the kind of a request's error for the figures.
func errorKind(err error) string {
	var to interface{ Timeout() bool }
	switch {
	case errors.As(err, &to) && to.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "reset"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no port"
	}
	return "error"
}

// hostileResult is one healthy publish.
type hostileResult struct {
	took   time.Duration
	status int    // 0 if no answer
	id     string // the event's id, if accepted
	err    string // why not accepted
}

type hostileResults []hostileResult

// latencies returns the p50, p99 and maximum of the publishes' latencies.
func (rs hostileResults) latencies() (p50, p99, most time.Duration) {
	ds := make([]time.Duration, len(rs))
	for i, r := range rs {
		ds[i] = r.took
	}
	p50, p99 = percentiles(ds)
	if len(ds) > 0 {
		most = ds[len(ds)-1] // percentiles sorted them
	}
	return p50, p99, most
}

func (rs hostileResults) accepted() int {
	n := 0
	for _, r := range rs {
		if r.id != "" {
			n++
		}
	}
	return n
}

func (rs hostileResults) failures() []string {
	var out []string
	for _, r := range rs {
		if r.id == "" {
			out = append(out, r.err)
		}
	}
	return out
}

func (rs hostileResults) statuses() string {
	n := map[string]int{}
	for _, r := range rs {
		k := strconv.Itoa(r.status)
		if r.status == 0 {
			k = "no answer"
		}
		n[k]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, n[k]))
	}
	return strings.Join(parts, ", ")
}

// hostilePublisher is the healthy tenant publishing webhook.test events.
type hostilePublisher struct {
	client *http.Client
	url    string
	key    string
	next   atomic.Int64
}

// run publishes rate events per second for d, each started on schedule in
// its own goroutine (so that one slow answer does not hold back the next
// publishes and hide the latency they would have seen), and returns every
// publish's result once all have answered.
func (hp *hostilePublisher) run(ctx context.Context, rate int, d time.Duration) hostileResults {
	var (
		mu  sync.Mutex
		out hostileResults
		wg  sync.WaitGroup
	)
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= d {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(at)): // pacing the publisher
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			r := hp.publish(ctx)
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

func (hp *hostilePublisher) publish(ctx context.Context) hostileResult {
	n := hp.next.Add(1)
	body, _ := json.Marshal(map[string]any{"type": "webhook.test", "data": map[string]any{
		"message": fmt.Sprintf("healthy event %d: %s", n, strings.Repeat("the quick brown fox ", 20)),
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hp.url, bytes.NewReader(body))
	if err != nil {
		return hostileResult{err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+hp.key)
	start := time.Now()
	resp, err := hp.client.Do(req)
	if err != nil {
		return hostileResult{took: time.Since(start), err: fmt.Sprintf("event %d: %v", n, err)}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := hostileResult{took: time.Since(start), status: resp.StatusCode}
	if err != nil {
		r.err = fmt.Sprintf("event %d: %d, body cut off: %v", n, resp.StatusCode, err)
		return r
	}
	if resp.StatusCode/100 != 2 {
		r.err = fmt.Sprintf("event %d: %d %s", n, resp.StatusCode, bytes.TrimSpace(b))
		return r
	}
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.ID == "" {
		r.err = fmt.Sprintf("event %d: %d with %s (want the event's id)", n, resp.StatusCode, b)
		return r
	}
	r.id = ev.ID
	return r
}

// hostileReceiver is the healthy endpoint: it counts requests by
// webhook-id and answers 204.
type hostileReceiver struct {
	mu    sync.Mutex
	seen  map[string]int
	total int
}

func (rc *hostileReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	rc.seen[r.Header.Get("webhook-id")]++
	rc.total++
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// missing returns the ids not received yet.
func (rc *hostileReceiver) missing(ids []string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, id := range ids {
		if rc.seen[id] == 0 {
			out = append(out, id)
		}
	}
	return out
}

func (rc *hostileReceiver) requests() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.total
}

// procStatusKiB returns the kB fields of /proc/<pid>/status (VmRSS, VmHWM, …).
func procStatusKiB(t *testing.T, pid int) map[string]int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Errorf("hookd's memory: %v", err)
		return nil
	}
	out := map[string]int64{}
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(line, ":")
		if v, isKB := strings.CutSuffix(strings.TrimSpace(rest), " kB"); ok && isKB {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[name] = n
			}
		}
	}
	return out
}

// openReadOnly opens the SQLite database at path for reading, beside the
// hookd process that writes it.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// dbUsed returns the bytes of the database's pages in use.
func dbUsed(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var pages, free, size int64
	for _, q := range []struct {
		pragma string
		v      *int64
	}{{"page_count", &pages}, {"freelist_count", &free}, {"page_size", &size}} {
		if err := db.QueryRow("PRAGMA " + q.pragma).Scan(q.v); err != nil {
			t.Fatalf("PRAGMA %s: %v", q.pragma, err)
		}
	}
	return (pages - free) * size
}

// dbBytes returns the size of the SQLite database in dir: the file, its
// write-ahead log and its shared-memory index.
func dbBytes(t *testing.T, dir string) int64 {
	n, _ := dbFiles(t, dir)
	return n
}

// dbFiles returns dbBytes and the size of each file, for the figures.
func dbFiles(t *testing.T, dir string) (int64, string) {
	var n int64
	var parts []string
	for _, name := range []string{"hookd.db", "hookd.db-wal", "hookd.db-shm"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) && name != "hookd.db" {
			continue
		}
		if err != nil {
			t.Errorf("database size: %v", err)
			continue
		}
		n += fi.Size()
		parts = append(parts, fmt.Sprintf("%s %s", name, mb(fi.Size())))
	}
	return n, strings.Join(parts, ", ")
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
func mb(b int64) string    { return fmt.Sprintf("%.2f MB", float64(b)/1e6) }

// logHookdWarnings logs a sample of what hookd logged at WARN and ERROR.
func logHookdWarnings(t *testing.T, p *hookdProcess) {
	var lines []string
	n := 0
	for line := range strings.Lines(p.stderr.String()) {
		if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
			if n++; n <= 10 {
				lines = append(lines, strings.TrimSpace(line))
			}
		}
	}
	if n > 10 {
		lines = append(lines, fmt.Sprintf("… and %d more", n-10))
	}
	if len(lines) > 0 {
		t.Logf("hookd logged:\n  %s", strings.Join(lines, "\n  "))
	}
}
