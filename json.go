package hookd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxJSONNumberLength bounds the characters of one number literal in JSON
// that hookd accepts. Together with the float64 range it bounds what a
// number costs to compare and validate (an exponent such as 1e-999999 is
// otherwise expanded into a million-digit fraction).
const MaxJSONNumberLength = 100

// MaxJSONExponent bounds the exponent of a number literal in JSON that hookd
// accepts, zero included.
const MaxJSONExponent = 400

// maxJSONDepth matches encoding/json's nesting limit: deeper values are left
// to the decoder, which refuses them.
const maxJSONDepth = 10000

// JSONError is a value in a JSON document hookd refuses although the
// document is well-formed: a key that appears twice in one object, or a
// number that does not fit a 64-bit float.
type JSONError struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending key or
	// number, "" for the document itself.
	Pointer string
	// Offset is the byte offset (from 0) where the key or number starts.
	Offset int
	// Message says what is wrong, naming the place.
	Message string
}

func (e *JSONError) Error() string { return e.Message }

// CheckJSON looks through data, one JSON document, for what a JSON parser
// would accept but hookd refuses: an object key that appears twice (parsers
// disagree on which value wins, so what was validated need not be what a
// receiver reads), and a number literal longer than MaxJSONNumberLength or
// outside the range of a 64-bit float (beyond ±1.8e308, or not zero but
// nearer to zero than 5e-324). It returns nil for a document with neither,
// and also as soon as data turns out not to be well-formed JSON: syntax
// errors are left to the decoder, which reports them with their offsets.
// Its cost is linear in len(data).
func CheckJSON(data []byte) *JSONError {
	c := jsonChecker{data: data}
	c.skipSpace()
	err, _ := c.value()
	return err
}

// jsonChecker scans one JSON document. ok=false from its methods means
// the document is not well-formed and scanning stopped.
type jsonChecker struct {
	data []byte
	i    int
	path []jsonStep
}

// jsonStep is one step of the path to the value being scanned: an object
// key (raw, as written between its quotes) or an array index.
type jsonStep struct {
	key   []byte
	index int
	isKey bool
}

func (c *jsonChecker) skipSpace() {
	for c.i < len(c.data) {
		switch c.data[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *jsonChecker) value() (*JSONError, bool) {
	if c.i >= len(c.data) {
		return nil, false
	}
	switch b := c.data[c.i]; {
	case b == '{':
		return c.object()
	case b == '[':
		return c.array()
	case b == '"':
		_, ok := c.str()
		return nil, ok
	case b == '-' || (b >= '0' && b <= '9'):
		return c.number()
	case b == 't':
		return nil, c.literal("true")
	case b == 'f':
		return nil, c.literal("false")
	case b == 'n':
		return nil, c.literal("null")
	}
	return nil, false
}

func (c *jsonChecker) literal(s string) bool {
	if !bytes.HasPrefix(c.data[c.i:], []byte(s)) {
		return false
	}
	c.i += len(s)
	return true
}

// str scans a string and returns its raw contents (between the quotes).
func (c *jsonChecker) str() ([]byte, bool) {
	start := c.i + 1
	for j := start; j < len(c.data); j++ {
		switch c.data[j] {
		case '"':
			c.i = j + 1
			return c.data[start:j], true
		case '\\':
			j++
		default:
			if c.data[j] < 0x20 {
				return nil, false
			}
		}
	}
	return nil, false
}

func (c *jsonChecker) object() (*JSONError, bool) {
	if len(c.path) >= maxJSONDepth {
		return nil, false
	}
	c.i++ // {
	c.skipSpace()
	if c.i < len(c.data) && c.data[c.i] == '}' {
		c.i++
		return nil, true
	}
	// Few keys: compare with each; many: a set of their decoded forms.
	var keys [][]byte
	var set map[string]struct{}
	c.path = append(c.path, jsonStep{isKey: true})
	defer func() { c.path = c.path[:len(c.path)-1] }()
	for {
		if c.i >= len(c.data) || c.data[c.i] != '"' {
			return nil, false
		}
		keyAt := c.i
		raw, ok := c.str()
		if !ok {
			return nil, false
		}
		key := raw
		if bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
			// Decode as a parser would: escapes resolved, invalid
			// UTF-8 replaced by U+FFFD.
			var s string
			if err := json.Unmarshal(c.data[keyAt:c.i], &s); err != nil {
				return nil, false
			}
			key = []byte(s)
		}
		c.path[len(c.path)-1].key = key
		dup := false
		if set == nil {
			for _, k := range keys {
				if bytes.Equal(k, key) {
					dup = true
					break
				}
			}
			if !dup {
				keys = append(keys, key)
				if len(keys) > 16 {
					set = make(map[string]struct{}, 2*len(keys))
					for _, k := range keys {
						set[string(k)] = struct{}{}
					}
				}
			}
		} else if _, dup = set[string(key)]; !dup {
			set[string(key)] = struct{}{}
		}
		if dup {
			p := c.pointer()
			return &JSONError{Pointer: p, Offset: keyAt, Message: fmt.Sprintf(
				"duplicate key at %s (byte offset %d): a key may appear only once in an object", describeJSONPointer(p), keyAt)}, true
		}
		c.skipSpace()
		if c.i >= len(c.data) || c.data[c.i] != ':' {
			return nil, false
		}
		c.i++
		c.skipSpace()
		if err, ok := c.value(); err != nil || !ok {
			return err, ok
		}
		c.skipSpace()
		if c.i >= len(c.data) {
			return nil, false
		}
		switch c.data[c.i] {
		case ',':
			c.i++
			c.skipSpace()
		case '}':
			c.i++
			return nil, true
		default:
			return nil, false
		}
	}
}

func (c *jsonChecker) array() (*JSONError, bool) {
	if len(c.path) >= maxJSONDepth {
		return nil, false
	}
	c.i++ // [
	c.skipSpace()
	if c.i < len(c.data) && c.data[c.i] == ']' {
		c.i++
		return nil, true
	}
	c.path = append(c.path, jsonStep{})
	defer func() { c.path = c.path[:len(c.path)-1] }()
	for n := 0; ; n++ {
		c.path[len(c.path)-1].index = n
		if err, ok := c.value(); err != nil || !ok {
			return err, ok
		}
		c.skipSpace()
		if c.i >= len(c.data) {
			return nil, false
		}
		switch c.data[c.i] {
		case ',':
			c.i++
			c.skipSpace()
		case ']':
			c.i++
			return nil, true
		default:
			return nil, false
		}
	}
}

// number scans a number literal (RFC 8259 grammar) and checks its length
// and range.
func (c *jsonChecker) number() (*JSONError, bool) {
	start := c.i
	d := c.data
	j := start
	if d[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		return j - k
	}
	intDigits := digits()
	if intDigits == 0 || (intDigits > 1 && d[j-intDigits] == '0') {
		return nil, false
	}
	simple := true
	if j < len(d) && d[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
		simple = false
	}
	if j < len(d) && (d[j] == 'e' || d[j] == 'E') {
		j++
		if j < len(d) && (d[j] == '+' || d[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
		simple = false
	}
	c.i = j
	lit := d[start:j]
	expStart := bytes.IndexAny(lit, "eE")
	if simple && intDigits <= 15 {
		return nil, true // an integer well inside float64's range
	}
	fail := func(why string) (*JSONError, bool) {
		p := c.pointer()
		return &JSONError{Pointer: p, Offset: start, Message: fmt.Sprintf("number at %s (byte offset %d) %s", describeJSONPointer(p), start, why)}, true
	}
	if len(lit) > MaxJSONNumberLength {
		return fail(fmt.Sprintf("is %d characters long; at most %d are accepted", len(lit), MaxJSONNumberLength))
	}
	if expStart >= 0 {
		// Even a zero costs time to validate with a huge exponent.
		exp, err := strconv.Atoi(strings.TrimLeft(string(lit[expStart+1:]), "+"))
		if err != nil || exp > MaxJSONExponent || exp < -MaxJSONExponent {
			return fail(fmt.Sprintf("has an exponent beyond ±%d; numbers must fit a 64-bit floating-point number (about ±1.8e308)", MaxJSONExponent))
		}
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || math.IsInf(f, 0) {
		return fail("is beyond the range of a 64-bit floating-point number (about ±1.8e308)")
	}
	if f == 0 && bytes.ContainsAny(mantissa(lit), "123456789") {
		return fail("is not zero but nearer to zero than a 64-bit floating-point number can be (about 5e-324)")
	}
	return nil, true
}

// mantissa is a number literal without its exponent.
func mantissa(lit []byte) []byte {
	if k := bytes.IndexAny(lit, "eE"); k >= 0 {
		return lit[:k]
	}
	return lit
}

// pointer renders the current path as a JSON pointer.
func (c *jsonChecker) pointer() string {
	var b strings.Builder
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	for _, s := range c.path {
		b.WriteByte('/')
		if s.isKey {
			b.WriteString(esc.Replace(string(s.key)))
		} else {
			b.WriteString(strconv.Itoa(s.index))
		}
	}
	return b.String()
}

func describeJSONPointer(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}
