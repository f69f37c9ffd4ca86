package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/schedule"
	"github.com/hookd/hookd/sqlstore"
)

// Roles of hookd serve (docs/operations.md, "Roles and scaling out").
const (
	// roleAll serves HTTP and delivers: one process does everything.
	roleAll = "all"
	// roleAPI serves HTTP (API, console, inbound webhooks) and never
	// delivers: no delivery workers, no background jobs.
	roleAPI = "api"
	// roleWorker delivers (and retries) and runs the background jobs; its
	// HTTP listener serves only /healthz, /readyz and /metrics.
	roleWorker = "worker"
)

// RoleFlags choose what one hookd serve process does.
type RoleFlags struct {
	Role string `name:"role" env:"HOOKD_ROLE" default:"all" enum:"all,api,worker" help:"What this instance does: all (serve HTTP and deliver), api (serve HTTP; never deliver) or worker (deliver and run the background jobs; HTTP only for /healthz, /readyz, /metrics). Roles other than all need PostgreSQL."`
}

// checkRole refuses a role that cannot work with the flags' database:
// on SQLite one process uses the data directory (it is locked), so it
// must both serve and deliver.
func (c *ServeCmd) checkRole() error {
	if c.Role != roleAll && c.DatabaseURL == "" {
		return fmt.Errorf("--role %s needs PostgreSQL (--database-url or HOOKD_DATABASE_URL): with SQLite one hookd serve "+
			"process uses the data directory, so it must be --role all, serving HTTP and delivering", c.Role)
	}
	return nil
}

// servesAPI says whether this instance serves the API, console and
// inbound webhooks.
func (c *ServeCmd) servesAPI() bool { return c.Role != roleWorker }

// delivers says whether this instance runs delivery workers and the
// background jobs.
func (c *ServeCmd) delivers() bool { return c.Role != roleAPI }

// wireDeliveries tells the app who delivers what it stores: this
// instance's dispatcher, handed deliveries in-process and woken when
// others are stored, unless the instance serves only the API; and, on
// PostgreSQL, the workers of every other instance, through notifications
// (sqlstore.DeliveryWakes), so that a worker in another process starts on
// a delivery as promptly as one in this process. It returns the wakes,
// which runBackground listens to; close them when done.
func (c *ServeCmd) wireDeliveries(a *app.App, store *sqlstore.Store, dispatcher *dispatch.Dispatcher) *sqlstore.DeliveryWakes {
	wakes := store.DeliveryWakes()
	postgres := store.Backend() == sqlstore.BackendPostgres
	local := c.delivers()
	if local {
		a.Workers = dispatcher
	}
	a.DeliveriesStored = func(endpointIDs ...string) {
		if local {
			dispatcher.Wake(endpointIDs...)
		}
		if postgres {
			wakes.Notify(endpointIDs...)
		}
	}
	return wakes
}

// runBackground starts, in workers, what the instance's role runs beside
// its HTTP server until ctx ends: an API instance listens for payloads
// other instances store (to answer waiting pulls); a delivering instance
// runs the dispatcher, the scheduled background jobs and listens for
// deliveries other instances store.
func (c *ServeCmd) runBackground(ctx context.Context, workers *sync.WaitGroup, a *app.App, store *sqlstore.Store,
	wakes *sqlstore.DeliveryWakes, dispatcher *dispatch.Dispatcher, scheduler *schedule.Scheduler, log *slog.Logger) {
	if c.servesAPI() {
		// Payloads other instances store wake this one's waiting pulls.
		workers.Go(func() { _ = store.ListenPayloads(ctx, a.PayloadsStored) })
	}
	if !c.delivers() {
		return
	}
	workers.Go(func() { scheduler.Run(ctx) })
	workers.Go(func() { _ = wakes.Listen(ctx, dispatcher.Wake) })
	workers.Go(func() {
		if err := dispatcher.Run(ctx); err != nil {
			log.Error("delivery workers stopped", "err", err)
		}
	})
}

// roleHandler returns the HTTP handler of the instance: the whole surface
// (api), or for a worker only its health, readiness and metrics, and 404
// for everything else.
func (c *ServeCmd) roleHandler(api http.Handler) http.Handler {
	if c.servesAPI() {
		return api
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			api.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(&httpapi.Problem{
			Type:     httpapi.TypeNotFound,
			Title:    http.StatusText(http.StatusNotFound),
			Status:   http.StatusNotFound,
			Detail:   "This hookd instance runs with --role worker: it delivers, and serves only /healthz, /readyz and /metrics. Send API, console and inbound requests to an instance with --role api or all.",
			Instance: r.URL.Path,
		})
	})
}

// printRole adds the instance's role to the banner, unless it is all.
func (c *ServeCmd) printRole(w io.Writer) {
	switch c.Role {
	case roleAPI:
		fmt.Fprintln(w, "  role:     api (serves HTTP; instances with --role worker deliver)")
	case roleWorker:
		fmt.Fprintln(w, "  role:     worker (delivers and runs the background jobs; HTTP: /healthz, /readyz, /metrics only)")
	}
}
