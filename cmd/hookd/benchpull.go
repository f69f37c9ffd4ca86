package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/console/webhookpull"
)

// pullResult is what a run of hookd bench --pull measured.
type pullResult struct {
	Backend string
	// Drained payloads of a backlog of Backlog, listed in DrainCalls calls
	// of up to 1,000 in DrainElapsed.
	Backlog, DrainCalls int
	DrainElapsed        time.Duration
	Pings               []pingFigure
	// LatencyP50 and LatencyP99 are publish → a waiting pull returning
	// the payload, at LatencyRate events/s over LatencyEvents events.
	LatencyRate, LatencyEvents int
	LatencyP50, LatencyP99     time.Duration
	PeakRSSKiB                 int64
}

// pingFigure is the notices a ping endpoint was sent for Events events
// published at Rate events/s (Achieved is the rate the publishers kept).
type pingFigure struct {
	Rate, Events   int
	Achieved       float64
	Pings, Pulls   int
	DrainedBy      time.Duration // from the first publish to the last payload pulled
	PingsPerThous  float64
	PullsPerThous  float64
	publishElapsed time.Duration
}

// runPull measures pull delivery: (a) how fast one receiver drains a
// backlog of c.Events payloads with limit=1000 over the HTTP API; (b) how
// many notices a ping endpoint is sent per 1,000 events published at each
// of c.PingRates, to a real receiver that answers and then pulls; (c) how
// long a waiting pull (wait=30) takes to return a payload published at
// c.LatencyRate.
func (c *BenchCmd) runPull(ctx context.Context, startProfile func() error) (*pullResult, error) {
	rig, err := newBenchRig(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	defer rig.close()
	stopDispatcher := rig.runDispatcher(ctx)
	defer stopDispatcher()
	peak := watchPeakRSS()
	defer peak.stop()
	if err := startProfile(); err != nil {
		return nil, err
	}
	r := &pullResult{Backend: rig.store.Backend(), Backlog: c.Events, LatencyRate: c.LatencyRate, LatencyEvents: c.RatedEvents}
	pub := rig.publisher(c.Size, c.Publishers)

	// (a) Drain a backlog.
	ep, err := rig.app.CreateEndpoint(ctx, rig.tenant.ID, app.CreateEndpointInput{Name: "bench drain", Mode: string(hookd.ModePull)})
	if err != nil {
		return nil, err
	}
	if _, _, err := pub.publish(ctx, c.Events, c.Publishers, 0); err != nil {
		return nil, err
	}
	start := time.Now()
	if r.DrainCalls, err = drainPayloads(ctx, "http://"+rig.api.Addr(), rig.key, ep.ID, c.Events); err != nil {
		return nil, err
	}
	r.DrainElapsed = time.Since(start)
	if err := rig.app.DeleteEndpoint(ctx, rig.tenant.ID, ep.ID); err != nil {
		return nil, err
	}

	// (b) Pings per 1,000 events.
	for _, rate := range c.PingRates {
		f, err := c.measurePings(ctx, rig, pub, rate)
		if err != nil {
			return nil, err
		}
		r.Pings = append(r.Pings, f)
	}

	// (c) Publish → pull latency.
	if r.LatencyP50, r.LatencyP99, err = c.measurePullLatency(ctx, rig, pub); err != nil {
		return nil, err
	}
	r.PeakRSSKiB = peak.stop()
	return r, nil
}

// runAndPrintPull runs the pull benchmark and prints its figures.
func (c *BenchCmd) runAndPrintPull(ctx context.Context, w io.Writer, profile func() error) error {
	if c.RatedEvents < 1 || c.LatencyRate < 1 || len(c.PingRates) == 0 || slices.ContainsFunc(c.PingRates, func(r int) bool { return r < 1 }) {
		return errors.New("--rated-events, --latency-rate and each of --ping-rates must be at least 1")
	}
	r, err := c.runPull(ctx, profile)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "hookd bench --pull: %s, %d B of data per event, %d publishers, GOMAXPROCS %d\n",
		r.Backend, c.Size, c.Publishers, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  drain:    %.0f payloads/s (backlog of %d listed by one receiver with limit=1000 in %d calls, %s)\n",
		float64(r.Backlog)/r.DrainElapsed.Seconds(), r.Backlog, r.DrainCalls, r.DrainElapsed.Round(time.Millisecond))
	for _, f := range r.Pings {
		fmt.Fprintf(w, "  pings:    %.1f per 1,000 events at %d events/s (%.0f/s kept): %d pings and %d pulls for %d events, all pulled %s after the first publish\n",
			f.PingsPerThous, f.Rate, f.Achieved, f.Pings, f.Pulls, f.Events, f.DrainedBy.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  latency:  publish→pull p50 %s, p99 %s at %d events/s (%d events, a pull waiting with wait=30)\n",
		ms(r.LatencyP50), ms(r.LatencyP99), r.LatencyRate, r.LatencyEvents)
	fmt.Fprintf(w, "  memory:   peak RSS %.1f MiB\n", float64(r.PeakRSSKiB)/1024)
	return nil
}

// drainPayloads lists the endpoint's payloads from the start, 1,000 a
// call, decoding each, until has_more is false; it checks that it got want
// payloads numbered 1 to want, and returns the calls it made.
func drainPayloads(ctx context.Context, base, key, endpointID string, want int) (int, error) {
	client := &http.Client{}
	var after int64
	calls := 0
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			base+"/api/v1/endpoints/"+endpointID+"/payloads?limit=1000&after="+strconv.FormatInt(after, 10), nil)
		if err != nil {
			return calls, err
		}
		req.Header.Set("Authorization", "Token "+key)
		resp, err := client.Do(req)
		if err != nil {
			return calls, err
		}
		calls++
		var page struct {
			Data      []webhookpull.Payload `json:"data"`
			NextAfter int64                 `json:"next_after"`
			HasMore   bool                  `json:"has_more"`
		}
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return calls, fmt.Errorf("list payloads: %s: %s", resp.Status, b)
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return calls, fmt.Errorf("list payloads: %w", err)
		}
		for _, p := range page.Data {
			if after++; p.Transaction != after || p.Event.ID == "" {
				return calls, fmt.Errorf("list payloads: payload %d has transaction %d, event %q", after, p.Transaction, p.Event.ID)
			}
		}
		if !page.HasMore {
			if after != int64(want) {
				return calls, fmt.Errorf("list payloads: drained %d payloads, want %d", after, want)
			}
			return calls, nil
		}
	}
}

// countingReceiver is a ping endpoint's receiver: the documented one
// (webhookpull), counting the notices it answers and the pulls it makes.
type countingReceiver struct {
	rc    *webhookpull.Receiver
	pings atomic.Int64
	// highest is the highest transaction a notice announced.
	highest atomic.Int64
}

func (cr *countingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var notice struct {
		Transaction int64 `json:"transaction"`
	}
	if json.Unmarshal(body, &notice) == nil {
		cr.pings.Add(1)
		for {
			h := cr.highest.Load()
			if notice.Transaction <= h || cr.highest.CompareAndSwap(h, notice.Transaction) {
				break
			}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cr.rc.ServeHTTP(w, r)
}

// countingTransport counts the requests of a client.
type countingTransport struct {
	n atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// measurePings publishes c.RatedEvents events at rate to a new ping
// endpoint whose receiver pulls after each notice, waits until the
// receiver has every payload and the last notice announced the last one,
// and counts the notices.
func (c *BenchCmd) measurePings(ctx context.Context, rig *benchRig, pub *benchPublisher, rate int) (pingFigure, error) {
	f := pingFigure{Rate: rate, Events: c.RatedEvents}
	var handled atomic.Int64
	allHandled := make(chan struct{})
	want := int64(c.RatedEvents)
	cr := &countingReceiver{}
	recv, err := listenAndServe(cr)
	if err != nil {
		return f, err
	}
	defer recv.Close()
	ep, err := rig.app.CreateEndpoint(ctx, rig.tenant.ID, app.CreateEndpointInput{
		Name: fmt.Sprintf("bench ping %d/s", rate), Mode: string(hookd.ModePing), URL: "http://" + recv.Addr() + "/notices"})
	if err != nil {
		return f, err
	}
	defer func() { _ = rig.app.DeleteEndpoint(context.WithoutCancel(ctx), rig.tenant.ID, ep.ID) }()
	signing, err := rig.app.EndpointSecret(ctx, rig.tenant.ID, ep.ID)
	if err != nil {
		return f, err
	}
	pulls := &countingTransport{}
	cr.rc = &webhookpull.Receiver{
		BaseURL: "http://" + rig.api.Addr(), Token: rig.key, EndpointID: ep.ID, Secret: signing,
		Client: &http.Client{Transport: pulls},
		Handle: func(context.Context, webhookpull.Payload) error {
			if handled.Add(1) == want {
				close(allHandled)
			}
			return nil
		},
	}
	rctx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- cr.rc.Run(rctx, 0) }()
	defer func() { stop(); <-runErr }()

	start := time.Now()
	if _, _, err := pub.publish(ctx, c.RatedEvents, c.Publishers, rate); err != nil {
		return f, err
	}
	f.publishElapsed = time.Since(start)
	f.Achieved = float64(c.RatedEvents) / f.publishElapsed.Seconds()
	select {
	case <-allHandled:
	case err := <-runErr:
		runErr <- err
		return f, fmt.Errorf("the ping receiver stopped: %w", err)
	case <-ctx.Done():
		return f, fmt.Errorf("%d of %d payloads pulled after notices before giving up: %w", handled.Load(), want, ctx.Err())
	}
	f.DrainedBy = time.Since(start)
	// The notices settle once one announced the last payload and none is
	// waiting.
	for {
		e, err := rig.app.Endpoint(ctx, rig.tenant.ID, ep.ID)
		if err != nil {
			return f, err
		}
		if e.NotifiedTransaction >= want && e.PingDeliveryID == "" {
			break
		}
		select {
		case <-ctx.Done():
			return f, fmt.Errorf("the last notice never came (notified up to %d of %d): %w", e.NotifiedTransaction, want, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	f.Pings = int(cr.pings.Load())
	f.Pulls = int(pulls.n.Load())
	f.PingsPerThous = float64(f.Pings) * 1000 / float64(want)
	f.PullsPerThous = float64(f.Pulls) * 1000 / float64(want)
	if cr.highest.Load() < want {
		return f, fmt.Errorf("the notices announced up to %d of %d", cr.highest.Load(), want)
	}
	return f, nil
}

// measurePullLatency keeps a waiting pull open on a new pull endpoint (the
// documented receiver with wait=30) while c.RatedEvents events are
// published at c.LatencyRate, and returns the p50 and p99 of publish →
// the payload handed to the receiver.
func (c *BenchCmd) measurePullLatency(ctx context.Context, rig *benchRig, pub *benchPublisher) (p50, p99 time.Duration, err error) {
	ep, err := rig.app.CreateEndpoint(ctx, rig.tenant.ID, app.CreateEndpointInput{Name: "bench latency", Mode: string(hookd.ModePull)})
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = rig.app.DeleteEndpoint(context.WithoutCancel(ctx), rig.tenant.ID, ep.ID) }()
	var mu sync.Mutex
	arrived := make(map[string]time.Time, c.RatedEvents)
	allArrived := make(chan struct{})
	rc := &webhookpull.Receiver{
		BaseURL: "http://" + rig.api.Addr(), Token: rig.key, EndpointID: ep.ID,
		Handle: func(_ context.Context, p webhookpull.Payload) error {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if _, seen := arrived[p.Event.ID]; !seen {
				arrived[p.Event.ID] = now
				if len(arrived) == c.RatedEvents {
					close(allArrived)
				}
			}
			return nil
		},
	}
	rctx, stop := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- rc.Run(rctx, hookd.MaxPullWait) }()
	defer func() { stop(); <-runErr }()
	published, _, err := pub.publish(ctx, c.RatedEvents, c.Publishers, c.LatencyRate)
	if err != nil {
		return 0, 0, err
	}
	select {
	case <-allArrived:
	case err := <-runErr:
		runErr <- err
		return 0, 0, fmt.Errorf("the pulling receiver stopped: %w", err)
	case <-ctx.Done():
		return 0, 0, fmt.Errorf("payloads not all pulled before giving up: %w", ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	ds := make([]time.Duration, 0, len(arrived))
	for id, at := range arrived {
		if sent, ok := published[id]; ok {
			ds = append(ds, at.Sub(sent))
		}
	}
	p50, p99 = percentiles(ds)
	return p50, p99, nil
}
