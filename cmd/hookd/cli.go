package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/inbound"
	"github.com/hookd/hookd/secret"
	"github.com/hookd/hookd/sqlstore"
)

// Env is what every command runs with.
type Env struct {
	Ctx    context.Context
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
}

// CLI is hookd's command line. Every flag can also be set by the environment
// variable named in its env tag; a flag on the command line wins.
type CLI struct {
	Serve   ServeCmd   `cmd:"" help:"Run the HTTP API, the console and the background workers."`
	Migrate MigrateCmd `cmd:"" help:"Apply pending database migrations and exit."`
	Tenants TenantsCmd `cmd:"" help:"Create and list tenants."`
	Bench   BenchCmd   `cmd:"" help:"Measure delivery throughput and latency on this machine (a scratch database; see docs/performance.md)."`
	Admin   AdminCmd   `cmd:"" help:"Operator maintenance on the database directly, such as a new operator token."`
	Version VersionCmd `cmd:"" help:"Print the version."`

	Healthcheck HealthcheckCmd `cmd:"" help:"Exit 0 if a running hookd answers /healthz with 200 (for container health checks)."`
}

// StoreFlags select and open the database.
type StoreFlags struct {
	DataDir     string `name:"data-dir" env:"HOOKD_DATA_DIR" default:"./hookd-data" help:"Directory of the SQLite database and the instance key file."`
	DatabaseURL string `name:"database-url" env:"HOOKD_DATABASE_URL" help:"postgres://… to use PostgreSQL; empty for embedded SQLite in the data directory."`
	LogLevel    string `name:"log-level" env:"HOOKD_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least severe log level written (${enum})."`
	LogFormat   string `name:"log-format" env:"HOOKD_LOG_FORMAT" default:"text" enum:"text,json" help:"Log line format: text (key=value) or json (one JSON object per line, for log collectors)."`
}

func (f *StoreFlags) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(f.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if f.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// open opens and migrates the store.
func (f *StoreFlags) open(ctx context.Context) (*sqlstore.Store, error) {
	s, err := sqlstore.Open(ctx, f.DatabaseURL, f.DataDir)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// box loads the instance key: HOOKD_SECRET_KEY, or the key file in the data
// directory, made on first start.
func (f *StoreFlags) box(env *Env, log *slog.Logger) (*secret.Box, error) {
	var key []byte
	if v := env.Getenv("HOOKD_SECRET_KEY"); v != "" {
		k, err := secret.ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("HOOKD_SECRET_KEY: %w", err)
		}
		key = k
	} else {
		path := filepath.Join(f.DataDir, "instance.key")
		k, created, err := secret.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("created the instance key; back it up: secrets at rest cannot be read without it", "path", path)
			if f.DatabaseURL != "" {
				log.Warn("with PostgreSQL, give every hookd instance the same key through HOOKD_SECRET_KEY")
			}
		}
		key = k
	}
	return secret.NewBox(key)
}

// newApp opens everything a command that works on data needs.
func (f *StoreFlags) newApp(env *Env, defaultPlan string) (*app.App, *sqlstore.Store, error) {
	log := f.logger(env.Stderr)
	s, err := f.open(env.Ctx)
	if err != nil {
		return nil, nil, err
	}
	box, err := f.box(env, log)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	a := app.New(s, hookd.SystemClock{}, box, log)
	if err := a.CheckInstanceKey(env.Ctx); err != nil {
		s.Close()
		return nil, nil, err
	}
	// Endpoints stored before custom headers were sealed (migration 00014)
	// are sealed now: SQL alone cannot, it has no key.
	if n, err := a.SealEndpointHeaders(env.Ctx); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("seal endpoint headers: %w", err)
	} else if n > 0 {
		log.Info("sealed the custom headers of endpoints stored in clear", "endpoints", n)
	}
	a.Inbound = inbound.Parser{}
	if defaultPlan != "" {
		a.DefaultPlan = hookd.Plan(defaultPlan)
	}
	return a, s, nil
}

// newParser builds the kong parser. Environment variables are read through
// getenv (so tests can pass their own) before kong's own lookup. kong calls
// exit where it would end the process itself (after printing --help); the
// parse then goes on, so the caller must check whether exit was called.
func newParser(cli *CLI, getenv func(string) string, stdout, stderr io.Writer, exit func(int)) (*kong.Kong, error) {
	return kong.New(cli,
		kong.Name("hookd"),
		kong.Description("hookd: self-hosted webhooks and integrations. Flags override environment variables."),
		kong.Writers(stdout, stderr),
		kong.Exit(exit),
		kong.UsageOnError(),
		kong.Resolvers(envResolver(getenv)),
	)
}

func envResolver(getenv func(string) string) kong.ResolverFunc {
	return func(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
		for _, name := range flag.Envs {
			if v := getenv(name); v != "" {
				if flag.IsBool() || flag.IsCounter() {
					return strings.EqualFold(v, "true") || v == "1" || strings.EqualFold(v, "yes"), nil
				}
				return v, nil
			}
		}
		return nil, nil
	}
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run(env *Env) error {
	_, err := fmt.Fprintf(env.Stdout, "hookd %s\n", hookd.Version)
	return err
}

// MigrateCmd applies migrations.
type MigrateCmd struct {
	StoreFlags
}

// Run applies pending migrations.
func (c *MigrateCmd) Run(env *Env) error {
	s, err := c.open(env.Ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = fmt.Fprintf(env.Stdout, "%s database is up to date\n", s.Backend())
	return err
}
