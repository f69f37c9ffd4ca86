package app_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// rawEndpointHeaders returns an endpoint's row as stored: its headers
// column and its sealed headers.
func rawEndpointHeaders(t *testing.T, s *sqlstore.Store, id string) (headers string, sealed []byte) {
	t.Helper()
	q := "SELECT headers, sealed_headers FROM endpoints WHERE id = ?"
	if s.Backend() == sqlstore.BackendPostgres {
		q = "SELECT headers, sealed_headers FROM endpoints WHERE id = $1"
	}
	if err := s.DB().QueryRowContext(context.Background(), q, id).Scan(&headers, &sealed); err != nil {
		t.Fatal(err)
	}
	return headers, sealed
}

// TestEndpointHeadersEncryptedAtRest stores an endpoint whose custom headers
// carry a receiver's credentials, changes them and rotates its keys: the
// tenant reads them back, but the database row, and nothing else the
// database keeps, holds them in clear.
func TestEndpointHeadersEncryptedAtRest(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		const (
			first  = "Bearer first-receiver-credential-1e9f"
			second = "Bearer second-receiver-credential-77ab"
			apiKey = "apikey-c0ffee-5eed-4bad"
		)
		e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example/h",
			Headers: map[string]string{"Authorization": first, "X-Api-Key": apiKey}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.UpdateEndpoint(ctx, tn, e.ID, app.UpdateEndpointInput{
			Headers: map[string]string{"Authorization": second, "X-Api-Key": apiKey}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.RotateEndpointSecret(ctx, tn, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.RotateVerificationKey(ctx, tn, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.DisableEndpoint(ctx, tn, e.ID, ""); err != nil {
			t.Fatal(err)
		}

		got, err := a.Endpoint(ctx, tn, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Headers["Authorization"] != second || got.Headers["X-Api-Key"] != apiKey || len(got.Headers) != 2 {
			t.Fatalf("headers read back = %v", got.Headers)
		}
		page, err := a.ListEndpoints(ctx, tn, hookd.ListParams{})
		if err != nil || len(page.Items) != 1 || page.Items[0].Headers["Authorization"] != second {
			t.Fatalf("listed headers = %+v, %v", page.Items, err)
		}

		headers, sealed := rawEndpointHeaders(t, s, e.ID)
		if headers != "{}" || len(sealed) == 0 {
			t.Errorf("stored row: headers %q, sealed %d bytes; want no clear headers and sealed ones", headers, len(sealed))
		}
		dump := sqlstoretest.DumpAtRest(t, s)
		for _, v := range []string{first, second, apiKey, "receiver-credential"} {
			if bytes.Contains(dump, []byte(v)) {
				t.Errorf("the database holds %q in clear", v)
			}
		}
	})
}

// TestClearEndpointHeadersAreSealedAtStart makes endpoints as hookd stored
// them before it sealed custom headers (in clear, nothing sealed): they
// work as they did, and SealEndpointHeaders, run when hookd starts, seals
// them so the row keeps no clear value, once.
func TestClearEndpointHeadersAreSealedAtStart(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, _ := newApp(t, s)
		tn := etTenant(t, a, "acme", hookd.PlanEnterprise)
		const legacy = `{"Authorization":"Bearer legacy-receiver-credential-9d2c"}`
		var ids []string
		for range 3 {
			e, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "n", URL: "https://x.example/h"})
			if err != nil {
				t.Fatal(err)
			}
			q := "UPDATE endpoints SET headers = ?, sealed_headers = NULL WHERE id = ?"
			if s.Backend() == sqlstore.BackendPostgres {
				q = "UPDATE endpoints SET headers = $1, sealed_headers = NULL WHERE id = $2"
			}
			if _, err := s.DB().ExecContext(ctx, q, legacy, e.ID); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		plain, err := a.CreateEndpoint(ctx, tn, app.CreateEndpointInput{Name: "no headers", URL: "https://x.example/h"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Endpoint(ctx, tn, ids[0])
		if err != nil || got.Headers["Authorization"] != "Bearer legacy-receiver-credential-9d2c" {
			t.Fatalf("legacy endpoint before sealing: %v, %v", got.Headers, err)
		}

		n, err := a.SealEndpointHeaders(ctx)
		if err != nil || n != 3 {
			t.Fatalf("SealEndpointHeaders = %d, %v; want 3", n, err)
		}
		for _, id := range ids {
			headers, sealed := rawEndpointHeaders(t, s, id)
			if headers != "{}" || len(sealed) == 0 {
				t.Errorf("%s after sealing: headers %q, sealed %d bytes", id, headers, len(sealed))
			}
			got, err := a.Endpoint(ctx, tn, id)
			if err != nil || len(got.Headers) != 1 || got.Headers["Authorization"] != "Bearer legacy-receiver-credential-9d2c" {
				t.Errorf("%s after sealing: headers %v, %v", id, got.Headers, err)
			}
		}
		if headers, sealed := rawEndpointHeaders(t, s, plain.ID); headers != "{}" || sealed != nil {
			t.Errorf("endpoint without headers: headers %q, sealed %x", headers, sealed)
		}
		if n, err := a.SealEndpointHeaders(ctx); err != nil || n != 0 {
			t.Errorf("second SealEndpointHeaders = %d, %v; want 0", n, err)
		}
	})
}
