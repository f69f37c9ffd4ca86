package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// The crash test's figures.
const (
	crashEvents     = 2000 // events accepted in all
	crashKillAt     = 1000 // accepted events after which the first process is killed
	crashEndpoints  = 3
	crashPublishers = 8
	crashDeadline   = 90 * time.Second // for every accepted event to arrive everywhere
	// crashSlowReceiver is how long the receiver takes to answer before the
	// kill: with 16 requests in flight per endpoint, each endpoint then
	// takes at most 80 deliveries/s, fewer than are published, so a backlog
	// builds.
	crashSlowReceiver = 200 * time.Millisecond
)

// TestCrash checks at-least-once delivery across a crash: hookd serve runs
// as a separate process, events are published to three endpoints, the
// process is killed with SIGKILL midway, started again on the same data, and
// every event it accepted (answered 202) must reach every endpoint at least
// once. It logs how many deliveries arrived more than once.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs hookd as a separate process")
	}
	bin := buildHookd(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { crashTest(t, bin, sqlstoretest.PostgresURL(t)) })
}

// buildHookd builds this command into a temporary directory and returns
// the binary's path. It is built without the race detector even under
// go test -race: SQLite (a C library translated to Go) runs a few times
// slower with it, which would make the test take minutes.
func buildHookd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hookd")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("go build: %v", time.Since(start).Round(time.Millisecond))
	return bin
}

// hookdProcess is `hookd serve` running as a child process.
type hookdProcess struct {
	cmd    *exec.Cmd
	base   string // http://<address it listens on>
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // Wait's result, set before done is closed
}

// startHookd starts `bin serve` with the environment of the test process
// minus every HOOKD_ variable plus env, waits until it answers /healthz and
// kills it when the test ends.
func startHookd(t *testing.T, bin string, env map[string]string) *hookdProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOOKD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &hookdProcess{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s serve: %v", bin, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)

	deadline := time.Now().Add(30 * time.Second)
	for {
		if p.base == "" {
			if addr, ok := printed(p.stderr.String(), "msg=listening addr="); ok {
				p.base = "http://" + addr
			}
		}
		if p.base != "" {
			if resp, err := http.Get(p.base + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return p
				}
			}
		}
		select {
		case <-p.done:
			t.Fatalf("hookd serve exited before it served: %v\nstdout:\n%s\nstderr:\n%s", p.err, p.stdout, p.stderr)
		case <-time.After(20 * time.Millisecond): // polling a real process
		}
		if time.Now().After(deadline) {
			t.Fatalf("hookd serve did not answer /healthz in 30s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *hookdProcess) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// api returns a server whose do and get call the process, for the test's
// own goroutine.
func (p *hookdProcess) api(t *testing.T) *server {
	return &server{t: t, base: p.base, stdout: p.stdout, stderr: p.stderr}
}

// crashReceiver counts the deliveries each path receives by webhook-id,
// when they arrive, and answers 200 after delay.
type crashReceiver struct {
	delay atomic.Int64 // a time.Duration

	mu    sync.Mutex
	seen  map[string]map[string]int // path → webhook-id → requests
	total int
}

func (rc *crashReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := r.Header.Get("webhook-id")
	rc.mu.Lock()
	if rc.seen[r.URL.Path] == nil {
		rc.seen[r.URL.Path] = map[string]int{}
	}
	rc.seen[r.URL.Path][id]++
	rc.total++
	rc.mu.Unlock()
	if d := time.Duration(rc.delay.Load()); d > 0 {
		select {
		case <-time.After(d): // a slow receiver
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(http.StatusOK)
}

// missing returns, for each event id of ids that has not reached every
// path, the paths it has not reached; and the requests received so far.
func (rc *crashReceiver) missing(ids []string, paths []string) (map[string][]string, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string][]string{}
	for _, id := range ids {
		for _, p := range paths {
			if rc.seen[p][id] == 0 {
				out[id] = append(out[id], p)
			}
		}
	}
	return out, rc.total
}

// duplicates returns how many requests repeated a webhook-id already
// received on their path, counted for the ids in accepted and for the others
// (events whose publish got no answer but that were stored).
func (rc *crashReceiver) duplicates(accepted map[string]bool) (dups, otherIDs, otherDups int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	others := map[string]bool{}
	for _, byID := range rc.seen {
		for id, n := range byID {
			if accepted[id] {
				dups += n - 1
			} else {
				others[id] = true
				otherDups += n - 1
			}
		}
	}
	return dups, len(others), otherDups
}

// deliveryStates counts a tenant's unfinished deliveries.
type deliveryStates struct {
	running int
	dueSoon int    // pending, due within a minute
	later   int    // pending, due later
	sample  string // one of the later ones
}

func (o deliveryStates) String() string {
	s := fmt.Sprintf("%d running, %d pending due within a minute, %d pending due later", o.running, o.dueSoon, o.later)
	if o.sample != "" {
		s += ", such as " + o.sample
	}
	return s
}

// listDeliveryStates lists the running and pending deliveries of the
// tenant whose API key is key.
func listDeliveryStates(t *testing.T, api *server, key string) deliveryStates {
	t.Helper()
	var o deliveryStates
	soon := time.Now().Add(time.Minute)
	for _, state := range []string{"running", "pending"} {
		cursor := ""
		for {
			r := api.do(http.MethodGet, "/api/v1/deliveries?limit=500&state="+state+"&cursor="+url.QueryEscape(cursor), "Token "+key, nil)
			want(t, "list "+state+" deliveries", r, http.StatusOK)
			page := decode[struct {
				Data []struct {
					RunAt time.Time `json:"run_at"`
				} `json:"data"`
				NextCursor *string `json:"next_cursor"`
			}](t, r)
			for i, d := range page.Data {
				switch {
				case state == "running":
					o.running++
				case d.RunAt.Before(soon):
					o.dueSoon++
				default:
					o.later++
					if o.sample == "" {
						raw := decode[struct {
							Data []json.RawMessage `json:"data"`
						}](t, r)
						o.sample = string(raw.Data[i])
					}
				}
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
	}
	return o
}

// crashPublisher publishes events from several goroutines and keeps the ids
// of the ones accepted.
type crashPublisher struct {
	client *http.Client
	key    string
	next   atomic.Int64 // the number of the next event

	mu       sync.Mutex
	accepted []string
	failures []string // unexpected answers
}

func (pb *crashPublisher) acceptedIDs() []string {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return slices.Clone(pb.accepted)
}

// errNotAccepted is publish's error for an answer other than 202 with the
// event; the answer is kept in failures.
var errNotAccepted = errors.New("not accepted")

// publish publishes one event; it returns the accepted count after it, or
// an error if the request got no answer or was not accepted.
func (pb *crashPublisher) publish(base string) (int, error) {
	n := pb.next.Add(1)
	body, _ := json.Marshal(map[string]any{
		"type": "webhook.test",
		"data": map[string]any{"message": fmt.Sprintf("crash test %d", n)},
	})
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Token "+pb.key)
	resp, err := pb.client.Do(req)
	if err != nil {
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err // the answer was cut off: not accepted
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if resp.StatusCode != http.StatusAccepted {
		pb.failures = append(pb.failures, fmt.Sprintf("event %d: %d %s", n, resp.StatusCode, b))
		return len(pb.accepted), errNotAccepted
	}
	var ev struct {
		ID         string `json:"id"`
		Deliveries int    `json:"deliveries"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.ID == "" || ev.Deliveries != crashEndpoints {
		pb.failures = append(pb.failures, fmt.Sprintf("event %d: 202 with %s (want an id and %d deliveries)", n, b, crashEndpoints))
		return len(pb.accepted), errNotAccepted
	}
	pb.accepted = append(pb.accepted, ev.ID)
	return len(pb.accepted), nil
}

func crashTest(t *testing.T, bin, databaseURL string) {
	start := time.Now()
	rc := &crashReceiver{seen: map[string]map[string]int{}}
	receiver := httptest.NewServer(rc)
	t.Cleanup(receiver.Close)

	adminToken := "crash-" + randomHex(t) + randomHex(t)
	env := map[string]string{
		"HOOKD_ADDR":                       "127.0.0.1:0",
		"HOOKD_DATA_DIR":                   t.TempDir(),
		"HOOKD_ADMIN_TOKEN":                adminToken,
		"HOOKD_ALLOW_PRIVATE_DESTINATIONS": "true",
		"HOOKD_API_RATE_LIMIT":             "0",
		"HOOKD_DELIVERY_LEASE":             "3s",
	}
	if databaseURL != "" {
		env["HOOKD_DATABASE_URL"] = databaseURL
	}

	first := startHookd(t, bin, env)
	api := first.api(t)
	op := "Bearer " + adminToken
	want(t, "create tenant", api.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": "crash", "plan": "enterprise"}), http.StatusCreated)
	r := api.do(http.MethodPut, "/api/v1/admin/tenants/crash/api", op, map[string]any{"enabled": true})
	want(t, "enable API", r, http.StatusOK)
	key := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
	var paths []string
	for i := range crashEndpoints {
		path := fmt.Sprintf("/endpoint-%d", i)
		paths = append(paths, path)
		r := api.do(http.MethodPost, "/api/v1/endpoints", "Token "+key, map[string]any{"name": "crash " + path, "url": receiver.URL + path})
		want(t, "create endpoint "+path, r, http.StatusCreated)
	}

	pb := &crashPublisher{
		client: &http.Client{
			Timeout:   20 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: crashPublishers},
		},
		key: key,
	}
	t.Cleanup(pb.client.CloseIdleConnections)

	// Publish until crashKillAt events are accepted, then kill the process
	// while publishing and delivering go on. Publishes cut off by the kill
	// are not accepted. Until the kill the receiver is slow, so that
	// deliveries pile up: at the kill some are being sent, others are
	// claimed and waiting in memory, and more are stored and not claimed.
	rc.delay.Store(int64(crashSlowReceiver))
	var killOnce sync.Once
	var killed atomic.Bool
	var lastErr1 atomic.Value
	var wg sync.WaitGroup
	for range crashPublishers {
		wg.Go(func() {
			for !killed.Load() {
				n, err := pb.publish(first.base)
				if err != nil {
					if !killed.Load() {
						lastErr1.Store(err.Error())
					}
					return
				}
				if n >= crashKillAt {
					killOnce.Do(func() {
						killed.Store(true)
						_ = first.cmd.Process.Kill()
					})
				}
			}
		})
	}
	wg.Wait()
	if !killed.Load() {
		// Something is stuck: have Go print every goroutine of the process.
		_ = first.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-first.done:
		case <-time.After(10 * time.Second):
		}
	}
	first.kill()
	rc.delay.Store(0)
	killedAt := time.Since(start)
	accepted1 := len(pb.acceptedIDs())
	_, received1 := rc.missing(nil, nil)
	t.Logf("killed the first process after %d events accepted and %d deliveries received (%v)", accepted1, received1, killedAt.Round(time.Millisecond))
	if !killed.Load() {
		t.Fatalf("publishing stopped at %d accepted events before the kill: %v\nfailures: %q\nstderr:\n%s", accepted1, lastErr1.Load(), pb.failures, first.stderr)
	}

	// Start again on the same data and publish the rest: now every publish
	// must be accepted.
	second := startHookd(t, bin, env)
	var errs atomic.Int64
	var lastErr atomic.Value
	remaining := atomic.Int64{}
	remaining.Store(int64(crashEvents - accepted1))
	for range crashPublishers {
		wg.Go(func() {
			for remaining.Add(-1) >= 0 {
				if _, err := pb.publish(second.base); errors.Is(err, errNotAccepted) {
					return
				} else if err != nil {
					errs.Add(1)
					lastErr.Store(err.Error())
					return
				}
			}
		})
	}
	wg.Wait()
	if n := errs.Load(); n > 0 {
		t.Errorf("%d publishes to the restarted process got no answer, such as: %v", n, lastErr.Load())
	}
	ids := pb.acceptedIDs()
	pb.mu.Lock()
	failures := slices.Clone(pb.failures)
	pb.mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d publishes were not accepted, such as: %q", len(failures), failures[:min(len(failures), 3)])
	}
	t.Logf("%d events accepted in all (%v)", len(ids), time.Since(start).Round(time.Millisecond))

	// Every accepted event reaches every endpoint. The wait ends early
	// when the process has nothing left to send soon.
	sapi := second.api(t)
	outstanding := func() deliveryStates { return listDeliveryStates(t, sapi, key) }
	deadline := time.Now().Add(crashDeadline)
	var missing map[string][]string
	var received int
	for i := 0; ; i++ {
		missing, received = rc.missing(ids, paths)
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		if i%20 == 19 {
			if o := outstanding(); o.running == 0 && o.dueSoon == 0 {
				missing, received = rc.missing(ids, paths)
				break
			}
		}
		time.Sleep(50 * time.Millisecond) // polling a real process's deliveries
	}
	allDelivered := time.Since(start)
	if len(missing) > 0 {
		var some []string
		for id, ps := range missing {
			some = append(some, id+" on "+strings.Join(ps, ","))
		}
		slices.Sort(some)
		t.Errorf("%d of %d accepted events did not reach every endpoint (%d requests received in %v), such as:\n  %s\ndeliveries: %s",
			len(missing), len(ids), received, allDelivered.Round(time.Millisecond), strings.Join(some[:min(len(some), 5)], "\n  "), outstanding())
	}

	// Once nothing is running or due any more, no request is still to
	// come: the duplicate count is final. Nothing may be left pending for
	// later either: the receiver never failed a request, so no delivery
	// has a reason to wait.
	o := outstanding()
	for (o.running > 0 || o.dueSoon > 0) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // polling a real process's deliveries
		o = outstanding()
	}
	if o.running > 0 || o.dueSoon > 0 || o.later > 0 {
		t.Errorf("deliveries left unfinished %v after the start: %s", time.Since(start).Round(time.Millisecond), o)
	}

	accepted := make(map[string]bool, len(ids))
	for _, id := range ids {
		accepted[id] = true
	}
	dups, others, otherDups := rc.duplicates(accepted)
	_, received = rc.missing(nil, nil)
	t.Logf("accepted %d events; %d deliveries received, %d of them duplicates of accepted events; "+
		"%d events stored without an answer to their publish also arrived (%d duplicates); "+
		"all delivered after %v, settled after %v",
		len(ids), received, dups, others, otherDups, allDelivered.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// What hookd warned about along the way, to read in -v output (not a
	// failure: with a 3 s lease, expired leases are expected).
	for i, p := range []*hookdProcess{first, second} {
		name := []string{"first", "second"}[i]
		var lines []string
		for line := range strings.Lines(p.stderr.String()) {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				lines = append(lines, strings.TrimSpace(line))
			}
		}
		if len(lines) > 10 {
			lines = append(lines[:10], fmt.Sprintf("… and %d more", len(lines)-10))
		}
		if len(lines) > 0 {
			t.Logf("the %s process logged:\n  %s", name, strings.Join(lines, "\n  "))
		}
	}
}
