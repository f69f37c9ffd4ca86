package main

import (
	"regexp"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestBench runs a small hookd bench on both databases, draining a queue
// and at a steady rate, and checks that it reports every figure.
func TestBench(t *testing.T) {
	t.Parallel()
	figures := []*regexp.Regexp{
		regexp.MustCompile(`hookd bench: (sqlite|postgres), 150 events × 2 endpoints = 300 deliveries`),
		regexp.MustCompile(`publish: +\d+ events/s through the API; latency p50 [\d.]+ ms, p99 [\d.]+ ms`),
		regexp.MustCompile(`memory: +peak RSS [\d.]+ MiB`),
	}
	drained := regexp.MustCompile(`deliver: +\d+ deliveries/s \(queue of 300 drained in `)
	steady := regexp.MustCompile(`deliver: +\d+ deliveries/s at 100 events/s; publish→delivery p50 [\d.]+ ms, p99 [\d.]+ ms`)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			args := []string{"bench", "--events", "150", "--endpoints", "2", "--timeout", "1m"}
			if backend == "postgres" {
				args = append(args, "--database-url", sqlstoretest.PostgresURL(t))
			}
			for _, extra := range [][]string{nil, {"--rate", "100"}} {
				out, errOut, err := runCmd(t, envOf(nil), append(args, extra...)...)
				if err != nil {
					t.Fatalf("hookd %v: %v\n%s%s", append(args, extra...), err, out, errOut)
				}
				want := append(figures, drained)
				if extra != nil {
					want = append(figures, steady)
				}
				for _, re := range want {
					if !re.MatchString(out) {
						t.Errorf("hookd %v printed no %q:\n%s", append(args, extra...), re, out)
					}
				}
			}
		})
	}
}
