package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

func epPtr[T any](v T) *T { return &v }

func TestEndpointValidationListsEveryField(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		_, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{
			Name: " ", URL: "ftp://user:pw@x.example", Description: strings.Repeat("d", 2001),
			EventTypes: []string{"user.created", "no.such", "Bad"}, Format: "yaml", Mode: "push",
			MaxEventsPerRequest: epPtr(0), TimeoutSeconds: epPtr(61), VerificationKeyHeader: "Bad Header",
			Headers: map[string]string{"Host": "x", "X-Ok": "a\r\nb", "X-Fine": "ok"},
		})
		for _, loc := range []string{"body.name", "body.url", "body.description", "body.event_types[1]", "body.event_types[2]",
			"body.format", "body.mode", "body.max_events_per_request", "body.timeout_seconds", "body.verification_key_header",
			"body.headers.Host", "body.headers.X-Ok"} {
			wantFieldError(t, err, loc)
		}
		for _, u := range []string{"https://user@x.example/", "/relative", "https://", "mailto:a@b.example", "https://x.example/" + strings.Repeat("a", 2048)} {
			_, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: u})
			wantFieldError(t, err, "body.url")
		}
		_, err = a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example", Headers: map[string]string{"X-Hookd-Verification-Key": "x"}})
		wantFieldError(t, err, "body.headers.X-Hookd-Verification-Key", "verification key")

		e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "http://x.example/h?k={VerificationKey}"})
		if err != nil {
			t.Fatal(err)
		}
		if !e.AllEventTypes || !e.Subscribes("anything.at_all") || !e.Enabled || !e.VerifyTLS || e.Format != hookd.FormatJSON ||
			e.Mode != hookd.ModeFull || e.MaxEventsPerRequest != 1 || e.TimeoutSeconds != 15 ||
			e.VerificationKeyHeader != hookd.DefaultVerificationKeyHeader || len(e.VerificationKey) < 20 {
			t.Fatalf("defaults: %+v", e)
		}
		if got, want := e.TargetURL(), "http://x.example/h?k="+e.VerificationKey; got != want {
			t.Fatalf("TargetURL = %q, want %q", got, want)
		}
		if !strings.HasPrefix(e.Secrets[0].Secret, "whsec_") {
			t.Fatalf("secret %q", e.Secrets[0].Secret)
		}
		// A patch with a bad field changes nothing.
		_, err = a.UpdateEndpoint(ctx, tn, e.ID, app.UpdateEndpointInput{Name: epPtr("ok"), URL: epPtr("nope")})
		wantFieldError(t, err, "body.url")
		got, err := a.Endpoint(ctx, tn, e.ID)
		if err != nil || got.Name != "n" {
			t.Fatalf("after a bad patch: %+v, %v", got, err)
		}
		u, err := a.UpdateEndpoint(ctx, tn, e.ID, app.UpdateEndpointInput{EventTypes: &[]string{"user.created", "user.created"}})
		if err != nil {
			t.Fatal(err)
		}
		if u.AllEventTypes || !u.Subscribes("user.created") || u.Subscribes("user.updated") || len(u.EventTypes) != 1 || u.URL != e.URL {
			t.Fatalf("after patch: %+v", u)
		}
	})
}

func TestEndpointSecretRotation(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example"})
		if err != nil {
			t.Fatal(err)
		}
		old, err := a.EndpointSecret(ctx, tn, e.ID)
		if err != nil || old != e.Secrets[0].Secret {
			t.Fatalf("EndpointSecret = %q, %v; want %q", old, err, e.Secrets[0].Secret)
		}
		clock.Advance(time.Hour)
		rotatedAt := clock.Now()
		secret, expires, err := a.RotateEndpointSecret(ctx, tn, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if secret == old || !strings.HasPrefix(secret, "whsec_") || !expires.Equal(rotatedAt.Add(24*time.Hour)) {
			t.Fatalf("rotate: %q, %v", secret, expires)
		}
		if cur, _ := a.EndpointSecret(ctx, tn, e.ID); cur != secret {
			t.Fatalf("current secret %q, want %q", cur, secret)
		}
		live := func() []string {
			t.Helper()
			e, err := s.Endpoint(ctx, tn, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := a.LiveEndpointSecrets(e)
			if err != nil {
				t.Fatal(err)
			}
			return ss
		}
		clock.Advance(24*time.Hour - time.Second)
		if got := live(); len(got) != 2 || got[0] != secret || got[1] != old {
			t.Fatalf("live before +24h = %q, want [new old]", got)
		}
		clock.Advance(time.Second)
		if got := live(); len(got) != 1 || got[0] != secret {
			t.Fatalf("live at +24h = %q, want [new]", got)
		}
	})
}

func TestEndpointEnableDisableAndPlan(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, clock := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		other := etTenant(t, a, "other", hookd.PlanEnterprise)
		e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example"})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		d, err := a.DisableEndpoint(ctx, tn, e.ID, "")
		if err != nil || d.Enabled || d.DisabledReason != hookd.DisabledByUser || d.DisabledAt == nil || !d.DisabledAt.Equal(clock.Now()) {
			t.Fatalf("disable: %+v, %v", d, err)
		}
		en, err := a.EnableEndpoint(ctx, tn, e.ID)
		if err != nil || !en.Enabled || en.DisabledReason != "" || en.DisabledAt != nil {
			t.Fatalf("enable: %+v, %v", en, err)
		}
		_, err = a.Endpoint(ctx, other, e.ID)
		wantErrorCode(t, err, hookd.ENOTFOUND)
		_, err = a.DisableEndpoint(ctx, other, e.ID, "")
		wantErrorCode(t, err, hookd.ENOTFOUND)

		free := etTenant(t, a, "free", hookd.PlanFree)
		_, err = a.CreateEndpoint(ctx, free, app.CreateEndpointInput{Name: "n", URL: "https://x.example"})
		wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
		_, err = a.ListEndpoints(ctx, free, hookd.ListParams{})
		wantErrorCode(t, err, hookd.EPLANFORBIDDEN)
	})
}

func TestRotateVerificationKey(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example/h?k={VerificationKey}"})
		if err != nil {
			t.Fatal(err)
		}
		old := e.VerificationKey
		rotated, err := a.RotateVerificationKey(ctx, tn, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rotated.VerificationKey == old || len(rotated.VerificationKey) != len(old) {
			t.Fatalf("rotated key %q, old %q", rotated.VerificationKey, old)
		}
		got, err := a.Endpoint(ctx, tn, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.VerificationKey != rotated.VerificationKey || got.TargetURL() != "https://x.example/h?k="+rotated.VerificationKey {
			t.Fatalf("stored key %q, URL %q; want the rotated key", got.VerificationKey, got.TargetURL())
		}
		if got.Secrets[0].Sealed == nil || len(got.Secrets) != 1 {
			t.Fatalf("rotating the verification key touched the signing secrets: %+v", got.Secrets)
		}
		other := etTenant(t, a, "globex", hookd.PlanEnterprise)
		if _, err := a.RotateVerificationKey(ctx, other, e.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
			t.Errorf("another tenant's endpoint: %v, want ENOTFOUND", err)
		}
	})
}
