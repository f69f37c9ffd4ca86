// Package secret does hookd's credential cryptography: it makes random tokens,
// hashes them for lookup, hashes passwords with argon2id, and encrypts the
// secrets that must be shown again (AES-256-GCM under the instance key).
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewToken returns prefix followed by n random base62 characters. With n=40
// the random part carries about 238 bits.
func NewToken(prefix string, n int) string {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	max := big.NewInt(int64(len(alphabet)))
	for i := 0; i < n; i++ {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("secret: the system random source failed: " + err.Error())
		}
		b = append(b, alphabet[v.Int64()])
	}
	return string(b)
}

// RandomBytes returns n bytes from the system's random source.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("secret: the system random source failed: " + err.Error())
	}
	return b
}

// HashToken returns the SHA-256 of a high-entropy token. Tokens are random
// and long, so a fast hash is safe; passwords use HashPassword instead.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Equal compares a and b in constant time.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// Hint returns a version of token safe to show: its first prefixLen
// characters, an ellipsis and its last four characters.
func Hint(token string, prefixLen int) string {
	if len(token) <= prefixLen+4 {
		return "…"
	}
	return token[:prefixLen] + "…" + token[len(token)-4:]
}
