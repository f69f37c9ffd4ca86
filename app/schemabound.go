package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hookd/hookd"
)

// Bounds on the complexity of a tenant's event-type schema, checked when a
// type is created or its schema changed. They keep what one publish can
// cost small; the validation timeout stops whatever they let through.
const (
	// MaxSchemaDepth bounds how deeply subschemas nest.
	MaxSchemaDepth = 32
	// MaxSchemaSubschemas bounds the subschemas of a schema.
	MaxSchemaSubschemas = 2000
	// MaxSchemaFanOut bounds how many subschemas one value of the data is
	// checked against in place: through allOf, anyOf, oneOf, not,
	// if/then/else, dependentSchemas and $ref, counted through references
	// (an allOf of two, nested 22 deep, is 4 million).
	MaxSchemaFanOut = 256
	// MaxSchemaPatterns bounds the regular expressions (pattern and
	// patternProperties) of a schema.
	MaxSchemaPatterns = 64
	// MaxSchemaPatternLength bounds the characters of one regular
	// expression, and MaxSchemaPatternInstructions its compiled size
	// (matching costs up to that many steps per character of the data).
	MaxSchemaPatternLength       = 1000
	MaxSchemaPatternInstructions = 200
)

// inPlaceKeywords hold subschemas applied to the same value.
var inPlaceKeywords = map[string]string{
	"not": "one", "if": "one", "then": "one", "else": "one",
	"allOf": "list", "anyOf": "list", "oneOf": "list", "dependentSchemas": "map",
}

// movingKeywords hold subschemas applied to values inside the value.
var movingKeywords = map[string]string{
	"items": "one", "contains": "one", "additionalProperties": "one", "propertyNames": "one",
	"unevaluatedItems": "one", "unevaluatedProperties": "one",
	"prefixItems": "list", "properties": "map", "patternProperties": "map",
	"$defs": "map", "definitions": "map",
}

// schemaNode is a subschema found by schemaBounds.
type schemaNode struct {
	obj     map[string]any
	pointer string // JSON pointer in the schema document
	base    *url.URL
	inPlace []*schemaNode // filled by link
	refs    []string
	fanOut  int // 0: not computed; -1: being computed
}

// schemaBounds checks doc, a schema document, against the bounds above and
// returns the field errors at location naming the offending place.
func schemaBounds(location string, doc any) []hookd.FieldError {
	b := &bounder{location: location, ids: map[string]*schemaNode{}, byPointer: map[string]*schemaNode{}}
	base, _ := url.Parse(schemaURL)
	b.walk(doc, "", base, 1)
	if b.err != nil {
		return []hookd.FieldError{*b.err}
	}
	for _, n := range b.nodes {
		for _, ref := range n.refs {
			if t := b.resolve(n, ref); t != nil {
				n.inPlace = append(n.inPlace, t)
			}
		}
	}
	for _, n := range b.nodes {
		if f := b.fanOut(n); f > MaxSchemaFanOut {
			return []hookd.FieldError{b.fail(n.pointer, fmt.Sprintf(
				"checks one value against %s subschemas in place (allOf, anyOf, oneOf, not, if/then/else, dependentSchemas and $ref, counted through references); at most %d are allowed", fanOutText(f), MaxSchemaFanOut))}
		}
		if b.err != nil {
			return []hookd.FieldError{*b.err}
		}
	}
	return nil
}

type bounder struct {
	location  string
	nodes     []*schemaNode
	ids       map[string]*schemaNode // resolved $id, $anchor and $dynamicAnchor URLs
	byPointer map[string]*schemaNode
	patterns  int
	err       *hookd.FieldError
}

func (b *bounder) fail(pointer, msg string) hookd.FieldError {
	at := pointer
	if at == "" {
		at = "the top level"
	}
	return hookd.FieldError{Location: b.location, Message: "is too complex at " + at + ": " + msg}
}

func (b *bounder) walk(v any, pointer string, base *url.URL, depth int) *schemaNode {
	if b.err != nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil // a boolean schema, or invalid (left to the compiler)
	}
	if depth > MaxSchemaDepth {
		fe := b.fail(pointer, fmt.Sprintf("subschemas nest more than %d deep", MaxSchemaDepth))
		b.err = &fe
		return nil
	}
	if len(b.nodes) >= MaxSchemaSubschemas {
		fe := b.fail(pointer, fmt.Sprintf("the schema has more than %d subschemas", MaxSchemaSubschemas))
		b.err = &fe
		return nil
	}
	if id, ok := obj["$id"].(string); ok {
		if u, err := base.Parse(id); err == nil {
			u.Fragment = ""
			base = u
		}
	}
	n := &schemaNode{obj: obj, pointer: pointer, base: base}
	b.nodes = append(b.nodes, n)
	b.byPointer[base.String()+"#"+pointer] = n
	if _, ok := obj["$id"]; ok {
		b.ids[base.String()] = n
	}
	for _, k := range []string{"$anchor", "$dynamicAnchor"} {
		if a, ok := obj[k].(string); ok {
			b.ids[base.String()+"#"+a] = n
		}
	}
	for _, k := range []string{"$ref", "$dynamicRef"} {
		if r, ok := obj[k].(string); ok {
			n.refs = append(n.refs, r)
		}
	}
	if p, ok := obj["pattern"].(string); ok {
		b.pattern(pointer+"/pattern", p)
	}
	if pp, ok := obj["patternProperties"].(map[string]any); ok {
		for p := range pp {
			b.pattern(pointer+"/patternProperties/"+escapePointer(p), p)
		}
	}
	for k, v := range obj {
		kind, inPlace := inPlaceKeywords[k]
		if !inPlace {
			kind = movingKeywords[k]
		}
		var kids []*schemaNode
		switch kind {
		case "one":
			kids = append(kids, b.walk(v, pointer+"/"+k, base, depth+1))
		case "list":
			if l, ok := v.([]any); ok {
				for i, s := range l {
					kids = append(kids, b.walk(s, fmt.Sprintf("%s/%s/%d", pointer, k, i), base, depth+1))
				}
			}
		case "map":
			if m, ok := v.(map[string]any); ok {
				for name, s := range m {
					kids = append(kids, b.walk(s, pointer+"/"+k+"/"+escapePointer(name), base, depth+1))
				}
			}
		}
		if inPlace {
			for _, kid := range kids {
				if kid != nil {
					n.inPlace = append(n.inPlace, kid)
				}
			}
		}
	}
	return n
}

func (b *bounder) pattern(pointer, p string) {
	if b.err != nil {
		return
	}
	b.patterns++
	var msg string
	switch {
	case b.patterns > MaxSchemaPatterns:
		msg = fmt.Sprintf("the schema has more than %d regular expressions (pattern, patternProperties)", MaxSchemaPatterns)
	case utf8.RuneCountInString(p) > MaxSchemaPatternLength:
		msg = fmt.Sprintf("the regular expression is longer than %d characters", MaxSchemaPatternLength)
	default:
		re, err := syntax.Parse(p, syntax.Perl)
		if err != nil {
			return // the compiler says why
		}
		prog, err := syntax.Compile(re.Simplify())
		if err != nil {
			return
		}
		if len(prog.Inst) > MaxSchemaPatternInstructions {
			msg = fmt.Sprintf("the regular expression compiles to %d instructions (counted repetitions such as {1000} multiply them); at most %d are allowed", len(prog.Inst), MaxSchemaPatternInstructions)
		}
	}
	if msg != "" {
		fe := b.fail(pointer, msg)
		b.err = &fe
	}
}

// resolve finds the subschema ref names from n, or nil.
func (b *bounder) resolve(n *schemaNode, ref string) *schemaNode {
	u, err := n.base.Parse(ref)
	if err != nil {
		return nil
	}
	frag := u.Fragment
	u.Fragment = ""
	doc := u.String()
	if frag == "" {
		if t := b.ids[doc]; t != nil {
			return t
		}
		return b.byPointer[doc+"#"]
	}
	if strings.HasPrefix(frag, "/") {
		// A pointer into the resource named by doc.
		root := b.ids[doc]
		prefix := ""
		if root != nil {
			prefix = root.pointer
		}
		return b.byPointer[root0(root, doc)+"#"+prefix+frag]
	}
	return b.ids[doc+"#"+frag]
}

// root0 is the base URL the nodes of a resource are indexed under.
func root0(root *schemaNode, doc string) string {
	if root != nil {
		return root.base.String()
	}
	return doc
}

// fanOut returns how many subschemas n checks one value against in place,
// itself included, recording an error for a reference cycle that never
// moves into the data.
func (b *bounder) fanOut(n *schemaNode) int {
	switch n.fanOut {
	case -1:
		if b.err == nil {
			fe := b.fail(n.pointer, "a $ref leads back here without moving into the data, so validation would never end")
			b.err = &fe
		}
		return 1
	case 0:
	default:
		return n.fanOut
	}
	n.fanOut = -1
	f := 1
	for _, k := range n.inPlace {
		f += b.fanOut(k)
		if f > MaxSchemaFanOut*1000 {
			f = MaxSchemaFanOut * 1000 // enough to refuse; keeps the sum from overflowing
		}
	}
	n.fanOut = f
	return f
}

func fanOutText(f int) string {
	if f >= MaxSchemaFanOut*1000 {
		return fmt.Sprintf("more than %d", MaxSchemaFanOut*1000)
	}
	return fmt.Sprint(f)
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// compileNewSchema checks a tenant's new schema against the complexity
// bounds and compiles it with a gate of its own.
func compileNewSchema(location string, schema json.RawMessage) (*gatedSchema, []hookd.FieldError) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(schema)))
	if err != nil {
		return nil, []hookd.FieldError{{Location: location, Message: "must be valid JSON: " + err.Error()}}
	}
	if fields := schemaBounds(location, doc); len(fields) > 0 {
		return nil, fields
	}
	gate := &validationGate{}
	sch, fields := compileGatedSchema(location, schema, gate)
	if len(fields) > 0 {
		return nil, fields
	}
	return &gatedSchema{sch: sch, gate: gate}, nil
}

// gatedRegexp is a pattern whose matching stops when its gate closes: it
// checks the gate at each match, and reads a long string through a reader
// that checks it every few thousand characters.
type gatedRegexp struct {
	re   *regexp.Regexp
	gate *validationGate
}

// gatedReadChunk is how many runes a gated match reads between checks.
const gatedReadChunk = 4096

func (g gatedRegexp) MatchString(s string) bool {
	g.gate.check()
	if len(s) <= gatedReadChunk {
		return g.re.MatchString(s)
	}
	return g.re.MatchReader(&gatedReader{s: s, gate: g.gate})
}

func (g gatedRegexp) String() string { return g.re.String() }

type gatedReader struct {
	s    string
	i, n int
	gate *validationGate
}

func (r *gatedReader) ReadRune() (rune, int, error) {
	if r.n++; r.n%gatedReadChunk == 0 {
		r.gate.check()
	}
	if r.i >= len(r.s) {
		return 0, 0, errEndOfString
	}
	c, size := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += size
	return c, size, nil
}

var errEndOfString = io.EOF
