package sqlstore

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd/hookd/secret"
)

// Wakes of delivery workers across instances (PostgreSQL only). A worker
// finds deliveries that another process stored by polling the store, at
// most dispatch.DefaultPollInterval (1 s) late; an instance serving the
// API and an instance delivering (hookd serve --role api, --role worker)
// would make every delivery wait half a second on average. So, once due
// deliveries have committed, their endpoints are told on the schema's
// deliveries channel (see DeliveriesChannel), and every instance's
// workers listening there claim them at once. As for payloads (see
// notify.go), the notifications are not sent by the storing transactions
// but by one goroutine, many endpoints in one notification when they come
// fast, in a transaction of its own that does not wait for the disk: a
// notification lost (a crash, a listener reconnecting) only delays a
// delivery until the next poll.

// DeliveriesChannel is the PostgreSQL notification channel told the IDs
// of the endpoints given due deliveries, for a store in the schema
// public; a store in another schema uses this name followed by the same
// suffix as its PayloadsChannel.
const DeliveriesChannel = "hookd_deliveries"

// deliveriesChannel returns the store's deliveries channel.
func (s *Store) deliveriesChannel() string {
	return DeliveriesChannel + strings.TrimPrefix(s.payloadsChannel, PayloadsChannel)
}

// DeliveryWakes sends and hears the notifications of due deliveries
// between the instances sharing a PostgreSQL database: Notify after
// deliveries are stored, Listen to wake this instance's workers. It hears
// what other instances notify, not its own notifications (this instance
// wakes its workers directly). On SQLite it does nothing: one process
// uses the database. Make one with Store.DeliveryWakes; Close it before
// the store.
type DeliveryWakes struct {
	s *Store
	// source names this DeliveryWakes in its notifications, which are
	// "<source> <endpoint ID>,<endpoint ID>…"; no ID means any endpoint.
	source string

	mu      sync.Mutex
	pending []string
	queued  map[string]bool
	any     bool // a notification naming no endpoint is queued
	started bool
	closed  bool
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// DeliveryWakes returns the store's notifier and listener of due
// deliveries.
func (s *Store) DeliveryWakes() *DeliveryWakes {
	return &DeliveryWakes{s: s, source: hex.EncodeToString(secret.RandomBytes(8))}
}

// Notify tells the other instances' workers that deliveries of the given
// endpoints (of any endpoint if none is given), which have committed, are
// due. It never blocks.
func (w *DeliveryWakes) Notify(endpointIDs ...string) {
	if w.s.d.name != BackendPostgres {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	added := false
	if len(endpointIDs) == 0 && !w.any {
		w.any, added = true, true
	}
	for _, id := range endpointIDs {
		if w.queued[id] {
			continue
		}
		if w.queued == nil {
			w.queued = map[string]bool{}
		}
		w.queued[id] = true
		w.pending = append(w.pending, id)
		added = true
	}
	if !added {
		return
	}
	if !w.started {
		w.started = true
		w.wake, w.stop, w.done = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
		go w.run()
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// run sends what is queued until Close.
func (w *DeliveryWakes) run() {
	defer close(w.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-w.stop
		cancel()
	}()
	channel := w.s.deliveriesChannel()
	for {
		select {
		case <-w.stop:
			return
		case <-w.wake:
		}
		w.mu.Lock()
		ids, anyEndpoint := w.pending, w.any
		w.pending, w.queued, w.any = nil, nil, false
		w.mu.Unlock()
		batches := notifyBatches(ids)
		if anyEndpoint {
			batches = append(batches, "")
		}
		for _, batch := range batches {
			sendCtx, cancelSend := context.WithTimeout(ctx, 10*time.Second)
			// Best effort: a notification not sent only delays the
			// deliveries until the workers' next poll.
			_, _ = w.s.db.ExecContext(sendCtx, "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)",
				channel, w.source+" "+batch)
			cancelSend()
		}
	}
}

// Close stops sending notifications, and waits for the notification being
// sent, if any.
func (w *DeliveryWakes) Close() {
	w.mu.Lock()
	w.closed = true
	started := w.started
	w.mu.Unlock()
	if started {
		close(w.stop)
		<-w.done
	}
}

// Listen calls fn with the IDs of the endpoints that other instances
// notified due deliveries of (none: any endpoint may have some), until
// ctx ends; then it returns nil. It keeps a PostgreSQL connection of its
// own listening on the schema's channel and connects again when it is
// lost (waiting longer after each failure, up to 5 s); once listening
// again it calls fn with no ID, since notifications may have been missed
// meanwhile. On SQLite it returns nil at once.
func (w *DeliveryWakes) Listen(ctx context.Context, fn func(endpointIDs ...string)) error {
	if w.s.d.name != BackendPostgres {
		return nil
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if w.listen(ctx, fn) {
			backoff = 100 * time.Millisecond
		}
		if ctx.Err() != nil {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// listen connects, listens and calls fn until the connection fails or ctx
// ends; it says whether it got as far as listening.
func (w *DeliveryWakes) listen(ctx context.Context, fn func(endpointIDs ...string)) (listened bool) {
	conn, err := pgx.Connect(ctx, w.s.url)
	if err != nil {
		return false
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+w.s.deliveriesChannel()); err != nil {
		return false
	}
	fn()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true
		}
		source, ids, _ := strings.Cut(n.Payload, " ")
		switch {
		case source == w.source:
			// This instance's own: its workers were woken directly.
		case ids == "":
			fn()
		default:
			fn(strings.Split(ids, ",")...)
		}
	}
}
