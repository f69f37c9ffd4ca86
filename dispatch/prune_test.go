package dispatch_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestInboundLogIsPrunedByRetention checks that the pruner deletes inbound
// calls older than the retention, as it does delivery history, in batches.
func TestInboundLogIsPrunedByRetention(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		w := newWorld(t, s, nil)
		call := func() *hookd.InboundCall {
			c := &hookd.InboundCall{
				ID: hookd.NewID(hookd.PrefixInboundCall), TenantID: w.tenant, ReceivedAt: w.clock.Now(),
				Kind: hookd.InboundCreateTicket, Method: http.MethodPost, Path: "/hooks/x/helpdesk/createticket",
				SourceIP: "203.0.113.7", Status: http.StatusUnauthorized,
			}
			if err := s.CreateInboundCall(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		var old []*hookd.InboundCall
		for range 5 {
			old = append(old, call())
		}
		w.clock.Advance(47 * time.Hour)
		kept := call()
		w.clock.Advance(2 * time.Hour)

		p := &dispatch.Pruner{Store: s, Inbound: s, Clock: w.clock, Retention: 48 * time.Hour, Batch: 2}
		n, err := p.PruneInboundOnce(ctx)
		if err != nil || n != 5 {
			t.Fatalf("pruned %d calls, %v; want 5", n, err)
		}
		for _, c := range old {
			if _, err := s.InboundCall(ctx, w.tenant, c.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
				t.Errorf("old call %s: %v, want gone", c.ID, err)
			}
		}
		if _, err := s.InboundCall(ctx, w.tenant, kept.ID); err != nil {
			t.Errorf("call within the retention: %v", err)
		}
	})
}
