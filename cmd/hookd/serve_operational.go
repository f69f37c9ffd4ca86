package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/schedule"
)

// OperationalFlags configure the operator's webhook URL, which gets the
// operational events of every tenant (issue 14, item 6).
type OperationalFlags struct {
	OperatorWebhookURL    string        `name:"operator-webhook-url" env:"HOOKD_OPERATOR_WEBHOOK_URL" help:"URL that receives the operational events (endpoint.disabled, endpoint.enabled, delivery.exhausted, endpoint.failing) of every tenant, with tenant_id; none when empty."`
	OperatorWebhookSecret string        `name:"operator-webhook-secret" env:"HOOKD_OPERATOR_WEBHOOK_SECRET" help:"Signing secret of the requests to --operator-webhook-url (Standard Webhooks: whsec_… or whsk_…); required with it."`
	FailingThreshold      float64       `name:"failing-threshold" env:"HOOKD_FAILING_THRESHOLD" default:"0.5" help:"An endpoint whose share of 2xx answers over --failing-window is under this (0 to 1) is failing: endpoint.failing is sent, once until it recovers (0: never)."`
	FailingWindow         time.Duration `name:"failing-window" env:"HOOKD_FAILING_WINDOW" default:"15m" help:"How far back attempts count for endpoint.failing."`
	FailingMinAttempts    int           `name:"failing-min-attempts" env:"HOOKD_FAILING_MIN_ATTEMPTS" default:"10" help:"The fewest attempts in --failing-window for an endpoint to be judged failing."`
}

// wireOperator sets a's operator notifier from the flags, if a URL is
// set; allowPrivate is --allow-private-destinations, which the operator's
// URL obeys as endpoints do.
func (f *OperationalFlags) wireOperator(a *app.App, allowPrivate bool) error {
	switch {
	case f.FailingThreshold < 0 || f.FailingThreshold > 1:
		return fmt.Errorf("--failing-threshold must be from 0 to 1")
	case f.FailingWindow < time.Minute || f.FailingWindow > 7*24*time.Hour:
		return fmt.Errorf("--failing-window must be from 1m to 168h")
	case f.FailingMinAttempts < 1:
		return fmt.Errorf("--failing-min-attempts must be at least 1")
	}
	a.Failing = hookd.FailingPolicy{Threshold: f.FailingThreshold, Window: f.FailingWindow, MinAttempts: f.FailingMinAttempts}
	if f.FailingThreshold == 0 {
		a.Failing.Threshold = -1 // off
	}
	if f.OperatorWebhookURL == "" {
		if f.OperatorWebhookSecret != "" {
			return fmt.Errorf("--operator-webhook-secret is set without --operator-webhook-url")
		}
		return nil
	}
	u, err := url.Parse(f.OperatorWebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--operator-webhook-url must be an absolute http or https URL")
	}
	if f.OperatorWebhookSecret == "" {
		return fmt.Errorf("--operator-webhook-url needs --operator-webhook-secret (a Standard Webhooks secret, whsec_…)")
	}
	if _, err := dispatch.Sign("check", time.Now(), nil, []string{f.OperatorWebhookSecret}); err != nil {
		return fmt.Errorf("--operator-webhook-secret is not a valid signing secret (whsec_ and base64, or whsk_ and base64)")
	}
	a.Operator = &dispatch.OperatorWebhook{URL: f.OperatorWebhookURL, Secret: f.OperatorWebhookSecret,
		Client: &dispatch.Client{AllowPrivate: allowPrivate}, Clock: hookd.SystemClock{}}
	return nil
}

// operationalEventsJob drains the outbox of operational events every 2 s
// across the instances: each signal becomes the tenant's event and the
// operator's request (app.RunOperationalSignals).
func operationalEventsJob(a *app.App) schedule.Job {
	return schedule.Job{Name: "operational-events", Period: 2 * time.Second, Run: func(ctx context.Context) error {
		_, err := a.RunOperationalSignals(ctx)
		return wrap("send operational events", err)
	}}
}

// endpointHealthJob looks, once a minute across the instances, for
// endpoints whose success rate fell under --failing-threshold
// (endpoint.failing) or recovered (app.RunEndpointHealth).
func endpointHealthJob(a *app.App) schedule.Job {
	return schedule.Job{Name: "endpoint-health", Period: time.Minute, Run: func(ctx context.Context) error {
		_, err := a.RunEndpointHealth(ctx)
		return wrap("check the endpoints' success rates", err)
	}}
}
