package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
)

// BenchCmd measures delivery on this machine: it runs hookd's API and
// workers in this process against a fresh database, with receivers on
// loopback, publishes events through the HTTP API and reports what it saw.
type BenchCmd struct {
	DatabaseURL string        `name:"database-url" env:"HOOKD_BENCH_DATABASE_URL" help:"postgres://… of a scratch database to measure PostgreSQL; empty for SQLite in a temporary directory."`
	Events      int           `name:"events" default:"20000" help:"Events to publish."`
	Endpoints   int           `name:"endpoints" default:"1" help:"Endpoints every event goes to."`
	Size        int           `name:"size" default:"1024" help:"Approximate size of each event's data, in bytes."`
	Rate        int           `name:"rate" default:"0" help:"Events per second to publish at; 0 publishes them all first and then measures how fast they are delivered."`
	Publishers  int           `name:"publishers" default:"8" help:"Concurrent API clients publishing."`
	Timeout     time.Duration `name:"timeout" default:"10m" help:"Give up after this long."`
	CPUProfile  string        `name:"cpu-profile" type:"path" help:"Write a CPU profile (go tool pprof) to this file: of the delivery of the queue, or with --rate of the whole run."`

	Pull        bool  `name:"pull" help:"Measure pull delivery instead: how fast one receiver drains a backlog of --events payloads with limit=1000, the pings per 1,000 events at each of --ping-rates, and publish→pull latency at --latency-rate."`
	PingRates   []int `name:"ping-rates" default:"500,5000" help:"With --pull: the rates, in events/s, to publish to a ping endpoint at."`
	RatedEvents int   `name:"rated-events" default:"5000" help:"With --pull: events published at each of --ping-rates and at --latency-rate."`
	LatencyRate int   `name:"latency-rate" default:"500" help:"With --pull: events per second published while a pull waits (wait=30)."`
}

// benchResult is what a run measured.
type benchResult struct {
	Backend                        string
	Events, Endpoints, Deliveries  int
	PublishElapsed, DeliverElapsed time.Duration
	PublishP50, PublishP99         time.Duration
	LatencyP50, LatencyP99         time.Duration // publish→delivery; measured with --rate only
	PeakRSSKiB                     int64
}

// Run runs the benchmark and prints its figures.
func (c *BenchCmd) Run(env *Env) error {
	if c.Events < 1 || c.Endpoints < 1 || c.Publishers < 1 || c.Size < 0 || c.Rate < 0 {
		return errors.New("--events, --endpoints and --publishers must be at least 1; --size and --rate not negative")
	}
	ctx, cancel := context.WithTimeout(env.Ctx, c.Timeout)
	defer cancel()
	profile := func() error { return nil }
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		profile = func() error { return pprof.StartCPUProfile(f) }
		defer pprof.StopCPUProfile()
	}
	if c.Pull {
		return c.runAndPrintPull(ctx, env.Stdout, profile)
	}
	r, err := c.run(ctx, profile)
	if err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "hookd bench: %s, %d events × %d endpoints = %d deliveries, %d B of data each, %d publishers, GOMAXPROCS %d\n",
		r.Backend, r.Events, r.Endpoints, r.Deliveries, c.Size, c.Publishers, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  publish:  %.0f events/s through the API; latency p50 %s, p99 %s\n",
		float64(r.Events)/r.PublishElapsed.Seconds(), ms(r.PublishP50), ms(r.PublishP99))
	if c.Rate == 0 {
		fmt.Fprintf(w, "  deliver:  %.0f deliveries/s (queue of %d drained in %s, every attempt recorded)\n",
			float64(r.Deliveries)/r.DeliverElapsed.Seconds(), r.Deliveries, r.DeliverElapsed.Round(time.Millisecond))
	} else {
		fmt.Fprintf(w, "  deliver:  %.0f deliveries/s at %d events/s; publish→delivery p50 %s, p99 %s\n",
			float64(r.Deliveries)/r.DeliverElapsed.Seconds(), c.Rate, ms(r.LatencyP50), ms(r.LatencyP99))
	}
	fmt.Fprintf(w, "  memory:   peak RSS %.1f MiB\n", float64(r.PeakRSSKiB)/1024)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// benchRig is hookd on a fresh database in this process: a tenant with
// its API enabled, the HTTP API on loopback without a rate limit, and the
// delivery workers (not running yet).
type benchRig struct {
	store  *sqlstore.Store
	app    *app.App
	tenant *hookd.Tenant
	key    string // the tenant's API key
	api    *loopbackServer
	d      *dispatch.Dispatcher
	dir    string
}

func newBenchRig(ctx context.Context, databaseURL string) (_ *benchRig, err error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := &benchRig{}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if r.dir, err = os.MkdirTemp("", "hookd-bench-"); err != nil {
		return nil, err
	}
	if r.store, err = sqlstore.Open(ctx, databaseURL, r.dir); err != nil {
		return nil, err
	}
	if err := r.store.Migrate(ctx); err != nil {
		return nil, err
	}
	box, err := secret.NewBox(secret.RandomBytes(secret.KeySize))
	if err != nil {
		return nil, err
	}
	clock := hookd.SystemClock{}
	r.app = app.New(r.store, clock, box, log)
	slug := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if r.tenant, err = r.app.CreateTenant(ctx, app.CreateTenantInput{Slug: slug, Plan: hookd.PlanEnterprise}); err != nil {
		return nil, err
	}
	access, err := r.app.SetAPIEnabled(ctx, slug, true)
	if err != nil {
		return nil, err
	}
	r.key = access.Key
	if r.api, err = listenAndServe(httpapi.New(r.app, &httpapi.RateLimiter{Clock: clock}, log)); err != nil {
		return nil, err
	}
	r.d = &dispatch.Dispatcher{Store: r.store, Keys: r.app, Client: &dispatch.Client{AllowPrivate: true}, Clock: clock, Log: log}
	r.app.DeliveriesStored = r.d.Wake
	r.app.Workers = r.d
	return r, nil
}

// runDispatcher starts the delivery workers and returns their stop.
func (r *benchRig) runDispatcher(ctx context.Context) func() {
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.d.Run(dctx)
	}()
	return func() { stop(); <-done }
}

// publisher returns a publisher of events of about size bytes of data
// through the API, with up to workers connections.
func (r *benchRig) publisher(size, workers int) *benchPublisher {
	return &benchPublisher{
		url: "http://" + r.api.Addr() + "/api/v1/events", key: r.key, data: benchData(size),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}},
	}
}

func (r *benchRig) close() {
	if r.api != nil {
		r.api.Close()
	}
	if r.store != nil {
		_ = r.store.Close()
	}
	if r.dir != "" {
		_ = os.RemoveAll(r.dir)
	}
}

// run runs the benchmark, calling startProfile when the measured part
// begins.
func (c *BenchCmd) run(ctx context.Context, startProfile func() error) (*benchResult, error) {
	rig, err := newBenchRig(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer rig.close()
	a, tenant, store := rig.app, rig.tenant, rig.store

	// The receivers: one loopback server, one path per endpoint.
	rec := &benchReceiver{arrived: make(map[string]time.Time, c.Events*c.Endpoints)}
	recv, err := listenAndServe(rec)
	if err != nil {
		return nil, err
	}
	defer recv.Close()
	for i := range c.Endpoints {
		if _, err := a.CreateEndpoint(ctx, tenant.ID, app.CreateEndpointInput{
			Name: fmt.Sprintf("bench %d", i+1), URL: fmt.Sprintf("http://%s/%d", recv.Addr(), i+1),
		}); err != nil {
			return nil, err
		}
	}

	want := c.Events * c.Endpoints
	var recorded atomic.Int64
	allRecorded := make(chan struct{})
	rig.d.AfterRecord = func(rs []hookd.DeliveryResult, err error) {
		if err == nil && recorded.Add(int64(len(rs))) == int64(want) {
			close(allRecorded)
		}
	}
	runDispatcher := func() func() { return rig.runDispatcher(ctx) }

	peak := watchPeakRSS()
	defer peak.stop()
	pub := rig.publisher(c.Size, c.Publishers)
	r := &benchResult{Backend: store.Backend(), Events: c.Events, Endpoints: c.Endpoints, Deliveries: want}

	var stopDispatcher func()
	if c.Rate > 0 {
		if err := startProfile(); err != nil {
			return nil, err
		}
		stopDispatcher = runDispatcher()
	}
	start := time.Now()
	published, publishLatencies, err := pub.publish(ctx, c.Events, c.Publishers, c.Rate)
	if err != nil {
		return nil, err
	}
	r.PublishElapsed = time.Since(start)
	r.PublishP50, r.PublishP99 = percentiles(publishLatencies)
	deliverStart := start
	if c.Rate == 0 {
		if err := startProfile(); err != nil {
			return nil, err
		}
		deliverStart = time.Now()
		stopDispatcher = runDispatcher()
	}
	select {
	case <-allRecorded:
	case <-ctx.Done():
		return nil, fmt.Errorf("%d of %d deliveries recorded before giving up: %w", recorded.Load(), want, ctx.Err())
	}
	r.DeliverElapsed = time.Since(deliverStart)
	stopDispatcher()
	if c.Rate > 0 {
		r.LatencyP50, r.LatencyP99 = rec.latencies(published)
	}
	r.PeakRSSKiB = peak.stop()
	return r, nil
}

// benchData returns a user.created data object of about size bytes.
func benchData(size int) []byte {
	pad := strings.Repeat("x", max(0, size-170))
	return []byte(`{"user":{"id":"usr_bench","employee_id":"E-1","first_name":"Ada","last_name":"Lovelace",` +
		`"email":"ada@example.com","status":"active","display_name":"` + pad + `"}}`)
}

// loopbackServer is an HTTP server on a loopback port.
type loopbackServer struct {
	ln  net.Listener
	srv *http.Server
}

func listenAndServe(h http.Handler) (*loopbackServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &loopbackServer{ln: ln, srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *loopbackServer) Addr() string { return s.ln.Addr().String() }
func (s *loopbackServer) Close()       { _ = s.srv.Close() }

// benchReceiver answers 204 and notes when each event reached each path.
type benchReceiver struct {
	mu      sync.Mutex
	arrived map[string]time.Time // path + " " + webhook-id → first arrival
}

func (b *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	now := time.Now()
	key := r.URL.Path + " " + r.Header.Get("Webhook-Id")
	b.mu.Lock()
	if _, seen := b.arrived[key]; !seen {
		b.arrived[key] = now
	}
	b.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// latencies returns the p50 and p99 of publish→arrival over every delivery.
func (b *benchReceiver) latencies(published map[string]time.Time) (p50, p99 time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ds := make([]time.Duration, 0, len(b.arrived))
	for key, at := range b.arrived {
		_, id, _ := strings.Cut(key, " ")
		if sent, ok := published[id]; ok {
			ds = append(ds, at.Sub(sent))
		}
	}
	return percentiles(ds)
}

func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[min(len(ds)-1, len(ds)*99/100)]
}

// benchPublisher publishes events through the API.
type benchPublisher struct {
	url, key string
	data     []byte
	client   *http.Client
}

// publish publishes n events from workers clients, at rate per second (0:
// as fast as they can), and returns when each event was sent, by ID, and
// each call's latency.
func (p *benchPublisher) publish(ctx context.Context, n, workers, rate int) (map[string]time.Time, []time.Duration, error) {
	body, err := json.Marshal(map[string]any{"type": "user.created", "data": json.RawMessage(p.data)})
	if err != nil {
		return nil, nil, err
	}
	var (
		mu        sync.Mutex
		sent      = make(map[string]time.Time, n)
		latencies = make([]time.Duration, 0, n)
		next      atomic.Int64
		firstErr  error
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				if rate > 0 {
					if wait := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); wait > 0 {
						time.Sleep(wait) // pacing the publisher
					}
				}
				at := time.Now()
				id, err := p.publishOne(ctx, body)
				took := time.Since(at)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				sent[id] = at
				latencies = append(latencies, took)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	return sent, latencies, firstErr
}

func (p *benchPublisher) publishOne(ctx context.Context, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Token "+p.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("publish: %d %s", resp.StatusCode, b)
	}
	var e struct{ ID string }
	if err := json.Unmarshal(b, &e); err != nil {
		return "", err
	}
	return e.ID, nil
}

// peakRSS samples the process's peak resident set size (VmHWM on Linux;
// the Go runtime's memory from the OS elsewhere).
type peakRSS struct {
	done chan struct{}
	max  atomic.Int64
	once sync.Once
}

func watchPeakRSS() *peakRSS {
	p := &peakRSS{done: make(chan struct{})}
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			p.sample()
			select {
			case <-p.done:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakRSS) sample() {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					p.max.Store(kib)
					return
				}
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if kib := int64(m.Sys / 1024); kib > p.max.Load() {
		p.max.Store(kib)
	}
}

// stop ends the sampling and returns the peak in KiB.
func (p *peakRSS) stop() int64 {
	p.once.Do(func() { close(p.done) })
	p.sample()
	return p.max.Load()
}
