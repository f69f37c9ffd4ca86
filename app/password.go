package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// The password policy of every password hookd sets (console users, tenant
// admins, service accounts), after NIST SP 800-63B §3.1.1.2: a minimum
// length and a generous maximum, and no password that is one character or
// one short run repeated, a run of consecutive characters, the account's
// email or the name before its @ with a few characters added, or one of the
// most common passwords.
// There are no composition rules (no "one digit and one symbol").

// MinPasswordLength is the shortest password hookd accepts, in characters.
const MinPasswordLength = 12

// MaxPasswordBytes is the longest password hookd accepts, in bytes. Long
// passphrases fit; argon2id's cost does not grow with the length.
const MaxPasswordBytes = 1024

// minLocalPartInPassword is the shortest name before an email's @ that a
// password may not be built on; a shorter one ("hr") only may not be the
// password.
const minLocalPartInPassword = 3

//go:embed passwords/common.txt.gz
var commonPasswordsGzip []byte

// commonPasswords is the embedded list of common passwords (see
// passwords/README.md), lowercased, read on first need.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGzip))
	if err != nil {
		panic("app: the embedded common password list is corrupt: " + err.Error())
	}
	set := make(map[string]struct{}, 50_000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			set[w] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		panic("app: the embedded common password list is corrupt: " + err.Error())
	}
	return set
})

// isCommonPassword reports whether password, in any case, is on the list of
// common passwords.
func isCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}

// validatePassword checks a new password of the account with email against
// the policy and returns the first rule it breaks as an error of the field
// at location, or nil.
func validatePassword(location, password, email string) *hookd.FieldError {
	if msg := passwordProblem(password, email); msg != "" {
		return &hookd.FieldError{Location: location, Message: msg}
	}
	return nil
}

// passwordProblem returns why password may not be the password of the
// account with email, or "".
func passwordProblem(password, email string) string {
	if !utf8.ValidString(password) {
		return "must be valid UTF-8 text"
	}
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes)
	}
	if strings.ContainsFunc(password, unicode.IsControl) {
		return "must not contain control characters (tabs, line breaks and the like)"
	}
	runes := []rune(password)
	if isRepeated(runes) {
		return "must not be one character or one short sequence repeated"
	}
	if isConsecutive(runes) {
		return "must not be a run of consecutive characters such as 123456789012 or abcdefghijkl"
	}
	lower := strings.ToLower(password)
	if email = strings.ToLower(email); email != "" {
		local, _, _ := strings.Cut(email, "@")
		switch {
		case builtOn(lower, email):
			return "must not be the email with a few characters added"
		case lower == local || (utf8.RuneCountInString(local) >= minLocalPartInPassword && builtOn(lower, local)):
			return "must not be the name before the @ of the email with a few characters added"
		}
	}
	if isCommonPassword(lower) {
		return "is one of the most common passwords, which attackers try first; choose another"
	}
	return ""
}

// builtOn reports whether password contains word and is too short without
// it: the word with a few characters added.
func builtOn(password, word string) bool {
	return strings.Contains(password, word) &&
		utf8.RuneCountInString(strings.ReplaceAll(password, word, "")) < MinPasswordLength
}

// isRepeated reports whether rs is a shorter sequence repeated, such as
// "aaaaaaaaaaaa" or "abcabcabcabc".
func isRepeated(rs []rune) bool {
	for unit := 1; unit <= len(rs)/2; unit++ {
		if len(rs)%unit != 0 {
			continue
		}
		repeated := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i-unit] {
				repeated = false
				break
			}
		}
		if repeated {
			return true
		}
	}
	return false
}

// isConsecutive reports whether every character of rs follows the one
// before it, or every one precedes it ("345678901234" counts, 9 being
// followed by 0).
func isConsecutive(rs []rune) bool {
	if len(rs) < 2 {
		return false
	}
	step := func(a, b rune) rune {
		if a == '9' && b == '0' {
			return 1
		}
		if a == '0' && b == '9' {
			return -1
		}
		return b - a
	}
	d := step(rs[0], rs[1])
	if d != 1 && d != -1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if step(rs[i-1], rs[i]) != d {
			return false
		}
	}
	return true
}
