package hookd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SigningScheme is how an endpoint's deliveries are signed (Standard
// Webhooks): with a shared secret (HMAC-SHA256, "v1," signatures) or with
// an asymmetric key (Ed25519, "v1a," signatures), whose receivers need only
// the public key.
type SigningScheme string

// Signing schemes.
const (
	SigningHMACSHA256 SigningScheme = "hmac-sha256"
	SigningEd25519    SigningScheme = "ed25519"
)

// SigningSchemes are the schemes, the default first.
var SigningSchemes = []SigningScheme{SigningHMACSHA256, SigningEd25519}

// Valid reports whether s is a known scheme.
func (s SigningScheme) Valid() bool { return s == SigningHMACSHA256 || s == SigningEd25519 }

// Prefixes of Standard Webhooks keys: a shared secret, an Ed25519 secret
// (private) key and an Ed25519 public key, each followed by base64 of the
// key's bytes.
const (
	SecretPrefixHMAC    = "whsec_"
	SecretPrefixEd25519 = "whsk_"
	PublicKeyPrefix     = "whpk_"
)

// hmacSecretBytes is the size of a new shared secret.
const hmacSecretBytes = 32

// NewSigningSecret returns a new secret of scheme: whsec_ and base64 of
// random bytes, or whsk_ and base64 of an Ed25519 private key (its 32-byte
// seed followed by its public key, as libsodium writes it).
func NewSigningSecret(scheme SigningScheme) string {
	if scheme == SigningEd25519 {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(fmt.Sprintf("hookd: ed25519 key: %v", err)) // crypto/rand never fails
		}
		return SecretPrefixEd25519 + base64.StdEncoding.EncodeToString(priv)
	}
	b := make([]byte, hmacSecretBytes)
	_, _ = rand.Read(b) // never fails
	return SecretPrefixHMAC + base64.StdEncoding.EncodeToString(b)
}

// SecretScheme returns the scheme of a secret: Ed25519 for a whsk_ one,
// HMAC-SHA256 for any other (whsec_, or base64 without prefix).
func SecretScheme(secret string) SigningScheme {
	if strings.HasPrefix(secret, SecretPrefixEd25519) {
		return SigningEd25519
	}
	return SigningHMACSHA256
}

// ErrNotEd25519Secret is returned for a secret that is not a whsk_ key.
var ErrNotEd25519Secret = errors.New("not an Ed25519 secret key (whsk_ and base64 of 32 or 64 bytes)")

// Ed25519PrivateKey parses a whsk_ secret: base64 of a 32-byte seed, or of
// a 64-byte private key (seed and public key) whose public half matches
// its seed.
func Ed25519PrivateKey(secret string) (ed25519.PrivateKey, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefixEd25519)
	if !ok {
		return nil, ErrNotEd25519Secret
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, ErrNotEd25519Secret
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if string(priv[ed25519.SeedSize:]) != string(b[ed25519.SeedSize:]) {
			return nil, ErrNotEd25519Secret
		}
		return priv, nil
	}
	return nil, ErrNotEd25519Secret
}

// PublicKeyOf returns the whpk_ public key of a whsk_ secret.
func PublicKeyOf(secret string) (string, error) {
	priv, err := Ed25519PrivateKey(secret)
	if err != nil {
		return "", err
	}
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)), nil
}

// Signing returns the scheme of e's current secret; "" until the app has
// opened its secrets.
func (e *Endpoint) Signing() SigningScheme {
	if len(e.Secrets) == 0 || e.Secrets[0].Secret == "" {
		return ""
	}
	return SecretScheme(e.Secrets[0].Secret)
}

// EndpointPublicKey is the public key of one of an endpoint's Ed25519
// secrets, and when it stops signing (nil for the current one).
type EndpointPublicKey struct {
	Key       string
	ExpiresAt *time.Time
}

// PublicKeys returns the public keys of e's Ed25519 secrets that sign at
// now, the current one first: receivers verify with any of them during a
// rotation's overlap. Empty for secrets not opened or not Ed25519.
func (e *Endpoint) PublicKeys(now time.Time) []EndpointPublicKey {
	var keys []EndpointPublicKey
	for _, s := range e.LiveSecrets(now) {
		if k, err := PublicKeyOf(s.Secret); err == nil {
			keys = append(keys, EndpointPublicKey{Key: k, ExpiresAt: s.ExpiresAt})
		}
	}
	return keys
}
