package main

import (
	"regexp"
	"testing"

	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestBench runs a small hookd bench on both databases, draining a queue
// and at a steady rate, and the pull figures, and checks that it reports
// every figure.
func TestBench(t *testing.T) {
	t.Parallel()
	figures := []*regexp.Regexp{
		regexp.MustCompile(`hookd bench: (sqlite|postgres), 150 events × 2 endpoints = 300 deliveries`),
		regexp.MustCompile(`publish: +\d+ events/s through the API; latency p50 [\d.]+ ms, p99 [\d.]+ ms`),
		regexp.MustCompile(`memory: +peak RSS [\d.]+ MiB`),
	}
	drained := regexp.MustCompile(`deliver: +\d+ deliveries/s \(queue of 300 drained in `)
	steady := regexp.MustCompile(`deliver: +\d+ deliveries/s at 100 events/s; publish→delivery p50 [\d.]+ ms, p99 [\d.]+ ms`)
	pullFigures := []*regexp.Regexp{
		regexp.MustCompile(`hookd bench --pull: (sqlite|postgres), 1024 B of data per event`),
		// 1,200 payloads: a page of 1,000 and one of 200.
		regexp.MustCompile(`drain: +\d+ payloads/s \(backlog of 1200 listed by one receiver with limit=1000 in 2 calls, `),
		regexp.MustCompile(`pings: +[\d.]+ per 1,000 events at 200 events/s \(\d+/s kept\): [1-9]\d* pings and [1-9]\d* pulls for 100 events`),
		regexp.MustCompile(`pings: +[\d.]+ per 1,000 events at 1000 events/s \(\d+/s kept\): [1-9]\d* pings and [1-9]\d* pulls for 100 events`),
		regexp.MustCompile(`latency: +publish→pull p50 [\d.]+ ms, p99 [\d.]+ ms at 200 events/s \(100 events, a pull waiting with wait=30\)`),
		regexp.MustCompile(`memory: +peak RSS [\d.]+ MiB`),
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			args := []string{"bench", "--events", "150", "--endpoints", "2", "--timeout", "1m"}
			if backend == "postgres" {
				args = append(args, "--database-url", sqlstoretest.PostgresURL(t))
			}
			t.Run("pull", func(t *testing.T) {
				pullArgs := append(args[:len(args):len(args)], "--events", "1200", "--pull", "--rated-events", "100",
					"--ping-rates", "200,1000", "--latency-rate", "200")
				out, errOut, err := runCmd(t, envOf(nil), pullArgs...)
				if err != nil {
					t.Fatalf("hookd %v: %v\n%s%s", pullArgs, err, out, errOut)
				}
				for _, re := range pullFigures {
					if !re.MatchString(out) {
						t.Errorf("hookd %v printed no %q:\n%s", pullArgs, re, out)
					}
				}
			})
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
