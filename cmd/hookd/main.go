// Command hookd runs the hookd webhooks and integration platform: its HTTP
// API, console and background workers (serve), its database migrations
// (migrate), and operator chores (tenants, version).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hookd:", err)
		os.Exit(1)
	}
}

// run is hookd's whole program, with its surroundings passed in so that tests
// can run the real thing.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cli := &CLI{}
	exited, exitCode := false, 0
	parser, err := newParser(cli, getenv, stdout, stderr, func(code int) {
		if !exited {
			exited, exitCode = true, code
		}
	})
	if err != nil {
		return err
	}
	kctx, err := parser.Parse(args)
	if exited {
		// kong has done the whole job (printed --help): run no command,
		// and report no parse error that follows from the missing one.
		if exitCode != 0 {
			return fmt.Errorf("exit status %d", exitCode)
		}
		return nil
	}
	if err != nil {
		return err
	}
	env := &Env{Ctx: ctx, Getenv: getenv, Stdout: stdout, Stderr: stderr}
	return kctx.Run(env)
}
