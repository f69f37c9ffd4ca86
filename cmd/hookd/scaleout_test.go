//go:build !race

// The scale-out test is left out of `go test -race`, like the hostile-load
// test: it measures throughput and CPU of separate hookd processes, and the
// race detector would slow only its own publishers. CI runs it in a step of
// its own, without the detector.

package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// The scale-out test's figures.
const (
	// scaleOutEvents is how many events each phase publishes: issue 13's
	// 30,000.
	scaleOutEvents     = 30000
	scaleOutEndpoints  = 3
	scaleOutPublishers = 12
	// scaleOutPoolSize is each instance's PostgreSQL pool: three
	// instances and a restarted one stay far below max_connections (100),
	// which other tests share.
	scaleOutPoolSize = 8
	// scaleOutLease is the instances' delivery lease: what a killed
	// instance had claimed goes out again this long after the kill.
	scaleOutLease = "10s"
	// scaleOutDeadline bounds the wait, after the last publish, for every
	// accepted event to arrive everywhere.
	scaleOutDeadline = 2 * time.Minute
	// scaleOutMaxCPURatio is the most PostgreSQL CPU per delivery three
	// instances may cost, as a multiple of one instance's.
	scaleOutMaxCPURatio = 2.0
)

// deadlockLog matches what an instance logs when PostgreSQL broke a
// deadlock, in any of the forms an error can take.
var deadlockLog = regexp.MustCompile(`(?i)deadlock detected|40P01`)

// TestScaleOut runs hookd as several processes on one PostgreSQL
// database, publishing and delivering at once (issue 13, item 8 and its
// acceptance). First one instance takes scaleOutEvents events to three
// endpoints, for a baseline; then, in a new empty schema, three instances
// start at the same moment and take as many events, spread over them,
// while one of them is killed with SIGKILL midway and started again a
// second later. Every accepted event must reach every endpoint (counted at
// the receiver), no instance may log a deadlock (40P01), and PostgreSQL's
// CPU time per delivery with three instances must stay within twice the
// single instance's. It logs throughput, CPU per 1,000 deliveries (hookd
// and PostgreSQL) and duplicates: the figures of docs/performance.md.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs hookd as separate processes")
	}
	base := os.Getenv(sqlstoretest.PostgresEnv)
	if base == "" {
		t.Skip(sqlstoretest.PostgresEnv + " not set")
	}
	bin := buildHookd(t)
	one := scaleOutPhase(t, bin, 1, false)
	three := scaleOutPhase(t, bin, 3, true)

	t.Logf("scale-out: %d events to %d endpoints per run; throughput while publishing: 1 instance %.0f deliveries/s, 3 instances %.0f deliveries/s",
		scaleOutEvents, scaleOutEndpoints, one.rate(), three.rate())
	t.Logf("scale-out: all delivered: 1 instance %v (%.0f/s), 3 instances with a kill %v (%.0f/s)",
		one.allDelivered.Round(time.Millisecond), one.overallRate(), three.allDelivered.Round(time.Millisecond), three.overallRate())
	for _, r := range []*scaleOutResult{one, three} {
		t.Logf("scale-out: %d instance(s): CPU per 1,000 deliveries: hookd %v, PostgreSQL %v (%d deliveries, %d duplicates; PostgreSQL backends %v, hookd %v in all)",
			r.instances, r.perThousand(r.hookdCPU), r.perThousand(r.pgCPU), r.received, r.duplicates, r.pgCPU, r.hookdCPU)
	}
	if one.pgCPU == 0 || three.pgCPU == 0 {
		t.Logf("scale-out: PostgreSQL's processes are not on this machine (no CPU time read from /proc): the CPU bound is not checked")
		return
	}
	ratio := float64(three.pgCPU) / float64(three.received) / (float64(one.pgCPU) / float64(one.received))
	t.Logf("scale-out: PostgreSQL CPU per delivery, 3 instances over 1: %.2f×", ratio)
	if ratio > scaleOutMaxCPURatio {
		t.Errorf("with 3 instances PostgreSQL spent %v per delivery, %.2f× the %v of one instance; want at most %.0f×",
			three.perDelivery(three.pgCPU), ratio, one.perDelivery(one.pgCPU), scaleOutMaxCPURatio)
	}
}

// scaleOutResult is what one phase of the scale-out test measured.
type scaleOutResult struct {
	instances int
	// received are the requests the receiver took, duplicates included;
	// duplicates those that repeated a (path, webhook-id) of an accepted
	// event.
	received, duplicates int
	// firstHalf is the time from the first publish until half the events
	// were accepted (the kill, with several instances), and
	// receivedFirstHalf the requests received by then.
	firstHalf         time.Duration
	receivedFirstHalf int
	// allDelivered is the time from the first publish until every
	// accepted event had reached every endpoint.
	allDelivered time.Duration
	// pgCPU is the CPU time PostgreSQL's backends serving the instances
	// spent in the phase, hookdCPU that of the hookd processes.
	pgCPU, hookdCPU time.Duration
}

// rate is the deliveries per second received while publishing the first
// half: the throughput of publishing and delivering at once, before any
// kill.
func (r *scaleOutResult) rate() float64 {
	return float64(r.receivedFirstHalf) / r.firstHalf.Seconds()
}

// overallRate is the deliveries per second from the first publish until
// the last event arrived everywhere.
func (r *scaleOutResult) overallRate() float64 {
	return float64(r.received) / r.allDelivered.Seconds()
}

func (r *scaleOutResult) perDelivery(d time.Duration) time.Duration {
	if r.received == 0 {
		return 0
	}
	return d / time.Duration(r.received)
}

func (r *scaleOutResult) perThousand(d time.Duration) time.Duration {
	return (r.perDelivery(d) * 1000).Round(time.Millisecond)
}

// scaleOutPhase runs n instances on a new schema, publishes
// scaleOutEvents events spread over them and waits until every accepted
// event reached every endpoint; with kill, one instance is killed when
// half the events are accepted and started again a second later.
func scaleOutPhase(t *testing.T, bin string, n int, kill bool) *scaleOutResult {
	t.Helper()
	res := &scaleOutResult{instances: n}
	rc := &crashReceiver{seen: map[string]map[string]int{}}
	receiver := httptest.NewServer(rc)
	t.Cleanup(receiver.Close)

	// The instances' connections carry an application name of their own,
	// by which their backends are found for the CPU count.
	appName := "hookd_scaleout_" + randomHex(t)
	dbURL, err := url.Parse(sqlstoretest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := dbURL.Query()
	q.Set("application_name", appName)
	q.Set("pool_max_conns", strconv.Itoa(scaleOutPoolSize))
	dbURL.RawQuery = q.Encode()

	adminToken := "scaleout-" + randomHex(t) + randomHex(t)
	instanceKey := hex.EncodeToString(secret.RandomBytes(32)) // shared by the instances
	envFor := func() map[string]string {
		return map[string]string{
			"HOOKD_ADDR":                       "127.0.0.1:0",
			"HOOKD_DATA_DIR":                   t.TempDir(),
			"HOOKD_DATABASE_URL":               dbURL.String(),
			"HOOKD_SECRET_KEY":                 instanceKey,
			"HOOKD_ADMIN_TOKEN":                adminToken,
			"HOOKD_ALLOW_PRIVATE_DESTINATIONS": "true",
			"HOOKD_API_RATE_LIMIT":             "0",
			"HOOKD_DELIVERY_LEASE":             scaleOutLease,
		}
	}
	envs := make([]map[string]string, n)
	for i := range envs {
		envs[i] = envFor()
	}

	// All start at the same moment on the empty schema: each migrates
	// (one of them does the work, the others find it done).
	procs := make([]*hookdProcess, n)
	for i := range procs {
		procs[i] = launchHookd(t, bin, envs[i])
	}
	for _, p := range procs {
		waitServing(t, p)
	}
	every := slices.Clone(procs) // with the restarted one, for logs and CPU

	api := procs[0].api(t)
	op := "Bearer " + adminToken
	want(t, "create tenant", api.do(http.MethodPost, "/api/v1/admin/tenants", op, map[string]any{"slug": "scale", "plan": "enterprise"}), http.StatusCreated)
	r := api.do(http.MethodPut, "/api/v1/admin/tenants/scale/api", op, map[string]any{"enabled": true})
	want(t, "enable API", r, http.StatusOK)
	key := decode[struct {
		APIKey string `json:"api_key"`
	}](t, r).APIKey
	var paths []string
	for i := range scaleOutEndpoints {
		path := fmt.Sprintf("/endpoint-%d", i)
		paths = append(paths, path)
		r := api.do(http.MethodPost, "/api/v1/endpoints", "Token "+key, map[string]any{"name": "scale " + path, "url": receiver.URL + path})
		want(t, "create endpoint "+path, r, http.StatusCreated)
	}

	pg := startBackendSampler(t, appName)
	pb := &crashPublisher{
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: scaleOutPublishers},
		},
		key: key,
	}
	t.Cleanup(pb.client.CloseIdleConnections)

	// Publishers take the instances in turn; while one is down they
	// publish to the others (what they sent it as it died is not
	// accepted, and is not owed).
	var basesMu sync.Mutex
	bases := make([]string, n)
	for i, p := range procs {
		bases[i] = p.base
	}
	var turn atomic.Int64
	nextBase := func() string {
		basesMu.Lock()
		defer basesMu.Unlock()
		for {
			if b := bases[int(turn.Add(1))%n]; b != "" {
				return b
			}
		}
	}
	var accepted atomic.Int64
	var remaining atomic.Int64 // events still to be accepted, less those being published
	remaining.Store(scaleOutEvents)
	var cutOff atomic.Int64 // publishes without an answer
	var lastCutOff atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range scaleOutPublishers {
		wg.Go(func() {
			for remaining.Add(-1) >= 0 {
				_, err := pb.publish(nextBase())
				switch {
				case err == nil:
					accepted.Add(1)
				case errors.Is(err, errNotAccepted):
					return // kept in pb.failures
				default:
					remaining.Add(1) // to publish again
					cutOff.Add(1)
					lastCutOff.Store(err.Error())
				}
			}
		})
	}
	published := make(chan struct{})
	go func() {
		wg.Wait()
		close(published)
	}()

	// Half way, the throughput so far; with kill, the last instance dies
	// and comes back a second later.
	half := false
	for !half {
		select {
		case <-published:
			half = true
		case <-time.After(20 * time.Millisecond): // polling the publishers' progress
			half = accepted.Load() >= scaleOutEvents/2
		}
	}
	res.firstHalf = time.Since(start)
	_, res.receivedFirstHalf = rc.missing(nil, nil)
	if kill {
		victim := procs[n-1]
		basesMu.Lock()
		bases[n-1] = ""
		basesMu.Unlock()
		victim.kill()
		t.Logf("%d instances: killed one after %d events accepted and %d deliveries received (%v)",
			n, accepted.Load(), res.receivedFirstHalf, res.firstHalf.Round(time.Millisecond))
		time.Sleep(time.Second) // the outage
		again := startHookd(t, bin, envs[n-1])
		every = append(every, again)
		basesMu.Lock()
		bases[n-1] = again.base
		basesMu.Unlock()
	}
	<-published
	publishedAll := time.Since(start)
	ids := pb.acceptedIDs()
	pb.mu.Lock()
	failures := slices.Clone(pb.failures)
	pb.mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d instances: %d publishes were not accepted, such as: %q", n, len(failures), failures[:min(len(failures), 3)])
	}
	if c := cutOff.Load(); c > 0 {
		t.Logf("%d instances: %d publishes got no answer (sent to the killed instance), such as: %v", n, c, lastCutOff.Load())
		if !kill {
			t.Errorf("%d publishes got no answer without a kill", c)
		}
	}

	// Every accepted event reaches every endpoint.
	deadline := time.Now().Add(scaleOutDeadline)
	var missing map[string][]string
	for {
		missing, _ = rc.missing(ids, paths)
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // polling real processes' deliveries
	}
	res.allDelivered = time.Since(start)
	// The CPU of the phase: PostgreSQL's backends, sampled until now, and
	// the hookd processes (those killed counted by the kernel at their
	// exit).
	res.pgCPU = pg.stop()
	for _, p := range every {
		res.hookdCPU += p.cpuTime()
	}
	if len(missing) > 0 {
		var some []string
		for id, ps := range missing {
			some = append(some, id+" on "+strings.Join(ps, ","))
		}
		slices.Sort(some)
		t.Errorf("%d instances: %d of %d accepted events did not reach every endpoint within %v of the last publish, such as:\n  %s\ndeliveries: %s",
			n, len(missing), len(ids), scaleOutDeadline, strings.Join(some[:min(len(some), 5)], "\n  "),
			listDeliveryStates(t, every[len(every)-1].api(t), key))
	}
	acceptedSet := make(map[string]bool, len(ids))
	for _, id := range ids {
		acceptedSet[id] = true
	}
	var others, otherDups int
	res.duplicates, others, otherDups = rc.duplicates(acceptedSet)
	_, res.received = rc.missing(nil, nil)
	t.Logf("%d instances: accepted %d events in %v; %d deliveries received, %d of them duplicates of accepted events; "+
		"%d events stored without an answer to their publish also arrived (%d duplicates); all delivered after %v",
		n, len(ids), publishedAll.Round(time.Millisecond), res.received, res.duplicates, others, otherDups, res.allDelivered.Round(time.Millisecond))

	// No instance may have met a deadlock; what else they logged as
	// errors or warnings is shown.
	for i, p := range every {
		logs := p.stderr.String()
		if m := deadlockLog.FindAllStringIndex(logs, -1); len(m) > 0 {
			line := logs[strings.LastIndex(logs[:m[0][0]], "\n")+1:]
			line, _, _ = strings.Cut(line, "\n")
			t.Errorf("%d instances: instance %d logged a deadlock %d times, such as:\n  %s", n, i, len(m), line)
		}
		var lines []string
		for line := range strings.Lines(logs) {
			if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
				lines = append(lines, strings.TrimSpace(line))
			}
		}
		if len(lines) > 5 {
			lines = append(lines[:5], fmt.Sprintf("… and %d more", len(lines)-5))
		}
		if len(lines) > 0 {
			t.Logf("%d instances: instance %d logged:\n  %s", n, i, strings.Join(lines, "\n  "))
		}
	}
	// The next phase starts on a quiet database.
	for _, p := range every {
		p.kill()
	}
	return res
}

// launchHookd starts `bin serve` as startHookd does, without waiting for
// it to serve: for instances that must start at the same moment.
func launchHookd(t *testing.T, bin string, env map[string]string) *hookdProcess {
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
	return p
}

// waitServing waits until p answers /healthz.
func waitServing(t *testing.T, p *hookdProcess) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
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
					return
				}
			}
		}
		select {
		case <-p.done:
			t.Fatalf("hookd serve exited before it served: %v\nstdout:\n%s\nstderr:\n%s", p.err, p.stdout, p.stderr)
		case <-time.After(20 * time.Millisecond): // polling a real process
		}
		if time.Now().After(deadline) {
			t.Fatalf("hookd serve did not answer /healthz in 60s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
		}
	}
}

// cpuTime returns the CPU time (user and system) the process has used:
// the kernel's count at its exit, or /proc's while it runs.
func (p *hookdProcess) cpuTime() time.Duration {
	select {
	case <-p.done:
		if st := p.cmd.ProcessState; st != nil {
			return st.UserTime() + st.SystemTime()
		}
		return 0
	default:
	}
	d, _ := procCPU(p.cmd.Process.Pid)
	return d
}

// procCPU returns the CPU time (user and system) of the process pid from
// /proc/<pid>/stat.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis, where the state is field 3.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	// Linux counts these in USER_HZ, 100 a second.
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// backendSampler adds up the CPU time of the PostgreSQL backends whose
// application_name is its own: it lists them every 100 ms and reads each
// one's CPU time from /proc, keeping for each the first and last figure.
// A backend seen at the start counts from there; one that appeared later
// counts whole (it began with the phase); one that ended counts to its
// last sample.
type backendSampler struct {
	t       *testing.T
	db      *sql.DB
	appName string
	cancel  context.CancelFunc
	done    chan struct{}

	mu          sync.Mutex
	first, last map[int]time.Duration
}

// startBackendSampler starts sampling the backends named appName; call
// stop for the CPU time they spent since.
func startBackendSampler(t *testing.T, appName string) *backendSampler {
	t.Helper()
	db, err := sql.Open("pgx", os.Getenv(sqlstoretest.PostgresEnv))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	s := &backendSampler{t: t, db: db, appName: appName, cancel: cancel, done: make(chan struct{}),
		first: map[int]time.Duration{}, last: map[int]time.Duration{}}
	if err := s.sample(ctx, true); err != nil {
		cancel()
		db.Close()
		t.Fatalf("sample PostgreSQL backends: %v", err)
	}
	go func() {
		defer close(s.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond): // sampling /proc
			}
			_ = s.sample(ctx, false) // a failed sample is made up by the next
		}
	}()
	return s
}

// sample reads the CPU time of every backend named s.appName; at the
// start, those figures are where the count begins.
func (s *backendSampler) sample(ctx context.Context, start bool) error {
	rows, err := s.db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", s.appName)
	if err != nil {
		return err
	}
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			rows.Close()
			return err
		}
		pids = append(pids, pid)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range pids {
		d, err := procCPU(pid)
		if err != nil {
			continue // gone, or on another machine
		}
		if _, ok := s.first[pid]; !ok {
			if start {
				s.first[pid] = d
			} else {
				s.first[pid] = 0
			}
		}
		s.last[pid] = d
	}
	return nil
}

// stop takes a last sample, stops sampling and returns the CPU time the
// backends spent since the sampler started.
func (s *backendSampler) stop() time.Duration {
	_ = s.sample(context.Background(), false)
	s.cancel()
	<-s.done
	s.db.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	var total time.Duration
	for pid, d := range s.last {
		total += d - s.first[pid]
	}
	return total
}
