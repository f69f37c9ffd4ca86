package sqlstore

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// Notifications of payloads (PostgreSQL only). They are not sent by the
// publishing transactions: PostgreSQL serializes the commits of every
// transaction that notifies, database-wide, flush to disk included, which
// made publishing to pull endpoints three times slower than to others
// with 16 publishers to 16 endpoints. Instead, once a publication has
// committed, its endpoints are queued here, and one goroutine sends what
// is queued, many publications in one notification when they come fast,
// in a transaction of its own that does not wait for the disk
// (synchronous_commit off: a notification lost in a crash only makes a
// waiting pull answer at the end of its wait). Listeners hear of a
// payload only after it committed.

// notifier batches endpoint IDs into notifications.
type notifier struct {
	mu      sync.Mutex
	pending []string
	queued  map[string]bool
	started bool
	closed  bool
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// payloadsStored queues a notification of the endpoints of the payloads
// among ds, which have committed.
func (s *Store) payloadsStored(ds []*hookd.Delivery) {
	if s.d.name != BackendPostgres {
		return
	}
	n := &s.notify
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	added := false
	for _, d := range ds {
		if d.Pull == nil || d.Pull.Transaction == 0 || n.queued[d.EndpointID] {
			continue
		}
		if n.queued == nil {
			n.queued = map[string]bool{}
		}
		n.queued[d.EndpointID] = true
		n.pending = append(n.pending, d.EndpointID)
		added = true
	}
	if !added {
		return
	}
	if !n.started {
		n.started = true
		n.wake, n.stop, n.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go s.runNotifier()
	}
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// runNotifier sends what is queued until the store closes.
func (s *Store) runNotifier() {
	n := &s.notify
	defer close(n.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-n.stop
		cancel()
	}()
	for {
		select {
		case <-n.stop:
			return
		case <-n.wake:
		}
		n.mu.Lock()
		ids := n.pending
		n.pending, n.queued = nil, nil
		n.mu.Unlock()
		for _, batch := range notifyBatches(ids) {
			sendCtx, cancelSend := context.WithTimeout(ctx, 10*time.Second)
			// Best effort: a notification not sent only delays a waiting
			// pull until the end of its wait.
			_, _ = s.db.ExecContext(sendCtx, "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)",
				s.payloadsChannel, batch)
			cancelSend()
		}
	}
}

// stopNotifier stops the notifier goroutine, if it runs, and waits for it.
func (s *Store) stopNotifier() {
	n := &s.notify
	n.mu.Lock()
	n.closed = true
	started := n.started
	n.mu.Unlock()
	if started {
		close(n.stop)
		<-n.done
	}
}

// maxNotifyPayload bounds the text of one notification (PostgreSQL takes
// up to 8000 bytes).
const maxNotifyPayload = 7000

// notifyBatches joins ids with commas into texts of at most
// maxNotifyPayload bytes.
func notifyBatches(ids []string) []string {
	var out []string
	var b strings.Builder
	for _, id := range ids {
		if b.Len() > 0 && b.Len()+1+len(id) > maxNotifyPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}
