package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// The ordered crash test's figures.
const (
	fifoCrashEvents   = 500
	fifoCrashKillAt   = 250 // accepted events after which the first process is killed
	fifoCrashDeadline = 60 * time.Second
	// fifoCrashReceiverDelay slows the receiver before the kill, so a
	// backlog is stored, claimed and in flight when it comes.
	fifoCrashReceiverDelay = 5 * time.Millisecond
)

// TestCrashFIFO checks ordered delivery across a crash: 8 publishers
// publish 500 events to a FIFO endpoint of `hookd serve`, which is killed
// with SIGKILL midway and started again on the same data. The requests
// that arrive, once a request repeated right after itself is counted once
// (the one in flight at the kill, sent again first), are every stored
// event exactly once, in commit order (the order of the numbers the
// publishing transactions took, read from the database at the end), and
// include every accepted event.
func TestCrashFIFO(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs hookd as a separate process")
	}
	bin := buildHookd(t)
	t.Run("sqlite", func(t *testing.T) { crashFIFOTest(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { crashFIFOTest(t, bin, sqlstoretest.PostgresURL(t)) })
}

// fifoCrashReceiver records the webhook-id of every request in arrival
// order (on arrival, before answering).
type fifoCrashReceiver struct {
	delay    atomic.Int64 // a time.Duration
	mu       sync.Mutex
	arrivals []string
}

func (rc *fifoCrashReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	rc.arrivals = append(rc.arrivals, r.Header.Get("webhook-id"))
	rc.mu.Unlock()
	if d := time.Duration(rc.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (rc *fifoCrashReceiver) all() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.arrivals)
}

func crashFIFOTest(t *testing.T, bin, databaseURL string) {
	start := time.Now()
	rc := &fifoCrashReceiver{}
	receiver := httptest.NewServer(rc)
	t.Cleanup(receiver.Close)

	dataDir := t.TempDir()
	adminToken := "crash-" + randomHex(t) + randomHex(t)
	env := map[string]string{
		"HOOKD_ADDR":                       "127.0.0.1:0",
		"HOOKD_DATA_DIR":                   dataDir,
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
	want(t, "create endpoint", api.do(http.MethodPost, "/api/v1/endpoints", "Token "+key,
		map[string]any{"name": "ordered", "url": receiver.URL + "/ordered", "ordering": "fifo"}), http.StatusCreated)

	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	t.Cleanup(client.CloseIdleConnections)
	var (
		mu       sync.Mutex
		accepted []string
		next     atomic.Int64
	)
	// publish publishes one event to base; ok is false if it got no 202.
	publish := func(base string) (n int, ok bool) {
		body, _ := json.Marshal(map[string]any{"type": "webhook.test", "data": map[string]any{"message": fmt.Sprintf("ordered %d", next.Add(1))}})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Token "+key)
		resp, err := client.Do(req)
		if err != nil {
			return 0, false
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		var ev struct {
			ID string `json:"id"`
		}
		if err != nil || resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &ev) != nil || ev.ID == "" {
			return 0, false
		}
		mu.Lock()
		defer mu.Unlock()
		accepted = append(accepted, ev.ID)
		return len(accepted), true
	}

	// Publish until fifoCrashKillAt events are accepted, then kill the
	// process while publishing and delivering go on.
	rc.delay.Store(int64(fifoCrashReceiverDelay))
	var killOnce sync.Once
	var killed atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for !killed.Load() {
				n, ok := publish(first.base)
				if !ok {
					return
				}
				if n >= fifoCrashKillAt {
					killOnce.Do(func() {
						killed.Store(true)
						_ = first.cmd.Process.Kill()
					})
				}
			}
		})
	}
	wg.Wait()
	first.kill()
	rc.delay.Store(0)
	mu.Lock()
	accepted1 := len(accepted)
	mu.Unlock()
	arrived1 := len(rc.all())
	t.Logf("killed the first process after %d events accepted and %d requests received (%v)", accepted1, arrived1, time.Since(start).Round(time.Millisecond))
	if !killed.Load() {
		t.Fatalf("publishing stopped at %d accepted events before the kill\nstderr:\n%s", accepted1, first.stderr)
	}
	if arrived1 >= accepted1 {
		t.Logf("the receiver kept up with the publishers before the kill: no backlog was in flight")
	}

	second := startHookd(t, bin, env)
	remaining := atomic.Int64{}
	remaining.Store(int64(fifoCrashEvents - accepted1))
	var failed atomic.Int64
	for range 8 {
		wg.Go(func() {
			for remaining.Add(-1) >= 0 {
				if _, ok := publish(second.base); !ok {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d publishes to the restarted process were not accepted", n)
	}
	mu.Lock()
	ids := slices.Clone(accepted)
	mu.Unlock()

	// Wait until every accepted event has arrived.
	deadline := time.Now().Add(fifoCrashDeadline)
	for {
		got := map[string]bool{}
		for _, id := range rc.all() {
			got[id] = true
		}
		missing := 0
		for _, id := range ids {
			if !got[id] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d accepted events did not arrive in %v", missing, len(ids), fifoCrashDeadline)
		}
		time.Sleep(50 * time.Millisecond) // polling a real process's deliveries
	}
	// Events stored without an answer to their publish come last at the
	// latest; let the process settle, then stop it and read the order.
	settle := time.Now().Add(fifoCrashDeadline)
	for {
		n := len(rc.all())
		time.Sleep(500 * time.Millisecond) // polling a real process: nothing more arrives
		if len(rc.all()) == n || time.Now().After(settle) {
			break
		}
	}
	second.kill()
	order := commitOrder(t, databaseURL, dataDir)

	arrivals := rc.all()
	var deduped []string
	dups := 0
	for i, id := range arrivals {
		if i > 0 && arrivals[i-1] == id {
			dups++ // the request in flight, sent again right after
			continue
		}
		deduped = append(deduped, id)
	}
	if !slices.Equal(deduped, order) {
		first := 0
		for first < min(len(deduped), len(order)) && deduped[first] == order[first] {
			first++
		}
		t.Fatalf("%d requests (%d once repeats are dropped), %d events stored: not in commit order from request %d on",
			len(arrivals), len(deduped), len(order), first)
	}
	stored := map[string]bool{}
	for _, id := range order {
		stored[id] = true
	}
	for _, id := range ids {
		if !stored[id] {
			t.Fatalf("accepted event %s is not stored", id)
		}
	}
	if dups > 1 {
		t.Errorf("%d requests repeated, want at most the one in flight at the kill", dups)
	}
	t.Logf("%d events accepted, %d stored, %d requests (%d repeated) in commit order; %v",
		len(ids), len(order), len(arrivals), dups, time.Since(start).Round(time.Millisecond))
}

// commitOrder returns the event IDs of the database's deliveries (all to
// the test's one endpoint) in the order of their numbers.
func commitOrder(t *testing.T, databaseURL, dataDir string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := sqlstore.Open(ctx, databaseURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB().QueryContext(ctx, "SELECT event_id, seq FROM deliveries ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	var last int64
	for rows.Next() {
		var id string
		var seq *int64
		if err := rows.Scan(&id, &seq); err != nil {
			t.Fatal(err)
		}
		if seq == nil || *seq <= last {
			t.Fatalf("delivery of %s numbered %v after %d", id, seq, last)
		}
		last = *seq
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
