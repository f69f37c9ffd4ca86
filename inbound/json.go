package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hookd/hookd"
)

// decodeObject parses body as one JSON object, numbers kept as json.Number.
func decodeObject(body []byte) (map[string]any, error) {
	v, err := decodeValue(body)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		msg := fmt.Sprintf("The body must be a JSON object, not %s.", kindOf(v))
		return nil, hookd.Invalid(msg, hookd.FieldError{Location: "body", Message: "must be a JSON object"})
	}
	return obj, nil
}

// decodeValue parses body as one JSON value and reports malformed JSON with
// the byte offset (counted from 0) of the fault.
func decodeValue(body []byte) (any, error) {
	// json.Unmarshal checks the whole body, trailing data included, and
	// reports where it went wrong.
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, malformed(body, err)
	}
	if je := hookd.CheckJSON(raw); je != nil {
		msg := "The body is not acceptable JSON: " + je.Message + "."
		return nil, &hookd.Error{Code: hookd.EINVALID, Message: msg, Fields: []hookd.FieldError{{Location: "body", Message: je.Message}}, Err: je}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, malformed(body, err)
	}
	return v, nil
}

// malformed describes a JSON syntax error.
func malformed(body []byte, err error) *hookd.Error {
	var msg string
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		msg = "The body is empty; it must be a JSON object."
	case errors.As(err, &se):
		at := int(se.Offset) - 1 // the offending byte
		if at < 0 {
			at = 0
		}
		if at >= len(body) || se.Offset > int64(len(body)) {
			msg = fmt.Sprintf("Malformed JSON: the body ends too early, at byte offset %d.", len(body))
		} else if c := body[at]; (c == '}' || c == ']') && prevNonSpace(body, at) >= 0 && body[prevNonSpace(body, at)] == ',' {
			msg = fmt.Sprintf("Malformed JSON: trailing comma at byte offset %d (before %q at byte offset %d); JSON allows no comma after the last member.", prevNonSpace(body, at), c, at)
		} else if strings.Contains(se.Error(), "end of JSON input") {
			msg = fmt.Sprintf("Malformed JSON: the body ends too early, at byte offset %d.", len(body))
		} else {
			msg = fmt.Sprintf("Malformed JSON at byte offset %d: %s.", at, se.Error())
		}
	default:
		msg = fmt.Sprintf("Malformed JSON: %s.", err.Error())
	}
	return &hookd.Error{
		Code:    hookd.EINVALID,
		Message: msg,
		Fields:  []hookd.FieldError{{Location: "body", Message: msg}},
		Err:     err,
	}
}

// prevNonSpace returns the index of the last non-whitespace byte before i, or -1.
func prevNonSpace(b []byte, i int) int {
	for j := i - 1; j >= 0; j-- {
		switch b[j] {
		case ' ', '\t', '\r', '\n':
		default:
			return j
		}
	}
	return -1
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "another value"
}

// invalid returns the error listing every field problem, or nil if none.
func invalid(errs []hookd.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	if len(errs) == 1 {
		return hookd.Invalid(fmt.Sprintf("The body is invalid: %s %s.", errs[0].Location, errs[0].Message), errs...)
	}
	return hookd.Invalid(fmt.Sprintf("The body has %d invalid fields.", len(errs)), errs...)
}

// kind says what a field may hold.
type kind int

const (
	line      kind = iota // one line of text
	text                  // text, line breaks allowed
	ident                 // an identifier: a string or a number
	emailAddr             // an email address, lower-cased
)

// fields reads the members of a body object, collecting every problem.
type fields struct {
	obj  map[string]any
	used map[string]bool
	errs []hookd.FieldError
}

func newFields(obj map[string]any) *fields {
	return &fields{obj: obj, used: map[string]bool{}}
}

func (f *fields) fail(key, msg string) {
	f.errs = append(f.errs, hookd.FieldError{Location: "body." + key, Message: msg})
}

// get returns the trimmed value of key and whether it was given: a missing
// key, null and an empty string all count as not given.
func (f *fields) get(key string, k kind) (string, bool) {
	f.used[key] = true
	v, ok := f.obj[key]
	if !ok {
		return "", false
	}
	s, msg := convert(v, k)
	if msg != "" {
		f.fail(key, msg)
		return "", false
	}
	return s, s != ""
}

// required is get, listing the key as required when it is not given.
func (f *fields) required(key string, k kind) string {
	s, ok := f.get(key, k)
	if !ok && !f.failed(key) {
		f.fail(key, "is required")
	}
	return s
}

// optional is get, returning nil when the key is not given.
func (f *fields) optional(key string, k kind) *string {
	s, ok := f.get(key, k)
	if !ok {
		return nil
	}
	return &s
}

func (f *fields) failed(key string) bool {
	for _, e := range f.errs {
		if e.Location == "body."+key {
			return true
		}
	}
	return false
}

// comment renders every member not read as sorted "key: value" lines.
func (f *fields) comment() string {
	return renderRest(f.obj, f.used)
}

// convert turns a JSON value into the trimmed text of a field of kind k, or
// returns why it cannot.
func convert(v any, k kind) (string, string) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", ""
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		if k != ident {
			return "", "must be a string, not a number"
		}
		s = x.String()
	default:
		if k == ident {
			return "", "must be a string or a number, not " + kindOf(v)
		}
		return "", "must be a string, not " + kindOf(v)
	}
	switch k {
	case text:
		if strings.ContainsRune(s, 0) {
			return "", "must not contain NUL characters"
		}
	case emailAddr:
		if s == "" {
			return "", ""
		}
		if fe := hookd.ValidateEmail("", s); fe != nil {
			return "", fe.Message
		}
		s = strings.ToLower(s)
	default:
		if hookd.HasControl(s) {
			return "", "must be one line without control characters"
		}
	}
	return s, ""
}

// renderRest renders the members of obj whose keys are not in used.
func renderRest(obj map[string]any, used map[string]bool) string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if !used[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(render(obj[k]))
	}
	return b.String()
}

// render shows a JSON value readably: text as is, anything else as JSON.
func render(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
