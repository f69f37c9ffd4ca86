package dispatch

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/hookd/hookd"
)

// observation is one request being sent, as the Observer and the attempt
// log lines see it.
type observation struct {
	ctx   context.Context
	a     hookd.DeliveryAttempt
	start time.Time
	end   func()
}

// startAttempt tells the Observer that a request carrying jobs is about
// to be sent: req, nil when it could not be built, may get headers. The
// observation's context is the one to send in.
func (d *Dispatcher) startAttempt(ctx context.Context, jobs []*job, req *http.Request) *observation {
	o := &observation{ctx: ctx, start: time.Now()}
	o.a.Endpoint = jobs[0].endpoint
	o.a.Deliveries = make([]*hookd.Delivery, len(jobs))
	o.a.Events = make([]*hookd.Event, len(jobs))
	for i, j := range jobs {
		o.a.Deliveries[i], o.a.Events[i] = j.delivery, j.event
	}
	o.a.SetHeader = func(name, value string) {
		if req != nil {
			req.Header.Set(name, value)
		}
	}
	if d.Observer != nil {
		o.ctx, o.end = d.Observer.StartAttempt(ctx, &o.a)
	}
	return o
}

// endAttempt tells the Observer how the request went, and logs one line
// per delivery it carried: at debug level, or info for a failure.
func (d *Dispatcher) endAttempt(o *observation, attempt *hookd.Attempt, results []result) {
	o.a.Status, o.a.Error, o.a.Duration = attempt.ResponseStatus, attempt.Error, attempt.Duration
	if o.a.Duration == 0 {
		o.a.Duration = time.Since(o.start) // no answer: the time until it failed
	}
	o.a.Results = make([]hookd.DeliveryResult, len(results))
	for i, r := range results {
		o.a.Results[i] = r.DeliveryResult
	}
	if o.end != nil {
		o.end()
	}
	d.logAttempt(o)
}

// logAttempt writes the log lines of an attempt: one per delivery, with
// the request ID of the API call that published its event.
func (d *Dispatcher) logAttempt(o *observation) {
	failed := o.a.Error != "" || o.a.Status < 200 || o.a.Status > 299
	level, msg := slog.LevelDebug, "delivery attempt"
	if failed {
		level, msg = slog.LevelInfo, "delivery attempt failed"
	}
	if !d.Log.Enabled(o.ctx, level) {
		return
	}
	for i, dl := range o.a.Deliveries {
		ev := o.a.Events[i]
		attrs := []slog.Attr{
			slog.String("delivery", dl.ID),
			slog.String("event", ev.ID),
			slog.String("event_type", ev.Type),
			slog.String("endpoint", o.a.Endpoint.ID),
			slog.String("tenant", dl.TenantID),
			slog.Int("attempt", dl.Attempts+1),
			slog.Int("status", o.a.Status),
			slog.Duration("duration", o.a.Duration),
			slog.String("state", string(o.a.Results[i].State)),
		}
		if ev.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", ev.RequestID))
		}
		if o.a.Error != "" {
			attrs = append(attrs, slog.String("error", o.a.Error))
		}
		d.Log.LogAttrs(o.ctx, level, msg, attrs...)
	}
}

// observeClaim tells the Observer a claim's size.
func (d *Dispatcher) observeClaim(n int) {
	if d.Observer != nil {
		d.Observer.ClaimedDeliveries(n)
	}
}

// observeRecord tells the Observer about a batch of results stored (err
// nil) or not, in took.
func (d *Dispatcher) observeRecord(results []hookd.DeliveryResult, endpoints []hookd.EndpointResult, took time.Duration, err error) {
	if d.Observer != nil {
		d.Observer.RecordedDeliveries(hookd.RecordedDeliveries{Results: results, Endpoints: endpoints, Duration: took, Err: err})
	}
}
