package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// Pull delivery (see hookd/pull.go): ping and pull endpoints keep their
// events as numbered payloads that the receiver lists, waiting for new
// ones if it likes (a long poll).

// ListPayloadsInput narrows a list of payloads.
type ListPayloadsInput struct {
	// After is the last transaction number the receiver saw (0 for none).
	After int64
	// Limit is the most payloads returned: 1 to hookd.MaxPayloadsLimit,
	// 0 for hookd.DefaultPayloadsLimit.
	Limit int
	// Wait, up to hookd.MaxPullWait, is how long to wait for a payload
	// when there is none after After yet.
	Wait time.Duration
	// Peek lists without counting as a pull: the console's preview. It
	// neither moves the cursor nor restarts the inactivity timer.
	Peek bool
}

// PayloadList is one page of an endpoint's payloads.
type PayloadList struct {
	Endpoint *hookd.Endpoint
	Payloads []*hookd.Payload
	// NextAfter is the After of the next call: the last number returned,
	// or the request's After when none was.
	NextAfter int64
	// HasMore is set when payloads beyond the limit were waiting.
	HasMore bool
}

// ListPayloads returns the payloads of a ping or pull endpoint of the
// tenant numbered after in.After, lowest first. When there is none and
// in.Wait > 0 it waits, answering as soon as one is stored (by this
// process or, through a listener calling PayloadsStored, another) or with
// none once in.Wait has passed or ctx ends. Unless in.Peek, the call
// counts as a pull (hookd.PullStore.RecordPull): the endpoint stays
// active, and an inactive one is enabled again. Returns EINVALID for bad
// parameters, ENOTFOUND, ECONFLICT for an endpoint that is not in ping or
// pull mode, or EPLANFORBIDDEN unless the plan includes webhooks.
func (a *App) ListPayloads(ctx context.Context, tenantID, endpointID string, in ListPayloadsInput) (*PayloadList, error) {
	var bad []hookd.FieldError
	if in.After < 0 {
		bad = append(bad, hookd.FieldError{Location: "query.after", Message: "must be 0 or more"})
	}
	if in.Limit == 0 {
		in.Limit = hookd.DefaultPayloadsLimit
	}
	if in.Limit < 1 || in.Limit > hookd.MaxPayloadsLimit {
		bad = append(bad, hookd.FieldError{Location: "query.limit", Message: fmt.Sprintf("must be 1 to %d", hookd.MaxPayloadsLimit)})
	}
	if in.Wait < 0 || in.Wait > hookd.MaxPullWait {
		bad = append(bad, hookd.FieldError{Location: "query.wait", Message: fmt.Sprintf("must be 0 to %d seconds", int(hookd.MaxPullWait/time.Second))})
	}
	if len(bad) > 0 {
		return nil, hookd.Invalid("The list parameters are not valid.", bad...)
	}
	if err := a.checkWebhooksAllowed(ctx, tenantID); err != nil {
		return nil, err
	}
	ep, err := a.endpoint(ctx, tenantID, endpointID)
	if err != nil {
		return nil, err
	}
	if !ep.Mode.Pulls() {
		return nil, hookd.Errorf(hookd.ECONFLICT, "The endpoint is in %s mode: its events are sent to it, not kept to be listed. Payloads are kept for endpoints in ping or pull mode.", ep.Mode)
	}
	payloads, err := a.waitForPayloads(ctx, tenantID, endpointID, in)
	if err != nil {
		return nil, err
	}
	out := &PayloadList{Endpoint: ep, NextAfter: in.After}
	if len(payloads) > in.Limit {
		payloads, out.HasMore = payloads[:in.Limit], true
	}
	out.Payloads = payloads
	var through int64 // the highest number returned, 0 for none: not After, which may be past the last number
	if n := len(payloads); n > 0 {
		out.NextAfter = payloads[n-1].Transaction
		through = out.NextAfter
	}
	if in.Peek {
		return out, nil
	}
	// The pull is recorded even if the client has gone: it did list.
	reactivated, err := a.Store.RecordPull(context.WithoutCancel(ctx), tenantID, endpointID, through, a.now())
	if err != nil {
		return nil, err
	}
	if reactivated {
		a.Log.InfoContext(ctx, "inactive endpoint enabled again by a list-payloads call", "tenant", tenantID, "endpoint", endpointID)
		a.deliveriesStored(endpointID)
	}
	return out, nil
}

// waitForPayloads returns up to in.Limit+1 payloads after in.After,
// waiting up to in.Wait for the first.
func (a *App) waitForPayloads(ctx context.Context, tenantID, endpointID string, in ListPayloadsInput) ([]*hookd.Payload, error) {
	var deadline <-chan time.Time
	if in.Wait > 0 && !in.Peek {
		t := time.NewTimer(in.Wait)
		defer t.Stop()
		deadline = t.C
	}
	for {
		// Listen before looking, so that a payload stored between the
		// look and the wait still wakes this call.
		woken, stop := a.payloadWaiters.listen(endpointID)
		payloads, err := a.Store.Payloads(ctx, tenantID, endpointID, in.After, in.Limit+1)
		if err != nil || len(payloads) > 0 || deadline == nil {
			stop()
			return payloads, err
		}
		select {
		case <-woken:
			stop()
		case <-deadline:
			stop()
			return nil, nil
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		}
	}
}

// PayloadsStored wakes the list-payloads calls of this process waiting on
// the given endpoints. Publishing in this process calls it; a listener
// for other processes' payloads (sqlstore's on PostgreSQL) calls it too.
func (a *App) PayloadsStored(endpointIDs ...string) {
	a.payloadWaiters.notify(endpointIDs...)
}

// payloadsDue wakes the waiting pulls of the endpoints of the payloads
// among ds.
func (a *App) payloadsDue(ds []*hookd.Delivery) {
	var ids []string
	for _, d := range ds {
		if d.Pull != nil {
			ids = append(ids, d.EndpointID)
		}
	}
	if len(ids) > 0 {
		a.PayloadsStored(ids...)
	}
}

// waiters wakes goroutines waiting for news of a key. Its zero value is
// ready to use; it keeps nothing for keys nobody waits on.
type waiters struct {
	mu   sync.Mutex
	wait map[string]*waiting
}

type waiting struct {
	ch chan struct{}
	n  int
}

// listen returns a channel closed at the next notify of key, and a stop
// to call once done with it.
func (w *waiters) listen(key string) (<-chan struct{}, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.wait == nil {
		w.wait = map[string]*waiting{}
	}
	g := w.wait[key]
	if g == nil {
		g = &waiting{ch: make(chan struct{})}
		w.wait[key] = g
	}
	g.n++
	var once sync.Once
	return g.ch, func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			g.n--
			if g.n == 0 && w.wait[key] == g {
				delete(w.wait, key)
			}
		})
	}
}

// notify wakes everyone listening on the keys.
func (w *waiters) notify(keys ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, k := range keys {
		if g := w.wait[k]; g != nil {
			close(g.ch)
			delete(w.wait, k)
		}
	}
}
