package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookd/hookd"
)

// Defaults of Pruner.
const (
	DefaultPruneInterval = 10 * time.Minute
	DefaultPruneBatch    = 500
)

// Pruner deletes delivery history and the inbound log older than the
// retention period in the background, in small batches so that it never
// holds the database for long: events, with their deliveries and
// attempts, once none of their deliveries waits any more; inbound calls
// by the time they were received.
type Pruner struct {
	Store hookd.DeliveryStore
	// Inbound, when set, has its inbound log pruned too.
	Inbound hookd.InboundStore
	Clock   hookd.Clock
	Log     *slog.Logger
	// Retention is how long history is kept. Default hookd.DefaultRetention
	// (30 days).
	Retention time.Duration
	// Interval is the time between prunes. Default 10 minutes.
	Interval time.Duration
	// Batch is the most events, or inbound calls, deleted in one
	// transaction. Default 500.
	Batch int
}

// PruneOnce deletes, batch by batch, every event that the retention lets
// go, and returns how many.
func (p *Pruner) PruneOnce(ctx context.Context) (int, error) {
	return p.pruneBatches(ctx, p.Store.PruneHistory)
}

// PruneInboundOnce deletes, batch by batch, every inbound call older than
// the retention, and returns how many. Without Inbound it does nothing.
func (p *Pruner) PruneInboundOnce(ctx context.Context) (int, error) {
	if p.Inbound == nil {
		return 0, nil
	}
	return p.pruneBatches(ctx, p.Inbound.PruneInboundCalls)
}

// pruneBatches calls prune with the retention's cut-off and the batch size
// until a batch comes back short, and returns how many rows went in all.
func (p *Pruner) pruneBatches(ctx context.Context, prune func(context.Context, time.Time, int) (int, error)) (int, error) {
	retention := p.Retention
	if retention <= 0 {
		retention = hookd.DefaultRetention
	}
	batch := p.Batch
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	before := p.Clock.Now().Add(-retention)
	total := 0
	for ctx.Err() == nil {
		n, err := prune(ctx, before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// Run prunes at once and then every Interval until ctx is done.
func (p *Pruner) Run(ctx context.Context) {
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	interval := p.Interval
	if interval <= 0 {
		interval = DefaultPruneInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := p.PruneOnce(ctx); err != nil && ctx.Err() == nil {
			log.Warn("cannot prune delivery history", "err", err)
		} else if n > 0 {
			log.Info("pruned delivery history", "events", n)
		}
		if n, err := p.PruneInboundOnce(ctx); err != nil && ctx.Err() == nil {
			log.Warn("cannot prune the inbound log", "err", err)
		} else if n > 0 {
			log.Info("pruned the inbound log", "calls", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
