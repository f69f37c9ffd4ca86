package dispatch_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/app"
	"github.com/hookd/hookd/dispatch"
	"github.com/hookd/hookd/sqlstore"
	"github.com/hookd/hookd/sqlstore/sqlstoretest"
)

// verifyWithOpenSSL checks a v1a signature the way a receiver with only
// the public key (whpk_…) would, with OpenSSL's command line rather than
// with Go's or hookd's code: it returns nil when one of the v1a
// signatures in h verifies.
func verifyWithOpenSSL(t *testing.T, publicKey string, h http.Header, body []byte) error {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("the outside verifier needs openssl: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(publicKey, hookd.PublicKeyPrefix))
	if err != nil || !strings.HasPrefix(publicKey, hookd.PublicKeyPrefix) {
		t.Fatalf("public key %q is not whpk_ and base64", publicKey)
	}
	// The key as OpenSSL reads it: the DER of SubjectPublicKeyInfo
	// (RFC 8410) is a fixed 12-byte header and the 32 key bytes.
	der := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, raw...)
	dir := t.TempDir()
	keyFile, msgFile := filepath.Join(dir, "pub.pem"), filepath.Join(dir, "msg")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	msg := h.Get(dispatch.HeaderID) + "." + h.Get(dispatch.HeaderTimestamp) + "." + string(body)
	if err := os.WriteFile(msgFile, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	var last error = errNoV1a
	for i, sig := range strings.Fields(h.Get(dispatch.HeaderSignature)) {
		b64, ok := strings.CutPrefix(sig, "v1a,")
		if !ok {
			continue
		}
		s, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatalf("signature %d is not base64: %v", i, err)
		}
		sigFile := filepath.Join(dir, "sig"+strconv.Itoa(i))
		if err := os.WriteFile(sigFile, s, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", keyFile, "-rawin", "-in", msgFile, "-sigfile", sigFile).CombinedOutput()
		if err == nil && strings.Contains(string(out), "Signature Verified Successfully") {
			return nil
		}
		last = &openSSLError{strings.TrimSpace(string(out))}
	}
	return last
}

var errNoV1a = &openSSLError{"no v1a signature"}

type openSSLError struct{ out string }

func (e *openSSLError) Error() string { return "openssl: " + e.out }

func TestEd25519SignaturesVerifyWithOpenSSL(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"msg_1","type":"user.created","timestamp":"2025-01-01T00:00:00Z","data":{"a":1}}`)
	ts := time.Now()
	current, previous := hookd.NewSigningSecret(hookd.SigningEd25519), hookd.NewSigningSecret(hookd.SigningEd25519)
	currentPub, err := hookd.PublicKeyOf(current)
	if err != nil {
		t.Fatal(err)
	}
	previousPub, err := hookd.PublicKeyOf(previous)
	if err != nil {
		t.Fatal(err)
	}

	// During a rotation's overlap both keys sign: a receiver holding
	// either public key accepts the delivery.
	h := http.Header{}
	if err := dispatch.SetSignatureHeaders(h, "msg_1", ts, body, []string{current, previous}); err != nil {
		t.Fatal(err)
	}
	if sigs := strings.Fields(h.Get(dispatch.HeaderSignature)); len(sigs) != 2 || !strings.HasPrefix(sigs[0], "v1a,") || !strings.HasPrefix(sigs[1], "v1a,") {
		t.Fatalf("signature header %q, want two v1a signatures", h.Get(dispatch.HeaderSignature))
	}
	for _, pub := range []string{currentPub, previousPub} {
		if err := verifyWithOpenSSL(t, pub, h, body); err != nil {
			t.Errorf("key %s: %v", pub, err)
		}
	}
	// A key that did not sign, or a changed body, does not verify.
	otherPub, _ := hookd.PublicKeyOf(hookd.NewSigningSecret(hookd.SigningEd25519))
	if err := verifyWithOpenSSL(t, otherPub, h, body); err == nil {
		t.Error("a key that did not sign verified")
	}
	if err := verifyWithOpenSSL(t, currentPub, h, []byte(strings.Replace(string(body), `"a":1`, `"a":2`, 1))); err == nil {
		t.Error("a changed body verified")
	}

	// Moving from a shared secret to a key pair: the old receiver checks
	// v1 with the reference library, the new one v1a with OpenSSL.
	h = http.Header{}
	if err := dispatch.SetSignatureHeaders(h, "msg_2", ts, body, []string{current, secretA}); err != nil {
		t.Fatal(err)
	}
	if err := verify(t, secretA, h, body); err != nil {
		t.Errorf("v1 beside v1a: reference library: %v", err)
	}
	if err := verifyWithOpenSSL(t, currentPub, h, body); err != nil {
		t.Errorf("v1a beside v1: %v", err)
	}
}

func TestEd25519SecretFormats(t *testing.T) {
	t.Parallel()
	secret := hookd.NewSigningSecret(hookd.SigningEd25519)
	priv, err := hookd.Ed25519PrivateKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	seedOnly := hookd.SecretPrefixEd25519 + base64.StdEncoding.EncodeToString(priv.Seed())
	a, _ := hookd.PublicKeyOf(secret)
	b, err := hookd.PublicKeyOf(seedOnly)
	if err != nil || a != b {
		t.Errorf("a 32-byte seed gives %q (%v), the 64-byte key %q", b, err, a)
	}
	pkix, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(pkix[12:]); hookd.PublicKeyPrefix+got != a {
		t.Errorf("PKIX key %s, whpk_ key %s", got, a)
	}
	bad := append([]byte(priv.Seed()), make([]byte, 32)...) // seed with a wrong public half
	if _, err := hookd.Ed25519PrivateKey("whsec_" + base64.StdEncoding.EncodeToString(priv)); err == nil {
		t.Error("a whsec_ secret was taken for an Ed25519 key")
	}
	for _, s := range []string{"whsk_", "whsk_!!", hookd.SecretPrefixEd25519 + base64.StdEncoding.EncodeToString(bad),
		hookd.SecretPrefixEd25519 + base64.StdEncoding.EncodeToString(make([]byte, 40))} {
		if _, err := hookd.Ed25519PrivateKey(s); err == nil {
			t.Errorf("%.20s… accepted", s)
		}
		if _, err := dispatch.Sign("m", time.Now(), nil, []string{s}); err == nil {
			t.Errorf("Sign accepted %.20s…", s)
		}
	}
	if hookd.SecretScheme(hookd.NewSigningSecret(hookd.SigningHMACSHA256)) != hookd.SigningHMACSHA256 || hookd.SecretScheme(secret) != hookd.SigningEd25519 {
		t.Error("SecretScheme does not tell the schemes apart")
	}
}

// TestDeliverEd25519DuringRotation sends deliveries of an Ed25519 endpoint
// to a real receiver that verifies them with OpenSSL and the public keys
// the API shows: the current key's, both keys' during a rotation's overlap,
// and then only the new one's.
func TestDeliverEd25519DuringRotation(t *testing.T) {
	sqlstoretest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		rc := newReceiver(t)
		w := newWorld(t, s, nil)
		ep := w.endpoint(rc.URL, app.CreateEndpointInput{Signing: string(hookd.SigningEd25519)})
		first, err := w.app.EndpointSecret(ctx, w.tenant, ep.ID)
		if err != nil || !strings.HasPrefix(first, hookd.PublicKeyPrefix) {
			t.Fatalf("the secret operation gave %q (%v), want a whpk_ public key", first, err)
		}
		w.start()
		w.publish(userData)
		r := rc.next(t)
		if sig := r.Header.Get("Webhook-Signature"); !strings.HasPrefix(sig, "v1a,") || strings.Contains(sig, " ") {
			t.Fatalf("signature header %q, want one v1a signature", sig)
		}
		if err := verifyWithOpenSSL(t, first, r.Header, r.Body); err != nil {
			t.Fatalf("first key: %v", err)
		}
		w.waitRecorded(1)

		second, expires, err := w.app.RotateEndpointSecret(ctx, w.tenant, ep.ID)
		if err != nil || !strings.HasPrefix(second, hookd.PublicKeyPrefix) || second == first {
			t.Fatalf("rotation gave %q (%v), want a new whpk_ public key", second, err)
		}
		w.publish(userData)
		r = rc.next(t)
		for _, key := range []string{first, second} {
			if err := verifyWithOpenSSL(t, key, r.Header, r.Body); err != nil {
				t.Errorf("during the overlap, key %s: %v", key, err)
			}
		}
		w.waitRecorded(1)

		w.clock.Set(expires.Add(time.Second))
		w.publish(userData)
		r = rc.next(t)
		if err := verifyWithOpenSSL(t, first, r.Header, r.Body); err == nil {
			t.Error("the first key still verifies after the overlap")
		}
		if err := verifyWithOpenSSL(t, second, r.Header, r.Body); err != nil {
			t.Errorf("the second key after the overlap: %v", err)
		}
	})
}
