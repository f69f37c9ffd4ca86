package hookd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// A Filter is an endpoint's condition on the events it receives, beside its
// event types: an event the filter does not match is not delivered to the
// endpoint (and counts as nothing, neither success nor failure).
//
// A filter is a JSON object matched against the event as
// {"type": <event type>, "data": <event data>}. Each key names a field —
// "type", "data", or a path into data such as "data.user.role" (dots
// separate the steps; a step of digits also indexes an array) — and its
// value is what the field must be:
//
//   - a literal (string, number, boolean, null, array): the field equals it
//     (numbers compare by value; null also matches a missing field; a field
//     that is an array also matches when one of its elements equals a
//     literal that is not an array);
//   - an object of operators, all of whose conditions must hold:
//     $eq, $neq, $gt, $gte, $lt, $lte (numbers with numbers, strings with
//     strings, as ISO 8601 times compare), $in, $nin (an array of
//     literals), $exists (true or false), $startsWith, $endsWith (strings),
//     and $not (an operator object or a literal, negated);
//   - an object of fields (no key starting with "$"): the field is an
//     object matching that filter.
//
// The keys $and and $or take an array of filters (all, or at least one,
// must match the same object), and $not a filter that must not match.
// Every key of an object must hold. The empty object matches every event.
type Filter struct {
	root filterNode
	raw  json.RawMessage
}

// Bounds on a filter, so that one stored on an endpoint costs a small,
// known amount to check against every event.
const (
	// MaxFilterBytes bounds a filter's JSON.
	MaxFilterBytes = 16 << 10
	// MaxFilterConditions bounds the fields, operators and literals of a
	// filter, counted together.
	MaxFilterConditions = 256
	// MaxFilterDepth bounds how deeply its objects and arrays nest.
	MaxFilterDepth = 16
)

// filterOperators are the operators a field's condition may use, in the
// order documented.
var filterOperators = []string{"$eq", "$neq", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$startsWith", "$endsWith", "$not"}

// ParseFilter parses and checks a filter. at is where the filter is in the
// request (such as "body.filter"); each problem is a FieldError at the
// place it is found below it (such as "body.filter.data.age.$gte"). An
// empty raw (or JSON null) is no filter: nil, and no error.
func ParseFilter(raw json.RawMessage, at string) (*Filter, []FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) > MaxFilterBytes {
		return nil, []FieldError{{Location: at, Message: fmt.Sprintf("must be at most %d bytes of JSON", MaxFilterBytes)}}
	}
	if err := CheckJSON(raw); err != nil {
		return nil, []FieldError{{Location: at, Message: err.Error()}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, []FieldError{{Location: at, Message: "must be a JSON object: " + err.Error()}}
	}
	if dec.More() {
		return nil, []FieldError{{Location: at, Message: "must be one JSON object"}}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, []FieldError{{Location: at, Message: "must be a JSON object of fields and conditions, such as {\"data.amount\": {\"$gte\": 100}}"}}
	}
	p := &filterParser{}
	root := p.object(obj, at, 1, true)
	if p.count > MaxFilterConditions {
		p.errs = append([]FieldError{{Location: at, Message: fmt.Sprintf("has %d fields, operators and values; at most %d are allowed", p.count, MaxFilterConditions)}}, p.errs...)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	compact := &bytes.Buffer{}
	if err := json.Compact(compact, raw); err != nil {
		return nil, []FieldError{{Location: at, Message: err.Error()}}
	}
	return &Filter{root: root, raw: compact.Bytes()}, nil
}

// JSON returns the filter as it was given, compacted.
func (f *Filter) JSON() json.RawMessage {
	if f == nil {
		return nil
	}
	return slices.Clone(f.raw)
}

// String returns the filter's JSON, as JSON returns it.
func (f *Filter) String() string {
	if f == nil {
		return ""
	}
	return string(f.raw)
}

// FilterSubject is an event as filters see it, decoded once for the
// filters of all its endpoints.
type FilterSubject struct {
	doc map[string]any
}

// NewFilterSubject decodes e's data for matching. Data that is not valid
// JSON (which Publish never stores) matches as if it were empty.
func NewFilterSubject(e *Event) FilterSubject {
	var data any
	dec := json.NewDecoder(bytes.NewReader(e.Data))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		data = map[string]any{}
	}
	return FilterSubject{doc: map[string]any{"type": e.Type, "data": data}}
}

// Match reports whether the event s matches f. A nil filter matches every
// event.
func (f *Filter) Match(s FilterSubject) bool {
	if f == nil {
		return true
	}
	return f.root.match(s.doc, true)
}

// MatchEvent is Match for one event.
func (f *Filter) MatchEvent(e *Event) bool {
	if f == nil {
		return true
	}
	return f.Match(NewFilterSubject(e))
}

// filterNode is one condition of a filter, checked against a value that
// exists (present) or not.
type filterNode interface {
	match(v any, present bool) bool
}

// filterParser builds filter nodes, counting them and collecting errors.
type filterParser struct {
	count int
	errs  []FieldError
}

func (p *filterParser) fail(at, format string, args ...any) {
	if len(p.errs) < 20 {
		p.errs = append(p.errs, FieldError{Location: at, Message: fmt.Sprintf(format, args...)})
	}
}

// object parses a filter object: fields and the logical operators. top is
// true for the whole filter, whose fields are "type" and "data".
func (p *filterParser) object(obj map[string]any, at string, depth int, top bool) filterNode {
	if depth > MaxFilterDepth {
		p.fail(at, "nests more than %d levels deep", MaxFilterDepth)
		return allOf{}
	}
	var all allOf
	for _, k := range sortedKeys(obj) {
		v := obj[k]
		kat := at + "." + k
		p.count++
		switch {
		case k == "$and" || k == "$or":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				p.fail(kat, "must be a non-empty array of filters")
				continue
			}
			var subs []filterNode
			for i, item := range list {
				iat := fmt.Sprintf("%s[%d]", kat, i)
				sub, ok := item.(map[string]any)
				if !ok {
					p.fail(iat, "must be a filter object")
					continue
				}
				subs = append(subs, p.object(sub, iat, depth+1, top))
			}
			if k == "$and" {
				all = append(all, allOf(subs))
			} else {
				all = append(all, anyOf(subs))
			}
		case k == "$not":
			sub, ok := v.(map[string]any)
			if !ok {
				p.fail(kat, "must be a filter object")
				continue
			}
			all = append(all, not{p.object(sub, kat, depth+1, top)})
		case strings.HasPrefix(k, "$"):
			p.fail(kat, "is not an operator here: an object of fields takes $and, $or and $not; put %s under a field, such as {\"data.amount\": {%q: …}}", k, k)
		default:
			path, ok := filterPath(k)
			if !ok {
				p.fail(kat, "is not a field path: steps separated by single dots, none empty")
				continue
			}
			if top && path[0] != "type" && path[0] != "data" {
				p.fail(kat, "is not a field of the event: name \"type\", \"data\" or a path into the data such as \"data.%s\"", k)
				continue
			}
			if top && path[0] == "type" && len(path) > 1 {
				p.fail(kat, "goes into the event type, which is a string")
				continue
			}
			all = append(all, field{path: path, cond: p.condition(v, kat, depth+1)})
		}
	}
	return all
}

// condition parses what a field must be: a literal, an operator object, or
// a nested filter object.
func (p *filterParser) condition(v any, at string, depth int) filterNode {
	if depth > MaxFilterDepth {
		p.fail(at, "nests more than %d levels deep", MaxFilterDepth)
		return allOf{}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return equal{p.literal(v, at, depth)}
	}
	ops, fields := 0, 0
	for k := range obj {
		if strings.HasPrefix(k, "$") && k != "$and" && k != "$or" {
			ops++
		} else {
			fields++
		}
	}
	switch {
	case ops > 0 && fields > 0:
		p.fail(at, "mixes operators with fields or $and/$or; put the operators in an object of their own")
		return allOf{}
	case ops == 0:
		return p.object(obj, at, depth, false)
	}
	var all allOf
	for _, op := range sortedKeys(obj) {
		arg, oat := obj[op], at+"."+op
		p.count++
		switch op {
		case "$eq":
			all = append(all, equal{p.literal(arg, oat, depth+1)})
		case "$neq":
			all = append(all, not{equal{p.literal(arg, oat, depth+1)}})
		case "$gt", "$gte", "$lt", "$lte":
			switch arg.(type) {
			case json.Number, string:
			default:
				p.fail(oat, "must be a number or a string")
				continue
			}
			all = append(all, compare{op: op, to: arg})
		case "$in", "$nin":
			list, ok := arg.([]any)
			if !ok {
				p.fail(oat, "must be an array of values")
				continue
			}
			var in anyOf
			for i, item := range list {
				in = append(in, equal{p.literal(item, fmt.Sprintf("%s[%d]", oat, i), depth+1)})
			}
			if op == "$in" {
				all = append(all, in)
			} else {
				all = append(all, not{in})
			}
		case "$exists":
			b, ok := arg.(bool)
			if !ok {
				p.fail(oat, "must be true or false")
				continue
			}
			all = append(all, exists(b))
		case "$startsWith", "$endsWith":
			s, ok := arg.(string)
			if !ok {
				p.fail(oat, "must be a string")
				continue
			}
			all = append(all, affix{suffix: op == "$endsWith", s: s})
		case "$not":
			all = append(all, not{p.condition(arg, oat, depth+1)})
		default:
			p.fail(oat, "is not an operator; use one of %s", strings.Join(filterOperators, ", "))
		}
	}
	return all
}

// literal checks a value compared for equality: no operator objects inside.
func (p *filterParser) literal(v any, at string, depth int) any {
	if depth > MaxFilterDepth {
		p.fail(at, "nests more than %d levels deep", MaxFilterDepth)
		return nil
	}
	p.count++
	switch v := v.(type) {
	case []any:
		for i, item := range v {
			p.literal(item, fmt.Sprintf("%s[%d]", at, i), depth+1)
		}
	case map[string]any:
		p.fail(at, "must be a value (string, number, boolean, null or array), not an object")
	}
	return v
}

// filterPath splits a field key into its steps.
func filterPath(k string) ([]string, bool) {
	path := strings.Split(k, ".")
	for _, step := range path {
		if step == "" {
			return nil, false
		}
	}
	return path, true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

type allOf []filterNode

func (a allOf) match(v any, present bool) bool {
	for _, n := range a {
		if !n.match(v, present) {
			return false
		}
	}
	return true
}

type anyOf []filterNode

func (a anyOf) match(v any, present bool) bool {
	for _, n := range a {
		if n.match(v, present) {
			return true
		}
	}
	return false
}

type not struct{ n filterNode }

func (n not) match(v any, present bool) bool { return !n.n.match(v, present) }

// field applies cond to the value at path below an object.
type field struct {
	path []string
	cond filterNode
}

func (f field) match(v any, present bool) bool {
	v, present = step(v, present, f.path)
	return f.cond.match(v, present)
}

// step follows path from v: object keys, and array indexes for steps of
// digits.
func step(v any, present bool, path []string) (any, bool) {
	for _, s := range path {
		if !present {
			return nil, false
		}
		switch c := v.(type) {
		case map[string]any:
			v, present = c[s]
		case []any:
			i, ok := arrayIndex(s)
			if !ok || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, present
}

// arrayIndex parses a step of at most 6 digits as an index.
func arrayIndex(s string) (int, bool) {
	if len(s) == 0 || len(s) > 6 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// equal matches a value equal to a literal; null also matches a missing
// value; an array value also matches when one of its elements equals a
// literal that is not an array.
type equal struct{ to any }

func (e equal) match(v any, present bool) bool {
	if !present {
		return e.to == nil
	}
	if jsonEqual(v, e.to) {
		return true
	}
	if list, ok := v.([]any); ok {
		if _, lit := e.to.([]any); !lit {
			for _, item := range list {
				if jsonEqual(item, e.to) {
					return true
				}
			}
		}
	}
	return false
}

// jsonEqual compares two decoded JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return false
		}
		c, ok := compareNumbers(a, bn)
		return ok && c == 0
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !jsonEqual(av, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// compareNumbers compares two JSON numbers as 64-bit floats (hookd refuses
// numbers beyond them, CheckJSON).
func compareNumbers(a, b json.Number) (int, bool) {
	x, err := a.Float64()
	if err != nil {
		return 0, false
	}
	y, err := b.Float64()
	if err != nil {
		return 0, false
	}
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// compare matches a number or string ordered against another of its kind;
// an array matches when one of its elements does.
type compare struct {
	op string
	to any
}

func (c compare) match(v any, present bool) bool {
	if !present {
		return false
	}
	if list, ok := v.([]any); ok {
		for _, item := range list {
			if c.match(item, true) {
				return true
			}
		}
		return false
	}
	var r int
	switch x := v.(type) {
	case json.Number:
		y, ok := c.to.(json.Number)
		if !ok {
			return false
		}
		if r, ok = compareNumbers(x, y); !ok {
			return false
		}
	case string:
		y, ok := c.to.(string)
		if !ok {
			return false
		}
		r = strings.Compare(x, y)
	default:
		return false
	}
	switch c.op {
	case "$gt":
		return r > 0
	case "$gte":
		return r >= 0
	case "$lt":
		return r < 0
	default:
		return r <= 0
	}
}

// exists matches a present value (null included) when true, a missing one
// when false.
type exists bool

func (e exists) match(_ any, present bool) bool { return present == bool(e) }

// affix matches a string starting (or ending) with s; an array matches when
// one of its elements does.
type affix struct {
	suffix bool
	s      string
}

func (a affix) match(v any, present bool) bool {
	switch x := v.(type) {
	case string:
		if a.suffix {
			return strings.HasSuffix(x, a.s)
		}
		return strings.HasPrefix(x, a.s)
	case []any:
		for _, item := range x {
			if a.match(item, true) {
				return true
			}
		}
	}
	return false
}
