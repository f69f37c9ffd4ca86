package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// HealthcheckCmd asks a running hookd whether it is healthy: it GETs
// /healthz (or the URL given) and fails unless the answer is 200. It needs
// no shell and no curl, so a container image of the static binary alone
// can use it as its HEALTHCHECK.
type HealthcheckCmd struct {
	Addr    string        `name:"addr" env:"HOOKD_ADDR" default:"127.0.0.1:8080" help:"Address hookd serve listens on; an unspecified host (:8080, 0.0.0.0:8080) is asked on loopback."`
	URL     string        `name:"url" help:"URL to GET instead of http://<addr>/healthz, e.g. http://127.0.0.1:8080/readyz to check the database too."`
	Timeout time.Duration `name:"timeout" default:"5s" help:"How long to wait for the answer."`
}

// Run implements the command.
func (c *HealthcheckCmd) Run(env *Env) error {
	u := c.URL
	if u == "" {
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return fmt.Errorf("--addr %q: %w", c.Addr, err)
		}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			host = "127.0.0.1"
			if ip != nil && ip.To4() == nil {
				host = "::1"
			}
		}
		u = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(env.Ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{
		// Only the server asked: no proxy from the environment, no
		// redirect followed elsewhere.
		Transport:     &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	_, err = fmt.Fprintf(env.Stdout, "ok: GET %s: %s\n", u, resp.Status)
	return err
}
