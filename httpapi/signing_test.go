package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointEd25519Signing creates an endpoint that signs with an
// Ed25519 key pair: the API shows its public key and never its private
// key, rotates it with an overlap, and moves it to a shared secret and
// back.
func TestEndpointEd25519Signing(t *testing.T) {
	epEach(t, func(t *testing.T, h *etHarness, s *sqlstore.Store) {
		acme := h.tenant("acme", hookd.PlanEnterprise)
		type view struct {
			Signing                 string     `json:"signing"`
			PublicKey               string     `json:"public_key"`
			PreviousPublicKey       string     `json:"previous_public_key"`
			PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
			Secret                  string     `json:"secret"`
		}
		var created struct {
			ID string `json:"id"`
			view
		}
		etWant(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "Signed", "url": "https://hooks.example/a", "signing": "ed25519"}),
			http.StatusCreated, &created)
		if created.Signing != "ed25519" || !strings.HasPrefix(created.PublicKey, hookd.PublicKeyPrefix) || created.Secret != "" {
			t.Fatalf("created: %+v; want ed25519 signing, a whpk_ public key and no secret", created.view)
		}
		path := "/api/v1/endpoints/" + created.ID
		var sec view
		etWant(t, h.do("GET", path+"/secret", acme, nil), http.StatusOK, &sec)
		if sec.PublicKey != created.PublicKey || sec.Secret != "" {
			t.Fatalf("secret operation: %+v; want the public key only", sec)
		}
		var got view
		etWant(t, h.do("GET", path, acme, nil), http.StatusOK, &got)
		if got.Signing != "ed25519" || got.PublicKey != created.PublicKey || got.PreviousPublicKey != "" {
			t.Fatalf("get: %+v", got)
		}

		// Rotating keeps the scheme; both keys sign during the overlap.
		var rot view
		etWant(t, h.do("POST", path+"/secret/rotate", acme, nil), http.StatusOK, &rot)
		if !strings.HasPrefix(rot.PublicKey, hookd.PublicKeyPrefix) || rot.PublicKey == created.PublicKey || rot.Secret != "" {
			t.Fatalf("rotate: %+v", rot)
		}
		got = view{}
		etWant(t, h.do("GET", path, acme, nil), http.StatusOK, &got)
		if got.PublicKey != rot.PublicKey || got.PreviousPublicKey != created.PublicKey || got.PreviousSecretExpiresAt == nil {
			t.Fatalf("after rotation: %+v", got)
		}

		// Moving to a shared secret: the Ed25519 key keeps signing beside it.
		rot = view{}
		etWant(t, h.do("POST", path+"/secret/rotate", acme, map[string]any{"signing": "hmac-sha256"}), http.StatusOK, &rot)
		if !strings.HasPrefix(rot.Secret, "whsec_") || rot.PublicKey != "" {
			t.Fatalf("rotate to hmac-sha256: %+v", rot)
		}
		got = view{}
		etWant(t, h.do("GET", path, acme, nil), http.StatusOK, &got)
		if got.Signing != "hmac-sha256" || got.PublicKey != "" || !strings.HasPrefix(got.PreviousPublicKey, hookd.PublicKeyPrefix) {
			t.Fatalf("after moving to hmac-sha256: %+v", got)
		}
		etWantProblem(t, h.do("POST", path+"/secret/rotate", acme, map[string]any{"signing": "rsa"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.signing", "hmac-sha256")
		etWantProblem(t, h.do("POST", "/api/v1/endpoints", acme, map[string]any{"name": "", "url": "https://hooks.example/a", "signing": "rsa"}),
			http.StatusUnprocessableEntity, httpapi.TypeValidation, "body.signing", "ed25519")

		// No private key is kept in plaintext, nor shown.
		if bytes.Contains(sqlstoretest.DumpAtRest(t, s), []byte(hookd.SecretPrefixEd25519)) {
			t.Fatal("an Ed25519 private key is stored in plaintext")
		}
		var list struct{ Data []view }
		r := h.do("GET", "/api/v1/endpoints", acme, nil)
		etWant(t, r, http.StatusOK, &list)
		if strings.Contains(string(r.body), hookd.SecretPrefixEd25519) {
			t.Fatal("the list shows a private key")
		}
	})
}
