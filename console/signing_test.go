package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// TestEndpointEd25519Signing adds an endpoint that signs with a key pair
// from the side panel, finds its public key (and never its private key) on
// its page, and moves it to a shared secret by rotating.
func TestEndpointEd25519Signing(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, sqlstoretest.SQLite(t))
	b := h.browser()
	b.signIn()
	wantContains(t, "add panel", b.get("/webhooks?add"), `name="signing" value="hmac-sha256"`, `name="signing" value="ed25519"`)

	p := b.post("/webhooks", url.Values{"url": {"https://keys.example/hooks"}, "name": {"Keys"}, "format": {"json"}, "mode": {"full"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"}, "signing": {"ed25519"}})
	wantStatus(t, "add", p, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(p.location(), "/webhooks/"), "?notice=endpoint-created")
	public, err := h.app.EndpointSecret(ctx, h.tenant.ID, id)
	if err != nil || !strings.HasPrefix(public, hookd.PublicKeyPrefix) {
		t.Fatalf("the endpoint's key %q (%v), want a whpk_ public key", public, err)
	}
	p = b.get(p.location())
	wantContains(t, "endpoint page", p, "Public key</h2>", `id="signing-public-key"`, public, `id="rotate-signing-ed25519" checked`)
	wantNotContains(t, "endpoint page", p, hookd.SecretPrefixEd25519, "whsec_", `id="previous-public-key"`)

	wantStatus(t, "rotate to a shared secret", b.post("/webhooks/"+id+"/secret/rotate", url.Values{"signing": {"hmac-sha256"}}), http.StatusSeeOther)
	secret, _ := h.app.EndpointSecret(ctx, h.tenant.ID, id)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("after rotating to a shared secret: %q", secret)
	}
	p = b.get("/webhooks/" + id)
	wantContains(t, "after rotating", p, "Signing secret</h2>", secret, `id="previous-public-key"`, public, `id="rotate-signing-hmac" checked`)

	p = b.post("/webhooks", url.Values{"url": {"https://keys.example/hooks"}, "name": {"Bad"}, "format": {"json"}, "mode": {"full"},
		"max_events_per_request": {"1"}, "timeout_seconds": {"15"}, "verification_key_header": {"X-Key"}, "signing": {"rsa"}})
	wantStatus(t, "unknown scheme", p, http.StatusUnprocessableEntity)
	wantContains(t, "unknown scheme", p, "must be one of hmac-sha256, ed25519")
}
