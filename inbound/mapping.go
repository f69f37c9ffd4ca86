package inbound

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hookd/hookd"
)

// Mapping connects any HR system without code: each key is a JSON pointer
// (RFC 6901) into the webhook body, each value the user field it fills, one
// of employee_id, first_name, last_name, display_name, email and mobile.
// employee_id must be mapped, and no field may be mapped twice.
type Mapping map[string]string

// Validate checks the pointers' syntax and the field names, listing every
// problem in one EINVALID error with locations such as body.mapping["/a"].
func (m Mapping) Validate() error {
	var errs []hookd.FieldError
	seen := map[string]string{}
	for _, p := range m.pointers() {
		loc := fmt.Sprintf("body.mapping[%q]", p)
		if _, err := splitPointer(p); err != "" {
			errs = append(errs, hookd.FieldError{Location: loc, Message: err})
		}
		field := m[p]
		if _, ok := userFields[field]; !ok {
			errs = append(errs, hookd.FieldError{Location: loc, Message: fmt.Sprintf("maps to unknown user field %q; use employee_id, first_name, last_name, display_name, email or mobile", field)})
			continue
		}
		if q, dup := seen[field]; dup {
			errs = append(errs, hookd.FieldError{Location: loc, Message: fmt.Sprintf("maps to %s, which %q already maps to", field, q)})
			continue
		}
		seen[field] = p
	}
	if _, ok := seen["employee_id"]; !ok {
		errs = append(errs, hookd.FieldError{Location: "body.mapping", Message: "must map a pointer to employee_id"})
	}
	if len(errs) == 0 {
		return nil
	}
	return hookd.Invalid("The mapping is invalid.", errs...)
}

// pointers returns m's keys in order.
func (m Mapping) pointers() []string {
	ps := make([]string, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// splitPointer returns the unescaped reference tokens of an RFC 6901 pointer,
// or why it is not one.
func splitPointer(p string) ([]string, string) {
	if p == "" {
		return nil, ""
	}
	if p[0] != '/' {
		return nil, `must be a JSON pointer starting with "/"`
	}
	toks := strings.Split(p[1:], "/")
	for i, t := range toks {
		for j := 0; j < len(t); j++ {
			if t[j] == '~' && (j+1 >= len(t) || (t[j+1] != '0' && t[j+1] != '1')) {
				return nil, `has "~" not followed by 0 or 1`
			}
		}
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks, ""
}

// resolve finds the value p points to in doc.
func resolve(doc any, toks []string) (any, bool) {
	for _, t := range toks {
		switch x := doc.(type) {
		case map[string]any:
			v, ok := x[t]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			if t == "" || (len(t) > 1 && t[0] == '0') {
				return nil, false
			}
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			doc = x[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// pointerLocation names a pointer's place in the body, such as
// "body.person.id".
func pointerLocation(toks []string) string {
	if len(toks) == 0 {
		return "body"
	}
	return "body." + strings.Join(toks, ".")
}

// ParseMapped parses an HR webhook body through mapping m. The fields op
// requires (see ParseGenericUser) must be mapped and given; a mapped value
// that is absent, null or empty counts as not given. Unmapped top-level
// members are kept, readable, in the Comment.
func ParseMapped(body []byte, m Mapping, op Operation) (hookd.UserInput, error) {
	if err := checkOp(op); err != nil {
		return hookd.UserInput{}, err
	}
	if err := m.Validate(); err != nil {
		return hookd.UserInput{}, err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return hookd.UserInput{}, err
	}
	var u hookd.UserInput
	var errs []hookd.FieldError
	given := map[string]bool{}
	where := map[string]string{}
	used := map[string]bool{}
	for _, p := range m.pointers() {
		field := m[p]
		toks, _ := splitPointer(p)
		loc := pointerLocation(toks)
		where[field] = loc
		if len(toks) > 0 {
			used[toks[0]] = true
		}
		v, ok := resolve(obj, toks)
		if !ok {
			continue
		}
		s, msg := convert(v, userFields[field])
		if msg != "" {
			errs = append(errs, hookd.FieldError{Location: loc, Message: msg})
			given[field] = true // reported; not "required" too
			continue
		}
		if s != "" {
			setUserField(&u, field, s)
			given[field] = true
		}
	}
	for _, field := range requiredFor(op) {
		if given[field] {
			continue
		}
		if loc, ok := where[field]; ok {
			errs = append(errs, hookd.FieldError{Location: loc, Message: fmt.Sprintf("is required (mapped to %s)", field)})
		} else {
			errs = append(errs, hookd.FieldError{Location: "body", Message: fmt.Sprintf("%s is required for %s but the mapping has no pointer for it", field, op)})
		}
	}
	u.Comment = renderRest(obj, used)
	if err := invalid(errs); err != nil {
		return hookd.UserInput{}, err
	}
	return u, nil
}
