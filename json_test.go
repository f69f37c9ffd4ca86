package hookd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestCheckJSON(t *testing.T) {
	tests := []struct {
		doc     string
		pointer string // "" with ok: no error
		ok      bool
		msg     string
	}{
		{doc: `{"amount":"DROP TABLE","amount":5}`, pointer: "/amount", msg: "duplicate key at /amount (byte offset 23)"},
		{doc: `{"a":{"b":1,"c":[{"x":1},{"x":2,"y":1,"x":3}]}}`, pointer: "/a/c/1/x", msg: "duplicate key at /a/c/1/x"},
		{doc: `{"a\u0062":1,"ab":2}`, pointer: "/ab", msg: "duplicate key"},
		{doc: `{"a/b":1,"a/b":2}`, pointer: "/a~1b"},
		{doc: `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k17":7,"k3":8}`, pointer: "/k3"},
		{doc: `{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}`, ok: true},
		{doc: `{"n":1e309}`, pointer: "/n", msg: "beyond the range of a 64-bit floating-point number"},
		{doc: `{"n":-1e309}`, pointer: "/n", msg: "beyond the range"},
		{doc: `[1e-400]`, pointer: "/0", msg: "nearer to zero"},
		{doc: `[1,2,1e-999999]`, pointer: "/2", msg: "exponent beyond ±400"},
		{doc: `{"z":0e-99999999}`, pointer: "/z", msg: "exponent beyond ±400"},
		{doc: `{"big":` + strings.Repeat("9", 400) + `}`, pointer: "/big", msg: "is 400 characters long; at most 100"},
		{doc: `{"n":[1,-0,0.5,1e308,-1.7976931348623157e308,5e-324,0e10,123456789012345678901234567890,1E+2]}`, ok: true},
		{doc: `{"a":1,}`, ok: true},   // malformed: left to the decoder
		{doc: `{"a":1,"a"`, ok: true}, // truncated before the value: still a duplicate key
	}
	for _, tt := range tests {
		err := hookd.CheckJSON([]byte(tt.doc))
		switch {
		case tt.ok && tt.doc == `{"a":1,"a"`:
			if err == nil || err.Pointer != "/a" {
				t.Errorf("CheckJSON(%s) = %v, want a duplicate at /a", tt.doc, err)
			}
		case tt.ok:
			if err != nil {
				t.Errorf("CheckJSON(%s) = %q, want nil", tt.doc, err.Message)
			}
		case err == nil:
			t.Errorf("CheckJSON(%s) = nil, want an error at %s", tt.doc, tt.pointer)
		case err.Pointer != tt.pointer || !strings.Contains(err.Message, tt.msg):
			t.Errorf("CheckJSON(%s) = %q at %q, want %q at %q", tt.doc, err.Message, err.Pointer, tt.msg, tt.pointer)
		}
	}
}

// FuzzCheckJSON checks that CheckJSON never panics and, for well-formed
// JSON, finds the same first problem as a reference built on
// encoding/json's tokenizer.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":1e309}]}}`, `[1e-999999]`, `{"a\u0062":1,"ab":2}`,
		`{"x":"\"","x\"":1}`, `[]`, `{}`, `"s"`, `-0.5e+10`, `{"a":[{"b":1},{"b":1,"b":1}]}`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k17":7,"k3":8}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := hookd.CheckJSON(data)
		if !json.Valid(data) {
			return
		}
		want := referenceCheck(t, data)
		gotPointer := ""
		if got != nil {
			gotPointer = got.Pointer
			if gotPointer == "" {
				gotPointer = "<top>"
			}
		}
		switch {
		case got == nil && want == "":
		case got == nil:
			t.Fatalf("CheckJSON(%q) = nil, reference finds a problem at %q", data, want)
		case gotPointer != want:
			t.Fatalf("CheckJSON(%q) = %q at %q, reference: %q", data, got.Message, got.Pointer, want)
		}
	})
}

// referenceCheck returns the JSON pointer of the first duplicate key or
// refused number in data, or "" if none ("<top>" for the top level).
func referenceCheck(t *testing.T, data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    string
		index  int
		expect bool // object: next token is a key
	}
	var stack []*frame
	pointer := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.object {
				b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		if b.Len() == 0 {
			return "<top>"
		}
		return b.String()
	}
	afterValue := func() {
		if n := len(stack); n > 0 {
			if top := stack[n-1]; top.object {
				top.expect = true
			} else {
				top.index++
			}
		}
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expect {
			if k, ok := tok.(string); ok {
				top := stack[n-1]
				top.key, top.expect = k, false
				if top.keys[k] {
					return pointer()
				}
				top.keys[k] = true
				continue
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, expect: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				afterValue()
			}
		case json.Number:
			if refuseNumber(string(v)) {
				return pointer()
			}
			afterValue()
		default:
			afterValue()
		}
	}
}

func refuseNumber(s string) bool {
	if len(s) > hookd.MaxJSONNumberLength {
		return true
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimLeft(s[i+1:], "+"))
		if err != nil || exp > hookd.MaxJSONExponent || exp < -hookd.MaxJSONExponent {
			return true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return true
	}
	mant := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
	}
	return f == 0 && strings.ContainsAny(mant, "123456789")
}

func BenchmarkCheckJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"items":[`)
	for i := 0; sb.Len() < 1<<20; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id":"usr_0193c0ffee0000000000000000000001","email":"ada@example.com","score":12.5,"tags":["a","b"],"active":true}`)
	}
	sb.WriteString(`]}`)
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := hookd.CheckJSON(data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	start := time.Now()
	var v any
	for i := 0; i < b.N; i++ {
		_ = json.Unmarshal(data, &v)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N), "ns/unmarshal")
}
