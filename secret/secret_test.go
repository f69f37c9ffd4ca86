package secret

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var fastParams = PasswordParams{Memory: 1024, Time: 1, Threads: 1}

func TestPasswordRoundTrip(t *testing.T) {
	h := HashPassword("correct horse", fastParams)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	for _, tc := range []struct {
		password string
		want     bool
	}{{"correct horse", true}, {"correct horsE", false}, {"", false}} {
		got, err := VerifyPassword(tc.password, h)
		if err != nil || got != tc.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tc.password, got, err, tc.want)
		}
	}
	if h2 := HashPassword("correct horse", fastParams); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=18$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := VerifyPassword("x", h); err != ErrMalformedHash {
			t.Errorf("VerifyPassword(%q) error = %v, want ErrMalformedHash", h, err)
		}
	}
}

func TestBox(t *testing.T) {
	b, err := NewBox(RandomBytes(KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ct := b.Seal([]byte("hkd_key_secret"), []byte("tenant:1"))
	if bytes.Contains(ct, []byte("hkd_key_secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	pt, err := b.Open(ct, []byte("tenant:1"))
	if err != nil || string(pt) != "hkd_key_secret" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := b.Open(ct, []byte("tenant:2")); err != ErrDecrypt {
		t.Errorf("Open with other associated data: err = %v, want ErrDecrypt", err)
	}
	other, _ := NewBox(RandomBytes(KeySize))
	if _, err := other.Open(ct, []byte("tenant:1")); err != ErrDecrypt {
		t.Errorf("Open under another key: err = %v, want ErrDecrypt", err)
	}
	if _, err := b.Open(ct[:5], nil); err != ErrDecrypt {
		t.Errorf("Open of a short ciphertext: err = %v, want ErrDecrypt", err)
	}
	if _, err := NewBox(make([]byte, 16)); err == nil {
		t.Error("NewBox accepted a 16-byte key")
	}
}

func TestParseKey(t *testing.T) {
	k := RandomBytes(KeySize)
	for _, s := range []string{hex.EncodeToString(k), " " + hex.EncodeToString(k) + "\n"} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	if _, err := ParseKey("too-short"); err == nil {
		t.Error("ParseKey accepted a short key")
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "instance.key")
	k1, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("first load = %d bytes, created %v, %v", len(k1), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	k2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load = created %v, same %v, %v", created, bytes.Equal(k1, k2), err)
	}
}

func TestNewTokenAndHint(t *testing.T) {
	a, b := NewToken("hkd_at_", 40), NewToken("hkd_at_", 40)
	if a == b || len(a) != 47 || !strings.HasPrefix(a, "hkd_at_") {
		t.Fatalf("tokens %q and %q", a, b)
	}
	if !Equal(HashToken(a), HashToken(a)) || Equal(HashToken(a), HashToken(b)) {
		t.Error("HashToken/Equal disagree")
	}
	if h := Hint(a, 11); !strings.HasPrefix(h, a[:11]) || !strings.HasSuffix(h, a[len(a)-4:]) || strings.Contains(h, a[11:len(a)-4]) {
		t.Errorf("Hint = %q", h)
	}
}
