package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestDeliveryWakes: on PostgreSQL, what one store's DeliveryWakes
// notifies is heard by the others listening on the same schema, never by
// itself nor by a store in another schema; no endpoint means any. On
// SQLite, Notify does nothing and Listen returns at once.
func TestDeliveryWakes(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		w := sqlstoretest.SQLite(t).DeliveryWakes()
		defer w.Close()
		w.Notify("ep_1")
		if err := w.Listen(t.Context(), func(...string) { t.Error("called on SQLite") }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := sqlstoretest.PostgresURL(t)
		open := func(url string) *sqlstore.Store {
			s, err := sqlstore.OpenPostgres(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		a, b, other := open(url), open(url), open(sqlstoretest.PostgresURL(t))
		wa, wb, wd, wo := a.DeliveryWakes(), b.DeliveryWakes(), a.DeliveryWakes(), other.DeliveryWakes()
		for _, w := range []*sqlstore.DeliveryWakes{wa, wb, wd, wo} {
			defer w.Close()
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		listen := func(w *sqlstore.DeliveryWakes) chan []string {
			heard := make(chan []string, 100)
			go func() { _ = w.Listen(ctx, func(ids ...string) { heard <- ids }) }()
			return heard
		}
		next := func(what string, heard chan []string) []string {
			t.Helper()
			select {
			case ids := <-heard:
				return ids
			case <-time.After(20 * time.Second):
				t.Fatalf("%s heard nothing", what)
				return nil
			}
		}
		hb, hd, ho := listen(wb), listen(wd), listen(wo)
		// Each hears "any endpoint" once it listens.
		for what, h := range map[string]chan []string{"b": hb, "d": hd, "other": ho} {
			if ids := next(what, h); len(ids) != 0 {
				t.Fatalf("%s heard %v first, want no ID (any endpoint)", what, ids)
			}
		}

		// B's own notification: D hears it, B does not (B hears A's,
		// which committed after it, first).
		wb.Notify("ep_own")
		if ids := next("d", hd); !slices.Equal(ids, []string{"ep_own"}) {
			t.Fatalf("d heard %v, want [ep_own]", ids)
		}
		wa.Notify("ep_1", "ep_2", "ep_1")
		if ids := next("b", hb); !slices.Equal(ids, []string{"ep_1", "ep_2"}) {
			t.Fatalf("b heard %v, want [ep_1 ep_2] (not its own ep_own)", ids)
		}
		wa.Notify()
		if ids := next("b", hb); len(ids) != 0 {
			t.Fatalf("b heard %v, want no ID (any endpoint)", ids)
		}
		select {
		case ids := <-ho:
			t.Fatalf("a store in another schema heard %v", ids)
		default:
		}
	})
}
