package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of the instance key: AES-256.
const KeySize = 32

// Box encrypts and decrypts secrets at rest with AES-256-GCM under the
// instance key. Each ciphertext is a random 12-byte nonce followed by the
// sealed data. The associated data binds a ciphertext to its purpose, so a
// ciphertext cannot be moved to another column or row undetected.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: the instance key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext, binding it to associated data ad.
func (b *Box) Seal(plaintext, ad []byte) []byte {
	nonce := RandomBytes(b.aead.NonceSize())
	return b.aead.Seal(nonce, nonce, plaintext, ad)
}

// ErrDecrypt is returned by Open for a ciphertext that does not open under
// this key and associated data.
var ErrDecrypt = errors.New("secret: cannot decrypt: wrong key, wrong associated data or corrupted data")

// Open decrypts a ciphertext made by Seal with the same associated data.
func (b *Box) Open(ciphertext, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(ciphertext) < n+b.aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := b.aead.Open(nil, ciphertext[:n], ciphertext[n:], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// ParseKey reads an instance key written as base64 (standard or URL
// alphabet, padded or not) or as 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("secret: the instance key must be %d bytes written as base64 or hex", KeySize)
}

// LoadOrCreateKeyFile returns the key stored at path, creating the file
// (mode 0600, holding a new random key as base64) if it does not exist. The
// second result is true when the file was created.
func LoadOrCreateKeyFile(path string) ([]byte, bool, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(data))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("secret: read key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("secret: create key directory: %w", err)
	}
	k := RandomBytes(KeySize)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process made it between our read and create: use theirs.
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("secret: create key file: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("secret: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("secret: write key file: %w", err)
	}
	return k, true, nil
}
